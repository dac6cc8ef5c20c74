package identity_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/identity"
)

func TestCheckPassword(t *testing.T) {
	for _, tt := range []struct {
		pw, key string
	}{
		{"short", "identity.password_short"},
		{"password1234", "identity.password_common"},
		{"qwertyuiop12", "identity.password_common"},
		{"marie.tremblay-2026", "identity.password_personal"},
		{"aaaaaaaaaaaaaaaa", "identity.password_guessable"},
		{"123412341234", "identity.password_guessable"},
		{strings.Repeat("x", 300), "identity.password_long"},
		{goodPassword, ""},
		{"correct horse battery staple", ""},
	} {
		err := identity.CheckPassword(tt.pw, "marie.tremblay@example.com", "Marie", "Tremblay")
		got := ""
		if err != nil {
			got = errs.As(err).Key
		}
		if got != tt.key {
			t.Errorf("CheckPassword(%.20q) = %q, want %q", tt.pw, got, tt.key)
		}
	}
}

func TestSignUpAndSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		in := identity.SignUp{Email: "Marie@Example.com", GivenName: "Marie", FamilyName: "Tremblay", Password: goodPassword, Addr: client.Addr}
		if err := f.svc.SignUp(ctx, in); err != nil {
			t.Fatal(err)
		}
		// Not verified yet: the right password is refused with a way forward.
		if _, err := f.svc.SignIn(ctx, "marie@example.com", goodPassword, client); errs.As(err).Key != "identity.email_unverified" {
			t.Fatalf("unverified sign-in: %v", err)
		}
		// Signing up again with the same address answers the same and
		// tells the owner instead.
		if err := f.svc.SignUp(ctx, in); err != nil {
			t.Fatalf("second sign-up: %v", err)
		}
		f.mail.last(t, "identity.already_registered", "marie@example.com")
		a, err := f.svc.VerifyEmail(ctx, token(t, f.mail.last(t, "identity.verify_email", "marie@example.com").Link))
		if err != nil || !a.EmailVerified || a.Kind != identity.Citizen {
			t.Fatalf("VerifyEmail: %+v %v", a, err)
		}
		if _, err := f.svc.VerifyEmail(ctx, token(t, f.mail.last(t, "identity.verify_email", "marie@example.com").Link)); errs.As(err).Key != "identity.token_invalid" {
			t.Fatalf("a verification link works twice: %v", err)
		}
		signed, err := f.svc.SignIn(ctx, " MARIE@example.com ", goodPassword, client)
		if err != nil || signed.Stage != identity.StageFull {
			t.Fatalf("SignIn: %+v %v", signed, err)
		}
		got, se, err := f.svc.Session(ctx, signed.SessionID)
		if err != nil || got.ID != a.ID || se.ACR != assurance.LoA1 || !slices.Equal(se.AMR, []string{"pwd"}) {
			t.Fatalf("Session: %+v %+v %v", got, se, err)
		}
		// Bad input loses nothing and says what is wrong, all at once.
		err = f.svc.SignUp(ctx, identity.SignUp{Email: "pas une adresse", Password: "123", Addr: client.Addr})
		var p identity.Problems
		if !errorsAs(err, &p) || len(p) != 4 {
			t.Fatalf("invalid sign-up: %v", err)
		}
	})
}

func errorsAs(err error, p *identity.Problems) bool {
	q, ok := err.(identity.Problems)
	*p = q
	return ok
}

// Unknown accounts and wrong passwords get the same answer.
func TestSameAnswerForUnknownAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		f.citizen(t, "known@example.com")
		ctx := context.Background()
		_, errKnown := f.svc.SignIn(ctx, "known@example.com", "wrong password here", client)
		_, errUnknown := f.svc.SignIn(ctx, "nobody@example.com", "wrong password here", client)
		if errs.As(errKnown).Key != "identity.bad_credentials" || errs.As(errUnknown).Key != errs.As(errKnown).Key ||
			errs.CodeOf(errKnown) != errs.CodeOf(errUnknown) {
			t.Fatalf("known: %v, unknown: %v", errKnown, errUnknown)
		}
		// Resetting a password: the same answer, and mail only to a real account.
		if err := f.svc.RequestReset(ctx, "nobody@example.com", client.Addr); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestReset(ctx, "known@example.com", client.Addr); err != nil {
			t.Fatal(err)
		}
		if n := f.mail.count("identity.reset_password"); n != 1 {
			t.Fatalf("%d reset mails, want 1", n)
		}
	})
}

