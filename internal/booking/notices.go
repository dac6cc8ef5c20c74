package booking

import (
	"context"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/notify"
)

// Notices writes the citizen's e-mails about their appointments into the
// notification outbox, in the same transaction as the change, in the
// citizen's language: confirmation (with an iCalendar invitation and a
// reminder scheduled before the appointment), change, cancellation, and
// the offer of a freed place to someone on the waiting list. A citizen who
// gave only a phone number gets no e-mail (text messages are not sent yet).
type Notices struct {
	Catalog *catalog.Catalog
	// Link builds the absolute link a message points to: kind is "manage"
	// (an appointment) or "waitlist" (an offer); ref and token identify it.
	Link         func(lang, kind, ref, token string) string
	ReminderLead time.Duration // how long before the appointment the reminder goes
	From         string        // organizer address in invitations
	Now          func() time.Time
	Nudge        func() // wakes the outbox worker
}

// Notify is a booking.Options.Notify function: it writes the messages of
// a change in the change's transaction.
func (n Notices) Notify(ctx context.Context, tx *database.Tx, c Change) error {
	apply, err := n.Prepare(c)
	if err != nil {
		return err
	}
	return apply(ctx, tx)
}

// Prepare writes the messages of a change ahead of its transaction (the
// texts, the invitation), and returns what enqueues them in it. Booking
// prepares before taking its turn in the group commit, so that the shared
// transaction only inserts rows.
func (n Notices) Prepare(c Change) (func(ctx context.Context, tx *database.Tx) error, error) {
	p, err := n.plan(c)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx *database.Tx) error {
		if n.Nudge != nil {
			defer n.Nudge()
		}
		if p.cancelReminder != "" {
			if _, err := notify.CancelPending(ctx, tx, p.cancelReminder, "appointment.reminder"); err != nil {
				return err
			}
		}
		for _, m := range p.messages {
			if _, err := notify.Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// plan is what a change sends: messages, and a reminder to withdraw.
type plan struct {
	cancelReminder string // reference whose pending reminder goes
	messages       []notify.Message
}

func (n Notices) plan(c Change) (plan, error) {
	var p plan
	if c.Wait != nil {
		m, err := n.offer(c)
		if err == nil && m != nil {
			p.messages = append(p.messages, *m)
		}
		return p, err
	}
	a := c.Appointment
	if c.Kind == "appointment.changed" || c.Kind == "appointment.cancelled" {
		p.cancelReminder = a.Reference
	}
	if a.Citizen.Email == "" {
		return p, nil
	}
	l := lang(a.Lang)
	v, err := n.view(a, l)
	if err != nil {
		return p, err
	}
	link := ""
	if c.ManageToken != "" {
		link = n.Link(a.Lang, "manage", a.Reference, c.ManageToken)
	}
	switch c.Kind {
	case "appointment.confirmed":
		p.messages = append(p.messages, n.message(a, "appointment.confirmed", i18n.T(l, "notice.confirmed.subject", a.Reference, v.service),
			i18n.T(l, "notice.confirmed.body", a.Citizen.Name, v.service, v.when, v.place, v.documents, a.Reference, link), "REQUEST", v, link))
		p.messages = append(p.messages, n.reminder(a, v, link)...)
	case "appointment.changed":
		p.messages = append(p.messages, n.message(a, "appointment.changed", i18n.T(l, "notice.changed.subject", a.Reference, v.service),
			i18n.T(l, "notice.changed.body", a.Citizen.Name, v.service, v.when, v.place, a.Reference, link), "REQUEST", v, link))
		p.messages = append(p.messages, n.reminder(a, v, link)...)
	case "appointment.cancelled":
		p.messages = append(p.messages, n.message(a, "appointment.cancelled", i18n.T(l, "notice.cancelled.subject", a.Reference, v.service),
			i18n.T(l, "notice.cancelled.body", a.Citizen.Name, v.service, v.when, v.place, a.Reference), "CANCEL", v, ""))
	}
	return p, nil
}

func lang(s string) i18n.Lang {
	if s == "en" {
		return i18n.EN
	}
	return i18n.FR
}

// view is what the messages say of an appointment, localized.
type view struct {
	service, place, when, documents string
	tz                              string
}

func (n Notices) view(a Appointment, l i18n.Lang) (view, error) {
	p, sched, err := n.Catalog.Point(a.PointID)
	if err != nil {
		return view{}, err
	}
	sv, err := n.Catalog.Service(a.ServiceID)
	if err != nil {
		return view{}, err
	}
	start := a.Start.In(sched.Location())
	var docs []string
	for _, d := range sv.Documents {
		docs = append(docs, "- "+d.In(l))
	}
	if len(docs) == 0 {
		docs = append(docs, "- "+i18n.T(l, "notice.no_documents"))
	}
	return view{
		service:   sv.Name.In(l),
		place:     p.Name.In(l) + "\n" + p.Address + ", " + p.Municipality + " " + p.PostalCode,
		when:      i18n.T(l, "notice.when", l.WeekdayDate(start), l.Time(start)),
		documents: strings.Join(docs, "\n"),
		tz:        p.TimeZone,
	}, nil
}

// message is one message with its calendar attachment.
func (n Notices) message(a Appointment, kind, subject, body, method string, v view, link string) notify.Message {
	l := lang(a.Lang)
	cal := notify.Calendar(notify.Event{
		UID: a.Reference + "@guichet", Sequence: int(a.UpdatedAt.Unix() - a.CreatedAt.Unix()), Method: method,
		Start: a.Start, End: a.End, TimeZone: v.tz, Summary: v.service, Location: strings.ReplaceAll(v.place, "\n", ", "),
		Description: i18n.T(l, "notice.calendar_description", a.Reference), URL: link, Organizer: n.From,
		Attendee: a.Citizen.Email, Stamp: n.Now(),
	})
	return notify.Message{Kind: kind, To: a.Citizen.Email, Lang: string(l), Subject: subject,
		Text: body, Calendar: cal, CalendarMethod: method, Ref: a.Reference}
}

// reminder is the reminder before the appointment, unless it is too close.
func (n Notices) reminder(a Appointment, v view, link string) []notify.Message {
	at := a.Start.Add(-n.ReminderLead)
	if n.ReminderLead <= 0 || !at.After(n.Now()) {
		return nil
	}
	l := lang(a.Lang)
	return []notify.Message{{Kind: "appointment.reminder", To: a.Citizen.Email, Lang: string(l),
		Subject: i18n.T(l, "notice.reminder.subject", v.service, v.when),
		Text:    i18n.T(l, "notice.reminder.body", a.Citizen.Name, v.service, v.when, v.place, v.documents, a.Reference, link),
		Ref:     a.Reference, NotBefore: at}}
}

// offer tells the first person in line that a place is held for them.
func (n Notices) offer(c Change) (*notify.Message, error) {
	w := c.Wait
	if w.Citizen.Email == "" {
		return nil, nil
	}
	l := lang(w.Lang)
	v, err := n.view(Appointment{PointID: w.PointID, ServiceID: w.ServiceID, Start: w.OfferStart}, l)
	if err != nil {
		return nil, err
	}
	_, sched, _ := n.Catalog.Point(w.PointID)
	deadline := w.OfferExpires.In(sched.Location())
	return &notify.Message{Kind: "waitlist.offered", To: w.Citizen.Email, Lang: string(l),
		Subject: i18n.T(l, "notice.offer.subject", v.service),
		Text: i18n.T(l, "notice.offer.body", w.Citizen.Name, v.service, v.when, v.place,
			i18n.T(l, "notice.when", l.WeekdayDate(deadline), l.Time(deadline)), n.Link(w.Lang, "waitlist", w.Reference(), c.ManageToken)),
		Ref: w.Reference()}, nil
}
