package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
)

// SealKeyFile is the file, in the data directory, holding the key that
// encrypts second-factor secrets. Instances sharing a database share it.
const SealKeyFile = "identity-seal.key"

// LoadOrCreateSealKey reads the key from dir, creating it (0600) if absent.
func LoadOrCreateSealKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, SealKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := base64.StdEncoding.DecodeString(string(trimSpace(b)))
		if err != nil || len(k) != 32 {
			return nil, errors.New("identity: " + path + " does not hold a base64 32-byte key")
		}
		return k, nil
	}
	if !os.IsNotExist(err) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// sealer encrypts small secrets with AES-256-GCM; a sealed value is
// base64(nonce | ciphertext).
type sealer struct {
	aead cipher.AEAD
	mac  []byte // a key derived for the HMAC of recovery codes
}

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key) // secrets sealed by this process only (tests)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("identity: the seal key must be 32 bytes")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("guichet identity recovery codes"))
	return &sealer{aead: aead, mac: m.Sum(nil)}, nil
}

func (s *sealer) seal(plain []byte, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(context)))
}

func (s *sealer) open(sealed, context string) ([]byte, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errors.New("identity: sealed value is damaged")
	}
	return s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(context))
}
