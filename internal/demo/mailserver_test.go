package demo

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	gomail "github.com/wneessen/go-mail"

	"mostrador/inbox"
)

func endpoint(t *testing.T, proto, addr, user string) inbox.Endpoint {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: host, Port: p, User: user}
}

// inboxOf lists the subjects in a mailbox's INBOX, logged in over IMAP.
func inboxOf(t *testing.T, s *Servers, user string) []string {
	t.Helper()
	c, err := (&inbox.Dialer{Timeout: 5 * time.Second}).DialIMAP(endpoint(t, "imap", s.IMAPAddr, user), s.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, sel.NumMessages), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Envelope.Subject)
	}
	return out
}

// The shop sends through the demo's SMTP server: the message lands in the
// customer's own mailbox (and one for the shop in the shop's INBOX); an
// address at the refused domain is refused as by a real server, 550 5.1.1.
func TestServersDeliverIntoTheirMailboxes(t *testing.T) {
	s, err := StartServers("Tienda@Example.com", "demo-password")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := (&inbox.Dialer{Timeout: 5 * time.Second}).SMTPClient(endpoint(t, "smtp", s.SMTPAddr, "tienda@example.com"),
		s.Password)
	if err != nil {
		t.Fatal(err)
	}
	send := func(to, subject string) error {
		m := gomail.NewMsg()
		if err := m.From("tienda@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := m.To(to); err != nil {
			t.Fatal(err)
		}
		m.Subject(subject)
		m.SetBodyString(gomail.TypeTextPlain, "Hola")
		return c.DialAndSendWithContext(context.Background(), m)
	}
	if err := send("ana@example.com", "Tu pedido ya salió"); err != nil {
		t.Fatal(err)
	}
	if err := send("tienda@example.com", "Copia para la tienda"); err != nil {
		t.Fatal(err)
	}
	err = send("nadie@"+Refused, "No llegará")
	var se *gomail.SendError
	if !errors.As(err, &se) || se.ErrorCode() != 550 || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a refused address: %v", err)
	}
	if got := inboxOf(t, s, "ana@example.com"); len(got) != 1 || got[0] != "Tu pedido ya salió" {
		t.Errorf("Ana's mailbox holds %q", got)
	}
	if got := inboxOf(t, s, "tienda@example.com"); len(got) != 1 || got[0] != "Copia para la tienda" {
		t.Errorf("the shop's mailbox holds %q", got)
	}
	// A wrong password is refused by both servers.
	if _, err := (&inbox.Dialer{Timeout: 5 * time.Second}).DialIMAP(endpoint(t, "imap", s.IMAPAddr, "tienda@example.com"),
		"wrong", nil); err == nil {
		t.Error("IMAP took a wrong password")
	}
	bad, _ := (&inbox.Dialer{Timeout: 5 * time.Second}).SMTPClient(endpoint(t, "smtp", s.SMTPAddr, "tienda@example.com"), "wrong")
	m := gomail.NewMsg()
	m.From("tienda@example.com")
	m.To("ana@example.com")
	m.SetBodyString(gomail.TypeTextPlain, "x")
	if err := bad.DialAndSendWithContext(context.Background(), m); err == nil {
		t.Error("SMTP took a wrong password")
	}
}
