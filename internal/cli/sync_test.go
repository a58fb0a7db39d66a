package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox/inboxtest"
)

// TestSyncCommand mirrors a mailbox on a loopback server into the database.
func TestSyncCommand(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "sync").want(t, exitFailure)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := imapSrv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	for i, folder := range []string{"INBOX", "INBOX", "Sent"} {
		raw := fmt.Sprintf("From: Ana <ana@example.com>\r\nTo: tienda@example.com\r\nSubject: Pedido %d\r\n"+
			"Message-ID: <s%d@example.com>\r\n\r\nHola\r\n", i, i)
		if _, err := imapSrv.User.Append(folder, bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	mostrador(t, "--db", db, "account", "--imap", "imap://tienda%40example.com@"+imapSrv.Addr,
		"--smtp", "smtp://tienda%40example.com@"+smtpSrv.Addr, "--from", "Lola <tienda@example.com>").want(t, exitOK)

	o := mostrador(t, "--db", db, "sync", "--json")
	o.want(t, exitOK)
	var rep struct {
		Folders []struct {
			Folder, Role           string
			New, Updated, Expunged int
			Reset, Complete        bool
			Seconds                float64
		}
		NewCustomers    int
		Replies         []json.RawMessage // sent replies: see TestReplyCommand
		CustomerReplies []json.RawMessage // answers to automated emails: see reminders.ReadReplies
	}
	decodeStrict(t, o.stdout, &rep)
	if len(rep.Folders) != 2 || rep.Folders[0].Folder != "INBOX" || rep.Folders[0].New != 2 ||
		rep.Folders[1].Role != "sent" || rep.Folders[1].New != 1 || !rep.Folders[0].Complete || rep.NewCustomers != 1 {
		t.Errorf("sync --json: %s", o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "sync")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "INBOX: 0 new · 0 changed · 0 deleted (") {
		t.Errorf("second sync:\n%s", o.stdout)
	}
	if n := count(t, db, "message"); n != 3 {
		t.Errorf("%d messages stored", n)
	}
	// The password refused: plain words, exit 1.
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", "otra")
	o = mostrador(t, "--db", db, "--lang", "en", "sync")
	if o.want(t, exitFailure); !strings.Contains(o.stderr, `does not accept the user "tienda@example.com"`) {
		t.Errorf("stderr: %s", o.stderr)
	}
}
