package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/guichet-qc/guichet/internal/audit"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	s1, v1, err := audit.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, audit.SigningKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("signing key mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	s2, v2, err := audit.LoadOrCreateKey(dir)
	if err != nil || s2.KeyHash() != s1.KeyHash() || v2.KeyHash() != v1.KeyHash() || s1.Name() != audit.KeyName {
		t.Fatalf("second load gave another key: %v", err)
	}
	msg, err := note.Sign(&note.Note{Text: "hello\n"}, s2)
	if err != nil {
		t.Fatal(err)
	}
	v3, err := audit.LoadVerifier(filepath.Join(dir, audit.VerifyKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v3)); err != nil {
		t.Fatalf("the published key does not verify: %v", err)
	}

	t.Run("public key derived again", func(t *testing.T) {
		os.Remove(filepath.Join(dir, audit.VerifyKeyFile))
		_, v, err := audit.LoadOrCreateKey(dir)
		if err != nil || v.KeyHash() != v1.KeyHash() {
			t.Fatalf("derived key %v, %v", v, err)
		}
	})
	t.Run("private key readable by others is refused", func(t *testing.T) {
		p := filepath.Join(dir, audit.SigningKeyFile)
		os.Chmod(p, 0o644)
		defer os.Chmod(p, 0o600)
		if _, _, err := audit.LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("lost private key is not replaced", func(t *testing.T) {
		os.Remove(filepath.Join(dir, audit.SigningKeyFile))
		if _, _, err := audit.LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "restore the private key") {
			t.Fatalf("err = %v", err)
		}
	})
}
