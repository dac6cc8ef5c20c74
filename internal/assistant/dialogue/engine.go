package dialogue

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
)

// Options configure the engine.
type Options struct {
	Now       func() time.Time
	Retention time.Duration // transcripts are deleted after this (default 30 days)
	Logger    *slog.Logger
	// Link returns the absolute URL of a site path ("/fr/services/x").
	Link func(path string) string
	// ManageLink builds the link that manages an appointment.
	ManageLink func(lang, reference, token string) string
}

// Engine runs conversations.
type Engine struct {
	db        *database.DB
	cat       *catalog.Catalog
	book      *booking.Service
	nlu       Understander
	now       func() time.Time
	retention time.Duration
	log       *slog.Logger
	link      func(string) string
	manage    func(lang, reference, token string) string
}

// New returns an engine.
func New(db *database.DB, cat *catalog.Catalog, book *booking.Service, nlu Understander, o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Retention == 0 {
		o.Retention = 30 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Link == nil {
		o.Link = func(p string) string { return p }
	}
	if o.ManageLink == nil {
		o.ManageLink = func(_, ref, _ string) string { return ref }
	}
	return &Engine{db: db, cat: cat, book: book, nlu: nlu, now: o.Now, retention: o.Retention, log: o.Logger,
		link: o.Link, manage: o.ManageLink}
}

// Start opens a conversation and greets the person.
func (e *Engine) Start(ctx context.Context, lang string) (string, []Message, error) {
	return e.StartAs(ctx, lang, "", "")
}

// StartAs opens a conversation for a signed-in citizen (the channel has
// verified their e-mail address); empty values mean an anonymous person.
func (e *Engine) StartAs(ctx context.Context, lang, name, email string) (string, []Message, error) {
	if lang != "en" {
		lang = "fr"
	}
	st := State{Lang: lang, CitizenName: name, CitizenEmail: email}
	hello := Message{Role: "assistant", Text: i18n.T(i18n.Lang(lang), "assistant.hello")}
	var id string
	err := e.db.Write(ctx, func(tx *database.Tx) error {
		c, err := e.create(ctx, tx, st)
		if err != nil {
			return err
		}
		id = c.ID
		return e.appendMessages(ctx, tx, id, hello)
	})
	return id, []Message{hello}, err
}

// Input is one message from the person: text, or the id of a choice.
type Input struct {
	Text   string
	Choice string
}

// MaxText bounds one message.
const MaxText = 2000

// Send handles one message and returns the assistant's answer.
func (e *Engine) Send(ctx context.Context, id string, in Input) (Reply, error) {
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" && in.Choice == "" {
		return Reply{}, errs.E(errs.Invalid, "assistant.empty").OnField("text")
	}
	if len(in.Text) > MaxText {
		return Reply{}, errs.E(errs.Invalid, "assistant.too_long", MaxText).OnField("text")
	}
	// The conversation is read, the turn runs (it may book, which takes
	// its own transactions), then the new state is written if nobody else
	// changed the conversation meanwhile.
	var c conversation
	var version int64
	err := e.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		c, version, err = e.load(ctx, tx, id)
		return err
	})
	if err != nil {
		return Reply{}, err
	}
	user := in.Text
	if user == "" {
		user = labelOf(c.State.Choices, in.Choice)
	}
	reply := Reply{Lang: c.State.Lang, Entities: map[string]string{}, Events: []Event{}, Messages: []Message{}, Slots: c.State.slotEntities()}
	if c.Status == StatusBot {
		var handoff bool
		reply, handoff = e.Respond(ctx, &c.State, in)
		if handoff {
			c.Status = StatusWaitingAgent
		}
	}
	err = e.db.Write(ctx, func(tx *database.Tx) error {
		if err := e.saveIf(ctx, tx, c, version); err != nil {
			return err
		}
		return e.appendMessages(ctx, tx, id, append([]Message{{Role: "user", Text: user}}, reply.Messages...)...)
	})
	return reply, err
}

func labelOf(choices []Choice, id string) string {
	for _, c := range choices {
		if c.ID == id {
			return c.Label
		}
	}
	return id
}

// Respond runs one turn on a conversation state held by the caller: the
// understanding and the dialogue, without storing anything (booking,
// cancelling and availability still use their services). It reports
// whether the conversation is handed over to a person.
func (e *Engine) Respond(ctx context.Context, st *State, in Input) (Reply, bool) {
	t := &turn{e: e, ctx: ctx, st: st, in: in, now: e.now()}
	t.run()
	return t.reply(), t.handoff
}
