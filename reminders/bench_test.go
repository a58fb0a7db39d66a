package reminders

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
)

// The automated emails at a busy shop's scale: planning a big import's
// changes, finding what is due among a long history of jobs, and sending a
// day's emails over one SMTP connection beside a bare go-mail loop.
//
//	go test -tags ci -run '^$' -bench PlanOrders100k -benchtime 5x -benchmem ./reminders
//	go test -tags ci -run '^$' -bench DueJobs1M -benchmem ./reminders
//	go test -tags ci -run '^$' -bench Send1000 -benchtime 5x -benchmem ./reminders
//
// Each builds its data once, in the benchmark function, and measures in
// sub-benchmarks: -count repeats the measurements, not the setup.

// benchProducts are the shop's products: some run out (see benchSupplies).
var benchProducts = []struct {
	name, sku string
	price     int
}{
	{"Jabón de lavanda", "JAB-LAV", 650}, {"Champú sólido", "CHA-SOL", 900}, {"Crema de manos", "CRE-MAN", 1200},
	{"Vela aromática", "VEL-ARO", 1500}, {"Bálsamo labial", "BAL-LAB", 450}, {"Sales de baño", "SAL-BAN", 800},
	{"Aceite corporal", "ACE-COR", 1800}, {"Esponja natural", "ESP-NAT", 550},
}

// benchSupplies: how long the products that run out last, by SKU or name,
// as the owner enters them.
var benchSupplies = map[string]int{"JAB-LAV": 60, "Champú sólido": 90, "CRE-MAN": 45}

