package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
)

// clock is an injectable clock moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 5, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeSender records what it sends; fail decides the error of each send.
type fakeSender struct {
	mu   sync.Mutex
	sent []Message
	fail func(m Message) error
}

func (s *fakeSender) Send(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(m); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *fakeSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func sampleMessage() Message {
	return Message{
		Kind:    "appointment.confirmed",
		To:      "jeanne.tremblay@exemple.qc.ca",
		Lang:    "fr",
		Subject: "Votre rendez-vous est confirmé — mardi à 10 h",
		Text:    "Bonjour,\n\nVotre rendez-vous au comptoir de Trois-Rivières est confirmé.\nÀ bientôt!\n",
		Ref:     "RV-7KQ2ZP",
	}
}

// mustEnqueue stores m in its own committed transaction.
func mustEnqueue(tb testing.TB, db *database.DB, o *Outbox, m Message) int64 {
	tb.Helper()
	var id int64
	err := db.Write(context.Background(), func(tx *database.Tx) error {
		var err error
		id, err = o.Enqueue(context.Background(), tx, m)
		return err
	})
	if err != nil {
		tb.Fatalf("enqueue: %v", err)
	}
	return id
}

func mustGet(tb testing.TB, db *database.DB, id int64) Message {
	tb.Helper()
	m, err := Get(context.Background(), db, id)
	if err != nil {
		tb.Fatalf("get %d: %v", id, err)
	}
	return m
}

func runOnce(tb testing.TB, o *Outbox) int {
	tb.Helper()
	n, err := o.RunOnce(context.Background())
	if err != nil {
		tb.Fatalf("RunOnce: %v", err)
	}
	return n
}

var errTemporary = errors.New("421 4.3.0 <jeanne.tremblay@exemple.qc.ca> service temporairement indisponible")
