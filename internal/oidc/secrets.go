package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/guichet-qc/guichet/internal/database"
)

// secret returns the provider secret of that name, creating it on first use
// (the first instance to start creates it; the others read it).
func secret(ctx context.Context, db *database.DB, name string) ([]byte, error) {
	var fresh [32]byte
	rand.Read(fresh[:])
	var value string
	err := db.Write(ctx, func(tx *database.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO oidc_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			name, base64.StdEncoding.EncodeToString(fresh[:])); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM oidc_secrets WHERE name = ?`, name).Scan(&value)
	})
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("oidc secret %s is damaged", name)
	}
	return b, nil
}

// keyedHash is HMAC-SHA256 over the parts, each length-prefixed so that
// ("ab","c") and ("a","bc") differ, in unpadded base64url.
func keyedHash(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hashToken is the stored form of a bearer secret (a code, a refresh token,
// a client secret): SHA-256, since they are random and 256 bits long.
func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomToken is a fresh 256-bit secret in base64url.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// randomID is a fresh 128-bit identifier.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