// seedOrderLog fills the order log in a few statements: customers (one in
// fifty without an address), orders spread over them and over two years
// (one in ten placed in the last three days, three in ten in the last
// year), one to three items each, and the supplies.
func seedOrderLog(tb testing.TB, db *sql.DB, customers, orderCount int, now time.Time) {
	tb.Helper()
	products := "VALUES "
	for i, p := range benchProducts {
		products += fmt.Sprintf("(%d, '%s', '%s', %d),", i, p.name, p.sku, p.price)
	}
	products = products[:len(products)-1]
	at := stamp(now)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
			INSERT INTO customer(id, email, name, created_at, updated_at)
			SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 'cliente' || i || '@example.com' END,
				(CASE i % 8 WHEN 0 THEN 'Ana' WHEN 1 THEN 'Lucía' WHEN 2 THEN 'Jorge' WHEN 3 THEN 'Marta'
				WHEN 4 THEN 'Pablo' WHEN 5 THEN 'Carmen' WHEN 6 THEN 'Iñaki' ELSE 'Sofía' END) || ' ' ||
				(CASE i % 7 WHEN 0 THEN 'Pérez' WHEN 1 THEN 'García' WHEN 2 THEN 'Núñez' WHEN 3 THEN 'López'
				WHEN 4 THEN 'Martín' WHEN 5 THEN 'Ruiz' ELSE 'Domínguez' END), ?2, ?2 FROM n`,
			[]any{customers, at}},
		{`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ?1),
			o(k, customer, ago) AS (SELECT k, 1 + (k * 7919) % ?2, CASE
				WHEN (k * 2654435761) % 1000 < 100 THEN 600 + (k * 104729) % 259000
				WHEN (k * 2654435761) % 1000 < 400 THEN 259200 + (k * 104729) % 31276800
				ELSE 31536000 + (k * 104729) % 31536000 END FROM n)
			INSERT INTO orders(id, platform, number, customer_id, email, name, placed_at, currency, subtotal, shipping,
				total, payment_status, status_text, created_at, updated_at)
			SELECT k, 'shopify', '#' || (1000 + k), c.id, coalesce(c.email, ''), c.name,
				strftime('%Y-%m-%dT%H:%M:%SZ', ?3 - ago, 'unixepoch'), 'EUR', 1000 + k % 4000, 495,
				1495 + k % 4000, 'paid', 'Paid', ?4, ?4
			FROM o JOIN customer c ON c.id = o.customer`,
			[]any{orderCount, customers, now.Unix(), at}},
		{`WITH p(i, name, sku, price) AS (` + products + `)
			INSERT INTO order_item(order_id, position, quantity, name, sku, unit_price, line_total)
			SELECT o.id, n.pos, 1 + (o.id + n.pos) % 3, p.name, p.sku, p.price, p.price * (1 + (o.id + n.pos) % 3)
			FROM orders o JOIN (SELECT 1 AS pos UNION ALL SELECT 2 UNION ALL SELECT 3) n ON n.pos <= 1 + o.id % 3
			JOIN p ON p.i = (o.id * 3 + n.pos) % ` + fmt.Sprint(len(benchProducts)), nil},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			tb.Fatalf("seed: %v\n%s", err, q.sql)
		}
	}
	for product, days := range benchSupplies {
		if _, err := db.Exec(`INSERT INTO supply(product, days, updated_at) VALUES(?, ?, ?)`, product, days, at); err != nil {
			tb.Fatal(err)
		}
	}
}

// benchOrder is an order of the seeded log.
type benchOrder struct {
	id, customer int64
	number       string
	email        string
	placed       time.Time
}

func seededOrders(tb testing.TB, db *sql.DB) []benchOrder {
	tb.Helper()
	return rowsOf(tb, db, func(rows *sql.Rows, o *benchOrder) error {
		var placed string
		if err := rows.Scan(&o.id, &o.customer, &o.number, &o.email, &placed); err != nil {
			return err
		}
		var err error
		o.placed, err = parseStamp(placed)
		return err
	}, `SELECT o.id, o.customer_id, o.number, coalesce(c.email, ''), o.placed_at
		FROM orders o JOIN customer c ON c.id = o.customer_id ORDER BY o.id`)
}

// orderChanges are n changes as a big import of the seeded log reports
// them, order after order: each order new, then for some of them shipped
// two days after, delivered four days after, a new tracking number,
// cancelled or refunded. Most are about the past and plan nothing.
func orderChanges(list []benchOrder, n int) []orders.Change {
	var out []orders.Change
	for _, o := range list {
		c := orders.Change{Kind: "new", Platform: "shopify", Order: o.number, OrderID: o.id, CustomerID: o.customer,
			CustomerEmail: o.email, PlacedAt: ptr(o.placed)}
		out = append(out, c)
		tracking := func(kind string, after time.Duration) orders.Change {
			t := c
			t.Kind, t.At = kind, ptr(o.placed.Add(after))
			t.Carrier, t.Tracking = "Correos", fmt.Sprintf("PK%08dES", o.id)
			t.TrackingURL = "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number=" + t.Tracking
			return t
		}
		if o.id%4 == 0 {
			out = append(out, tracking("shipped", 48*time.Hour))
		}
		if o.id%5 == 0 {
			out = append(out, tracking("delivered", 96*time.Hour))
		}
		if o.id%7 == 0 {
			t := tracking("tracking", 50*time.Hour)
			t.Tracking += "2"
			out = append(out, t)
		}
		if o.id%12 == 0 {
			k := c
			k.Kind, k.At = "cancelled", ptr(o.placed.Add(time.Hour))
			out = append(out, k)
		} else if o.id%31 == 0 {
			k := c
			k.Kind, k.From, k.To = "refunded", "paid", "refunded"
			out = append(out, k)
		}
		if len(out) >= n {
			break
		}
	}
	return out[:n]
}

// BenchmarkPlanOrders100k plans the 100,000 changes of a big import (60,000
// orders of 20,000 customers over two years, with their shipments,
// deliveries, tracking numbers and cancellations) into an empty job table:
// one Planner.Orders, one transaction.
func BenchmarkPlanOrders100k(b *testing.B) {
	const changesN = 100000
	db := testDB(b)
	now := tuesday
	start := time.Now()
	seedOrderLog(b, db, 20000, 60000, now)
	changes := orderChanges(seededOrders(b, db), changesN)
	if len(changes) != changesN {
		b.Fatalf("%d changes, want %d", len(changes), changesN)
	}
	b.Logf("seeded 60,000 orders and made %d changes in %v", len(changes), time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	planner := &Planner{DB: db, Now: func() time.Time { return now }}

	b.Run("empty-outbox", func(b *testing.B) {
		b.ReportAllocs()
		b.StopTimer()
		var got Planned
		for range b.N {
			if _, err := db.Exec(`DELETE FROM job`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			p, err := planner.Orders(ctx, changes)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			got = p
		}
		if got.Total() == 0 || got.TooOld == 0 || got.Cancelled == 0 || got.NoEmail == 0 {
			b.Fatalf("planned %+v: the mix plans too little", got)
		}
		b.Logf("planned %+v", got)
		reportPlanning(b, changesN, got)
	})

	// The same file imported again: every job is there already.
	b.Run("again", func(b *testing.B) {
		b.ReportAllocs()
		var got Planned
		for range b.N {
			p, err := planner.Orders(ctx, changes)
			if err != nil {
				b.Fatal(err)
			}
			got = p
		}
		if got.Total() != 0 {
			b.Fatalf("planned again %+v", got)
		}
		reportPlanning(b, changesN, got)
	})
}

func reportPlanning(b *testing.B, changes int, p Planned) {
	elapsed := b.Elapsed()
	b.ReportMetric(float64(changes*b.N)/elapsed.Seconds(), "changes/s")
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(p.Total()), "jobs")
}

// fillJobs writes n jobs in one statement, as years of a busy shop leave
// them: 50,000 customers with 20 jobs each, most handed to the outbox long
// ago, some skipped or cancelled, 4% planned for the coming two months,
// and one in 3,000 (333 of a million) due now, up to an hour late. Only
// the planned ones have a deadline: no query reads the others'.
//
// The rows go in customer after customer, so that every index of the table
// grows at a few places (one per rule in the unique key) rather than all
// over the file: a million rows then take seconds, not a minute.
func fillJobs(tb testing.TB, db *sql.DB, n int, now time.Time) {
	tb.Helper()
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
		k AS (SELECT i, 1 + i / 20 AS customer,
			CASE WHEN i % 3000 = 0 THEN 'due' WHEN i % 100 < 85 THEN 'queued' WHEN i % 100 < 92 THEN 'skipped'
				WHEN i % 100 < 96 THEN 'cancelled' ELSE 'future' END AS kind,
			CASE i % 10 WHEN 0 THEN 'follow-up' WHEN 1 THEN 'reorder' WHEN 2 THEN 'appointment'
				WHEN 3 THEN 'delivery' WHEN 4 THEN 'delivery' ELSE 'thank-you' END AS rule
			FROM n),
		u AS (SELECT *, CASE kind WHEN 'due' THEN ?2 - i % 3600 WHEN 'future' THEN ?2 + 60 + (i * 104729) % 5184000
			ELSE ?2 - 3600 - (i * 104729) % 63072000 END AS unix FROM k),
		j AS (SELECT *, strftime('%Y-%m-%dT%H:%M:%SZ', unix, 'unixepoch') AS due FROM u)
		INSERT INTO job(rule, step, customer_id, about, order_id, appointment_id, transactional, due_at, deadline,
			state, reason, outbox_id, queued_at, data, planned_at, updated_at)
		SELECT rule, CASE rule WHEN 'delivery' THEN 'shipped' WHEN 'reorder' THEN 'Jabón de lavanda'
				WHEN 'appointment' THEN 'remind-24h' ELSE '' END,
			customer, CASE rule WHEN 'appointment' THEN 'appointment:' ELSE 'order:' END || i,
			CASE WHEN rule <> 'appointment' THEN i END, CASE WHEN rule = 'appointment' THEN i END,
			rule IN ('thank-you', 'delivery', 'appointment'),
			due, CASE WHEN kind IN ('due', 'future') THEN strftime('%Y-%m-%dT%H:%M:%SZ', unix + 259200, 'unixepoch') END,
			CASE WHEN kind IN ('due', 'future') THEN 'planned' ELSE kind END,
			CASE kind WHEN 'skipped' THEN 'job.missed' WHEN 'cancelled' THEN 'job.orderCancelled' ELSE '' END,
			CASE kind WHEN 'queued' THEN i END, CASE kind WHEN 'queued' THEN due END,
			CASE rule WHEN 'delivery' THEN '{"carrier":"Correos","tracking":"PK' || i || 'ES","trackingUrl":""}' ELSE '{}' END,
			due, due
		FROM j`, n, now.Unix())
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkDueJobs1M times the two queries every scheduler round makes, on
// a job table of 1,000,000 rows: the due jobs (a batch of 200 and one more,
// to know whether more wait) and the next due time. The goal is under 5 ms
// each.
func BenchmarkDueJobs1M(b *testing.B) {
	const jobsN = 1000000
	db := testDB(b)
	now := tuesday
	start := time.Now()
	fillJobs(b, db, jobsN, now)
	b.Logf("wrote %d jobs in %v", jobsN, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()

	b.Run("due-jobs", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			due, err := dueJobs(ctx, db, now, 201)
			if err != nil || len(due) != 201 || due[0].due.After(due[200].due) || due[200].due.After(now) {
				b.Fatalf("due jobs: %v, %d", err, len(due))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("next-due", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			next, err := nextDue(ctx, db)
			if err != nil || next.IsZero() || next.After(now) {
				b.Fatalf("next due: %v %v", next, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
}

const sendN = 1000

// sendShop is a shop whose mailbox is on test servers on 127.0.0.1, with a
// database file that holds sendN customers with an order each and a job
// due for each: thank-you notes, delivery news, follow-ups and reorder
// reminders. Every op sends from a fresh copy of that file.
type sendShop struct {
	base string // the database file each op copies
	acct *inbox.Account
	smtp *inboxtest.SMTPServer
	imap *inboxtest.IMAPServer
	now  time.Time
}

func newSendShop(b *testing.B) *sendShop {
	s := &sendShop{now: tuesday, smtp: inboxtest.StartSMTP(b, inboxtest.Plain, nil),
		imap: inboxtest.StartIMAP(b, inboxtest.Plain, nil)}
	if err := s.imap.User.Create("Sent", nil); err != nil {
		b.Fatal(err)
	}
	s.acct = &inbox.Account{IMAP: testEndpoint(b, "imap", s.imap.Addr), SMTP: testEndpoint(b, "smtp", s.smtp.Addr),
		FromName: "Jabones Lola", FromAddr: "tienda@example.com"}
	db := testDB(b)
	ctx := context.Background()
	if err := inbox.SaveAccount(ctx, db, s.acct); err != nil {
		b.Fatal(err)
	}
	setting(b, db, settings.ShopName, "Jabones Lola")
	setting(b, db, settings.ShopOwner, "Lola Peña")
	// A few more customers than jobs: one in fifty has no address.
	seedOrderLog(b, db, sendN+sendN/40, sendN+sendN/40, s.now)
	var jobs int
	for _, o := range seededOrders(b, db) {
		if o.email == "" || jobs == sendN {
			continue
		}
		j := job{customer: o.customer, about: fmt.Sprintf("order:%d", o.id), order: o.id, due: s.now.Add(-time.Minute),
			deadline: s.now.Add(24 * time.Hour)}
		switch jobs % 10 {
		case 0, 1, 2, 3:
			j.rule = ThankYou
		case 4, 5, 6:
			j.rule, j.step = Delivery, "shipped"
			j.data = map[string]any{"carrier": "Correos", "tracking": fmt.Sprintf("PK%08dES", o.id), "trackingUrl": ""}
		case 7, 8:
			j.rule = FollowUp
		default:
			j.rule, j.step = Reorder, benchProducts[0].name
		}
		if err := insertJob(ctx, db, j, s.now); err != nil {
			b.Fatal(err)
		}
		jobs++
	}
	// One in five writes in English.
	if _, err := db.Exec(`INSERT INTO contact_pref(customer_id, language, updated_at)
		SELECT id, 'en', ? FROM customer WHERE id % 5 = 0`, stamp(s.now)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	s.base = filepath.Join(b.TempDir(), "base.db")
	copyFile(b, dbPath(b, db), s.base)
	return s
}

// insertJob plans one job as the planner would, at now, whatever its rule's
// window.
func insertJob(ctx context.Context, db *sql.DB, j job, now time.Time) error {
	p := &Planner{DB: db, Now: func() time.Time { return now }}
	pl, err := p.begin(ctx)
	if err != nil {
		return err
	}
	ok, err := pl.plan(j)
	if err == nil && !ok {
		err = fmt.Errorf("plan %+v: not planned", j)
	}
	_, err = p.end(pl, err)
	return err
}

func dbPath(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	var seq int
	var name, file string
	if err := db.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		tb.Fatal(err)
	}
	return file
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// fresh opens a new copy of the shop's database.
func (s *sendShop) fresh(b *testing.B) *sql.DB {
	path := filepath.Join(b.TempDir(), "shop.db")
	copyFile(b, s.base, path)
	db, err := database.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// scheduler is the scheduler the app runs on the shop's database, sending
// through smtp: one round takes every due job, at no rate limit; withSent
// files each email in the IMAP server's Sent folder too.
func (s *sendShop) scheduler(db *sql.DB, smtp inbox.Endpoint, withSent bool) *Scheduler {
	clock := func() time.Time { return s.now }
	sender := &inbox.Sender{DB: db, Account: s.acct, Now: clock,
		SMTP: func(context.Context) (*gomail.Client, error) {
			return (&inbox.Dialer{Timeout: 10 * time.Second}).SMTPClient(smtp, inboxtest.Password)
		}}
	if withSent {
		sender.IMAP = func(context.Context) (*imapclient.Client, error) {
			return (&inbox.Dialer{Timeout: 10 * time.Second}).DialIMAP(s.acct.IMAP, inboxtest.Password, nil)
		}
	}
	return &Scheduler{DB: db, Now: clock, Batch: sendN,
		Mailbox: &InboxMailbox{Account: s.acct, Sender: sender, Now: clock}}
}

// delayed forwards connections to the server at target, holding what the
// server sends for d: each SMTP round trip takes d longer, as to a server
// on the shop's network rather than on this machine.
func delayed(b *testing.B, target inbox.Endpoint, d time.Duration) inbox.Endpoint {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target.Addr())
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				io.Copy(server, client)
				server.Close()
			}()
			go func() {
				defer client.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 {
						time.Sleep(d)
						if _, err := client.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	ep := target
	ep.Port = ln.Addr().(*net.TCPAddr).Port
	return ep
}

// bareMsg is an email shaped like the scheduler's (the same headers, a
// body of the same length, quoted-printable), built by go-mail alone.
func bareMsg(tb testing.TB, i int, now time.Time) *gomail.Msg {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.FromFormat("Lola Peña", "tienda@example.com"); err != nil {
		tb.Fatal(err)
	}
	if err := m.AddToFormat("Lucía García", fmt.Sprintf("cliente%d@example.com", i)); err != nil {
		tb.Fatal(err)
	}
	m.Subject(fmt.Sprintf("Gracias por tu pedido #%d", 1000+i))
	m.SetMessageIDWithValue(fmt.Sprintf("%d.bench@example.com", i))
	m.SetDateWithValue(now)
	m.SetBodyString(gomail.TypeTextPlain, fmt.Sprintf(bareText, 1000+i))
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(gomail.Header("X-Auto-Response-Suppress"), "OOF, AutoReply")
	if err := m.ReplyTo("tienda@example.com"); err != nil {
		tb.Fatal(err)
	}
	m.SetListUnsubscribe("mailto:tienda@example.com?subject=BAJA")
	return m
}

const bareText = `Hola Lucía:

Gracias por tu pedido #%d en Jabones Lola. Ya lo estamos preparando con
mucho cariño y te avisaremos en cuanto salga hacia tu casa.

Tu pedido:
- 2 × Jabón de lavanda
- 1 × Crema de manos

Total: 24,95 €

Si necesitas cambiar algo, contesta a este correo y te ayudamos.

Lola Peña
Jabones Lola

Si no quieres recibir más correos automáticos de Jabones Lola, contesta
con la palabra BAJA.
`

// bareSend sends n emails over one connection with go-mail alone, with the
// options the app's Dialer gives a plain loopback server (no NOOP before
// each message, AUTH PLAIN).
func bareSend(b *testing.B, addr inbox.Endpoint, n int, now time.Time) {
	c, err := gomail.NewClient(addr.Host, gomail.WithPort(addr.Port), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc), gomail.WithUsername(inboxtest.User),
		gomail.WithPassword(inboxtest.Password), gomail.WithoutNoop(), gomail.WithTimeout(10*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.DialWithContext(context.Background()); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := c.Send(bareMsg(b, i, now)); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
}

// claimedSend is bareSend with each email claimed in a committed row
// before it goes and marked sent after.
func claimedSend(b *testing.B, db *sql.DB, addr inbox.Endpoint, n int, now time.Time) {
	c, err := gomail.NewClient(addr.Host, gomail.WithPort(addr.Port), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc), gomail.WithUsername(inboxtest.User),
		gomail.WithPassword(inboxtest.Password), gomail.WithoutNoop(), gomail.WithTimeout(10*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.DialWithContext(context.Background()); err != nil {
		b.Fatal(err)
	}
	claim, err := db.Prepare(`UPDATE claim SET state = 'sending', at = ? WHERE id = ? AND state = 'queued'`)
	if err != nil {
		b.Fatal(err)
	}
	defer claim.Close()
	sent, err := db.Prepare(`UPDATE claim SET state = 'sent', at = ? WHERE id = ? AND state = 'sending'`)
	if err != nil {
		b.Fatal(err)
	}
	defer sent.Close()
	for i := range n {
		if _, err := claim.Exec(stamp(now), i+1); err != nil {
			b.Fatal(err)
		}
		if err := c.Send(bareMsg(b, i, now)); err != nil {
			b.Fatal(err)
		}
		if _, err := sent.Exec(stamp(now), i+1); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSend1000 sends 1,000 emails to a local SMTP server over one
// connection: a bare go-mail loop, the same loop with only the two commits
// an exactly-once sender needs per email (the floor of any such sender),
// and Mostrador's scheduler round with 1,000 jobs due (guards, templates,
// outbox rows, the SMTP exchange, the Sent copy in the database), without
// and with the APPEND of each email to the IMAP server's Sent folder. The servers are package inboxtest's, in
// this process. %-of-bare is emails/s over the median of the bare runs of
// this process on the same network.
//
// On loopback an SMTP exchange (MAIL, RCPT, DATA, the message, RSET) takes
// a fraction of a millisecond, less than the database writes that make
// each email go exactly once; lan-1ms adds a millisecond to each round trip
// (a server on the shop's network), and the exchange outweighs them.
func BenchmarkSend1000(b *testing.B) {
	s := newSendShop(b)
	ctx := context.Background()
	for _, network := range []struct {
		name     string
		delay    time.Duration
		withSent []bool
	}{{"loopback", 0, []bool{false, true}}, {"lan-1ms", time.Millisecond, []bool{false}}} {
		smtp := s.acct.SMTP
		if network.delay > 0 {
			smtp = delayed(b, smtp, network.delay)
		}
		var bare []float64 // emails/s of each bare op
		report := func(b *testing.B, rate float64) {
			b.ReportMetric(rate, "emails/s")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			msgs := s.smtp.Messages()
			size := 0
			for _, m := range msgs[len(msgs)-sendN:] {
				size += len(m.Data)
			}
			b.ReportMetric(float64(size)/sendN, "bytes/email")
			b.ReportMetric(100*rate/median(bare), "%-of-bare")
		}
		b.Run(network.name+"/go-mail-bare", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				start := time.Now()
				bareSend(b, smtp, sendN, s.now)
				bare = append(bare, sendN/time.Since(start).Seconds())
			}
			report(b, float64(sendN*b.N)/b.Elapsed().Seconds())
		})
		// The floor of any exactly-once sender: the bare loop plus only the
		// two commits each email needs (claimed before DATA, sent after) on
		// the same kind of database, and nothing else: no guards, no
		// templates, no Sent copy.
		b.Run(network.name+"/bare+claim-commits", func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer()
			for range b.N {
				db := testDB(b)
				if _, err := db.Exec(`CREATE TABLE claim(id INTEGER PRIMARY KEY, state TEXT NOT NULL, at TEXT);
					WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
					INSERT INTO claim(id, state) SELECT i, 'queued' FROM n`); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				claimedSend(b, db, smtp, sendN, s.now)
				b.StopTimer()
				db.Close()
			}
			report(b, float64(sendN*b.N)/b.Elapsed().Seconds())
		})
		for _, withSent := range network.withSent {
			name := network.name + "/mostrador-smtp"
			if withSent {
				name += "+sent-append"
			}
			b.Run(name, func(b *testing.B) {
				if len(bare) == 0 { // run alone: a reference all the same
					start := time.Now()
					bareSend(b, smtp, sendN, s.now)
					bare = append(bare, sendN/time.Since(start).Seconds())
				}
				b.ReportAllocs()
				b.StopTimer()
				for range b.N {
					db := s.fresh(b)
					sched := s.scheduler(db, smtp, withSent)
					before := len(s.smtp.Messages())
					b.StartTimer()
					rep, err := sched.RunOnce(ctx)
					b.StopTimer()
					if err != nil || rep.Queued != sendN || rep.More {
						b.Fatalf("round: %+v %v", rep, err)
					}
					if got := len(s.smtp.Messages()) - before; got != sendN {
						b.Fatalf("the server got %d emails, want %d", got, sendN)
					}
					var left int
					if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE state <> 'sent' OR appended <> ?`,
						withSent).Scan(&left); err != nil || left != 0 {
						b.Fatalf("%d outbox rows not sent (or filed): %v", left, err)
					}
					db.Close()
				}
				report(b, float64(sendN*b.N)/b.Elapsed().Seconds())
			})
		}
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
