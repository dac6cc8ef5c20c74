package dossier

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// KeysFile is the development keyring's file in the data directory, created
// on first use when no --dossier-keys file is configured.
const KeysFile = "dossier-keys"

// Keyring holds the AES-256 keys that seal personal fields. The first key
// seals new writes; every key opens what it sealed, so a rotation (a new
// first line) leaves old rows readable until they are re-encrypted.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	order   []string
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ParseKeyring reads `id:base64key` lines (32-byte keys; blank lines and
// lines starting with # are ignored); the first key is the current one.
func ParseKeyring(b []byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		id, b64, ok := strings.Cut(text, ":")
		if !ok || !keyID.MatchString(id) {
			return nil, fmt.Errorf("line %d: want id:base64key, the id made of letters, digits, - or _", line)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("line %d (key %s): the key must be 32 bytes in standard base64 (openssl rand -base64 32)", line, id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("line %d: key id %s appears twice", line, id)
		}
		block, _ := aes.NewCipher(raw)
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
		k.order = append(k.order, id)
		if k.current == "" {
			k.current = id
		}
	}
	if k.current == "" {
		return nil, errors.New("no key: add a line id:base64key")
	}
	return k, nil
}

// LoadKeyring reads a keyring file; a file readable by others is refused.
func LoadKeyring(path string) (*Keyring, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dossier keys: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("dossier keys: %s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dossier keys: %w", err)
	}
	k, err := ParseKeyring(b)
	if err != nil {
		return nil, fmt.Errorf("dossier keys %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKeyring reads dir/dossier-keys, creating it (mode 0600) with
// one new key on first use.
func LoadOrCreateKeyring(dir string) (*Keyring, error) {
	path := filepath.Join(dir, KeysFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, werr := f.WriteString("# Keys of the citizens' files: id:base64 (32 bytes); the first seals new writes.\n" + NewKeyLine(time.Now()) + "\n")
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return nil, werr
			}
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return LoadKeyring(path)
}

// NewKeyLine returns a new `id:base64key` line, its id from the date.
func NewKeyLine(now time.Time) string {
	raw := make([]byte, 32)
	rand.Read(raw)
	suffix := make([]byte, 3)
	rand.Read(suffix)
	return fmt.Sprintf("k%s-%x:%s", now.UTC().Format("20060102"), suffix, base64.StdEncoding.EncodeToString(raw))
}

// Current is the id of the key that seals new writes.
func (k *Keyring) Current() string { return k.current }

// sealPrefix starts every sealed value: version, then the key id.
const sealPrefix = "g1."

// Seal encrypts plain under the current key, bound to where it is stored
// (aad: table, row and field), as `g1.<key id>.<base64(nonce|ciphertext)>`.
func (k *Keyring) Seal(plain, aad string) string {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return sealPrefix + k.current + "." + base64.RawStdEncoding.EncodeToString(out)
}

// ErrSealed is a sealed value that does not open: an unknown key, or a
// value changed or moved to another row.
var ErrSealed = errors.New("dossier: a sealed value does not open (unknown key, or changed)")

// Open decrypts a value sealed by Seal with the same aad.
func (k *Keyring) Open(sealed, aad string) (string, error) {
	id, rest, ok := strings.Cut(strings.TrimPrefix(sealed, sealPrefix), ".")
	if !strings.HasPrefix(sealed, sealPrefix) || !ok {
		return "", ErrSealed
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w: key %s is not in the keyring", ErrSealed, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", ErrSealed
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(aad))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// KeyOf returns the id of the key that sealed a value ("" if malformed).
func KeyOf(sealed string) string {
	if !strings.HasPrefix(sealed, sealPrefix) {
		return ""
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(sealed, sealPrefix), ".")
	return id
}
