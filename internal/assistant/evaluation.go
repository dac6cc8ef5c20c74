package assistant

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/assistant/eval"
	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
	"github.com/guichet-qc/guichet/internal/database"
)

// Evaluate scores the assistant on the held-out evaluation set: parsing
// (intents, entities, dates and times, out-of-scope) and the scripted
// dialogues, each played on a fresh demonstration database in dir.
func Evaluate(ctx context.Context, p *Parser, dir string) (eval.Report, error) {
	set, err := eval.Load()
	if err != nil {
		return eval.Report{}, err
	}
	rep := eval.Report{Parse: eval.ScoreParse(func(text, hint string, now time.Time) (string, string, float64, map[string]string) {
		r := p.Parse(text, hint, now)
		return r.Lang, r.Intent, r.Confidence, r.Entities
	}, set)}
	dialogues, err := eval.LoadDialogues()
	if err != nil {
		return rep, err
	}
	fixtures, err := eval.LoadFixtures()
	if err != nil {
		return rep, err
	}
	var n atomic.Int64
	var opened []*evalConversation
	defer func() {
		for _, c := range opened {
			c.close()
		}
	}()
	dr := eval.ScoreDialogues(func(lang string, now time.Time) (eval.Conversation, error) {
		c, err := newEvalConversation(ctx, p, filepath.Join(dir, fmt.Sprintf("d%03d.db", n.Add(1))), fixtures, lang, now)
		if err == nil {
			opened = append(opened, c)
		}
		return c, err
	}, dialogues)
	rep.Dialogue = &dr
	return rep, nil
}

// evalCitizen is the signed-in citizen of the scripted dialogues.
const evalCitizen = "citoyen.test@guichet.example"

type evalConversation struct {
	ctx    context.Context
	engine *dialogue.Engine
	id     string
	close  func()
}

func newEvalConversation(ctx context.Context, p *Parser, path string, fixtures []eval.Fixture, lang string, now time.Time) (*evalConversation, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := database.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := db.Write(ctx, func(tx *database.Tx) error { return demo.Install(ctx, tx) }); err != nil {
		return nil, err
	}
	cat, err := catalog.Open(ctx, db, quiet)
	if err != nil {
		return nil, err
	}
	clock := func() time.Time { return now }
	book := booking.New(db, cat, booking.NewTokens(make([]byte, 32)), booking.Options{Now: clock, Logger: quiet})
	// Health services come with the imported facilities, not the
	// demonstration data: give every town of the demonstration a point
	// offering them, as the dialogues expect.
	for _, town := range cat.Gazetteer().Names() {
		for _, sv := range []string{"sante-prelevements", "sante-vaccination"} {
			if err := addEvalPoint(ctx, db, cat, sv, town); err != nil {
				return nil, err
			}
		}
	}
	if err := seedFixtures(ctx, db, cat, book, fixtures, now); err != nil {
		book.Close()
		db.Close()
		return nil, err
	}
	e := dialogue.New(db, cat, book, p, dialogue.Options{Now: clock, Logger: quiet})
	id, _, err := e.StartAs(ctx, lang, "Citoyen Test", evalCitizen)
	if err != nil {
		return nil, err
	}
	return &evalConversation{ctx: ctx, engine: e, id: id, close: func() { book.Close(); db.Close(); os.Remove(path) }}, nil
}

