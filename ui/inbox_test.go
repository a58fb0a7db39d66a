package ui

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
)

// mailShop is a shop with a mailbox on loopback servers: the account
// saved, its passwords in the environment, and a way to put mail in the
// INBOX and sync it.
type mailShop struct {
	db   *sql.DB
	imap *inboxtest.IMAPServer
	smtp *inboxtest.SMTPServer
	acct *inbox.Account
}

func newMailShop(t *testing.T) *mailShop {
	t.Helper()
	s := &mailShop{db: newShopDB(t), imap: inboxtest.StartIMAP(t, inboxtest.Plain, nil),
		smtp: inboxtest.StartSMTP(t, inboxtest.Plain, nil)}
	if err := s.imap.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	ep := func(proto, addr string) inbox.Endpoint {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
	}
	s.acct = &inbox.Account{IMAP: ep("imap", s.imap.Addr), SMTP: ep("smtp", s.smtp.Addr), FromName: "Lola Peña",
		FromAddr: "tienda@example.com"}
	if err := inbox.SaveAccount(context.Background(), s.db, s.acct); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	return s
}

// write puts a customer's message in the INBOX, dated at.
func (s *mailShop) write(t *testing.T, from, id, subject, body string, at time.Time) {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: Jabones Lola <tienda@example.com>\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"+
		"Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, subject, id,
		at.Format(time.RFC1123Z), body)
	if _, err := s.imap.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: at}); err != nil {
		t.Fatal(err)
	}
}

// sync brings the mailbox into the database, as the window's mailbox does.
func (s *mailShop) sync(t *testing.T) {
	t.Helper()
	c, err := (&inbox.Dialer{Timeout: 10 * time.Second}).DialIMAP(s.acct.IMAP, inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := (&inbox.Syncer{DB: s.db, Client: c, ShopAddr: s.acct.FromAddr}).Sync(context.Background(),
		inbox.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
}

// eventually waits until cond holds, reading the window on its goroutine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never: %s; the window shows:\n%s", what, strings.Join(screenTexts(fyne.CurrentApp().Driver().AllWindows()[0]), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var inboxNow = time.Now().Truncate(time.Minute)

// A shop with Ana (a customer with orders, waiting 3 hours) and Luis (no
// orders, waiting 10 minutes): the inbox opens on Ana, who has waited
// longest, beside her card; Luis's thread shows his words and that he has
// not bought yet.
func TestInboxOpensTheLongestWaitingBesideTheCard(t *testing.T) {
	s := newMailShop(t)
	importFixtures(t, s.db, "shopify_orders.csv")
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "¿Dónde está mi pedido?",
		"Hola, mi pedido no ha llegado.", inboxNow.Add(-3*time.Hour))
	s.write(t, "Luis Gómez <luis@example.com>", "luis1@example.com", "Jabón de romero",
		"¿Tenéis jabón de romero?", inboxNow.Add(-10*time.Minute))
	s.sync(t)

	w, win := openWindow(t, s.db, "es")
	w.now = func() time.Time { return inboxNow }
	w.inbox.reload()
	if w.room != "ui.nav.inbox" {
		t.Fatalf("the window opened on %q, not the inbox, with mail waiting", w.room)
	}
	mustShow(t, win, "Ana Pérez", "hace 3 h", "¿Dónde está mi pedido?", "Luis Gómez", "hace 10 min",
		"Hola, mi pedido no ha llegado.", "2 conversaciones")
	if got := w.inbox.threads[0].Customer; got != "ana.perez@example.com" {
		t.Fatalf("the first thread is %s's, want Ana's (she has waited longest)", got)
	}
	// Her card: the orders the Shopify export has for her.
	mustShow(t, win, "ana.perez@example.com", "2 pedidos · valor total 84,66 USD", "Pedido #1004 · Shopify")
	if got := w.rooms[0].badge; got != 2 {
		t.Errorf("the inbox's count says %d waiting, want 2", got)
	}

	w.inbox.list.Select(1)
	mustShow(t, win, "¿Tenéis jabón de romero?", "luis@example.com", "Sin pedidos todavía",
		formatDate(inboxNow.Add(-10*time.Minute), time.UTC, "es")+"  Jabón de romero (1 mensaje)",
		"espera respuesta desde hace 10 min")
	if got := w.inbox.thread.subject.Text; got != "Jabón de romero" {
		t.Errorf("the open thread is %q, want Luis's", got)
	}
	mustNotShow(t, win, "Pedido #1004 · Shopify")
	mustBeTranslated(t, win)
}

// The owner answers Ana from the window: the draft survives closing the
// window, a cold phrase gets a hint that goes when it is reworded,
// Ctrl+Enter sends the reply to the SMTP server, and the thread leaves
// the waiting list.
func TestReplyFromTheWindow(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Cambio de talla",
		"¿Puedo cambiar el jabón por otro?", inboxNow.Add(-2*time.Hour))
	s.write(t, "Luis Gómez <luis@example.com>", "luis1@example.com", "Jabón de romero",
		"¿Tenéis jabón de romero?", inboxNow.Add(-10*time.Minute))
	s.sync(t)

	w, win := openWindow(t, s.db, "es")
	reply := w.inbox.thread.reply
	test.Type(reply.entry, "Hola Ana: no es posible cambiarlo")
	mustShow(t, win, "«no es posible» suena a puerta cerrada. Pruebe a decir lo que sí puede hacer: «Lo que puedo ofrecerte es…».")

	// The window closes and opens again: the draft is there, hint and all.
	w, win = openWindow(t, s.db, "es")
	reply = w.inbox.thread.reply
	if reply.entry.Text != "Hola Ana: no es posible cambiarlo" {
		t.Fatalf("the draft after reopening: %q", reply.entry.Text)
	}
	mustShow(t, win, "«no es posible» suena a puerta cerrada. Pruebe a decir lo que sí puede hacer: «Lo que puedo ofrecerte es…».")
	reply.entry.SetText("Hola Ana: claro, te lo cambio por el de lavanda.")
	mustNotShow(t, win, "«no es posible» suena a puerta cerrada. Pruebe a decir lo que sí puede hacer: «Lo que puedo ofrecerte es…».")
	mustShow(t, win, "Firma: Lola Peña")

	reply.entry.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault})
	eventually(t, "the reply is reported sent", func() bool {
		return reply.result.Visible() && reply.result.Text == "Respuesta enviada a Ana Pérez."
	})
	msgs := s.smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ana.perez@example.com" {
		t.Fatalf("the SMTP server got %+v", msgs)
	}
	data := string(msgs[0].Data)
	for _, want := range []string{"te lo cambio por el de lavanda", "In-Reply-To: <ana1@example.com>", "--=20\r\nLola Pe=C3=B1a"} {
		if !strings.Contains(data, want) {
			t.Errorf("the sent reply lacks %q:\n%s", want, data)
		}
	}
	if reply.entry.Text != "" {
		t.Errorf("the reply box still holds %q", reply.entry.Text)
	}
	if d, _ := inbox.Draft(context.Background(), s.db, w.inbox.threads[0].ID); d != "" {
		t.Errorf("the draft outlived the reply: %q", d)
	}
	// Answered: only Luis waits.
	eventually(t, "Ana's thread leaves the waiting list", func() bool {
		return len(w.inbox.threads) == 1 && w.inbox.threads[0].Customer == "luis@example.com" && w.rooms[0].badge == 1
	})
	mustNotShow(t, win, "Cambio de talla")
}

