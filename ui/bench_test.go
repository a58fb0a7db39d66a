package ui

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// BenchmarkOpenLargeCard opens the card of a customer with 500 orders (one
// to three items each) and 2,000 messages in 200 conversations: from the
// customers list (by id) and beside one of their threads in the inbox (by
// address). Goal: under 50 ms.
//
//	go test -tags ci -run '^$' -bench OpenLargeCard -benchmem ./ui
func BenchmarkOpenLargeCard(b *testing.B) {
	dir := b.TempDir()
	db, err := database.Open(filepath.Join(dir, "shop.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, reminders.Migrations); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("Order,Date,Customer Name,Email,Item,Qty,Unit Price,Total,Status\n")
	start := time.Date(2016, 1, 4, 10, 0, 0, 0, time.UTC)
	products := []string{"Jabón de lavanda", "Vela de soja", "Champú sólido"}
	for i := range 500 {
		at := start.Add(time.Duration(i) * 7 * 24 * time.Hour).Format("2006-01-02 15:04")
		for k := 0; k <= i%3; k++ {
			fmt.Fprintf(&csv, "F-%d,%s,Ana Pérez,ana@example.com,%s,1,6.50,%.2f,Paid\n", i, at, products[k], 6.5*float64(i%3+1))
		}
	}
	path := filepath.Join(dir, "fiel.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	if _, err := orders.ImportFile(ctx, db, path, orders.Options{Location: time.UTC}); err != nil {
		b.Fatal(err)
	}
	srv := inboxtest.StartIMAP(b, inboxtest.Plain, nil)
	if err := srv.User.Create("Sent", nil); err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		thread, n := i/10, i%10
		at := start.Add(time.Duration(thread)*18*24*time.Hour + time.Duration(n)*time.Hour)
		from, to, folder := "Ana Pérez <ana@example.com>", "tienda@example.com", "INBOX"
		if n%2 == 1 {
			from, to, folder = "Lola <tienda@example.com>", "ana@example.com", "Sent"
		}
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: Pedido F-%d\r\nMessage-ID: <m%d@example.com>\r\n",
			from, to, thread*2, i)
		if n > 0 {
			raw += fmt.Sprintf("In-Reply-To: <m%d@example.com>\r\n", i-1)
		}
		raw += "Date: " + at.Format(time.RFC1123Z) + "\r\n\r\nHola, una pregunta sobre mi pedido de jabones.\r\n"
		if _, err := srv.User.Append(folder, strings.NewReader(raw), &imap.AppendOptions{Time: at}); err != nil {
			b.Fatal(err)
		}
	}
	ep := inbox.Endpoint{Proto: "imap", Security: inbox.Plain, User: inboxtest.User}
	ep.Host, ep.Port = splitAddr(b, srv.Addr)
	c, err := (&inbox.Dialer{Timeout: 10 * time.Second}).DialIMAP(ep, inboxtest.Password, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := (&inbox.Syncer{DB: db, Client: c, ShopAddr: "tienda@example.com"}).Sync(ctx, inbox.SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	c.Close()

	test.NewTempApp(b)
	win := test.NewTempWindow(b, nil)
	w := New(db, win, Options{Lang: "es", Location: time.UTC})
	win.SetContent(w.Content())
	win.Resize(fyne.NewSize(1100, 720))
	card, err := orders.CardByEmail(ctx, db, "ana@example.com")
	if err != nil || len(card.Orders) != 500 {
		b.Fatalf("%d orders (%v)", len(card.Orders), err)
	}
	d, err := w.loadCard(card.Customer.ID, "")
	if err != nil {
		b.Fatal(err)
	}
	var msgs int
	for _, t := range d.card.Threads {
		msgs += t.Messages
	}
	if msgs != 2000 {
		b.Fatalf("the card has %d messages in %d threads", msgs, len(d.card.Threads))
	}
	threads, err := inbox.ListThreads(ctx, db, inbox.FilterAll, 1)
	if err != nil || len(threads) != 1 {
		b.Fatal(threads, err)
	}
	b.Run("customers", func(b *testing.B) {
		w.openRoom("ui.nav.customers")
		b.ReportAllocs()
		for range b.N {
			w.customers.show(card.Customer.ID)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("inbox", func(b *testing.B) {
		w.openRoom("ui.nav.inbox")
		b.ReportAllocs()
		for range b.N {
			w.inbox.open(threads[0])
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
}

func splitAddr(tb testing.TB, addr string) (string, int) {
	tb.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		tb.Fatal(err)
	}
	return host, p
}

// BenchmarkStartup100k builds the window on a shop of 100,000 customers,
// 150,000 orders and 200,000 messages in 100,000 conversations (one in
// twenty waiting), as the app does at start, up to its first layout.
// Goal: the first frame under 1 s.
//
//	go test -tags ci -run '^$' -bench Startup100k -benchmem ./ui
func BenchmarkStartup100k(b *testing.B) {
	db, err := database.Open(filepath.Join(b.TempDir(), "shop.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, reminders.Migrations); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	stamp := now.Format(time.RFC3339)
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO customer(id, email, name, created_at, updated_at)
		SELECT i, 'cliente' || i || '@example.com', (CASE i % 4 WHEN 0 THEN 'Ana' WHEN 1 THEN 'Lucía' WHEN 2 THEN 'Jorge'
			ELSE 'Iñaki' END) || ' Pérez ' || i, ?1, ?1 FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 150000)
		INSERT INTO orders(id, platform, number, customer_id, email, name, placed_at, currency, subtotal, shipping,
			total, payment_status, status_text, created_at, updated_at)
		SELECT k, 'shopify', '#' || (1000 + k), 1 + (k * 7919) % 100000, '', '',
			strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(?1) - k * 600, 'unixepoch'), 'EUR', 1000, 495, 1495, 'paid', 'Paid', ?1, ?1
		FROM n`,
		`INSERT INTO folder(id, name, role) VALUES(1, 'INBOX', 'inbox')`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO thread(id, subject, subject_key, customer, customer_name, started_at, last_at, messages, snippet,
			waiting_since)
		SELECT i, 'Consulta ' || i, 'consulta ' || i, 'cliente' || (1 + i % 100000) || '@example.com', 'Cliente ' || i,
			strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(?1) - i * 300, 'unixepoch'),
			strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(?1) - i * 300 + 60, 'unixepoch'), 2, 'Hola, ¿tenéis jabón?',
			CASE WHEN i % 20 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(?1) - i * 300, 'unixepoch') END
		FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO message(id, folder_id, uid, message_id, subject, from_name, from_addr, received_at, body, thread_id)
		SELECT i, 1, i, 'm' || i || '@example.com', 'Consulta ' || (1 + (i - 1) / 2), 'Cliente', 'cliente' || i || '@example.com',
			strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(?1) - i * 150, 'unixepoch'), 'Hola, ¿tenéis jabón de lavanda?',
			1 + (i - 1) / 2
		FROM n`,
	} {
		if _, err := db.Exec(q, stamp); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	test.NewTempApp(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		win := test.NewTempWindow(b, nil)
		w := New(db, win, Options{Lang: "es", Location: time.UTC})
		win.SetContent(w.Content())
		win.Resize(fyne.NewSize(1100, 720))
		if len(w.inbox.threads) != threadLimit || w.inbox.threads[0].WaitingSince == nil {
			b.Fatalf("the inbox lists %d threads", len(w.inbox.threads))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}