// seedFixtures books the appointments the dialogues manage, at the slot
// nearest to the fixture's time, then gives them the fixture's reference
// and owner.
func seedFixtures(ctx context.Context, db *database.DB, cat *catalog.Catalog, book *booking.Service, fixtures []eval.Fixture, now time.Time) error {
	for i, f := range fixtures {
		start, err := time.Parse(time.RFC3339, f.Start)
		if err != nil {
			return err
		}
		res, err := cat.Nearest(catalog.NearQuery{Near: f.Municipality, ServiceID: f.Service, Limit: 1, Now: now})
		if err == nil && (len(res.Items) == 0 || res.Items[0].DistanceKm > 30) {
			// The demonstration data has no point for this service there
			// (health services come with the imported facilities): add one.
			if err = addEvalPoint(ctx, db, cat, f.Service, f.Municipality); err == nil {
				res, err = cat.Nearest(catalog.NearQuery{Near: f.Municipality, ServiceID: f.Service, Limit: 1, Now: now})
			}
		}
		if err != nil || len(res.Items) == 0 {
			return fmt.Errorf("fixture %s: no point for %s in %s: %v", f.Reference, f.Service, f.Municipality, err)
		}
		point := res.Items[0].Point.ID
		day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
		slots, err := book.Availability(ctx, point, f.Service, day, day.AddDate(0, 0, 7))
		if err != nil || len(slots) == 0 {
			return fmt.Errorf("fixture %s: no slot: %v", f.Reference, err)
		}
		best := slots[0]
		for _, s := range slots {
			if d := s.Start.Sub(start).Abs(); d < best.Start.Sub(start).Abs() {
				best = s
			}
		}
		c, err := book.Book(ctx, booking.Request{PointID: point, ServiceID: f.Service, Start: best.Start,
			Citizen: booking.Citizen{Name: "Citoyen Test", Email: fmt.Sprintf("fixture%d@guichet.example", i)}, Lang: "fr"})
		if err != nil {
			return fmt.Errorf("fixture %s: %v", f.Reference, err)
		}
		if err := db.Write(ctx, func(tx *database.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE appointments SET reference = ?, citizen_email = ? WHERE reference = ?`,
				f.Reference, evalCitizen, c.Reference)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func (c *evalConversation) Send(text string) (eval.Turn, error) {
	r, err := c.engine.Send(c.ctx, c.id, dialogue.Input{Text: text})
	if err != nil {
		return eval.Turn{}, err
	}
	t := eval.Turn{Lang: r.Lang, Intent: r.Intent, Entities: r.Slots, Chosen: r.Chosen}
	var texts []string
	for _, m := range r.Messages {
		texts = append(texts, m.Text)
		for _, ch := range m.Choices {
			t.Choices = append(t.Choices, eval.Choice{ID: ch.ID, Label: ch.Label})
		}
	}
	t.Text = strings.Join(texts, "\n")
	for _, ev := range r.Events {
		t.Events = append(t.Events, eval.Event{Type: ev.Type, Reference: ev.Reference})
	}
	return t, nil
}

// addEvalPoint adds a service point offering a service in a municipality,
// open on weekdays, for the scripted dialogues.
func addEvalPoint(ctx context.Context, db *database.DB, cat *catalog.Catalog, serviceID, municipality string) error {
	m, ok := cat.Gazetteer().Municipality(municipality)
	if !ok {
		return fmt.Errorf("unknown municipality %s", municipality)
	}
	sv, err := cat.Service(serviceID)
	if err != nil {
		return err
	}
	var hours [7][]catalog.Interval
	for d := time.Monday; d <= time.Friday; d++ {
		hours[d] = []catalog.Interval{{Open: "08:00", Close: "16:00"}}
	}
	p := catalog.ServicePoint{ID: "eval-" + serviceID + "-" + m.Code, OrganizationID: sv.OrganizationID,
		Name: catalog.Text{FR: "Point d’essai — " + m.Name, EN: "Test point — " + m.Name}, Address: "1, rue Principale",
		Municipality: m.Name, Lat: m.Lat, Lon: m.Lon, Precision: catalog.PrecisionApproximate, TimeZone: "America/Toronto",
		Hours: hours, Offers: []catalog.Offer{{ServiceID: serviceID, Counters: 3}}, Source: "eval"}
	if err := db.Write(ctx, func(tx *database.Tx) error {
		_, err := catalog.UpsertServicePoints(ctx, tx, []catalog.ServicePoint{p})
		return err
	}); err != nil {
		return err
	}
	return cat.Reload(ctx)
}
