package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// The key files in the key folder, and the name of the key.
const (
	SigningKeyFile = "audit-signing.key" // the note signer key; mode 0600
	VerifyKeyFile  = "audit-verify.pub"  // the note verifier key, to publish
	KeyName        = "guichet-audit"
)

// LoadOrCreateKey returns the checkpoint signer and its verifier from dir,
// creating an Ed25519 key pair there on first use (the folder with mode
// 0700, the private key 0600). A private key readable by others is refused.
// If only the public key is missing it is derived again; if only the
// private key is missing, LoadOrCreateKey refuses rather than replace a
// published key.
func LoadOrCreateKey(dir string) (note.Signer, note.Verifier, error) {
	skeyPath := filepath.Join(dir, SigningKeyFile)
	vkeyPath := filepath.Join(dir, VerifyKeyFile)
	skey, err := os.ReadFile(skeyPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(vkeyPath); err == nil {
			return nil, nil, fmt.Errorf("audit key: %s exists but %s is missing; restore the private key (a new one would not match the published key)", vkeyPath, skeyPath)
		}
		skey, err = createKey(dir, skeyPath)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	if info, err := os.Stat(skeyPath); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, nil, fmt.Errorf("audit key: %s is readable by others (mode %v); run chmod 600 on it", skeyPath, info.Mode().Perm())
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %s: %w", skeyPath, err)
	}
	vkey, err := os.ReadFile(vkeyPath)
	if errors.Is(err, fs.ErrNotExist) {
		vkey, err = writeVerifierKey(vkeyPath, string(skey))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %s: %w", vkeyPath, err)
	}
	if verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() {
		return nil, nil, fmt.Errorf("audit key: %s is not the public key of %s", vkeyPath, skeyPath)
	}
	return signer, verifier, nil
}

// createKey writes a new private key, failing if another process created
// one first (then that one is read).
func createKey(dir, path string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(skey), f.Close()
}

// writeVerifierKey derives the public key of an encoded Ed25519 signer key
// (PRIVATE+KEY+name+hash+base64(alg, seed)) and writes it.
func writeVerifierKey(path, skey string) ([]byte, error) {
	fields := strings.SplitN(strings.TrimSpace(skey), "+", 5) // base64 may hold "+"
	if len(fields) != 5 {
		return nil, errors.New("malformed signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(fields[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("the signer key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(fields[2], pub)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(vkey+"\n"), 0o644); err != nil {
		return nil, err
	}
	return []byte(vkey), nil
}

// LoadVerifier reads a verifier key file (as written to audit-verify.pub).
func LoadVerifier(path string) (note.Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit verifier key %s: %w", path, err)
	}
	return v, nil
}
