package i18n

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"fr", FR, true},
		{"en", EN, true},
		{"", FR, false},
		{"FR", FR, false},
		{"fr-CA", FR, false},
		{"de", FR, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestOther(t *testing.T) {
	if FR.Other() != EN || EN.Other() != FR || Lang("xx").Other() != EN {
		t.Errorf("Other: FR→%q EN→%q xx→%q", FR.Other(), EN.Other(), Lang("xx").Other())
	}
	if len(All) != 2 || All[0] != FR || All[1] != EN {
		t.Errorf("All = %v", All)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"", FR},
		{"fr-CA", FR},
		{"en", EN},
		{"en-CA,en;q=0.9,fr;q=0.5", EN},
		{"fr-CA,fr;q=0.9,en;q=0.8", FR},
		{"de, en;q=0.3", EN},
		{"de", FR},
		{"EN-us", EN},
		{"en;q=0, fr;q=0.1", FR},
		{"fr;q=0, en;q=0.1", EN},
		{"fr;q=0", FR},             // nothing acceptable: default
		{"en, fr", EN},             // tie: earlier entry wins
		{"fr, en", FR},             // tie: earlier entry wins
		{"en;q=0.5, fr;q=0.5", EN}, // tie
		{"en;q=0.5, fr;q=0.8", FR},
		{" en ; q=0.7 , de;q=1", EN},
		{"en;Q=0.9,fr;q=0.8", EN},
		{"en;q=2, fr;q=0.1", FR}, // malformed q excluded
		{"en;q=abc", FR},         // malformed q excluded
		{"en;q=1.000", EN},
		{"en;q=0.001", EN},
		{"en;q=0.0001", FR}, // more than three decimals: malformed
		{"*", FR},
		{"fr;q=0, *", EN},   // wildcard: a language not named elsewhere
		{"en;q=0, *", FR},   //
		{"de, *;q=0.5", FR}, //
		{"french", FR},
		{"english", FR}, // not the "en" subtag
		{",,;q=1,", FR},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}
