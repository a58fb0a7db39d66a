package inbox

import (
	"context"
	"errors"
	"mostrador/inbox/inboxtest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// wantConnError checks the plain-words code of a failed test, and that it
// names the server.
func wantConnError(t *testing.T, err error, server, code string) *ConnError {
	t.Helper()
	var ce *ConnError
	if !errors.As(err, &ce) {
		t.Fatalf("want %s %s, got %v", server, code, err)
	}
	if ce.Code != code || ce.Server != server || ce.Addr == "" {
		t.Fatalf("want %s %s, got %s %s (%v)", server, code, ce.Server, ce.Code, err)
	}
	return ce
}

func TestIMAPConnectionTest(t *testing.T) {
	ca := inboxtest.NewCA(t)
	good, _ := inboxtest.Issue(t, ca, time.Now().Add(time.Hour), "127.0.0.1", "localhost")
	d := &Dialer{RootCAs: ca.Pool, Timeout: 5 * time.Second}

	for _, sec := range []Security{TLS, StartTLS, Plain} {
		srv := inboxtest.StartIMAP(t, inboxtest.Mode(sec), &good)
		if err := srv.User.Create("Enviados", nil); err != nil {
			t.Fatal(err)
		}
		ep := endpoint(t, "imap", sec, srv.Addr)
		info, err := d.TestIMAP(ep, inboxtest.Password)
		if err != nil {
			t.Fatalf("%v: %v", ep, err)
		}
		// No SPECIAL-USE in the memory server: found by its Spanish name.
		if info.Sent != "Enviados" || info.Messages != 0 {
			t.Errorf("%v: %+v", ep, info)
		}

		_, err = d.TestIMAP(ep, "wrong")
		wantConnError(t, err, "imap", CodeAuth)
	}
}

func TestIMAPCertificates(t *testing.T) {
	ca := inboxtest.NewCA(t)
	d := &Dialer{RootCAs: ca.Pool, Timeout: 5 * time.Second}

	// Self-signed: refused with its fingerprint, accepted once trusted.
	self, fp := inboxtest.Issue(t, nil, time.Now().Add(time.Hour), "127.0.0.1")
	for _, sec := range []Security{TLS, StartTLS} {
		srv := inboxtest.StartIMAP(t, inboxtest.Mode(sec), &self)
		ep := endpoint(t, "imap", sec, srv.Addr)
		_, err := d.TestIMAP(ep, inboxtest.Password)
		if ce := wantConnError(t, err, "imap", CodeUntrusted); ce.Fingerprint != fp {
			t.Errorf("fingerprint %q, want %q", ce.Fingerprint, fp)
		}
		if !strings.Contains(err.Error(), fp) {
			t.Errorf("the message lacks the fingerprint: %v", err)
		}
		trusting := &Dialer{RootCAs: ca.Pool, Timeout: 5 * time.Second, Trusted: []string{fp}}
		if _, err := trusting.TestIMAP(ep, inboxtest.Password); err != nil {
			t.Errorf("%v with the fingerprint trusted: %v", sec, err)
		}
	}

	// A certificate for another name, an expired one.
	other, _ := inboxtest.Issue(t, ca, time.Now().Add(time.Hour), "mail.example.com")
	srv := inboxtest.StartIMAP(t, inboxtest.TLS, &other)
	_, err := d.TestIMAP(endpoint(t, "imap", TLS, srv.Addr), inboxtest.Password)
	wantConnError(t, err, "imap", CodeHostname)
	old, _ := inboxtest.Issue(t, ca, time.Now().Add(-time.Hour), "127.0.0.1")
	srv = inboxtest.StartIMAP(t, inboxtest.TLS, &old)
	_, err = d.TestIMAP(endpoint(t, "imap", TLS, srv.Addr), inboxtest.Password)
	wantConnError(t, err, "imap", CodeCertExpired)
}

func TestIMAPWrongPortsAndDeadServers(t *testing.T) {
	ca := inboxtest.NewCA(t)
	good, _ := inboxtest.Issue(t, ca, time.Now().Add(time.Hour), "127.0.0.1")
	d := &Dialer{RootCAs: ca.Pool, Timeout: 2 * time.Second}

	// imaps:// to a port that speaks plain IMAP.
	plain := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	_, err := d.TestIMAP(endpoint(t, "imap", TLS, plain.Addr), inboxtest.Password)
	wantConnError(t, err, "imap", CodeNotTLS)
	// imap+starttls:// to a server without STARTTLS.
	_, err = d.TestIMAP(endpoint(t, "imap", StartTLS, plain.Addr), inboxtest.Password)
	wantConnError(t, err, "imap", CodeNoStartTLS)
	// Nothing listening.
	_, err = d.TestIMAP(endpoint(t, "imap", TLS, inboxtest.DeadPort(t)), inboxtest.Password)
	wantConnError(t, err, "imap", CodeRefused)
	// A server that accepts and never answers (over TLS: the handshake
	// waits; in plain: the greeting does).
	start := time.Now()
	_, err = d.TestIMAP(endpoint(t, "imap", TLS, inboxtest.SilentServer(t)), inboxtest.Password)
	wantConnError(t, err, "imap", CodeTimeout)
	_, err = d.TestIMAP(endpoint(t, "imap", Plain, inboxtest.SilentServer(t)), inboxtest.Password)
	wantConnError(t, err, "imap", CodeTimeout)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("two 2 s timeouts took %v", took)
	}
	_ = good
}

