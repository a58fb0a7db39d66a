package inbox_test

// Integration tests against a real Dovecot (Debian's dovecot-imapd), started
// per test by the dovecot harness. They skip, saying why, only when Dovecot is
// not installed; `make test` installs it.

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox/internal/dovecot"
)

const (
	shopUser     = "tienda@example.com"
	shopPassword = "s3creto de la tienda"
)

// Three customer emails as a shop receives them. The second is ISO-8859-1
// throughout: encoded words in the headers and 8-bit Latin-1 in the body.
var customerMail = [][]byte{
	crlf("From: Ana Torres <ana@example.com>\n" +
		"To: Tienda <tienda@example.com>\n" +
		"Subject: Pedido 1001\n" +
		"Date: Mon, 02 Nov 2026 10:00:00 +0100\n" +
		"Message-ID: <pedido-1001@example.com>\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=utf-8\n" +
		"\n" +
		"Hola, ¿cuándo llega mi pedido?\n"),
	crlf("From: =?ISO-8859-1?Q?Mar=EDa_Pe=F1a?= <maria@example.com>\n" +
		"To: Tienda <tienda@example.com>\n" +
		"Subject: =?ISO-8859-1?Q?=BFTienen_caf=E9_de_Colombia=3F?=\n" +
		"Date: Tue, 03 Nov 2026 11:30:00 +0100\n" +
		"Message-ID: <cafe-colombia@example.com>\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=ISO-8859-1\n" +
		"Content-Transfer-Encoding: 8bit\n" +
		"\n" +
		"Buenos d\xedas, \xbfabren el s\xe1bado? Gracias, Mar\xeda\n"),
	crlf("From: Ana Torres <ana@example.com>\n" +
		"To: Tienda <tienda@example.com>\n" +
		"Subject: Re: Pedido 1001\n" +
		"Date: Wed, 04 Nov 2026 09:15:00 +0100\n" +
		"Message-ID: <pedido-1001-gracias@example.com>\n" +
		"In-Reply-To: <pedido-1001-respuesta@tienda.example.com>\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=utf-8\n" +
		"\n" +
		"¡Ya llegó, gracias!\n"),
}

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// trustFingerprint trusts exactly one certificate, by the SHA-256 of its DER
// encoding: how Mostrador connects to a shop's self-signed server. The usual
// chain and name checks are off (InsecureSkipVerify) only because
// VerifyPeerCertificate replaces them with this stricter one.
func trustFingerprint(fingerprint string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            nil,
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			if len(rawCerts) == 0 {
				return errors.New("no server certificate")
			}
			sum := sha256.Sum256(rawCerts[0])
			if got := hex.EncodeToString(sum[:]); got != fingerprint {
				return fmt.Errorf("server certificate %s is not the trusted %s", got, fingerprint)
			}
			return nil
		},
	}
}

func startDovecot(t *testing.T) *dovecot.Server {
	t.Helper()
	begin := time.Now()
	srv := dovecot.Start(t, dovecot.Options{Users: map[string]string{shopUser: shopPassword}})
	t.Logf("dovecot up in %v: TLS %s, STARTTLS %s", time.Since(begin).Round(time.Millisecond),
		srv.TLSAddr(), srv.StartTLSAddr())
	return srv
}

