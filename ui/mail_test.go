package ui

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// While the window is open, mail is synced and who wrote shows in the
// customer list, and the status bar says the mailbox is up to date.
func TestWindowFollowsTheMailbox(t *testing.T) {
	db := newShopDB(t)
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, reminders.Migrations); err != nil {
		t.Fatal(err)
	}
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	deliver := func(from, id string) {
		raw := "From: " + from + "\r\nTo: tienda@example.com\r\nSubject: Hola\r\nMessage-ID: <" + id + ">\r\n\r\nHola\r\n"
		if _, err := srv.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	deliver("Ana Pérez <ana@example.com>", "a@example.com")
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	ep := inbox.Endpoint{Proto: "imap", Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
	smtp := ep
	smtp.Proto = "smtp"
	if err := inbox.SaveAccount(context.Background(), db, &inbox.Account{IMAP: ep, SMTP: smtp, FromName: "Lola",
		FromAddr: "tienda@example.com"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)

	w, win := openWindow(t, db, "en")
	states := make(chan inbox.Status, 100)
	w.onMail = func(s inbox.Status) { states <- s }
	ctx, cancel := context.WithCancel(context.Background())
	done := w.startMail(ctx)
	idle := func() inbox.Status {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case s := <-states:
				if s.State == inbox.StateIdle {
					return s
				}
				if s.State == inbox.StateOffline {
					t.Fatalf("offline: %v", s.Err)
				}
			case <-deadline:
				t.Fatal("the mailbox never got up to date")
			}
		}
	}
	first := idle()
	if got := w.mailText(first, ep); !strings.HasPrefix(got, "Mail up to date (") {
		t.Errorf("status bar: %q", got)
	}
	// go-imap's in-memory server answers IDLE's "+" before it starts
	// listening for new mail; mail delivered in between is announced only
	// with the next. A moment's pause keeps the test off that race (a real
	// server sends what is pending when IDLE begins).
	time.Sleep(200 * time.Millisecond)
	deliver("Luis Gómez <luis@example.com>", "l@example.com") // arrives while the window idles
	idle()
	cancel()
	<-done
	texts := screenTexts(win)
	if !hasPrefix(texts, "Ana Pérez") || !hasPrefix(texts, "Luis Gómez") {
		t.Errorf("the people who wrote are not in the list: %q", texts)
	}
}

// The status bar's words for each state.
func TestMailStatusWords(t *testing.T) {
	w, _ := openWindow(t, newShopDB(t), "es")
	ep := inbox.Endpoint{Proto: "imap", Security: inbox.TLS, Host: "imap.example.com", Port: 993, User: "tienda@example.com"}
	at := time.Date(2026, 11, 23, 10, 42, 0, 0, time.UTC)
	w.now = func() time.Time { return at }
	w.showProgress(1200, 10000)
	if got := w.mailStatus.Text; got != "Correo: sincronizando… 1200 de 10.000" {
		t.Errorf("progress: %q", got)
	}
	for _, c := range []struct {
		s    inbox.Status
		want string
	}{
		{inbox.Status{State: inbox.StateIdle, Synced: at}, "Correo al día (10:42)"},
		{inbox.Status{State: inbox.StateSyncing}, "Correo: sincronizando…"},
		{inbox.Status{State: inbox.StateOffline, Err: &inbox.ConnError{Server: "imap", Addr: "imap.example.com:993",
			Code: inbox.CodeRefused}, Since: at.Add(-time.Minute), Retry: at.Add(2 * time.Minute)},
			"Correo sin conexión (desde 10:41), nuevo intento a las 10:44: el servidor IMAP imap.example.com:993 rechaza la conexión"},
		{inbox.Status{State: inbox.StateOffline, Err: &inbox.ConnError{Server: "imap", Addr: "imap.example.com:993",
			Code: inbox.CodeRefused}, Since: at.Add(-26 * time.Hour), Retry: at.Add(2 * time.Minute)},
			"Correo sin conexión (desde 22/11/2026), nuevo intento a las 10:44"},
		{inbox.Status{State: inbox.StateOffline, Err: inbox.ErrNoPassword},
			"Correo: falta la contraseña; guárdela con «mostrador account» o en la variable MOSTRADOR_IMAP_PASSWORD"},
		{inbox.Status{State: inbox.StateOffline, Err: errors.New("boom")}, "Correo detenido: boom"},
	} {
		if got := w.mailText(c.s, ep); !strings.HasPrefix(got, c.want) {
			t.Errorf("%+v: %q, want %q…", c.s, got, c.want)
		}
	}
}
