package web

import (
	"context"
	"net/http"
	"time"

	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/notify"
)

// MailboxSource lists the messages of the development mailbox.
type MailboxSource func(ctx context.Context, limit int) ([]notify.Message, error)

type mailView struct {
	When, To, Kind, Status, Subject, Text string
	Calendar                              bool
}

// mailbox shows the last messages the platform "sent" when it sends no
// real mail: a demonstration platform's development mailbox. Elsewhere it
// does not exist (404).
func (s *Site) mailbox(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if s.mailboxSource == nil {
		s.NotFound(w, r)
		return
	}
	msgs, err := s.mailboxSource(r.Context(), 30)
	if err != nil {
		s.Error(w, r, errs.Internalf("mailbox: %w", err))
		return
	}
	loc := s.zone()
	var out []mailView
	for _, m := range msgs {
		t := m.CreatedAt.In(loc)
		out = append(out, mailView{When: i18n.T(l, "mailbox.when", l.WeekdayDate(t), l.Time(t)), To: m.To, Kind: m.Kind,
			Status: m.Status, Subject: m.Subject, Text: m.Text, Calendar: len(m.Calendar) > 0})
	}
	s.render(w, r, http.StatusOK, l, "mailbox", i18n.T(l, "mailbox.title"), out)
}

// zone is the time zone of the platform's own pages (service points have
// their own): Montréal's.
func (s *Site) zone() *time.Location {
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		return time.UTC
	}
	return loc
}
