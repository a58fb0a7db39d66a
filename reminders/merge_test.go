package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/orders"
)

// The window merges customers as these tests do: the order log's merge
// with the automated emails' part inside its transaction.

func mergeAll(t *testing.T, db *sql.DB, keep, other int64, now time.Time) int64 {
	t.Helper()
	id, err := orders.MergeCustomers(context.Background(), db, keep, other, now, MergeCustomers)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func unmergeAll(t *testing.T, db *sql.DB, merge int64, now time.Time) {
	t.Helper()
	if err := orders.UnmergeCustomers(context.Background(), db, merge, now, UnmergeCustomers); err != nil {
		t.Fatal(err)
	}
}

func cardID(t *testing.T, db *sql.DB, email string) int64 {
	t.Helper()
	c, err := orders.CardByEmail(context.Background(), db, email)
	if err != nil {
		t.Fatalf("customer %s: %v", email, err)
	}
	return c.Customer.ID
}

func automation(t *testing.T, db *sql.DB, customer int64) *Automation {
	t.Helper()
	a, err := ForCustomer(context.Background(), db, customer)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// jobStates is "rule about state reason" for each of a customer's jobs.
func jobStates(a *Automation) []string {
	var out []string
	for _, j := range a.Jobs {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", j.Rule, j.About, j.State, j.Reason)))
	}
	return out
}

// Ana ordered under two addresses minutes apart: merged before the
// thank-yous go, she gets one, her kept address's; the card lists both
// jobs. Unmerged, the other customer's thank-you is planned again and
// goes to its own address.
func TestMergeSendsOneThankYou(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	importOrders(t, s.db, s.now, ordersHeader+orderLine("W-1", s.now.Add(-5*time.Minute), "ana.trabajo@example.com",
		"Vela", "Paid", "", ""))
	ana, work := cardID(t, s.db, "ana@example.com"), cardID(t, s.db, "ana.trabajo@example.com")
	anaBefore, workBefore := automation(t, s.db, ana), automation(t, s.db, work)

	m := mergeAll(t, s.db, ana, work, s.now)
	if got, want := jobStates(automation(t, s.db, ana)), []string{
		"thank-you order:1 planned", "thank-you order:2 cancelled job.merged",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("merged card's jobs %q, want %q", got, want)
	}
	s.now = s.now.Add(time.Hour)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("run: %+v, want one thank-you", rep)
	}
	got := s.received(t)
	if len(got) != 1 || !strings.Contains(got[0].Header.Get("To"), "ana@example.com") ||
		!strings.Contains(got[0].Header.Get("Subject"), "P-1") {
		t.Fatalf("sent %d emails, first to %q about %q", len(got), got[0].Header.Get("To"), got[0].Header.Get("Subject"))
	}

	unmergeAll(t, s.db, m, s.now)
	if a := automation(t, s.db, work); !reflect.DeepEqual(jobStates(a), jobStates(workBefore)) {
		t.Errorf("other customer's jobs after unmerge %q, want %q", jobStates(a), jobStates(workBefore))
	}
	if a := automation(t, s.db, ana); len(a.Jobs) != len(anaBefore.Jobs) || a.Jobs[0].About != "order:1" {
		t.Errorf("kept customer's jobs after unmerge %q", jobStates(a))
	}
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("run after unmerge: %+v, want the other's thank-you", rep)
	}
	if got := s.received(t); len(got) != 2 || !strings.Contains(got[1].Header.Get("To"), "ana.trabajo@example.com") {
		t.Errorf("after unmerge: %d emails sent", len(got))
	}
}

