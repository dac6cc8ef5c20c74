package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/guichet-qc/guichet/internal/database"
)

// keyRing holds the ES256 signing keys, which live in the database so that
// every instance signs with the same key and publishes the same set. The
// newest key signs; once it is older than the rotation period, the next
// signature creates a new key (one instance does, in a transaction) and the
// old one is retired: it stays published until every token it signed has
// expired. Each instance caches the set for at most a minute, and never past
// the next rotation or removal.
type keyRing struct {
	db       *database.DB
	now      func() time.Time
	rotation time.Duration
	publish  time.Duration // how long a retired key stays published
	seal     Sealer        // nil: private keys stored in clear (tests)

	mu   sync.Mutex
	snap *keySnapshot
}

type keySnapshot struct {
	signing *ecKey
	public  []*ecKey
	checkAt time.Time
}

// ecKey is one ES256 key; it is both an op.SigningKey and an op.Key.
type ecKey struct {
	id      string
	private *ecdsa.PrivateKey
	created time.Time
}

func (k *ecKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *ecKey) Algorithm() jose.SignatureAlgorithm          { return jose.ES256 }
func (k *ecKey) Use() string                                 { return "sig" }
func (k *ecKey) ID() string                                  { return k.id }

// Key is the private key when signing; KeySet hands out publicKey values.
func (k *ecKey) Key() any { return k.private }

type publicKey struct{ *ecKey }

func (k publicKey) Key() any { return &k.private.PublicKey }

// current returns the valid snapshot, rotating the key when it is due.
func (kr *keyRing) current(ctx context.Context) (*keySnapshot, error) {
	now := kr.now()
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.snap != nil && now.Before(kr.snap.checkAt) {
		return kr.snap, nil
	}
	snap, err := kr.load(ctx, now)
	if err != nil {
		return nil, err
	}
	if snap.signing == nil || !now.Before(snap.signing.created.Add(kr.rotation)) {
		if err := kr.rotate(ctx, now); err != nil {
			return nil, err
		}
		if snap, err = kr.load(ctx, now); err != nil {
			return nil, err
		}
	}
	kr.snap = snap
	return snap, nil
}

func (kr *keyRing) load(ctx context.Context, now time.Time) (*keySnapshot, error) {
	snap := &keySnapshot{checkAt: now.Add(time.Minute)}
	err := kr.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, private_key, created_at, published_until FROM oidc_keys
			WHERE published_until = 0 OR published_until > ? ORDER BY created_at DESC, id`, now.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, der string
			var created, until int64
			if err := rows.Scan(&id, &der, &created, &until); err != nil {
				return err
			}
			if der, err = kr.open(id, der); err != nil {
				return err
			}
			k, err := parseKey(id, der, created)
			if err != nil {
				return err
			}
			if until == 0 && snap.signing == nil {
				snap.signing = k
				if t := k.created.Add(kr.rotation); t.Before(snap.checkAt) {
					snap.checkAt = t
				}
			}
			if until != 0 {
				if t := time.Unix(until, 0); t.Before(snap.checkAt) {
					snap.checkAt = t
				}
			}
			snap.public = append(snap.public, k)
		}
		return rows.Err()
	})
	return snap, err
}

// rotate creates a new signing key unless another instance just did, and
// retires the previous ones.
func (kr *keyRing) rotate(ctx context.Context, now time.Time) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	var idb [8]byte
	rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	return kr.db.Write(ctx, func(tx *database.Tx) error {
		var latest int64
		err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(created_at), 0) FROM oidc_keys WHERE published_until = 0`).Scan(&latest)
		if err != nil {
			return err
		}
		if latest != 0 && now.Before(time.Unix(latest, 0).Add(kr.rotation)) {
			return nil // another instance rotated meanwhile
		}
		if _, err := tx.Exec(ctx, `UPDATE oidc_keys SET published_until = ? WHERE published_until = 0`,
			now.Add(kr.publish).Unix()); err != nil {
			return err
		}
		stored := base64.StdEncoding.EncodeToString(der)
		if kr.seal != nil {
			stored = kr.seal.Seal(stored, "oidc_keys:"+id)
		}
		_, err = tx.Exec(ctx, `INSERT INTO oidc_keys (id, private_key, created_at) VALUES (?, ?, ?)`,
			id, stored, now.Unix())
		return err
	})
}

// open returns the base64 DER of a stored private key: sealed ones (their
// text has dots, which base64 has not) open with the sealer; a key stored
// in clear before a sealer was configured still reads.
func (kr *keyRing) open(id, stored string) (string, error) {
	if !strings.Contains(stored, ".") {
		return stored, nil
	}
	if kr.seal == nil {
		return "", fmt.Errorf("signing key %s is sealed and no keyring is configured", id)
	}
	plain, err := kr.seal.Open(stored, "oidc_keys:"+id)
	if err != nil {
		return "", fmt.Errorf("signing key %s: %w", id, err)
	}
	return plain, nil
}

func parseKey(id, b64 string, created int64) (*ecKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", id, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", id, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is not an ECDSA key", id)
	}
	return &ecKey{id: id, private: ec, created: time.Unix(created, 0)}, nil
}
