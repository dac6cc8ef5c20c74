package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/web"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// seed marks a new database as a demonstration platform unless --no-demo was
// given. Later capabilities (catalogue, service points) load their demo data
// set here, once, into an empty database.
func (a *App) seed(ctx context.Context) error {
	return a.db.Write(ctx, func(tx *database.Tx) error {
		var v string
		err := tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'initialized'`).Scan(&v)
		if err == nil {
			return nil
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('initialized', 'yes')`); err != nil {
			return err
		}
		if a.cfg.NoDemo {
			return nil
		}
		a.log.Info("loading the demonstration data set")
		if _, err = tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('demo', 'yes')`); err != nil {
			return err
		}
		return demo.Install(ctx, tx)
	})
}

// demoLoaded tells whether this platform holds demonstration data.
func (a *App) demoLoaded(ctx context.Context) bool {
	var v string
	err := a.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo'`).Scan(&v)
	})
	return err == nil && v == "yes"
}

// Migrate opens the database at dsn, applies pending migrations and returns
// how many it applied and the schema version (for `guichet migrate`).
func Migrate(ctx context.Context, dsn string) (applied, version int, err error) {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if applied, err = db.Migrate(ctx); err != nil {
		return applied, 0, err
	}
	version, err = db.Version(ctx)
	return applied, version, err
}