// The other customer's thank-you went already: the kept one's, still to
// go, is not sent. A reorder reminder for the same product is planned once,
// for the latest order.
func TestMergeDropsWhatWasSentOrPlannedTwice(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	if err := SetSupply(ctx, s.db, "Jabón de lavanda", 30, s.now); err != nil {
		t.Fatal(err)
	}
	importOrders(t, s.db, s.now, ordersHeader+orderLine("W-1", s.now.Add(-70*time.Minute), "ana.trabajo@example.com",
		"Jabón de lavanda", "Paid", "", ""))
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("the other's thank-you: %+v", rep)
	}
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	ana, work := cardID(t, s.db, "ana@example.com"), cardID(t, s.db, "ana.trabajo@example.com")
	anaBefore, workBefore := automation(t, s.db, ana), automation(t, s.db, work)

	m := mergeAll(t, s.db, ana, work, s.now)
	got := jobStates(automation(t, s.db, ana))
	// W-1 is order 1 (the other's, its thank-you sent), P-1 order 2.
	want := []string{"reorder order:2 planned", "thank-you order:2 cancelled job.merged",
		"reorder order:1 cancelled job.merged", "thank-you order:1 sent"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged card's jobs\n%q\nwant\n%q", got, want)
	}
	s.now = s.now.Add(time.Hour)
	if rep := s.run(t); rep.Queued != 0 {
		t.Errorf("run: %+v, want nothing more", rep)
	}

	unmergeAll(t, s.db, m, s.now)
	if a := automation(t, s.db, ana); !reflect.DeepEqual(jobStates(a), jobStates(anaBefore)) {
		t.Errorf("kept customer's jobs after unmerge %q, want %q", jobStates(a), jobStates(anaBefore))
	}
	if a := automation(t, s.db, work); !reflect.DeepEqual(jobStates(a), jobStates(workBefore)) {
		t.Errorf("other customer's jobs after unmerge %q, want %q", jobStates(a), jobStates(workBefore))
	}
}