// Parallel wrong passwords never get more than the limit checked, however
// many arrive at once; the right password is then refused too, until the
// window passes.
func TestParallelGuessesNeverExceedTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		f.citizen(t, "target@example.com")
		ctx := context.Background()
		const attackers = 40
		var wg sync.WaitGroup
		results := make(chan error, attackers)
		for i := range attackers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every attacker from its own address: only the account's limit holds them.
				_, err := f.svc.SignIn(ctx, "target@example.com", "guess number "+string(rune('a'+i)),
					identity.Client{Addr: "198.51.100." + string(rune('0'+i%10)) + string(rune('0'+i/10)) + ":1"})
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		checked, throttled := 0, 0
		for err := range results {
			switch errs.CodeOf(err) {
			case errs.Unauthorized:
				checked++
			case errs.TooMany:
				throttled++
			default:
				t.Errorf("unexpected answer: %v", err)
			}
		}
		if checked != 5 || throttled != attackers-5 {
			t.Fatalf("%d passwords checked, %d throttled; want 5 and %d", checked, throttled, attackers-5)
		}
		if _, err := f.svc.SignIn(ctx, "target@example.com", goodPassword, client); !errs.Is(err, errs.TooMany) {
			t.Fatalf("right password during the lock: %v", err)
		}
		f.clock.Add(15 * time.Minute)
		if _, err := f.svc.SignIn(ctx, "target@example.com", goodPassword, client); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestAddressLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// An office behind one address: successes do not count.
		a := f.citizen(t, "bureau@example.com")
		for i := range 65 {
			if _, err := f.svc.SignIn(ctx, a.Email, goodPassword, client); err != nil {
				t.Fatalf("sign-in %d from a busy address: %v", i+1, err)
			}
		}
		var last error
		n := 0
		for i := 0; i < 100 && !errs.Is(last, errs.TooMany); i++ {
			_, last = f.svc.SignIn(ctx, "spray"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", "Password spraying 1", client)
			n++
		}
		if !errs.Is(last, errs.TooMany) || n != 61 {
			t.Fatalf("address throttled after %d tries (%v), want after 60", n-1, last)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "sessions@example.com")
		ctx := context.Background()
		one, _ := f.svc.SignIn(ctx, a.Email, goodPassword, identity.Client{Addr: client.Addr, Device: "Firefox"})
		two, _ := f.svc.SignIn(ctx, a.Email, goodPassword, identity.Client{Addr: client.Addr, Device: "Safari"})
		if one.SessionID == two.SessionID {
			t.Fatal("two sign-ins share a session id")
		}
		list, err := f.svc.Sessions(ctx, a.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("Sessions: %d %v", len(list), err)
		}
		// The citizen ends the other session from the list.
		var other identity.Session
		for _, se := range list {
			if se.Device == "Safari" {
				other = se
			}
		}
		if err := f.svc.EndSession(ctx, a.ID, other.Ref); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Session(ctx, two.SessionID); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("ended session still works: %v", err)
		}
		if !slices.Contains(f.ended, other.Ref) {
			t.Fatal("the end of a session was not announced")
		}
		// Someone else's session cannot be ended.
		b := f.citizen(t, "other@example.com")
		if err := f.svc.EndSession(ctx, b.ID, list[0].Ref); !errs.Is(err, errs.NotFound) {
			t.Fatalf("ending another account's session: %v", err)
		}
		// Idle timeout.
		f.clock.Add(29 * time.Minute)
		if _, _, err := f.svc.Session(ctx, one.SessionID); err != nil {
			t.Fatalf("active session: %v", err)
		}
		f.clock.Add(30 * time.Minute)
		if _, _, err := f.svc.Session(ctx, one.SessionID); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("idle session: %v", err)
		}
		// Absolute timeout, however active.
		s3, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		for range 12 * 3 {
			f.clock.Add(20 * time.Minute)
			if _, _, err := f.svc.Session(ctx, s3.SessionID); err != nil {
				if f.clock.Now().Sub(time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)) < 11*time.Hour {
					t.Fatalf("session ended early at %v: %v", f.clock.Now(), err)
				}
				return
			}
		}
		t.Fatal("session outlived its absolute timeout")
	})
}

func TestTOTPAndRecoveryCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "mfa@example.com")
		ctx := context.Background()
		first, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		secret, elevated, codes := f.enrolTOTP(t, a, first.SessionID)
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes", len(codes))
		}
		_, se, err := f.svc.Session(ctx, elevated.SessionID)
		if err != nil || se.ACR != assurance.LoA2 || !slices.Equal(se.AMR, []string{"pwd", "otp"}) {
			t.Fatalf("after enrolment: %+v %v", se, err)
		}
		if _, _, err := f.svc.Session(ctx, first.SessionID); err == nil {
			t.Fatal("the session id did not change when the level rose")
		}
		f.mail.last(t, "identity.factor_added", a.Email)

		// Now the password is only a step.
		step, err := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		if err != nil || step.Stage != identity.StageSecondFactor {
			t.Fatalf("SignIn with a factor: %+v %v", step, err)
		}
		if _, _, err := f.svc.Session(ctx, step.SessionID); err == nil {
			t.Fatal("a half-finished sign-in is a session")
		}
		if _, err := f.svc.SecondFactor(ctx, step.SessionID, "000000", client); errs.As(err).Key != "identity.code_wrong" {
			t.Fatalf("wrong code: %v", err)
		}
		// Clock skew of one step is tolerated (past the step used at enrolment).
		f.clock.Add(time.Minute)
		code, _ := identity.TOTPCode(secret, f.clock.Now().Add(-30*time.Second))
		done, err := f.svc.SecondFactor(ctx, step.SessionID, code, client)
		if err != nil || done.Stage != identity.StageFull {
			t.Fatalf("SecondFactor: %+v %v", done, err)
		}
		// The same code cannot be used twice.
		again, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		if _, err := f.svc.SecondFactor(ctx, again.SessionID, code, client); err == nil {
			t.Fatal("a TOTP code was accepted twice")
		}
		// A recovery code works once, typed loosely.
		loose := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
		if _, err := f.svc.SecondFactor(ctx, again.SessionID, loose, client); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		f.mail.last(t, "identity.recovery_code_used", a.Email)
		third, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		if _, err := f.svc.SecondFactor(ctx, third.SessionID, codes[3], client); err == nil {
			t.Fatal("a recovery code was accepted twice")
		}
		// The secret is not stored in clear.
		var stored string
		db.Read(ctx, func(tx *database.Tx) error {
			return tx.QueryRow(ctx, `SELECT secret FROM identity_totp WHERE account_id = ?`, a.ID).Scan(&stored)
		})
		if strings.Contains(stored, secret) {
			t.Fatal("TOTP secret stored in clear")
		}
	})
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "reset@example.com")
		ctx := context.Background()
		old, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		if err := f.svc.RequestReset(ctx, a.Email, client.Addr); err != nil {
			t.Fatal(err)
		}
		tok := token(t, f.mail.last(t, "identity.reset_password", a.Email).Link)
		if err := f.svc.ResetPassword(ctx, tok, "password1234"); errs.As(err).Key != "identity.password_common" {
			t.Fatalf("common password on reset: %v", err)
		}
		if err := f.svc.ResetPassword(ctx, tok, "Une toute nouvelle phrase"); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		if _, _, err := f.svc.Session(ctx, old.SessionID); err == nil {
			t.Fatal("sessions survive a password reset")
		}
		if err := f.svc.ResetPassword(ctx, tok, "Encore une autre phrase"); errs.As(err).Key != "identity.token_invalid" {
			t.Fatalf("reset link used twice: %v", err)
		}
		if _, err := f.svc.SignIn(ctx, a.Email, "Une toute nouvelle phrase", client); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		// An expired link.
		f.svc.RequestReset(ctx, a.Email, client.Addr)
		tok = token(t, f.mail.last(t, "identity.reset_password", a.Email).Link)
		f.clock.Add(61 * time.Minute)
		if err := f.svc.CheckResetToken(ctx, tok); errs.As(err).Key != "identity.token_invalid" {
			t.Fatalf("expired link: %v", err)
		}
	})
}

func TestAgentsAndCounterRecovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		admin, err := f.svc.CreateAgent(ctx, nil, identity.NewAgent{Email: "admin@gouv.example", GivenName: "Ada", Roles: []identity.Role{identity.RolePlatformAdmin}}, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		orgAdmin, err := f.svc.CreateAgent(ctx, &admin, identity.NewAgent{Email: "chef@saaq.example", GivenName: "Chef", OrganizationID: "saaq", Roles: []identity.Role{identity.RoleOrgAdmin}}, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		agent, err := f.svc.CreateAgent(ctx, &orgAdmin, identity.NewAgent{Email: "agent@saaq.example", GivenName: "Alex", OrganizationID: "saaq", Points: []string{"p1"}}, goodPassword)
		if err != nil || !agent.Has(identity.RoleAgent) || !agent.MayServe("p1") || agent.MayServe("p2") {
			t.Fatalf("CreateAgent: %+v %v", agent, err)
		}
		// Least privilege: no agents for another organization, no platform roles,
		// no points of another organization.
		owners := identity.Options{PointOrganization: func(id string) (string, bool) {
			return map[string]string{"p1": "saaq", "r1": "ramq"}[id], id == "p1" || id == "r1"
		}}
		strict, _ := identity.New(db, owners)
		if _, err := strict.CreateAgent(ctx, &orgAdmin, identity.NewAgent{Email: "w@saaq.example", GivenName: "W", OrganizationID: "saaq", Points: []string{"p1", "r1"}}, goodPassword); errs.As(err).Key != "identity.point_not_in_organization" {
			t.Fatalf("another organization's point: %v", err)
		}
		if _, err := f.svc.CreateAgent(ctx, &orgAdmin, identity.NewAgent{Email: "x@ramq.example", GivenName: "X", OrganizationID: "ramq"}, goodPassword); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("org admin creating in another org: %v", err)
		}
		if _, err := f.svc.CreateAgent(ctx, &orgAdmin, identity.NewAgent{Email: "y@saaq.example", GivenName: "Y", OrganizationID: "saaq", Roles: []identity.Role{identity.RolePlatformAdmin}}, goodPassword); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("org admin granting platform admin: %v", err)
		}
		if _, err := f.svc.CreateAgent(ctx, &agent, identity.NewAgent{Email: "z@saaq.example", GivenName: "Z", OrganizationID: "saaq"}, goodPassword); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent creating an agent: %v", err)
		}
		// An agent must enrol a second factor before anything else.
		step, err := f.svc.SignIn(ctx, agent.Email, goodPassword, client)
		if err != nil || step.Stage != identity.StageEnrol {
			t.Fatalf("agent sign-in: %+v %v", step, err)
		}
		_, done, _ := f.enrolTOTP(t, agent, step.SessionID)
		if _, se, err := f.svc.Session(ctx, done.SessionID); err != nil || se.ACR != assurance.LoA2 {
			t.Fatalf("agent after enrolment: %+v %v", se, err)
		}

		// A citizen with a factor loses it; an agent checks them in person.
		c := f.citizen(t, "perdu@example.com")
		s1, _ := f.svc.SignIn(ctx, c.Email, goodPassword, client)
		f.enrolTOTP(t, c, s1.SessionID)
		if _, _, err := f.svc.RecoverAtCounter(ctx, agent, identity.CounterCheck{Email: c.Email}); errs.As(err).Key != "identity.evidence_required" {
			t.Fatalf("recovery without evidence: %v", err)
		}
		if _, _, err := f.svc.RecoverAtCounter(ctx, orgAdmin, identity.CounterCheck{Email: c.Email, Evidence: "passport"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an agent without a counter: %v", err)
		}
		_, code, err := f.svc.RecoverAtCounter(ctx, agent, identity.CounterCheck{Email: c.Email, Evidence: "passport"})
		if err != nil || code == "" {
			t.Fatalf("RecoverAtCounter: %v", err)
		}
		// Nothing changes until the citizen uses the code with the mailed link.
		if fs, _ := f.svc.Factors(ctx, c.ID); !fs.TOTP {
			t.Fatal("the agent alone removed the citizen's factors")
		}
		link := token(t, f.mail.last(t, "identity.recovered_at_counter", c.Email).Link)
		if _, err := f.svc.UseCounterCode(ctx, link, "0000-0000-0000-0000", "Nouvelle phrase de passe", client); err == nil {
			t.Fatal("a wrong counter code was accepted")
		}
		if _, err := f.svc.UseCounterCode(ctx, "not-the-link", code, "Nouvelle phrase de passe", client); err == nil {
			t.Fatal("the counter code worked without the mailed link")
		}
		back, err := f.svc.UseCounterCode(ctx, link, code, "Nouvelle phrase de passe", client)
		if err != nil {
			t.Fatalf("UseCounterCode: %v", err)
		}
		f.passwords = map[string]string{c.ID: "Nouvelle phrase de passe"}
		if fs, _ := f.svc.Factors(ctx, c.ID); fs.Any() || fs.RecoveryCodes != 0 {
			t.Fatalf("old factors survive: %+v", fs)
		}
		if _, _, err := f.svc.Session(ctx, s1.SessionID); err == nil {
			t.Fatal("an old session survived the recovery")
		}
		// A new factor brings the account to the highest level: identity verified.
		_, lvl3, _ := f.enrolTOTP(t, back.Account, back.SessionID)
		if _, se, _ := f.svc.Session(ctx, lvl3.SessionID); se.ACR != assurance.LoA3 {
			t.Fatalf("after recovery and a new factor: %s, want %s", se.ACR, assurance.LoA3)
		}
		if _, err := f.svc.UseCounterCode(ctx, link, code, "Encore une autre phrase", client); err == nil {
			t.Fatal("a counter code works twice")
		}

		// Verifying an identity needs the presence code of the account.
		d := f.citizen(t, "present@example.com")
		sd, _ := f.svc.SignIn(ctx, d.Email, goodPassword, client)
		_, sessD, _ := f.svc.Session(ctx, sd.SessionID)
		if _, err := f.svc.VerifyIdentity(ctx, agent, identity.CounterCheck{Email: d.Email, Evidence: "passport", Presence: "12345678"}); errs.As(err).Key != "identity.presence_wrong" {
			t.Fatalf("verification without the citizen's code: %v", err)
		}
		presence, err := f.svc.PresenceCode(ctx, sessD)
		if err != nil || len(presence) != 8 {
			t.Fatalf("PresenceCode: %q %v", presence, err)
		}
		if v, err := f.svc.VerifyIdentity(ctx, agent, identity.CounterCheck{Email: d.Email, Evidence: "passport", Presence: presence}); err != nil || !v.IdentityVerified {
			t.Fatalf("VerifyIdentity: %+v %v", v, err)
		}
		if _, err := f.svc.VerifyIdentity(ctx, agent, identity.CounterCheck{Email: d.Email, Evidence: "passport", Presence: presence}); err == nil {
			t.Fatal("a presence code works twice")
		}
		// A citizen cannot verify anyone.
		if _, err := f.svc.VerifyIdentity(ctx, c, identity.CounterCheck{Email: c.Email, Evidence: "x"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("citizen verifying: %v", err)
		}
	})
}