func TestIMAPHostNotFound(t *testing.T) {
	d := &Dialer{Timeout: 5 * time.Second}
	// .invalid never resolves (RFC 2606); a resolver may still take a while
	// to say so, within the timeout.
	_, err := d.TestIMAP(Endpoint{Proto: "imap", Security: TLS, Host: "imap.mostrador.invalid", Port: 993, User: "x"}, "y")
	var ce *ConnError
	if !errors.As(err, &ce) || (ce.Code != CodeDNS && ce.Code != CodeTimeout) {
		t.Fatalf("got %v", err)
	}
}

func TestIMAPNoInbox(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Delete("INBOX"); err != nil {
		t.Fatalf("cannot remove INBOX from the memory server: %v", err)
	}
	_, err := (&Dialer{Timeout: 5 * time.Second}).TestIMAP(endpoint(t, "imap", Plain, srv.Addr), inboxtest.Password)
	wantConnError(t, err, "imap", CodeNoInbox)
}

func TestFindSentBySpecialUse(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	for _, name := range []string{"Archivo", "Sent Items", "Enviados"} {
		if err := srv.User.Create(name, nil); err != nil {
			t.Fatal(err)
		}
	}
	c, err := (&Dialer{Timeout: 5 * time.Second}).DialIMAP(endpoint(t, "imap", Plain, srv.Addr), inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Without SPECIAL-USE the English name comes first in the list of
	// usual names.
	if sent, err := FindSent(c); err != nil || sent != "Sent Items" {
		t.Errorf("FindSent = %q, %v", sent, err)
	}
	_ = imap.MailboxAttrSent
}

func TestSMTPConnectionTest(t *testing.T) {
	ca := inboxtest.NewCA(t)
	good, _ := inboxtest.Issue(t, ca, time.Now().Add(time.Hour), "127.0.0.1", "localhost")
	d := &Dialer{RootCAs: ca.Pool, Timeout: 5 * time.Second}
	ctx := context.Background()

	for _, sec := range []Security{TLS, StartTLS, Plain} {
		srv := inboxtest.StartSMTP(t, inboxtest.Mode(sec), &good)
		ep := endpoint(t, "smtp", sec, srv.Addr)
		if err := d.TestSMTP(ctx, ep, inboxtest.Password); err != nil {
			t.Fatalf("%v: %v", ep, err)
		}
		err := d.TestSMTP(ctx, ep, "wrong")
		wantConnError(t, err, "smtp", CodeAuth)
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("a connection test sent %d messages", n)
		}
	}

	self, fp := inboxtest.Issue(t, nil, time.Now().Add(time.Hour), "127.0.0.1")
	srv := inboxtest.StartSMTP(t, inboxtest.StartTLS, &self)
	err := d.TestSMTP(ctx, endpoint(t, "smtp", StartTLS, srv.Addr), inboxtest.Password)
	if ce := wantConnError(t, err, "smtp", CodeUntrusted); ce.Fingerprint != fp {
		t.Errorf("fingerprint %q, want %q", ce.Fingerprint, fp)
	}
	trusting := &Dialer{Timeout: 5 * time.Second, Trusted: []string{fp}}
	if err := trusting.TestSMTP(ctx, endpoint(t, "smtp", StartTLS, srv.Addr), inboxtest.Password); err != nil {
		t.Errorf("trusted: %v", err)
	}

	noTLS := inboxtest.StartSMTP(t, inboxtest.StartTLS, nil)
	err = d.TestSMTP(ctx, endpoint(t, "smtp", StartTLS, noTLS.Addr), inboxtest.Password)
	wantConnError(t, err, "smtp", CodeNoStartTLS)
	err = d.TestSMTP(ctx, endpoint(t, "smtp", TLS, noTLS.Addr), inboxtest.Password)
	wantConnError(t, err, "smtp", CodeNotTLS)
	err = d.TestSMTP(ctx, endpoint(t, "smtp", StartTLS, inboxtest.DeadPort(t)), inboxtest.Password)
	wantConnError(t, err, "smtp", CodeRefused)
}