// An opt-out of either customer holds for the merged one, and so does the
// other's language where the kept one has none; what the kept customer
// asked for wins otherwise. Unmerged, each has its own again, but for what
// the owner changed since.
func TestMergeStricterPreferenceWins(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	now := tuesday
	importOrders(t, db, now, ordersHeader+
		orderLine("P-1", now.Add(-48*time.Hour), "ana@example.com", "Jabón", "Paid", "", "")+
		orderLine("W-1", now.Add(-48*time.Hour), "ana.trabajo@example.com", "Vela", "Paid", "", "")+
		orderLine("L-1", now.Add(-48*time.Hour), "luis@example.com", "Vela", "Paid", "", "")+
		orderLine("M-1", now.Add(-48*time.Hour), "marta@example.com", "Vela", "Paid", "", ""))
	ana, work := cardID(t, db, "ana@example.com"), cardID(t, db, "ana.trabajo@example.com")
	luis, marta := cardID(t, db, "luis@example.com"), cardID(t, db, "marta@example.com")
	if err := SetOptOut(ctx, db, work, OptOut{All: true}, "reply", now); err != nil {
		t.Fatal(err)
	}
	if err := SetLanguage(ctx, db, work, "en", now); err != nil {
		t.Fatal(err)
	}
	anaBefore, workBefore := automation(t, db, ana), automation(t, db, work)

	now = now.Add(time.Hour)
	m := mergeAll(t, db, ana, work, now)
	a := automation(t, db, ana)
	if a.OptedOut == nil || !a.OptedOut.Equal(*workBefore.OptedOut) || a.OptOutSource != "reply" || a.Language != "en" {
		t.Errorf("merged preferences %+v: want the other's opt-out and language", a)
	}
	if p, err := loadPref(ctx, db, ana); err != nil || !p.optedOut || p.lang != "en" {
		t.Errorf("the guards' preferences %+v (%v)", p, err)
	}

	now = now.Add(time.Hour)
	unmergeAll(t, db, m, now)
	if a := automation(t, db, ana); !reflect.DeepEqual(a, anaBefore) {
		t.Errorf("kept customer after unmerge %+v, want %+v", a, anaBefore)
	}
	if a := automation(t, db, work); !reflect.DeepEqual(a, workBefore) {
		t.Errorf("other customer after unmerge %+v, want %+v", a, workBefore)
	}
	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM contact_pref WHERE customer_id = %d`, ana)); n != 0 {
		t.Errorf("the kept customer keeps %d preferences it never had", n)
	}

	// The kept customer's opt-out stays; the owner's change while merged
	// stays after the unmerge.
	if err := SetOptOut(ctx, db, luis, OptOut{All: true}, "owner", now); err != nil {
		t.Fatal(err)
	}
	m = mergeAll(t, db, luis, marta, now)
	if a := automation(t, db, luis); a.OptedOut == nil || a.Language != "" {
		t.Errorf("kept customer's opt-out lost in the merge: %+v", a)
	}
	if err := SetLanguage(ctx, db, luis, "es", now); err != nil {
		t.Fatal(err)
	}
	unmergeAll(t, db, m, now)
	if a := automation(t, db, luis); a.OptedOut == nil || a.Language != "es" {
		t.Errorf("kept customer after unmerge %+v: want its opt-out and the owner's language", a)
	}
	if a := automation(t, db, marta); a.OptedOut != nil {
		t.Errorf("the other customer opted out by the merge: %+v", a)
	}
}

// writesFrom puts a message from an address in the shop's INBOX and
// syncs the mailbox.
func (s *shopEnv) writesFrom(t *testing.T, from, subject, body string) {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: tienda@example.com\r\nSubject: %s\r\nMessage-ID: <m%d@example.com>\r\n"+
		"Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, subject, s.now.UnixNano(),
		s.now.Format(time.RFC1123Z), body)
	if _, err := s.imap.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: s.now}); err != nil {
		t.Fatal(err)
	}
	c, err := (&inbox.Dialer{Timeout: 5 * time.Second}).DialIMAP(s.acct.IMAP, inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := (&inbox.Syncer{DB: s.db, Client: c, ShopAddr: s.acct.FromAddr}).Sync(context.Background(),
		inbox.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Answers move with the customer: the other's shows on the merged card; a
// BAJA from the other address while merged stops the merged customer's
// emails, and after the unmerge it stays the other's too (an opt-out is
// never dropped on a guess).
func TestMergeRepliesFollow(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	importOrders(t, s.db, s.now, ordersHeader+orderLine("W-1", s.now.Add(-2*time.Hour), "ana.trabajo@example.com",
		"Vela", "Paid", "", ""))
	ana, work := cardID(t, s.db, "ana@example.com"), cardID(t, s.db, "ana.trabajo@example.com")
	s.writesFrom(t, "Ana <ana.trabajo@example.com>", "Pregunta", "¿Tenéis velas de soja?")
	s.readReplies(t) // read: not an answer to anything
	if rep := s.run(t); rep.Queued != 2 {
		t.Fatalf("thank-yous: %+v", rep)
	}

	m := mergeAll(t, s.db, ana, work, s.now)
	s.now = s.now.Add(time.Hour)
	s.writesFrom(t, "Ana <Ana.Trabajo@example.com>", "BAJA", "")
	got := s.readReplies(t)
	if len(got) != 1 || got[0].Kind != "optout" || got[0].CustomerID != ana {
		t.Fatalf("replies %+v: want one opt-out by the kept customer %d", got, ana)
	}
	if a := automation(t, s.db, ana); a.OptedOut == nil || len(a.Replies) != 1 || len(a.Jobs) != 2 {
		t.Errorf("merged card: %+v", a)
	}
	// A follow-up would wait while she waits for the shop's answer, under
	// either address: the other's question is still unanswered.
	card, err := orders.CardByID(context.Background(), s.db, ana)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: s.db}
	if waiting, err := e.waitingForShop(context.Background(), []string{card.Customer.Email, card.Merged[0].Email}); err != nil || !waiting {
		t.Errorf("waiting for the shop under the merged addresses: %v, %v", waiting, err)
	}

	unmergeAll(t, s.db, m, s.now)
	for _, c := range []int64{ana, work} {
		if a := automation(t, s.db, c); a.OptedOut == nil || len(a.Jobs) != 1 {
			t.Errorf("customer %d after unmerge: %+v", c, a)
		}
	}
	if a := automation(t, s.db, work); len(a.Replies) != 1 || a.Replies[0].Kind != "optout" {
		t.Errorf("the other's answer after unmerge: %+v", a.Replies)
	}
}

// An error of the automated emails' part undoes the whole merge.
func TestMergeFailsWhole(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	importOrders(t, db, tuesday, ordersHeader+
		orderLine("P-1", tuesday.Add(-time.Hour), "ana@example.com", "Jabón", "Paid", "", "")+
		orderLine("W-1", tuesday.Add(-time.Hour), "ana.trabajo@example.com", "Vela", "Paid", "", ""))
	ana, work := cardID(t, db, "ana@example.com"), cardID(t, db, "ana.trabajo@example.com")
	if _, err := db.Exec(`DROP TABLE merge_job`); err != nil {
		t.Fatal(err)
	}
	_, err := orders.MergeCustomers(ctx, db, ana, work, tuesday, MergeCustomers)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("merge customer %d into %d: automated emails", work, ana)) {
		t.Fatalf("merge: %v", err)
	}
	if c := cardID(t, db, "ana.trabajo@example.com"); c != work {
		t.Errorf("the other address finds customer %d after a failed merge", c)
	}
	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM job WHERE customer_id = %d`, work)); n != 1 {
		t.Errorf("the other customer has %d jobs after a failed merge", n)
	}
	if err := orders.UnmergeCustomers(ctx, db, 1, tuesday, UnmergeCustomers); !errors.Is(err, orders.ErrNoMerge) {
		t.Errorf("unmerge of a merge that never was: %v", err)
	}
}
