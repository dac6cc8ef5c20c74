package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runAssistant(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := assistantWith(context.Background(), Env{Stdout: &out, Stderr: &errOut,
		Getenv: func(string) (string, bool) { return "", false }}, strings.NewReader(stdin), args)
	return out.String(), errOut.String(), err
}

func TestAssistantParse(t *testing.T) {
	in := "ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?\r\n\n   \n" +
		"cancel rv-7k3m9p please\nok\n"
	out, errOut, err := runAssistant(t, in, "parse", "--now", "2026-11-27T09:30:00-05:00", "--lang", "en")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines (empty ones skipped), got %d:\n%s", len(lines), out)
	}
	type result struct {
		Text       string            `json:"text"`
		Lang       string            `json:"lang"`
		Intent     string            `json:"intent"`
		Confidence *float64          `json:"confidence"`
		Entities   map[string]string `json:"entities"`
	}
	var rs []result
	for _, l := range lines {
		var r result
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if r.Confidence == nil || *r.Confidence < 0 || *r.Confidence > 1 || r.Entities == nil {
			t.Errorf("%s: confidence or entities missing", l)
		}
		rs = append(rs, r)
	}
	if r := rs[0]; r.Text != "ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?" ||
		r.Lang != "fr" || r.Intent != "book_appointment" || r.Entities["municipality"] != "Laval" || r.Entities["date"] != "2026-12-03" {
		t.Errorf("line 1: %+v", r)
	}
	if r := rs[1]; r.Lang != "en" || r.Intent != "cancel_appointment" || r.Entities["booking_ref"] != "RV-7K3M9P" {
		t.Errorf("line 2: %+v", r)
	}
	if r := rs[2]; r.Lang != "en" || r.Intent != "affirm" || !strings.Contains(lines[2], `"entities":{}`) {
		t.Errorf("line 3 (--lang en decides « ok »): %s", lines[2])
	}
	if !strings.Contains(lines[0], "après-midi") {
		t.Errorf("accents must be kept as UTF-8: %s", lines[0])
	}
}

func TestAssistantParseErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"parse"}, "--now is required"},
		{[]string{"parse", "--now", "demain"}, "not an RFC 3339 time"},
		{[]string{"parse", "--now", "2026-11-27T09:30:00-05:00", "--lang", "de"}, "not fr or en"},
		{[]string{"parse", "--now", "2026-11-27T09:30:00-05:00", "extra"}, "standard input"},
		{[]string{"chat", "--lang", "de"}, "not fr or en"},
	} {
		if _, _, err := runAssistant(t, "bonjour\n", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
	if _, _, err := runAssistant(t, "", "parse", "--now", "2026-11-27T09:30:00-05:00"); err != nil {
		t.Errorf("empty input: %v", err)
	}
	long := strings.Repeat("a", maxLine+10) + "\n"
	if _, _, err := runAssistant(t, long, "parse", "--now", "2026-11-27T09:30:00-05:00"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long line: %v", err)
	}
}

func TestAssistantChat(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := assistantWith(context.Background(), Env{Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) (string, bool) {
			switch k {
			case "GUICHET_DB":
				return "sqlite:" + dir + "/g.db", true
			case "GUICHET_DATA_DIR":
				return dir, true
			}
			return "", false
		}}, strings.NewReader("bonjour\nje veux parler à une personne\n"), []string{"chat"})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	text := out.String()
	if !strings.Contains(text, "Bonjour") || !strings.Contains(text, "[handoff_requested ]") {
		t.Fatalf("transcript:\n%s", text)
	}
}
