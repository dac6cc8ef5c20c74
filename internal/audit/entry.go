// Package audit is Guichet's verifiable audit log: who did what to whose
// file, for which purpose, in an append-only Merkle tree with signed
// checkpoints, so that any later change, removal or reordering of an entry
// is detected (the design of the Go checksum database, golang.org/x/mod/sumdb).
//
// Writing happens in two phases, like the transparency log Tessera:
//
//  1. Append: the entry is inserted with seq NULL. It is durable, and
//     acknowledged, once its transaction commits. AppendTx writes inside a
//     caller's transaction; Log.Append batches concurrent callers into one
//     transaction (group commit).
//  2. Integration: pending entries get consecutive positions (seq) after the
//     current tree size, and their Merkle tree hashes are stored in
//     audit_hashes. Checkpoints then sign the tree head (size and root).
//
// Verify checks a whole database offline; InclusionProof and
// ConsistencyProof give proofs that VerifyInclusion and tlog.CheckTree check
// without the database.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/guichet-qc/guichet/internal/errs"
)

// Entry is one audited action. Actor and Action are required; the other
// fields may be empty. Personal data belongs in the details, kept by the
// feature that writes the entry; the log keeps only DetailsHash.
type Entry struct {
	ID           int64     `json:"id"`  // row id, given on append
	Seq          int64     `json:"seq"` // position in the tree; -1 while pending
	Time         time.Time `json:"time"`
	Actor        string    `json:"actor"`
	Organization string    `json:"organization,omitempty"`
	Action       string    `json:"action"`
	Object       string    `json:"object,omitempty"`
	Purpose      string    `json:"purpose,omitempty"`
	DetailsHash  string    `json:"details_hash,omitempty"`
}

// maxField bounds each text field of an entry, in bytes.
const maxField = 4096

// encodingVersion is the first line of the canonical encoding.
const encodingVersion = "guichet-audit-entry v1"

// EncodeEntry returns the canonical encoding of e, the bytes whose
// tlog.RecordHash is the entry's leaf in the Merkle tree. It covers only the
// fields fixed at append time (not ID or Seq: the position is bound by the
// tree itself). It is UTF-8 text: the version line, then one line per field,
// in this order, each `name LEN:VALUE` where LEN is the byte length of VALUE
// in decimal (so a value may hold any byte, newlines included):
//
//	guichet-audit-entry v1
//	time 30:2025-03-04T15:16:17.123456789Z
//	actor 11:agent:a-123
//	organization 4:ramq
//	action 12:dossier.read
//	object 12:dossier:4567
//	purpose 14:renouvellement
//	details 64:<hex SHA-256 of the details, or empty>
//
// Time is in UTC with exactly nine fractional digits.
func EncodeEntry(e Entry) []byte {
	b := make([]byte, 0, 160+len(e.Actor)+len(e.Organization)+len(e.Action)+len(e.Object)+len(e.Purpose)+len(e.DetailsHash))
	b = append(b, encodingVersion...)
	b = append(b, '\n')
	field := func(name, value string) {
		b = append(b, name...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(len(value)), 10)
		b = append(b, ':')
		b = append(b, value...)
		b = append(b, '\n')
	}
	field("time", formatTime(e.Time))
	field("actor", e.Actor)
	field("organization", e.Organization)
	field("action", e.Action)
	field("object", e.Object)
	field("purpose", e.Purpose)
	field("details", e.DetailsHash)
	return b
}

// RecordHash is the Merkle leaf hash of e.
func RecordHash(e Entry) tlog.Hash { return tlog.RecordHash(EncodeEntry(e)) }

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// timeFromNanos is the inverse of the stored form, Unix nanoseconds.
func timeFromNanos(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// DetailsHash returns the hex SHA-256 of the JSON encoding of details, or ""
// for nil (or a value encoding as JSON null). details must be encodable as
// JSON (maps are encoded with sorted keys, so the hash is stable); a value
// that is not, such as a channel or a function, is a programming error and
// panics.
func DetailsHash(details any) string {
	if details == nil {
		return ""
	}
	b, err := json.Marshal(details)
	if err != nil {
		panic("audit.DetailsHash: details are not JSON-encodable: " + err.Error())
	}
	if string(b) == "null" {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// prepare validates e and fills in its time; it returns the entry as stored.
func prepare(e Entry, now func() time.Time) (Entry, error) {
	invalid := func(field string) error {
		return errs.E(errs.Invalid, "audit.invalid_entry").OnField(field)
	}
	if strings.TrimSpace(e.Actor) == "" {
		return e, invalid("actor")
	}
	if strings.TrimSpace(e.Action) == "" {
		return e, invalid("action")
	}
	for _, f := range []struct{ name, value string }{
		{"actor", e.Actor}, {"organization", e.Organization}, {"action", e.Action},
		{"object", e.Object}, {"purpose", e.Purpose},
	} {
		// Both databases must store the text byte for byte: PostgreSQL
		// refuses invalid UTF-8 and NUL, so refuse them everywhere.
		if len(f.value) > maxField || !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
			return e, invalid(f.name)
		}
	}
	if e.DetailsHash != "" && !isHexSHA256(e.DetailsHash) {
		return e, invalid("details_hash")
	}
	if e.Time.IsZero() {
		e.Time = now()
	}
	e.Time = e.Time.UTC().Round(0) // drop the monotonic reading
	if ns := e.Time.UnixNano(); !timeFromNanos(ns).Equal(e.Time) {
		return e, invalid("time") // outside 1678–2262
	}
	e.ID, e.Seq = 0, -1
	return e, nil
}

func isHexSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
