package identity

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"

	"github.com/guichet-qc/guichet/internal/errs"
)

// Password rules (NIST SP 800-63B): a length, not composition rules; no
// password found in lists of common and breached passwords, none built on
// the person's own name or address; nothing truncated (up to MaxPassword).
const (
	MinPassword = 12
	MaxPassword = 256
	// minScore is zxcvbn's estimate below which a password falls to an
	// offline guessing attack in hours (2: ~10^8 guesses).
	minScore = 3
)

var (
	commonOnce sync.Once
	common     map[string]bool
)

// commonPasswords is the list of the 30,000 most common passwords of the
// public breaches, shipped with the binary (zxcvbn's frequency list).
func commonPasswords() map[string]bool {
	commonOnce.Do(func() {
		list := frequency.FrequencyLists["passwords"]
		common = make(map[string]bool, len(list))
		for _, p := range list {
			common[p] = true
		}
	})
	return common
}

// platformWords are guessed first by anyone attacking this service.
var platformWords = []string{"guichet", "quebec", "québec", "gouvernement", "government", "motdepasse", "password", "services", "ramq", "saaq"}

// CheckPassword tells whether password may be used by the person with
// these e-mail and names; the error is an errs.Invalid on "password" with
// a message saying why.
func CheckPassword(password, email string, names ...string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPassword:
		return errs.E(errs.Invalid, "identity.password_short", MinPassword).OnField("password")
	case len(password) > MaxPassword:
		return errs.E(errs.Invalid, "identity.password_long", MaxPassword).OnField("password")
	}
	lower := strings.ToLower(password)
	if commonPasswords()[lower] || commonPasswords()[strings.TrimRight(lower, "0123456789!?.")] {
		return errs.E(errs.Invalid, "identity.password_common").OnField("password")
	}
	inputs := append([]string{}, platformWords...)
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 3 {
		inputs = append(inputs, local)
		if strings.Contains(lower, local) {
			return errs.E(errs.Invalid, "identity.password_personal").OnField("password")
		}
	}
	for _, name := range names {
		if name = strings.ToLower(strings.TrimSpace(name)); len(name) >= 3 {
			inputs = append(inputs, name)
			if strings.Contains(lower, name) {
				return errs.E(errs.Invalid, "identity.password_personal").OnField("password")
			}
		}
	}
	// zxcvbn's cost grows with the length; a long passphrase that got here
	// is strong enough without it.
	if n <= 40 && zxcvbn.PasswordStrength(password, inputs).Score < minScore {
		return errs.E(errs.Invalid, "identity.password_guessable").OnField("password")
	}
	return nil
}