// "Send later" writes the reply to the outbox for Monday 9:00 in the
// shop's time, and sends nothing now.
func TestReplySendLater(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Pedido", "¿Cuándo llega?",
		inboxNow.Add(-time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	w.opts.Location = madrid
	friday := time.Date(2026, 11, 27, 18, 30, 0, 0, madrid)
	w.now = func() time.Time { return friday }
	reply := w.inbox.thread.reply
	reply.entry.SetText("Sale el lunes a primera hora.")
	reply.later.SetSelected("El lunes a las 9:00")
	mustShow(t, win, "Respuesta a Ana Pérez programada para el 30/11/2026 09:00.")
	out, err := inbox.Outbox(context.Background(), s.db)
	if err != nil || len(out) != 1 || out[0].State != "queued" ||
		!out[0].SendAt.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, madrid)) {
		t.Fatalf("outbox %+v (%v), want one reply queued for Monday 9:00 in Madrid", out, err)
	}
	if n := len(s.smtp.Messages()); n != 0 {
		t.Fatalf("%d emails went now", n)
	}
}

// "Send later" at a day and time the owner picks: a moment gone is
// refused in words; one to come queues the reply for it.
func TestReplySendAtAPickedMoment(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Pedido", "¿Cuándo llega?",
		inboxNow.Add(-time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	madrid, _ := time.LoadLocation("Europe/Madrid")
	w.opts.Location = madrid
	friday := time.Date(2026, 11, 27, 18, 30, 0, 0, madrid)
	w.now = func() time.Time { return friday }
	reply := w.inbox.thread.reply
	reply.entry.SetText("Te lo confirmo el miércoles.")
	reply.later.SetSelected("Elegir día y hora…")
	mustShow(t, win, "¿Cuándo sale la respuesta?", "sábado 28 de noviembre")
	picker := findPicker(t, win)
	picker.clock.SetText("17:00")
	yesterday := time.Date(2026, 11, 26, 0, 0, 0, 0, madrid)
	picker.day.SetDate(&yesterday)
	tapButton(t, win, "Programar")
	mustShow(t, win, "Esa hora ya pasó: elija una que esté por llegar.")
	wednesday := time.Date(2026, 12, 2, 0, 0, 0, 0, madrid)
	picker.day.SetDate(&wednesday)
	picker.clock.SetText("9.15")
	tapButton(t, win, "Programar")
	mustShow(t, win, "Respuesta a Ana Pérez programada para el 02/12/2026 09:15.")
	out, err := inbox.Outbox(context.Background(), s.db)
	if err != nil || len(out) != 1 || !out[0].SendAt.Equal(time.Date(2026, 12, 2, 9, 15, 0, 0, madrid)) {
		t.Fatalf("outbox %+v (%v)", out, err)
	}
}

// findPicker is the date-time picker of the dialog on top.
func findPicker(t *testing.T, win fyne.Window) *dateTimePicker {
	t.Helper()
	top := win.Canvas().Overlays().Top()
	days, clocks := visible[*widget.DateEntry](top), visible[*widget.SelectEntry](top)
	if len(days) == 0 || len(clocks) == 0 {
		t.Fatal("no date-time picker on top")
	}
	return &dateTimePicker{day: days[0], clock: clocks[0]}
}

func TestNextWeekday9(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	for _, c := range []struct{ now, want time.Time }{
		{time.Date(2026, 11, 27, 18, 0, 0, 0, madrid), time.Date(2026, 11, 30, 9, 0, 0, 0, madrid)}, // Friday
		{time.Date(2026, 11, 30, 7, 0, 0, 0, madrid), time.Date(2026, 11, 30, 9, 0, 0, 0, madrid)},  // Monday, early
		{time.Date(2026, 11, 30, 10, 0, 0, 0, madrid), time.Date(2026, 12, 7, 9, 0, 0, 0, madrid)},  // Monday, late
		{time.Date(2027, 3, 26, 12, 0, 0, 0, madrid), time.Date(2027, 3, 29, 9, 0, 0, 0, madrid)},   // across the change to summer time
	} {
		if got := nextWeekday9(c.now, madrid, time.Monday); !got.Equal(c.want) {
			t.Errorf("from %v: %v, want %v", c.now, got, c.want)
		}
	}
}

// Ctrl+K searches customers, orders and mail from anywhere; Enter opens
// the first result, a click another, Esc closes.
func TestGlobalSearch(t *testing.T) {
	s := newMailShop(t)
	importFixtures(t, s.db, "shopify_orders.csv")
	s.write(t, "Luis Gómez <luis@example.com>", "luis1@example.com", "Jabón de romero",
		"¿Tenéis jabón de romero?", inboxNow.Add(-10*time.Minute))
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Pedido", "¿Cuándo llega?",
		inboxNow.Add(-time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	ctrl := func(k fyne.KeyName) {
		win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k,
			Modifier: fyne.KeyModifierShortcutDefault})
	}
	ctrl(fyne.KeyK)
	if w.search == nil || !w.search.popup.Visible() {
		t.Fatal("Ctrl+K opened no search")
	}
	test.Type(w.search.entry, "romero")
	mustShow(t, win, "Correos", "Jabón de romero", "Luis Gómez · Jabón de romero")
	w.inbox.filter.SetSelected("Respondidas") // the thread is not under this filter: opening it must still show it
	w.search.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.search != nil {
		t.Fatal("Enter left the search open")
	}
	if w.room != "ui.nav.inbox" || w.inbox.thread.subject.Text != "Jabón de romero" {
		t.Fatalf("Enter opened room %q, thread %q", w.room, w.inbox.thread.subject.Text)
	}

	ctrl(fyne.KeyF)
	test.Type(w.search.entry, "1004")
	mustShow(t, win, "Pedido #1004 · Shopify")
	var order int = -1
	for i, h := range w.search.hits {
		if h.title == "Pedido #1004 · Shopify" {
			order = i
		}
	}
	w.search.list.Select(order)
	if w.room != "ui.nav.customers" || w.customers.current == 0 {
		t.Fatalf("the order opened room %q, customer %d", w.room, w.customers.current)
	}
	mustShow(t, win, "ana.perez@example.com", "2 pedidos · valor total 84,66 USD")

	ctrl(fyne.KeyK)
	test.Type(w.search.entry, "zzzz")
	mustShow(t, win, "Nada coincide con la búsqueda.")
	w.search.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.search != nil {
		t.Fatal("Esc left the search open")
	}
	mustBeTranslated(t, win)
}

