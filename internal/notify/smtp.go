package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTP sends messages to a submission server with net/smtp, upgrading the
// connection with STARTTLS when the server offers it.
type SMTP struct {
	Addr       string        // host:port of the submission server
	Username   string        // optional; PLAIN authentication, which net/smtp allows only over TLS or to localhost
	Password   string        // with Username
	From       string        // the sender, e.g. "Guichet <ne-pas-repondre@guichet.example>"
	HeloName   string        // the name given in EHLO; default "localhost"
	TLSConfig  *tls.Config   // for STARTTLS; ServerName defaults to Addr's host
	RequireTLS bool          // refuse to send in clear when the server does not offer STARTTLS
	Timeout    time.Duration // the longest a whole dialog may take; default 30s
	Now        func() time.Time
}

// Send delivers m to the server. A rejection of the recipient or of the
// content (a 5xx reply) is Permanent; anything else is worth a retry.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("smtp: bad From address: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg, err := buildMIME(from, m, now())
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: bad server address: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: connect: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	return s.dialog(c, host, from.Address, m.To, msg)
}

func (s *SMTP) dialog(c *smtp.Client, host, from, to string, msg []byte) error {
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return fmt.Errorf("smtp: hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if s.TLSConfig != nil {
			cfg = s.TLSConfig.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp: starttls: %w", err)
		}
	} else if s.RequireTLS {
		return errors.New("smtp: the server does not offer STARTTLS and RequireTLS is set")
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp: mail from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return permanentIf5xx(fmt.Errorf("smtp: rcpt to: %w", err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	if err := w.Close(); err != nil {
		return permanentIf5xx(fmt.Errorf("smtp: data: %w", err))
	}
	// The message is accepted; a failed QUIT does not matter.
	_ = c.Quit()
	return nil
}

// permanentIf5xx marks a permanent SMTP rejection (5xx) as Permanent.
func permanentIf5xx(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return Permanent(err)
	}
	return err
}

// attachmentName is the file name of the calendar attachment by language.
func attachmentName(lang string) string {
	if lang == "en" {
		return "appointment.ics"
	}
	return "rendez-vous.ics"
}

// buildMIME writes m as a multipart/mixed message in 7-bit: the text part in
// quoted-printable UTF-8, the calendar (if any) in base64, the subject as
// RFC 2047 encoded words. The Message-ID depends only on the message, so
// that every attempt carries the same one.
func buildMIME(from *mail.Address, m Message, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var salt [6]byte
	rand.Read(salt[:])
	msgID := fmt.Sprintf("<notify.%d.%d@%s>", m.ID, m.CreatedAt.UnixMilli(), domain)
	if m.ID == 0 { // not from the outbox
		msgID = fmt.Sprintf("<notify.%s.%d@%s>", hex.EncodeToString(salt[:]), date.UnixNano(), domain)
	}
	to := mail.Address{Address: m.To}
	lang := "fr-CA"
	if m.Lang == "en" {
		lang = "en-CA"
	}
	header := []struct{ k, v string }{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", encodeSubject(m.Subject)},
		{"Date", date.Format(time.RFC1123Z)},
		{"Message-ID", msgID},
		{"MIME-Version", "1.0"},
		{"Content-Language", lang},
		{"Auto-Submitted", "auto-generated"},
		{"Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()})},
	}
	for _, h := range header {
		b.WriteString(h.k + ": " + h.v + "\r\n")
	}
	b.WriteString("\r\n")

	text, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	qp := quotedprintable.NewWriter(text)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if len(m.Calendar) > 0 {
		method := m.CalendarMethod
		if method == "" {
			method = "REQUEST"
		}
		cal, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType("text/calendar", map[string]string{"charset": "utf-8", "method": method})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": attachmentName(m.Lang)})},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(m.Calendar)
		for len(enc) > 76 {
			fmt.Fprintf(cal, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(cal, "%s\r\n", enc)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeSubject encodes a subject as RFC 2047 words when it is not ASCII,
// folding between the words so that header lines stay short.
func encodeSubject(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}
