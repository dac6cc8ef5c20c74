package dossier

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"
)

// ReceiptKeyFile is the ES256 key that signs consent receipts and exports,
// in the data directory (PEM, mode 0600), like the other keys.
const ReceiptKeyFile = "dossier-receipts.key"

// Receipts signs JSON documents as JWS (ES256) with the platform's key.
type Receipts struct {
	key *ecdsa.PrivateKey
	kid string
}

// LoadOrCreateReceipts reads dir/dossier-receipts.key, creating it on
// first use; a key readable by others is refused.
func LoadOrCreateReceipts(dir string) (*Receipts, error) {
	path := filepath.Join(dir, ReceiptKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, err
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateReceipts(dir) // another process wrote it first
		}
		if err != nil {
			return nil, err
		}
		_, werr := f.Write(b)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, werr
		}
	} else if err != nil {
		return nil, fmt.Errorf("dossier receipt key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("dossier receipt key: %s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("dossier receipt key: %s is not PEM", path)
	}
	k, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("dossier receipt key: %s is not a P-256 EC key", path)
	}
	return NewReceipts(k), nil
}

// NewReceipts signs with k (P-256); its key id is the RFC 7638 thumbprint.
func NewReceipts(k *ecdsa.PrivateKey) *Receipts {
	jwk := jose.JSONWebKey{Key: &k.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	return &Receipts{key: k, kid: base64.RawURLEncoding.EncodeToString(tp)}
}

// PublicJWK is the public key that verifies receipts, as a JWK (JSON).
func (r *Receipts) PublicJWK() []byte {
	b, _ := json.MarshalIndent(jose.JSONWebKey{Key: &r.key.PublicKey, KeyID: r.kid, Algorithm: string(jose.ES256), Use: "sig"}, "", "  ")
	return b
}

// Sign signs the JSON encoding of v as a compact JWS (ES256) whose type
// says what it is (e.g. "guichet-consent-receipt+jwt").
func (r *Receipts) Sign(typ string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return r.SignBytes(typ, payload)
}

// SignBytes signs payload as a compact JWS.
func (r *Receipts) SignBytes(typ string, payload []byte) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: r.key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", r.kid))
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Verify checks a compact JWS signed by this key and returns its payload.
func (r *Receipts) Verify(compact string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, err
	}
	return jws.Verify(&r.key.PublicKey)
}
