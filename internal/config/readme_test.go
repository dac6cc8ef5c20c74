package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/config"
)

// TestREADMEDocumentsEveryOption keeps the README's configuration table
// complete.
func TestREADMEDocumentsEveryOption(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, o := range config.Options {
		if !strings.Contains(readme, "| `--"+o.Flag+"` | `"+o.Env+"` |") {
			t.Errorf("README.md's configuration table lacks --%s / %s", o.Flag, o.Env)
		}
	}
}
