package cli_test

import (
	"strings"
	"testing"
)

func TestAssistantUsage(t *testing.T) {
	code, out, errOut := run(t, nil, "assistant")
	if code != 2 || !strings.Contains(errOut, "Usage: guichet assistant") {
		t.Fatalf("no subcommand: exit %d %q %q", code, out, errOut)
	}
	for _, sub := range []string{"parse", "chat", "eval"} {
		if !strings.Contains(errOut, "  "+sub+" ") {
			t.Errorf("usage does not list %s:\n%s", sub, errOut)
		}
	}
	if code, out, _ := run(t, nil, "assistant", "--help"); code != 0 || !strings.Contains(out, "parse") {
		t.Errorf("--help: %d %q", code, out)
	}
	if code, _, errOut := run(t, nil, "assistant", "parse", "--help"); code != 0 || !strings.Contains(errOut, "Usage: guichet assistant parse --now") {
		t.Errorf("parse --help: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "assistant", "parse"); code != 1 || !strings.Contains(errOut, "guichet assistant: --now is required") {
		t.Errorf("parse without --now: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "assistant", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown: %d %q", code, errOut)
	}
}
