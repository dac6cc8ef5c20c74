package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// limit is a number of tries per fixed window for one kind of key.
type limit struct {
	prefix string
	tries  int
	window time.Duration
}

// The limits. Keys of people are hashes of what they typed, so an unknown
// account is throttled exactly like a known one.
var (
	limitSignIn   = limit{"signin:", 5, 15 * time.Minute}   // passwords tried on one account
	limitAddress  = limit{"addr:", 60, 15 * time.Minute}    // passwords tried from one address
	limitSecond   = limit{"factor:", 5, 15 * time.Minute}   // second-factor codes on one account
	limitMail     = limit{"mail:", 3, time.Hour}            // e-mails sent to one address (sign-up, reset)
	limitMailAddr = limit{"mailaddr:", 20, time.Hour}       // e-mails asked for from one address
	limitRecovery = limit{"recovery:", 5, 15 * time.Minute} // counter recovery codes tried on one token
	// current passwords confirmed by a signed-in person: not the sign-in's
	// bucket, so a stranger locking the sign-in does not block the owner
	limitReauth = limit{"reauth:", 5, 15 * time.Minute}
	// identity checks by one agent: no honest counter does more
	limitCounter = limit{"counter:", 20, time.Hour}
)

func throttleKey(l limit, s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(s))))
	return l.prefix + hex.EncodeToString(sum[:16])
}

// addressKey groups IPv6 addresses by /64 (one subscriber) and keeps IPv4
// whole.
func addressKey(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return host
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// take reserves one try of l for subject in its own transaction, before the
// work it guards: a conditional upsert that no two callers can both pass
// once the window is used up, on any instance. It answers TooMany when the
// window is full.
func (s *Service) take(ctx context.Context, l limit, subject string) error {
	key := throttleKey(l, subject)
	now := s.now().UnixMilli()
	expired := now - l.window.Milliseconds()
	var got int
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO identity_throttle (key, tries, window_start) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				tries = CASE WHEN identity_throttle.window_start <= ? THEN 1 ELSE identity_throttle.tries + 1 END,
				window_start = CASE WHEN identity_throttle.window_start <= ? THEN ? ELSE identity_throttle.window_start END
			WHERE identity_throttle.tries < ? OR identity_throttle.window_start <= ?
			RETURNING tries`, key, now, expired, expired, now, l.tries, expired).Scan(&got)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if got == 0 {
		return errs.E(errs.TooMany, "identity.throttled", int(l.window.Minutes()))
	}
	return nil
}

// forgive clears the tries of l for subject (after a success).
func (s *Service) forgive(ctx context.Context, l limit, subject string) error {
	return s.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM identity_throttle WHERE key = ?`, throttleKey(l, subject))
		return err
	})
}

// giveBack returns one try of l for subject (after a success: an office
// behind one address signs many people in).
func (s *Service) giveBack(ctx context.Context, l limit, subject string) error {
	return s.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE identity_throttle SET tries = tries - 1 WHERE key = ? AND tries > 0`, throttleKey(l, subject))
		return err
	})
}

// PurgeThrottle deletes the windows that ended before the longest limit.
func (s *Service) PurgeThrottle(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM identity_throttle WHERE window_start < ?`, s.now().Add(-2*time.Hour).UnixMilli())
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}
