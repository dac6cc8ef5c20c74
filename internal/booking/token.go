package booking

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Tokens issues and checks manage tokens. A token is an HMAC of the
// booking's reference and a random nonce under a server secret, cut to 128
// bits: the database keeps only the nonce, so a copy of the database does
// not let anyone manage a booking, while a retried request (same
// Idempotency-Key) can be answered with the same token.
type Tokens struct{ secret []byte }

// TokenKeyFile is the secret's file in the data folder.
const TokenKeyFile = "manage-token.key"

// LoadOrCreateTokens reads the secret from dir, creating it on first use.
func LoadOrCreateTokens(dir string) (*Tokens, error) {
	path := filepath.Join(dir, TokenKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		var key [32]byte
		rand.Read(key[:])
		enc := hex.EncodeToString(key[:])
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateTokens(dir) // another instance created it first
		}
		if err != nil {
			return nil, err
		}
		if _, err := f.WriteString(enc + "\n"); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		b = []byte(enc)
	} else if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(string(trimNL(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s is not a 32-byte hexadecimal key", path)
	}
	return &Tokens{secret: key}, nil
}

// NewTokens uses a given secret (tests).
func NewTokens(secret []byte) *Tokens { return &Tokens{secret: secret} }

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// newNonce returns the random part stored with a booking.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Token computes the manage token of a booking.
func (t *Tokens) Token(reference, nonce string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte("guichet-manage-v1\x00" + reference + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Valid checks a presented token in constant time.
func (t *Tokens) Valid(reference, nonce, token string) bool {
	return token != "" && hmac.Equal([]byte(t.Token(reference, nonce)), []byte(token))
}