// demoBooking books, once, the demonstration appointment of a platform
// holding demonstration data: a fictitious citizen (« Démo Guichet ») at
// the example point, a week or two ahead. Its reference and manage token
// are kept in platform_settings (the only manage token ever stored: the
// citizen is fictitious) so that the manage page has an example to show
// and the accessibility tests audit it. A platform without demonstration
// data has none.
func (a *App) demoBooking(ctx context.Context) (web.BookingRef, error) {
	var ref web.BookingRef
	if !a.demoLoaded(ctx) {
		return ref, nil
	}
	read := func() error {
		return a.db.Read(ctx, func(tx *database.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo_booking_ref'`).Scan(&ref.Reference); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo_booking_token'`).Scan(&ref.Token)
		})
	}
	if err := read(); !errs.Is(err, errs.NotFound) {
		return ref, err
	}
	pointID, serviceID := web.BookableExample(a.catalog)
	if pointID == "" {
		return web.BookingRef{}, nil
	}
	now := time.Now()
	slots, err := a.booking.Availability(ctx, pointID, serviceID, now.AddDate(0, 0, 7), now.AddDate(0, 0, 14))
	if err != nil || len(slots) == 0 {
		return web.BookingRef{}, err
	}
	conf, err := a.booking.Book(ctx, booking.Request{PointID: pointID, ServiceID: serviceID, Start: slots[len(slots)-1].Start,
		Citizen: booking.Citizen{Name: "Démo Guichet", Email: "demo@guichet.example"}, Lang: "fr", Channel: booking.ChannelWeb})
	if errs.Is(err, errs.Conflict) { // another instance booked it first
		if err := read(); err != nil && !errs.Is(err, errs.NotFound) {
			return web.BookingRef{}, err
		}
		return ref, nil
	}
	if err != nil {
		return web.BookingRef{}, err
	}
	ref = web.BookingRef{Reference: conf.Reference, Token: conf.ManageToken}
	err = a.db.Write(ctx, func(tx *database.Tx) error {
		for name, value := range map[string]string{"demo_booking_ref": ref.Reference, "demo_booking_token": ref.Token} {
			if _, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
				return err
			}
		}
		return nil
	})
	return ref, err
}

// demoTicket takes, once, the demonstration ticket of a platform holding
// demonstration data (at the first demonstration point, even when it is
// closed), so that the ticket page has an example to show and the
// accessibility tests audit it. Its id and code are kept in
// platform_settings (queue_demo_ticket); none without demonstration data.
func (a *App) demoTicket(ctx context.Context) (web.QueueTicketRef, error) {
	if !a.demoLoaded(ctx) || a.catalog.FirstPointID() == "" {
		return web.QueueTicketRef{}, nil
	}
	if err := a.queue.EnsureDemoTicket(ctx, a.catalog.FirstPointID()); err != nil {
		return web.QueueTicketRef{}, err
	}
	id, code, err := a.queue.DemoTicket(ctx)
	return web.QueueTicketRef{ID: id, Code: code}, err
}

// demoWait puts, once, a demonstration citizen on the waiting list, so that
// the waiting-list page has an example to show and the accessibility tests
// can visit it.
func (a *App) demoWait(ctx context.Context) (web.WaitRef, error) {
	var ref web.WaitRef
	if !a.demoLoaded(ctx) {
		return ref, nil
	}
	err := a.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM platform_settings WHERE name = 'demo_wait'`).Scan(&ref.Reference)
	})
	if err == nil {
		ref.Reference, ref.Token, _ = strings.Cut(ref.Reference, " ")
		return ref, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return ref, err
	}
	pointID, serviceID := web.BookableExample(a.catalog)
	if pointID == "" {
		return ref, nil
	}
	now := time.Now()
	entry, token, err := a.booking.JoinWaitlist(ctx, booking.WaitRequest{PointID: pointID, ServiceID: serviceID,
		FirstDay: now.AddDate(0, 0, 20), LastDay: now.AddDate(0, 0, 25),
		Citizen: booking.Citizen{Name: "Démo Guichet", Email: "demo@guichet.example"}, Lang: "fr", Channel: booking.ChannelWeb})
	if err != nil {
		return ref, err
	}
	ref = web.WaitRef{Reference: entry.Reference(), Token: token}
	err = a.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO platform_settings (name, value) VALUES ('demo_wait', ?) ON CONFLICT (name) DO NOTHING`,
			ref.Reference+" "+ref.Token)
		return err
	})
	return ref, err
}

// demoAgent is the sign-in of the demonstration agent.
type demoAgent struct{ email, password, totp string }

// DemoAgentEmail is the e-mail address of the demonstration agent.
const DemoAgentEmail = "agent@demo.guichet.example"

// demoAgentFile, in the data directory, holds "email password totp-secret"
// of the demonstration agent (mode 0600): generated, never logged. Any
// authenticator app takes the secret.
const demoAgentFile = "demo-agent.txt"

// ensureDemoAgent creates, once, on a platform holding demonstration data,
// an agent account for the example point and the other demonstration points
// of its organization, with a generated password written to
// <data-dir>/demo-agent.txt with the secret of its authenticator (agents
// must use a second factor). Later starts read the file. A database whose
// account exists without the file (another data directory) has no known
// demonstration agent.
func (a *App) ensureDemoAgent(ctx context.Context) (demoAgent, error) {
	firstID := a.catalog.FirstPointID()
	if !a.demoLoaded(ctx) || firstID == "" {
		return demoAgent{}, nil
	}
	file := filepath.Join(a.cfg.DataDir, demoAgentFile)
	if b, err := os.ReadFile(file); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 && f[0] == DemoAgentEmail {
			return demoAgent{email: f[0], password: f[1], totp: f[2]}, nil
		}
	}
	first, _, err := a.catalog.Point(firstID)
	if err != nil {
		return demoAgent{}, err
	}
	points := []string{first.ID}
	data, err := demo.Load()
	if err != nil {
		return demoAgent{}, err
	}
	for _, p := range data.ServicePoints {
		if p.OrganizationID == first.OrganizationID && p.ID != first.ID {
			points = append(points, p.ID)
		}
	}
	password := identity.NewPassword()
	acct, err := a.identity.CreateAgent(ctx, nil, identity.NewAgent{Email: DemoAgentEmail, GivenName: "Agent", FamilyName: "Démo",
		OrganizationID: first.OrganizationID, Points: points,
		Roles: []identity.Role{identity.RoleAgent, identity.RoleSupervisor, identity.RoleOrgAdmin, identity.RolePrivacyOfficer}}, password)
	if errs.Is(err, errs.Conflict) {
		a.log.Warn("the demonstration agent exists but its password file is missing", "file", file)
		return demoAgent{}, nil
	}
	if err != nil {
		return demoAgent{}, err
	}
	secret, err := a.identity.ProvisionTOTP(ctx, acct)
	if err != nil {
		return demoAgent{}, err
	}
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return demoAgent{}, err
	}
	if err := os.WriteFile(file, []byte(DemoAgentEmail+" "+password+" "+secret+"\n"), 0o600); err != nil {
		return demoAgent{}, err
	}
	a.log.Info("demonstration agent created; its e-mail, password and authenticator secret are in the file", "file", file)
	return demoAgent{email: DemoAgentEmail, password: password, totp: secret}, nil
}

// DemoAgent returns the demonstration agent's e-mail, password and
// authenticator secret (for tests and the accessibility harness); ok is
// false when there is none.
func (a *App) DemoAgent() (email, password, totpSecret string, ok bool) {
	return a.agent.email, a.agent.password, a.agent.totp, a.agent.email != ""
}
