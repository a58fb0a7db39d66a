package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
)

// mailDB is a shop database with the mailbox's tables.
func mailDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// deliver appends a small message from a customer to a folder.
func deliver(t *testing.T, srv *inboxtest.IMAPServer, folder string, n int, flags ...imap.Flag) {
	t.Helper()
	raw := fmt.Sprintf("From: Cliente %d <cliente%d@example.com>\r\nTo: tienda@example.com\r\n"+
		"Subject: Consulta %d sobre mi pedido\r\nMessage-ID: <m%d@example.com>\r\n"+
		"Date: Mon, 2 Mar 2026 10:%02d:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hola, ¿cuándo llega el pedido %d?\r\n", n, n, n, n, n%60, n)
	if _, err := srv.User.Append(folder, bytes.NewReader([]byte(raw)), &imap.AppendOptions{
		Flags: flags, Time: time.Date(2026, 3, 2, 9, n%60, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
}

// syncer logs in to srv and syncs into db.
func syncOnce(t *testing.T, db *sql.DB, srv *inboxtest.IMAPServer, opts SyncOptions) []FolderReport {
	t.Helper()
	c := dialTest(t, srv)
	defer c.Close()
	reps, err := (&Syncer{DB: db, Client: c, ShopAddr: "tienda@example.com"}).Sync(context.Background(), opts)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return reps
}

func dialTest(t *testing.T, srv *inboxtest.IMAPServer) *imapclient.Client {
	t.Helper()
	c, err := (&Dialer{Timeout: 5 * time.Second}).DialIMAP(endpoint(t, "imap", Plain, srv.Addr), inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func report(t *testing.T, reps []FolderReport, folder string) FolderReport {
	t.Helper()
	for _, r := range reps {
		if r.Folder == folder {
			return r
		}
	}
	t.Fatalf("no report for %s in %+v", folder, reps)
	return FolderReport{}
}

func countRows(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFirstAndIncrementalSync(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Enviados", nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 450; i++ {
		deliver(t, srv, "INBOX", i)
	}
	deliver(t, srv, "Enviados", 1000, imap.FlagSeen)
	db := mailDB(t)

	reps := syncOnce(t, db, srv, SyncOptions{})
	if r := report(t, reps, "INBOX"); r.New != 450 || !r.Complete || r.Role != "inbox" {
		t.Errorf("first sync INBOX: %+v", r)
	}
	if r := report(t, reps, "Enviados"); r.New != 1 || r.Role != "sent" {
		t.Errorf("first sync Sent: %+v", r)
	}
	var subject, from, body, sentAt string
	if err := db.QueryRow(`SELECT subject, from_addr, body, sent_at FROM message WHERE message_id = 'm7@example.com'`).
		Scan(&subject, &from, &body, &sentAt); err != nil {
		t.Fatal(err)
	}
	if subject != "Consulta 7 sobre mi pedido" || from != "cliente7@example.com" || sentAt != "2026-03-02T09:07:00Z" ||
		!bytes.Contains([]byte(body), []byte("¿cuándo llega el pedido 7?")) {
		t.Errorf("stored: %q %q %q %q", subject, from, body, sentAt)
	}

	// Nothing new: nothing fetched.
	reps = syncOnce(t, db, srv, SyncOptions{})
	if r := report(t, reps, "INBOX"); r.New != 0 || r.Updated != 0 || r.Expunged != 0 {
		t.Errorf("no-change resync: %+v", r)
	}
	// Two new ones.
	deliver(t, srv, "INBOX", 451)
	deliver(t, srv, "INBOX", 452)
	reps = syncOnce(t, db, srv, SyncOptions{})
	if r := report(t, reps, "INBOX"); r.New != 2 {
		t.Errorf("incremental: %+v", r)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message`); n != 453 {
		t.Errorf("%d messages stored, want 453", n)
	}
}

// A big mailbox shows its newest mail first: a limited run fetches the
// newest, later runs fill in the older ones, and nothing is fetched twice.
func TestNewestFirstAndResume(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	for i := 1; i <= 500; i++ {
		deliver(t, srv, "INBOX", i)
	}
	db := mailDB(t)
	r := report(t, syncOnce(t, db, srv, SyncOptions{Limit: 200}), "INBOX")
	if r.New != 200 || r.Complete {
		t.Fatalf("limited run: %+v", r)
	}
	if lo := countRows(t, db, `SELECT min(uid) FROM message`); lo != 301 {
		t.Errorf("the first run stored from UID %d, want the newest 200 (301-500)", lo)
	}
	// New mail arrives meanwhile: the next run takes it first.
	deliver(t, srv, "INBOX", 501)
	c := dialTest(t, srv)
	_, err := (&Syncer{DB: db, Client: c}).SyncFolder(context.Background(), "INBOX", "inbox", SyncOptions{Limit: 1})
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE uid = 501`); n != 1 {
		t.Error("the new message was not taken first")
	}
	if n := countRows(t, db, `SELECT count(*) FROM message`); n != 201 {
		t.Errorf("%d stored after a run limited to one message", n)
	}
	r = report(t, syncOnce(t, db, srv, SyncOptions{}), "INBOX")
	if r.New != 300 || !r.Complete {
		t.Errorf("last run: %+v", r)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message`); n != 501 {
		t.Errorf("%d stored, want 501", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM (SELECT uid FROM message GROUP BY folder_id, uid HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d duplicated", n)
	}
}

// Flags set and messages expunged by another client reach the database.
func TestFlagsAndExpunge(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	for i := 1; i <= 5; i++ {
		deliver(t, srv, "INBOX", i)
	}
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})

	other := dialTest(t, srv)
	if _, err := other.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagSeen, imap.FlagAnswered}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.UIDSetNum(4), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	other.Close()

	r := report(t, syncOnce(t, db, srv, SyncOptions{}), "INBOX")
	if r.Updated != 1 || r.Expunged != 1 || r.New != 0 {
		t.Errorf("after flags and expunge: %+v", r)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE uid = 2 AND seen = 1 AND answered = 1`); n != 1 {
		t.Error("flags of UID 2 not synced")
	}
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE uid = 4`); n != 0 {
		t.Error("expunged UID 4 still stored")
	}
}

// A folder deleted and re-created (UIDVALIDITY changes) is fetched again,
// without duplicates.
func TestUIDValidityChange(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		deliver(t, srv, "Sent", i)
	}
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if err := srv.User.Delete("Sent"); err != nil {
		t.Fatal(err)
	}
	if err := srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	deliver(t, srv, "Sent", 1)
	deliver(t, srv, "Sent", 9)
	r := report(t, syncOnce(t, db, srv, SyncOptions{}), "Sent")
	if !r.Reset || r.New != 2 {
		t.Errorf("after UIDVALIDITY change: %+v", r)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id WHERE f.name = 'Sent'`); n != 2 {
		t.Errorf("%d messages in Sent, want 2", n)
	}
}

// A connection dropped in the middle: the batches stored stay, and the
// next run finishes without duplicates.
func TestDroppedConnectionResumes(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	for i := 1; i <= 2500; i++ {
		deliver(t, srv, "INBOX", i)
	}
	db := mailDB(t)
	c := dialTest(t, srv)
	s := &Syncer{DB: db, Client: c}
	_, err := s.SyncFolder(context.Background(), "INBOX", "inbox", SyncOptions{Progress: func(_ string, stored, _ int) {
		if stored >= 200 {
			c.Close() // the network goes away after the first batch
		}
	}})
	if err == nil {
		t.Fatal("the sync went on after its connection closed")
	}
	stored := countRows(t, db, `SELECT count(*) FROM message`)
	if stored < 200 || stored >= 2500 {
		t.Fatalf("%d stored when the connection dropped", stored)
	}
	r := report(t, syncOnce(t, db, srv, SyncOptions{}), "INBOX")
	if r.New != 2500-stored || !r.Complete {
		t.Errorf("resumed: %+v after %d", r, stored)
	}
	if n := countRows(t, db, `SELECT count(DISTINCT uid) FROM message`); n != 2500 {
		t.Errorf("%d distinct, want 2500", n)
	}
}

// Many messages with the same Date (a mail merge, a flood): every one is
// stored, with an id of its second, so that search still lists by date.
func TestManyMessagesOfOneSecond(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := range 600 {
		raw := fmt.Sprintf("From: c%d@example.com\r\nSubject: x\r\nMessage-ID: <same%d@example.com>\r\n"+
			"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nhola\r\n", i, i)
		if _, err := srv.User.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	base := at.Unix() * idsPerSecond
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE id >= ? AND id < ?`, base, base+idsPerSecond); n != 600 {
		t.Errorf("%d of 600 messages have an id of their second", n)
	}
}
