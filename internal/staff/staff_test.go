package staff_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/staff"
)

func TestSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		s := staff.NewStore(db, func() time.Time { return clock })
		a, err := s.Create(ctx, staff.Account{Email: "Agent@Exemple.qc.ca", Name: "Agent", OrganizationID: "saaq", Points: []string{"p1"}}, "un mot de passe long")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, staff.Account{Email: "agent@exemple.qc.ca"}, "un mot de passe long"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := s.Create(ctx, staff.Account{Email: "x@exemple.qc.ca"}, "court"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("weak password: %v", err)
		}
		got, id, err := s.SignIn(ctx, "agent@exemple.qc.ca", "un mot de passe long")
		if err != nil || got.ID != a.ID || !got.MayServe("p1") || got.MayServe("p2") {
			t.Fatalf("sign in: %+v %v", got, err)
		}
		if acc, err := s.Session(ctx, id); err != nil || acc.ID != a.ID {
			t.Fatalf("session: %v", err)
		}
		// Idle timeout, then sign-out.
		clock = clock.Add(staff.SessionIdle)
		if _, err := s.Session(ctx, id); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("idle session still valid: %v", err)
		}
		_, id, _ = s.SignIn(ctx, "agent@exemple.qc.ca", "un mot de passe long")
		s.SignOut(ctx, id)
		if _, err := s.Session(ctx, id); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("signed-out session still valid: %v", err)
		}
		// Unknown account and wrong password: the same answer.
		_, _, e1 := s.SignIn(ctx, "nobody@exemple.qc.ca", "x")
		_, _, e2 := s.SignIn(ctx, "agent@exemple.qc.ca", "wrong")
		if errs.As(e1).Key != "staff.bad_credentials" || errs.As(e2).Key != errs.As(e1).Key {
			t.Fatalf("different answers: %v / %v", e1, e2)
		}
	})
}

// TestParallelGuessesAreBounded: 40 parallel wrong passwords test at most
// MaxFailures passwords; then even the right one is refused until the lock
// ends.
func TestParallelGuessesAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		s := staff.NewStore(db, func() time.Time { return clock })
		if _, err := s.Create(ctx, staff.Account{Email: "a@exemple.qc.ca", Name: "A", OrganizationID: "o"}, "le bon mot de passe"); err != nil {
			t.Fatal(err)
		}
		var evaluated atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.SignIn(ctx, "a@exemple.qc.ca", "mauvais")
				if errs.As(err).Key == "staff.bad_credentials" {
					evaluated.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := evaluated.Load(); n > staff.MaxFailures {
			t.Fatalf("%d passwords tested, at most %d allowed", n, staff.MaxFailures)
		}
		if _, _, err := s.SignIn(ctx, "a@exemple.qc.ca", "le bon mot de passe"); !errs.Is(err, errs.TooMany) {
			t.Fatalf("right password during the lock: %v", err)
		}
		clock = clock.Add(staff.LockFor)
		if _, _, err := s.SignIn(ctx, "a@exemple.qc.ca", "le bon mot de passe"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}