// The shop's mailbox as sync will meet it on a real server: implicit TLS to a
// self-signed certificate trusted by fingerprint, CONDSTORE, envelopes in
// Latin-1, Sent found by SPECIAL-USE; then STARTTLS and a wrong password.
func TestDovecotMailbox(t *testing.T) {
	t.Parallel()
	srv := startDovecot(t)
	var uids []imap.UID
	for _, raw := range customerMail {
		uids = append(uids, srv.Deliver(t, shopUser, "INBOX", raw))
	}

	c, err := imapclient.DialTLS(srv.TLSAddr(), &imapclient.Options{
		TLSConfig: trustFingerprint(srv.Fingerprint),
		Dialer:    srv.Dialer(),
	})
	if err != nil {
		t.Fatalf("dial %s with implicit TLS: %v", srv.TLSAddr(), err)
	}
	defer c.Close()
	if err := c.Login(shopUser, shopPassword).Wait(); err != nil {
		t.Fatalf("login over TLS: %v", err)
	}
	for _, want := range []imap.Cap{imap.CapCondStore, imap.CapSpecialUse, imap.CapUIDPlus, imap.CapIdle} {
		if !c.Caps().Has(want) {
			t.Errorf("capability %s missing after login", want)
		}
	}

	sel, err := c.Select("INBOX", &imap.SelectOptions{CondStore: true}).Wait()
	if err != nil {
		t.Fatalf("SELECT INBOX (CONDSTORE): %v", err)
	}
	if sel.NumMessages != 3 || sel.HighestModSeq == 0 || sel.UIDValidity == 0 {
		t.Fatalf("SELECT INBOX = %d messages, HIGHESTMODSEQ %d, UIDVALIDITY %d; want 3, > 0, > 0",
			sel.NumMessages, sel.HighestModSeq, sel.UIDValidity)
	}

	var all imap.UIDSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Envelope: true, ModSeq: true}).Collect()
	if err != nil {
		t.Fatalf("UID FETCH 1:* (ENVELOPE MODSEQ): %v", err)
	}
	want := []struct{ subject, fromName, from, messageID string }{
		{"Pedido 1001", "Ana Torres", "ana@example.com", "pedido-1001@example.com"},
		{"¿Tienen café de Colombia?", "María Peña", "maria@example.com", "cafe-colombia@example.com"},
		{"Re: Pedido 1001", "Ana Torres", "ana@example.com", "pedido-1001-gracias@example.com"},
	}
	if len(msgs) != len(want) {
		t.Fatalf("UID FETCH returned %d messages, want %d", len(msgs), len(want))
	}
	for i, m := range msgs {
		env, w := m.Envelope, want[i]
		if m.UID != uids[i] {
			t.Errorf("message %d: UID %d, APPEND said %d", i+1, m.UID, uids[i])
		}
		if env == nil || len(env.From) != 1 {
			t.Errorf("message %d: envelope %+v, want one From", i+1, env)
			continue
		}
		if env.Subject != w.subject || env.From[0].Name != w.fromName || env.From[0].Addr() != w.from ||
			env.MessageID != w.messageID {
			t.Errorf("message %d: subject %q from %q <%s> id %q; want %q from %q <%s> id %q", i+1,
				env.Subject, env.From[0].Name, env.From[0].Addr(), env.MessageID,
				w.subject, w.fromName, w.from, w.messageID)
		}
		if m.ModSeq == 0 || m.ModSeq > sel.HighestModSeq {
			t.Errorf("message %d: MODSEQ %d, want 1..%d", i+1, m.ModSeq, sel.HighestModSeq)
		}
	}
	if got := msgs[2].Envelope.InReplyTo; !slices.Equal(got, []string{"pedido-1001-respuesta@tienda.example.com"}) {
		t.Errorf("In-Reply-To = %q", got)
	}

	// The Latin-1 body comes back byte for byte: nothing on the way
	// re-encodes 8-bit mail.
	section := &imap.FetchItemBodySection{Peek: true}
	body, err := c.Fetch(imap.UIDSetNum(uids[1]), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(body) != 1 {
		t.Fatalf("UID FETCH %d BODY.PEEK[] = %d messages, %v", uids[1], len(body), err)
	}
	if got := body[0].FindBodySection(section); !bytes.Equal(got, customerMail[1]) {
		t.Errorf("ISO-8859-1 message changed on the server:\n got %q\nwant %q", got, customerMail[1])
	}

	// CONDSTORE as sync will use it: after a flag change, CHANGEDSINCE the
	// old HIGHESTMODSEQ names that message only.
	if err := c.Store(imap.UIDSetNum(uids[0]), &imap.StoreFlags{
		Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagAnswered},
	}, nil).Close(); err != nil {
		t.Fatalf("UID STORE +FLAGS \\Answered: %v", err)
	}
	changed, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, ChangedSince: sel.HighestModSeq}).Collect()
	if err != nil {
		t.Fatalf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d): %v", sel.HighestModSeq, err)
	}
	if len(changed) != 1 || changed[0].UID != uids[0] || !slices.Contains(changed[0].Flags, imap.FlagAnswered) {
		t.Errorf("CHANGEDSINCE %d gave %d messages (%+v), want UID %d with \\Answered",
			sel.HighestModSeq, len(changed), changed, uids[0])
	}

	// The Sent folder is found by its SPECIAL-USE attribute, not its name.
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatalf(`LIST "" "*" RETURN (SPECIAL-USE): %v`, err)
	}
	var sent []string
	for _, mbox := range list {
		if slices.Contains(mbox.Attrs, imap.MailboxAttrSent) {
			sent = append(sent, mbox.Mailbox)
		}
	}
	if !slices.Equal(sent, []string{"Sent"}) {
		t.Errorf("mailboxes with \\Sent = %q, want [Sent]; LIST gave %+v", sent, list)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("LOGOUT: %v", err)
	}

	t.Run("STARTTLS", func(t *testing.T) {
		c, err := imapclient.DialStartTLS(srv.StartTLSAddr(), &imapclient.Options{
			TLSConfig: trustFingerprint(srv.Fingerprint),
			Dialer:    srv.Dialer(),
		})
		if err != nil {
			t.Fatalf("dial %s with STARTTLS: %v", srv.StartTLSAddr(), err)
		}
		defer c.Close()
		if err := c.Login(shopUser, shopPassword).Wait(); err != nil {
			t.Fatalf("login after STARTTLS: %v", err)
		}
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil || st.NumMessages == nil || *st.NumMessages != 3 {
			t.Errorf("STATUS INBOX (MESSAGES) = %+v, %v; want 3 messages", st, err)
		}
		c.Logout().Wait()
	})

	t.Run("WrongPassword", func(t *testing.T) {
		c, err := imapclient.DialTLS(srv.TLSAddr(), &imapclient.Options{
			TLSConfig: trustFingerprint(srv.Fingerprint),
			Dialer:    srv.Dialer(),
		})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		err = c.Login(shopUser, "no es la contraseña").Wait()
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
			t.Errorf("login with a wrong password: %v, want NO [AUTHENTICATIONFAILED]", err)
		}
	})

	t.Run("OtherCertificate", func(t *testing.T) {
		other := strings.Repeat("0", len(srv.Fingerprint))
		c, err := imapclient.DialTLS(srv.TLSAddr(), &imapclient.Options{
			TLSConfig: trustFingerprint(other),
			Dialer:    srv.Dialer(),
		})
		if err == nil {
			c.Close()
			t.Fatal("TLS handshake succeeded though the server's certificate is not the trusted one")
		}
		if !strings.Contains(err.Error(), "is not the trusted") {
			t.Errorf("dial with another fingerprint: %v, want the fingerprint mismatch", err)
		}
	})
}

// A password must never cross the STARTTLS port in the clear: before
// STARTTLS the server advertises LOGINDISABLED and refuses LOGIN.
func TestDovecotRefusesPlaintextLogin(t *testing.T) {
	t.Parallel()
	srv := startDovecot(t)
	c, err := imapclient.DialInsecure(srv.StartTLSAddr(), &imapclient.Options{Dialer: srv.Dialer()})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.StartTLSAddr(), err)
	}
	defer c.Close()
	caps := c.Caps()
	if !caps.Has(imap.CapStartTLS) || !caps.Has(imap.CapLoginDisabled) {
		t.Errorf("capabilities before STARTTLS = %v, want STARTTLS and LOGINDISABLED", caps)
	}
	err = c.Login(shopUser, shopPassword).Wait()
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodePrivacyRequired {
		t.Errorf("LOGIN without TLS: %v, want NO [PRIVACYREQUIRED]", err)
	}
}
