package inbox

import (
	"context"
	"testing"
	"time"

	"mostrador/inbox/inboxtest"
)

// The inbox lists who waits first, the longest waiting at the top; the
// filters split waiting from answered; the counts agree with the list.
func TestListThreadsWaitingFirst(t *testing.T) {
	srv := mailServer(t)
	conversations(t, srv, 60)
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	ctx := context.Background()

	all, err := ListThreads(ctx, db, FilterAll, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM thread`); len(all) != n {
		t.Fatalf("all lists %d threads of %d", len(all), n)
	}
	waiting, err := ListThreads(ctx, db, FilterWaiting, 0)
	if err != nil {
		t.Fatal(err)
	}
	answered, err := ListThreads(ctx, db, FilterAnswered, 0)
	if err != nil {
		t.Fatal(err)
	}
	count, err := CountWaiting(ctx, db)
	if err != nil || count != len(waiting) || count < 5 || len(answered) < 5 {
		t.Fatalf("%d waiting (count %d, %v), %d answered: the mailbox does not exercise the filters",
			len(waiting), count, err, len(answered))
	}
	for i, th := range all {
		switch {
		case i < count && th.WaitingSince == nil:
			t.Fatalf("thread %d at %d does not wait, but %d threads do: waiting ones come first", th.ID, i, count)
		case i > 0 && i < count && th.WaitingSince.Before(*all[i-1].WaitingSince):
			t.Fatalf("thread %d has waited longer than the one above it", th.ID)
		case i > count && th.LastAt.After(all[i-1].LastAt):
			t.Fatalf("thread %d is newer than the one above it among those not waiting", th.ID)
		}
	}
	for _, th := range answered {
		if th.WaitingSince != nil || th.FirstResponse == nil {
			t.Fatalf("answered lists thread %+v", th)
		}
	}
	if got, err := ListThreads(ctx, db, FilterWaiting, 3); err != nil || len(got) != 3 || got[0].ID != waiting[0].ID {
		t.Fatalf("a limit of 3: %d threads (%v)", len(got), err)
	}
	if _, err := ListThreads(ctx, db, "unread", 0); err == nil {
		t.Fatal("an unknown filter was taken")
	}
}

// A draft is kept per thread until it is emptied.
func TestDrafts(t *testing.T) {
	db := mailDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if d, err := Draft(ctx, db, 7); err != nil || d != "" {
		t.Fatalf("no draft yet: %q %v", d, err)
	}
	for _, text := range []string{"Hola Ana,", "Hola Ana, ya salió."} {
		if err := SaveDraft(ctx, db, 7, text, now); err != nil {
			t.Fatal(err)
		}
		if d, err := Draft(ctx, db, 7); err != nil || d != text {
			t.Fatalf("draft %q (%v), want %q", d, err, text)
		}
	}
	if d, _ := Draft(ctx, db, 8); d != "" {
		t.Fatalf("another thread has the draft %q", d)
	}
	if err := SaveDraft(ctx, db, 7, "  \n", now); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM draft`); n != 0 {
		t.Fatalf("an emptied draft is kept (%d rows)", n)
	}
}

// Saving the account of another mailbox (another server, port or user)
// forgets what the old one's sync stored, so that the new one is synced
// from scratch; the same mailbox saved again (another sender name) keeps
// it all.
func TestAnotherMailboxStartsAfresh(t *testing.T) {
	srv := mailServer(t)
	conversations(t, srv, 12)
	db := mailDB(t)
	ctx := context.Background()
	ep, err := ParseEndpoint("imap", "imap://"+inboxtest.User+"@"+srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	acct := &Account{IMAP: ep, SMTP: Endpoint{Proto: "smtp", Host: ep.Host, Port: 25}, FromName: "Lola",
		FromAddr: "tienda@example.com"}
	if err := SaveAccount(ctx, db, acct); err != nil {
		t.Fatal(err)
	}
	syncOnce(t, db, srv, SyncOptions{})
	stored := countRows(t, db, `SELECT count(*) FROM message`)
	if stored == 0 {
		t.Fatal("nothing synced")
	}
	acct.FromName = "Lola Peña"
	if err := SaveAccount(ctx, db, acct); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message`); n != stored {
		t.Fatalf("the same mailbox saved again: %d messages, had %d", n, stored)
	}
	acct.IMAP.User = "otra@example.com"
	if err := SaveAccount(ctx, db, acct); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE uid > 0`); n != 0 {
		t.Fatalf("another mailbox: %d of the old one's messages kept", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM folder WHERE uidvalidity <> 0 OR uidnext <> 0`); n != 0 {
		t.Fatalf("%d folders keep the old mailbox's sync state", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM thread WHERE messages > 0`); n != 0 {
		t.Fatalf("%d threads still count the old mailbox's messages", n)
	}
}
