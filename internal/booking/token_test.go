package booking

import "testing"

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
