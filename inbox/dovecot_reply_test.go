package inbox_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/inbox/internal/dovecot"
)

// TestDovecotReply answers a customer against a real Dovecot: the reply is
// appended to the SPECIAL-USE Sent folder, the original gets \Answered, and
// the next sync (CONDSTORE) finds both without duplicating the reply.
func TestDovecotReply(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{Users: map[string]string{shopUser: shopPassword}})
	srv.Deliver(t, shopUser, "INBOX", customerMail[0])
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)

	db, sync := dovecotShop(t, srv, nil)
	host, port, _ := net.SplitHostPort(smtpSrv.Addr)
	smtpPort, _ := strconv.Atoi(port)
	acct := &inbox.Account{
		IMAP:     inbox.Endpoint{Proto: "imap", Security: inbox.TLS, Host: srv.Host, Port: srv.TLSPort, User: shopUser},
		SMTP:     inbox.Endpoint{Proto: "smtp", Security: inbox.Plain, Host: host, Port: smtpPort, User: inboxtest.User},
		FromName: "Tienda", FromAddr: shopUser, Trusted: []string{srv.Fingerprint},
	}
	d := &inbox.Dialer{Trusted: acct.Trusted, Timeout: 10 * time.Second}
	dial := func(context.Context) (*imapclient.Client, error) { return d.DialIMAP(acct.IMAP, shopPassword, nil) }
	sync()

	orig, err := inbox.MessageByID(context.Background(), db, "pedido-1001@example.com")
	if err != nil {
		t.Fatal(err)
	}
	out, err := inbox.Reply(context.Background(), db, acct, orig, inbox.ReplyOptions{Text: "Sale mañana.", Signature: "Lola"})
	if err != nil {
		t.Fatal(err)
	}
	sender := &inbox.Sender{DB: db, Account: acct, IMAP: dial,
		SMTP: func(context.Context) (*gomail.Client, error) { return d.SMTPClient(acct.SMTP, inboxtest.Password) }}
	if out, err = sender.Send(context.Background(), out.ID); err != nil {
		t.Fatal(err)
	}
	if out.State != "sent" || !out.Appended || !out.Flagged {
		t.Fatalf("reply: %+v (IMAP: %v)", out, sender.IMAPError())
	}

	c := srv.Client(t, shopUser)
	sel, err := c.Select("Sent", nil).Wait()
	if err != nil || sel.NumMessages != 1 {
		t.Fatalf("Sent on Dovecot: %+v %v", sel, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil || msgs[0].Envelope.MessageID != out.MessageID || msgs[0].Envelope.InReplyTo[0] != "pedido-1001@example.com" {
		t.Errorf("Sent copy: %+v %v", msgs, err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err = c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || !hasAnswered(msgs[0].Flags) {
		t.Errorf("original on Dovecot: %+v %v", msgs, err)
	}
	c.Close()

	reps := sync()
	if reps["sent"].New != 1 || reps["inbox"].Updated != 0 {
		// \Answered is already stored locally: nothing changes on the
		// original, and the Sent copy replaces the local one.
		t.Errorf("sync after the reply: %+v", reps)
	}
	var copies, placeholders int
	db.QueryRow(`SELECT count(*) FROM message WHERE message_id = ?`, out.MessageID).Scan(&copies)
	db.QueryRow(`SELECT count(*) FROM message WHERE uid < 0`).Scan(&placeholders)
	if copies != 1 || placeholders != 0 {
		t.Errorf("%d copies of the reply, %d local ones left", copies, placeholders)
	}
}

func hasAnswered(flags []imap.Flag) bool {
	for _, f := range flags {
		if f == imap.FlagAnswered {
			return true
		}
	}
	return false
}