// Every sign-in, failure, factor change and level change is in the audit
// log, and nothing secret is.
func TestAuditRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "audit@example.com")
		ctx := context.Background()
		f.svc.SignIn(ctx, a.Email, "a wrong password", client)
		s1, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		f.enrolTOTP(t, a, s1.SessionID)
		var actions []string
		db.Read(ctx, func(tx *database.Tx) error {
			rows, err := tx.Query(ctx, `SELECT actor, action, object FROM audit_entries ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var actor, action, object string
				rows.Scan(&actor, &action, &object)
				actions = append(actions, action)
				for _, secret := range []string{goodPassword, "a wrong password", a.Email, s1.SessionID} {
					if strings.Contains(actor+action+object, secret) {
						t.Errorf("audit entry %q %q %q holds a secret or personal data", actor, action, object)
					}
				}
			}
			return rows.Err()
		})
		for _, want := range []string{"identity.account_created", "identity.email_verified", "identity.sign_in_failed.password",
			"identity.signed_in.loa1", "identity.factor_added.totp", "identity.signed_in.loa2"} {
			if !slices.Contains(actions, want) {
				t.Errorf("no %s in the audit log: %v", want, actions)
			}
		}
	})
}

// Ending sessions by a password change or reset tells whoever depends on
// them (the OpenID provider); a factor added keeps the session (same ref)
// and the time of its sign-in; signing in again in the same browser
// continues the session.
func TestSessionContinuity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "suite@example.com")
		ctx := context.Background()
		first, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		_, se1, _ := f.svc.Session(ctx, first.SessionID)
		f.clock.Add(2 * time.Hour)
		again := client
		again.Previous = first.SessionID
		second, err := f.svc.SignIn(ctx, a.Email, goodPassword, again)
		if err != nil {
			t.Fatal(err)
		}
		_, se2, _ := f.svc.Session(ctx, second.SessionID)
		if se2.Ref != se1.Ref || !se2.AuthTime.After(se1.AuthTime) || slices.Contains(f.ended, se1.Ref) {
			t.Fatalf("signing in again: ref %q → %q, ended %v", se1.Ref, se2.Ref, f.ended)
		}
		f.clock.Add(20 * time.Minute)
		_, elevated, _ := f.enrolTOTP(t, a, second.SessionID)
		_, se3, _ := f.svc.Session(ctx, elevated.SessionID)
		if se3.Ref != se2.Ref || !se3.AuthTime.Equal(se2.AuthTime) || se3.ACR != assurance.LoA2 {
			t.Fatalf("after adding a factor: %+v (was %+v)", se3, se2)
		}
		// Another browser; a password change ends it, and says so.
		other, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		code, _ := identity.TOTPCode(f.secretOf(t, a), f.clock.Now())
		done, err := f.svc.SecondFactor(ctx, other.SessionID, code, client)
		if err != nil {
			t.Fatal(err)
		}
		_, seOther, _ := f.svc.Session(ctx, done.SessionID)
		if err := f.svc.ChangePassword(ctx, se3, goodPassword, "Une autre phrase tout aussi longue"); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(f.ended, seOther.Ref) || slices.Contains(f.ended, se3.Ref) {
			t.Fatalf("password change: ended %v, want %q and not %q", f.ended, seOther.Ref, se3.Ref)
		}
	})
}

// A session alone (a stolen cookie) cannot add a factor or get new
// recovery codes: the current password is asked.
func TestAddingAFactorAsksThePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		a := f.citizen(t, "vol@example.com")
		ctx := context.Background()
		in, _ := f.svc.SignIn(ctx, a.Email, goodPassword, client)
		e, err := f.svc.BeginTOTP(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := identity.TOTPCode(e.Secret, f.clock.Now())
		if _, _, err := f.svc.ConfirmTOTP(ctx, in.SessionID, code, "not the password", client); errs.As(err).Key != "identity.current_password_wrong" {
			t.Fatalf("adding an app without the password: %v", err)
		}
		_, done, _ := f.enrolTOTP(t, a, in.SessionID)
		_, se, _ := f.svc.Session(ctx, done.SessionID)
		if _, err := f.svc.RegenerateRecoveryCodes(ctx, se, ""); errs.As(err).Key != "identity.current_password_wrong" {
			t.Fatalf("new recovery codes without the password: %v", err)
		}
		if codes, err := f.svc.RegenerateRecoveryCodes(ctx, se, goodPassword); err != nil || len(codes) != 10 {
			t.Fatalf("new recovery codes: %d %v", len(codes), err)
		}
	})
}
