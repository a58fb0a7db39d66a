package inbox_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox"
	"mostrador/inbox/internal/dovecot"
	"mostrador/internal/database"
)

// TestDovecotSync runs the sync against a real Dovecot over TLS, trusting
// its self-signed certificate by fingerprint: first sync with SPECIAL-USE
// Sent, then flag changes through CONDSTORE (CHANGEDSINCE), an expunge, and
// a no-change resync.
func TestDovecotSync(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{Users: map[string]string{shopUser: shopPassword}})
	for _, m := range customerMail {
		srv.Deliver(t, shopUser, "INBOX", m)
	}
	srv.Deliver(t, shopUser, "Sent", crlf("From: Tienda <tienda@example.com>\nTo: ana@example.com\n"+
		"Subject: Re: Pedido 1001\nMessage-ID: <pedido-1001-respuesta@tienda.example.com>\n\nSale mañana.\n"), imap.FlagSeen)

	db, sync := dovecotShop(t, srv, func(c *imapclient.Client) {
		if !c.Caps().Has(imap.CapCondStore) {
			t.Fatal("Dovecot does not announce CONDSTORE")
		}
	})
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	reps := sync()
	if reps["inbox"].New != 3 || reps["sent"].New != 1 || reps["sent"].Folder != "Sent" {
		t.Fatalf("first sync: %+v", reps)
	}
	if n := count(`SELECT count(*) FROM message WHERE subject = '¿Tienen café de Colombia?' AND from_name = 'María Peña'
		AND body LIKE '%¿abren el sábado?%'`); n != 1 {
		t.Error("the ISO-8859-1 message was not decoded")
	}
	if n := count(`SELECT count(*) FROM message WHERE outgoing = 1`); n != 1 {
		t.Error("the shop's own reply is not marked outgoing")
	}
	if n := count(`SELECT count(*) FROM folder WHERE modseq > 0`); n != 2 {
		t.Error("HIGHESTMODSEQ not kept")
	}

	// Another client answers one message and deletes another.
	c := srv.Client(t, shopUser)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagAnswered}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()

	reps = sync()
	if r := reps["inbox"]; r.Updated != 1 || r.Expunged != 1 || r.New != 0 {
		t.Errorf("after flag and expunge: %+v", r)
	}
	if n := count(`SELECT count(*) FROM message WHERE uid = 1 AND answered = 1`); n != 1 {
		t.Error("\\Answered not synced")
	}
	reps = sync()
	if r := reps["inbox"]; r.Updated != 0 || r.Expunged != 0 || r.New != 0 {
		t.Errorf("no-change resync: %+v", r)
	}
}

// dovecotShop is a shop database and a sync of it from the Dovecot over
// TLS (its certificate trusted by fingerprint), by folder role; check, when
// set, looks at each logged-in client first.
func dovecotShop(t *testing.T, srv *dovecot.Server, check func(*imapclient.Client)) (*sql.DB, func() map[string]inbox.FolderReport) {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, inbox.Migrations); err != nil {
		t.Fatal(err)
	}
	ep := inbox.Endpoint{Proto: "imap", Security: inbox.TLS, Host: srv.Host, Port: srv.TLSPort, User: shopUser}
	d := &inbox.Dialer{Trusted: []string{srv.Fingerprint}}
	return db, func() map[string]inbox.FolderReport {
		t.Helper()
		c, err := d.DialIMAP(ep, shopPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if check != nil {
			check(c)
		}
		reps, err := (&inbox.Syncer{DB: db, Client: c, ShopAddr: shopUser}).Sync(context.Background(), inbox.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]inbox.FolderReport{}
		for _, r := range reps {
			out[r.Role] = r
		}
		return out
	}
}
