package reference

import (
	"regexp"
	"testing"
)

func TestReferences(t *testing.T) {
	form := regexp.MustCompile(`^RV-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{6}$`)
	seen := map[string]bool{}
	for range 1000 {
		r := New()
		if !form.MatchString(r) {
			t.Fatalf("%q is not RV-XXXXXX in Crockford base 32", r)
		}
		seen[r] = true
	}
	if len(seen) < 990 {
		t.Fatalf("only %d distinct references in 1000", len(seen))
	}
	for in, want := range map[string]string{"rv-7k3m9p": "RV-7K3M9P", "RV7K3M9P": "RV-7K3M9P", " 7k3m9p ": "RV-7K3M9P", "rv-oil000": "RV-011000"} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"RV-7K3M9", "RV-7K3M9PP", "RV-7K3M9U", "", "AB-7K3M9P"} {
		if got, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted as %q", bad, got)
		}
	}
}