// Ctrl+R, even from a list, puts the cursor in the open thread's reply.
func TestCtrlRFocusesTheReply(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Pedido", "¿Cuándo llega?",
		inboxNow.Add(-time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	w.openRoom("ui.nav.customers")
	win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR,
		Modifier: fyne.KeyModifierShortcutDefault})
	if w.room != "ui.nav.inbox" || win.Canvas().Focused() != w.inbox.thread.reply.entry {
		t.Fatalf("after Ctrl+R: room %q, focus %T", w.room, win.Canvas().Focused())
	}
}

// A customer's new message rings a desktop notification with who wrote
// and what; the mail that was there when the window opened does not; the
// window's title counts who waits.
func TestNewMailNotifies(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "Pedido", "¿Cuándo llega?",
		time.Now().Add(-time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	if got := win.Title(); got != "Mostrador (1 por responder)" {
		t.Errorf("title %q", got)
	}
	var heard []string
	w.onNotify = func(n *fyne.Notification) { heard = append(heard, n.Title+": "+n.Content) }
	s.write(t, "Luis Gómez <luis@example.com>", "luis1@example.com", "Jabón de romero",
		"¿Tenéis jabón de romero?", time.Now().Add(time.Second))
	s.sync(t)
	w.changed()
	if len(heard) != 1 || heard[0] != "Luis Gómez: Jabón de romero\n¿Tenéis jabón de romero?" {
		t.Errorf("notifications %q, want Luis's alone", heard)
	}
	if got := win.Title(); got != "Mostrador (2 por responder)" {
		t.Errorf("title %q after the new mail", got)
	}
	// Four customers at once: one notification that counts them.
	heard = nil
	for i := range 4 {
		s.write(t, fmt.Sprintf("Cliente %d <c%d@example.com>", i, i), fmt.Sprintf("c%d@example.com", i), "Hola",
			"Una pregunta", time.Now().Add(2*time.Second))
	}
	s.sync(t)
	w.changed()
	if len(heard) != 1 || heard[0] != "Mensajes nuevos de clientes: 4 clientes le han escrito" {
		t.Errorf("notifications %q, want one counting four", heard)
	}
	// Nothing new: no notification.
	test.AssertNotificationSent(t, nil, w.changed)
}

// An account saved in the window takes over at once: the mailbox stops
// watching the old server and syncs the new one, without a restart.
func TestNewAccountTakesOverTheMailbox(t *testing.T) {
	s := newMailShop(t)
	s.write(t, "Ana Pérez <ana.perez@example.com>", "ana1@example.com", "En el buzón viejo", "Hola",
		time.Now().Add(-time.Hour))
	w, _ := openWindow(t, s.db, "es")
	states := make(chan inbox.Status, 100)
	w.onMail = func(st inbox.Status) { states <- st }
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		<-w.mailDone
	}()
	w.runMail(ctx)
	idle := func() {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case st := <-states:
				if st.State == inbox.StateIdle {
					return
				}
			case <-deadline:
				t.Fatal("the mailbox never got up to date")
			}
		}
	}
	idle()
	eventually(t, "the old mailbox's mail is listed", func() bool {
		w.inbox.reload()
		return len(w.inbox.threads) == 1 && w.inbox.threads[0].Subject == "En el buzón viejo"
	})

	other := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := other.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	raw := "From: Luis Gómez <luis@example.com>\r\nTo: tienda@example.com\r\nSubject: En el buzón nuevo\r\n" +
		"Message-ID: <luis1@example.com>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n\r\nHola\r\n"
	if _, err := other.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	acct := *s.acct
	acct.IMAP.Host, acct.IMAP.Port = splitAddr(t, other.Addr)
	if err := inbox.SaveAccount(context.Background(), s.db, &acct); err != nil {
		t.Fatal(err)
	}
	fyne.DoAndWait(w.restartMail)
	idle()
	eventually(t, "the new mailbox's mail is listed", func() bool {
		w.inbox.reload()
		for _, th := range w.inbox.threads {
			if th.Subject == "En el buzón nuevo" {
				return true
			}
		}
		return false
	})
}

// A customer's attachment opens with the system's viewer: fetched from the
// server when clicked, decoded, saved under its own name.
func TestAttachmentOpensWithTheSystemViewer(t *testing.T) {
	s := newMailShop(t)
	raw, err := os.ReadFile("../inbox/testdata/mail/invoice-rfc2231.eml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.imap.User.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	w, win := openWindow(t, s.db, "es")
	w.inbox.filter.SetSelected("Todas")
	opened := make(chan string, 1)
	w.onOpenFile = func(path string) { opened <- path }
	tapButton(t, win, "factura nº 12.pdf")
	select {
	case path := <-opened:
		data, err := os.ReadFile(path)
		if filepath.Base(path) != "factura nº 12.pdf" || err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
			t.Fatalf("opened %s (%v)", path, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing opened; the status says %q", w.status.Text)
	}
}
