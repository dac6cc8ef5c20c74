package booking

import (
	"regexp"
	"testing"
)

func TestReferences(t *testing.T) {
	form := regexp.MustCompile(`^RV-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{6}$`)
	seen := map[string]bool{}
	for range 1000 {
		r := NewReference()
		if !form.MatchString(r) {
			t.Fatalf("%q is not RV-XXXXXX in Crockford base 32", r)
		}
		seen[r] = true
	}
	if len(seen) < 990 {
		t.Fatalf("only %d distinct references in 1000", len(seen))
	}
	for in, want := range map[string]string{"rv-7k3m9p": "RV-7K3M9P", "RV7K3M9P": "RV-7K3M9P", " 7k3m9p ": "RV-7K3M9P", "rv-oil000": "RV-011000"} {
		if got, ok := ParseReference(in); !ok || got != want {
			t.Errorf("ParseReference(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"RV-7K3M9", "RV-7K3M9PP", "RV-7K3M9U", "", "AB-7K3M9P"} {
		if got, ok := ParseReference(bad); ok {
			t.Errorf("ParseReference(%q) accepted as %q", bad, got)
		}
	}
}

func TestTokens(t *testing.T) {
	tk, err := LoadOrCreateTokens(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := newNonce()
	tok := tk.Token("RV-7K3M9P", n)
	if len(tok) != 22 || !tk.Valid("RV-7K3M9P", n, tok) {
		t.Fatalf("token %q", tok)
	}
	for _, bad := range []struct{ ref, nonce, tok string }{
		{"RV-7K3M9Q", n, tok}, {"RV-7K3M9P", newNonce(), tok}, {"RV-7K3M9P", n, ""}, {"RV-7K3M9P", n, tok[:21] + "A"},
	} {
		if tk.Valid(bad.ref, bad.nonce, bad.tok) && bad.tok != tok {
			t.Errorf("accepted %+v", bad)
		}
	}
	if tk.Valid("RV-7K3M9Q", n, tok) || tk.Valid("RV-7K3M9P", newNonce(), tok) {
		t.Error("a token manages another booking")
	}
	other := NewTokens(make([]byte, 32))
	if other.Valid("RV-7K3M9P", n, tok) {
		t.Error("a token is valid under another secret")
	}
}
