package notify

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeSMTP is a tiny SMTP server speaking just enough for net/smtp, without
// TLS. It rejects the recipients in reject with a 550.
type fakeSMTP struct {
	addr     string
	reject   string
	received chan smtpMail
}

type smtpMail struct {
	from, to string
	data     []byte
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeSMTP{addr: ln.Addr().String(), received: make(chan smtpMail, 4)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 fake ESMTP")
	var m smtpMail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			tp.PrintfLine("250-fake greets %s", arg)
			tp.PrintfLine("250 8BITMIME")
		case "HELO":
			tp.PrintfLine("250 fake")
		case "MAIL":
			m = smtpMail{from: addrOf(arg)}
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.to = addrOf(arg)
			if m.to == f.reject {
				tp.PrintfLine("550 5.1.1 <%s>: no such user", m.to)
				continue
			}
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = data
			f.received <- m
			tp.PrintfLine("250 queued")
		case "RSET", "NOOP":
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	a, _, _ := strings.Cut(rest, ">")
	return a
}

func TestSMTPSendsMIME(t *testing.T) {
	srv := startFakeSMTP(t)
	date := time.Date(2030, 5, 14, 9, 0, 0, 0, time.UTC)
	s := &SMTP{Addr: srv.addr, From: "Guichet Québec <ne-pas-repondre@guichet.example>", Now: func() time.Time { return date }}
	m := sampleMessage()
	m.ID = 42
	m.CreatedAt = date
	m.Text += ".une ligne qui commence par un point\nFin.\n"
	loc, _ := time.LoadLocation("America/Toronto")
	m.Calendar = Calendar(Event{
		UID: "RV-7KQ2ZP@guichet.example", Method: "REQUEST", TimeZone: "America/Toronto",
		Start: time.Date(2030, 5, 21, 10, 0, 0, 0, loc), End: time.Date(2030, 5, 21, 10, 30, 0, 0, loc),
		Summary: "Rendez-vous — permis", Stamp: date,
	})
	m.CalendarMethod = "REQUEST"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := <-srv.received
	if got.from != "ne-pas-repondre@guichet.example" || got.to != m.To {
		t.Fatalf("envelope %q → %q", got.from, got.to)
	}
	for _, line := range strings.Split(string(got.data), "\n") {
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("8-bit data in the message: %q", line)
			}
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Fatalf("subject %q, %v; want %q", subject, err, m.Subject)
	}
	if !strings.HasPrefix(msg.Header.Get("Subject"), "=?utf-8?") {
		t.Fatalf("subject not encoded: %q", msg.Header.Get("Subject"))
	}
	if id := msg.Header.Get("Message-Id"); id != "<notify.42."+strconv.FormatInt(date.UnixMilli(), 10)+"@guichet.example>" {
		t.Fatalf("Message-ID %q", id)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || from[0].Name != "Guichet Québec" {
		t.Fatalf("From %v, %v", from, err)
	}
	if msg.Header.Get("Content-Language") != "fr-CA" {
		t.Fatalf("Content-Language %q", msg.Header.Get("Content-Language"))
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q, %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])

	text, err := mr.NextPart() // decodes quoted-printable
	if err != nil {
		t.Fatal(err)
	}
	if ct := text.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("text part %q", ct)
	}
	body, _ := io.ReadAll(text)
	if string(body) != m.Text {
		t.Fatalf("text part %q\nwant %q", body, m.Text)
	}

	cal, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	ct, ctParams, _ := mime.ParseMediaType(cal.Header.Get("Content-Type"))
	if ct != "text/calendar" || ctParams["method"] != "REQUEST" || ctParams["charset"] != "utf-8" {
		t.Fatalf("calendar part %q", cal.Header.Get("Content-Type"))
	}
	if _, dp, _ := mime.ParseMediaType(cal.Header.Get("Content-Disposition")); dp["filename"] != "rendez-vous.ics" {
		t.Fatalf("calendar disposition %q", cal.Header.Get("Content-Disposition"))
	}
	raw, _ := io.ReadAll(cal)
	ics, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if err != nil || string(ics) != string(m.Calendar) {
		t.Fatalf("calendar %q, %v", ics, err)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("extra part: %v", err)
	}
}

func TestSMTPRejectedRecipientIsPermanent(t *testing.T) {
	srv := startFakeSMTP(t)
	m := sampleMessage()
	srv.reject = m.To
	s := &SMTP{Addr: srv.addr, From: "ne-pas-repondre@guichet.example"}
	err := s.Send(context.Background(), m)
	if err == nil || !IsPermanent(err) {
		t.Fatalf("Send = %v; want a permanent error", err)
	}
	if strings.Contains(err.Error(), m.Text) || strings.Contains(err.Error(), m.Subject) {
		t.Fatalf("error holds the message: %v", err)
	}
}

func TestSMTPUnreachableIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &SMTP{Addr: addr, From: "ne-pas-repondre@guichet.example", Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), sampleMessage()); err == nil || IsPermanent(err) {
		t.Fatalf("Send = %v; want a temporary error", err)
	}
}

func TestEnglishAttachmentName(t *testing.T) {
	m := sampleMessage()
	m.Lang = "en"
	m.Subject = "Your appointment"
	m.Calendar = []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	m.CalendarMethod = "CANCEL"
	raw, err := buildMIME(&mail.Address{Address: "a@guichet.example"}, m, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{"Subject: Your appointment\r\n", `filename=appointment.ics`, "method=CANCEL", "Content-Language: en-CA"} {
		if !strings.Contains(s, want) {
			t.Fatalf("message lacks %q:\n%s", want, s)
		}
	}
}
