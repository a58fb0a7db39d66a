package ui

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/shop"
	"mostrador/reminders"
)

// The Automations screen's outbox: planned, sent, and what needs attention.

func jobsIn(t *testing.T, db *sql.DB, state string) []reminders.Job {
	t.Helper()
	list, err := reminders.List(context.Background(), db, state, 0)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// selectJob selects the email to a customer in a tab's list, as a click
// would.
func selectJob(t *testing.T, l *jobList, email string) reminders.Job {
	t.Helper()
	for i, j := range l.jobs {
		if j.Customer == email {
			l.list.Select(i)
			return j
		}
	}
	t.Fatalf("no email to %s in the list: %+v", email, l.jobs)
	return reminders.Job{}
}

// The planned tab lists the emails planned by an import; cancelling one
// cancels it, and the tab lists it no more.
func TestPlannedTabListsAndCancels(t *testing.T) {
	db := newShopDB(t)
	importRecent(t, db, martina, federico)
	v, win := openAutomations(t, db, "es")
	v.tabs.SelectIndex(1)
	v.outbox.tabs.SelectIndex(0)
	mustShow(t, win, "Planificados (2)", "Martina Gómez · Gracias por el pedido", "Federico Ruiz · Gracias por el pedido")

	j := selectJob(t, v.outbox.planned, martina[1])
	cancel := v.outbox.planned.buttons[1]
	if cancel.Disabled() {
		t.Fatal("cancel is disabled for a planned email")
	}
	test.Tap(cancel)
	var cancelled *reminders.Job
	for _, c := range jobsIn(t, db, "cancelled") {
		if c.ID == j.ID {
			cancelled = &c
		}
	}
	if cancelled == nil || cancelled.Reason != reminders.ReasonOwnerCancelled {
		t.Fatalf("after cancel, the cancelled jobs are %+v", jobsIn(t, db, "cancelled"))
	}
	mustShow(t, win, "Planificados (1)", "Federico Ruiz · Gracias por el pedido",
		"«Gracias por el pedido» para Martina Gómez cancelado: no se enviará.")
	mustNotShow(t, win, "Martina Gómez · Gracias por el pedido")
	mustBeTranslatedBut(t, win, v)
}

// "Send now" makes an email planned for later due now.
func TestSendNowMakesAPlannedEmailDue(t *testing.T) {
	db := newShopDB(t)
	if err := reminders.SetDelay(context.Background(), db, reminders.ThankYou, 48*time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	importRecent(t, db, martina)
	v, win := openAutomations(t, db, "es")
	v.tabs.SelectIndex(1)
	j := selectJob(t, v.outbox.planned, martina[1])
	if time.Until(j.Due) < 24*time.Hour {
		t.Fatalf("the thank-you is due %v, want in two days", j.Due)
	}
	mustShow(t, win, "Sale el "+formatDateTime(j.Due.In(time.UTC), "es"))
	test.Tap(v.outbox.planned.buttons[0])
	planned := jobsIn(t, db, "planned")
	if len(planned) != 1 || time.Until(planned[0].Due) > time.Minute {
		t.Fatalf("after send now: %+v", planned)
	}
	mustShowContaining(t, win, "«Gracias por el pedido» para Martina Gómez saldrá en cuanto se pueda")
}

// An email skipped because the customer opted out needs attention, and
// says why in Spanish.
func TestAttentionShowsWhySkipped(t *testing.T) {
	db := newShopDB(t)
	importRecent(t, db, martina, federico)
	ctx := context.Background()
	if err := reminders.SetOptOut(ctx, db, customerID(t, db, federico[1]), reminders.OptOut{All: true}, "owner",
		time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := (&reminders.Scheduler{DB: db}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	v, win := openAutomations(t, db, "es")
	if n := v.attention(); n != 1 {
		t.Errorf("attention() = %d, want 1", n)
	}
	v.tabs.SelectIndex(1)
	v.outbox.tabs.SelectIndex(2)
	mustShow(t, win, "Requieren atención (1)", "Federico Ruiz · Gracias por el pedido")
	mustShowContaining(t, win, ": el cliente pidió no recibir correos automáticos")
	selectJob(t, v.outbox.attention, federico[1])
	for _, b := range v.outbox.attention.buttons {
		if !b.Disabled() {
			t.Errorf("%q is enabled for a skipped email", b.Text)
		}
	}
	mustBeTranslatedBut(t, win, v)
}

// An uncertain email (a crash mid-send) can be marked as sent, off the UI
// goroutine, or sent again.
func TestUncertainEmailsAreResolved(t *testing.T) {
	db := newShopDB(t)
	ctx := context.Background()
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	endpoint := func(proto, addr string) inbox.Endpoint {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
	}
	acct := &inbox.Account{IMAP: endpoint("imap", imapSrv.Addr), SMTP: endpoint("smtp", smtpSrv.Addr),
		FromName: "Lola", FromAddr: "tienda@example.com"}
	if err := inbox.SaveAccount(ctx, db, acct); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	importRecent(t, db, martina, federico)
	sender, err := shop.NewSender(ctx, db, acct, &inbox.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	sched := &reminders.Scheduler{DB: db, Mailbox: &reminders.InboxMailbox{Account: acct, Sender: sender}}
	if rep, err := sched.RunOnce(ctx); err != nil || rep.Queued != 2 {
		t.Fatalf("round: %+v %v", rep, err)
	}
	// As a crash between handing them over and hearing back leaves them.
	if _, err := db.Exec(`UPDATE outbox SET state = 'uncertain'`); err != nil {
		t.Fatal(err)
	}
	v, win := openAutomations(t, db, "es")
	v.tabs.SelectIndex(1)
	v.outbox.tabs.SelectIndex(2)
	mustShow(t, win, "Requieren atención (2)")

	selectJob(t, v.outbox.attention, martina[1])
	mustShowContaining(t, win, "Mostrador se interrumpió mientras lo enviaba")
	sendAgain, markSent := v.outbox.attention.buttons[0], v.outbox.attention.buttons[1]
	if sendAgain.Disabled() || markSent.Disabled() {
		t.Fatal("the actions on an uncertain email are disabled")
	}
	marked := make(chan struct{})
	v.outbox.onMarked = func() { close(marked) }
	test.Tap(markSent)
	select {
	case <-marked:
	case <-time.After(10 * time.Second):
		t.Fatal("mark as sent did not finish")
	}
	if !hasSent(t, db, martina[1]) {
		t.Fatalf("mark as sent did not record the email as sent: %+v", jobsIn(t, db, ""))
	}
	mustShow(t, win, "«Gracias por el pedido» para Martina Gómez marcado como enviado.", "Enviados (1)")

	j := selectJob(t, v.outbox.attention, federico[1])
	test.Tap(v.outbox.attention.buttons[0])
	queued := false
	for _, q := range jobsIn(t, db, "queued") {
		queued = queued || q.ID == j.ID
	}
	if !queued {
		t.Fatalf("send again did not queue Federico's email: %+v", jobsIn(t, db, ""))
	}
	// Back in the queue, it is among the emails about to go.
	v.outbox.tabs.SelectIndex(0)
	mustShow(t, win, "Federico Ruiz · Gracias por el pedido", "Saliendo: está en la cola de envío")
}

func hasSent(t *testing.T, db *sql.DB, email string) bool {
	for _, j := range jobsIn(t, db, "sent") {
		if j.Customer == email {
			return true
		}
	}
	return false
}
