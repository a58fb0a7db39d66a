package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox/inboxtest"
)

// testMail is a message to put on the test server.
type testMail struct {
	from, to, subject, id, inReplyTo, refs, extra, body string
	at                                                  time.Time
}

func (m testMail) raw() string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", m.from, m.to, m.subject,
		m.at.Format(time.RFC1123Z))
	if m.id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.id)
	}
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.inReplyTo)
	}
	if m.refs != "" {
		fmt.Fprintf(&b, "References: %s\r\n", m.refs)
	}
	b.WriteString(m.extra)
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return b.String()
}

func put(t *testing.T, srv *inboxtest.IMAPServer, folder string, m testMail, flags ...imap.Flag) {
	t.Helper()
	raw := m.raw()
	if _, err := srv.User.Append(folder, strings.NewReader(raw), &imap.AppendOptions{Flags: flags, Time: m.at}); err != nil {
		t.Fatal(err)
	}
}

// expunge deletes one message from a folder of the test server, as
// another mail client would.
func expunge(t *testing.T, srv *inboxtest.IMAPServer, folder string, uid imap.UID) {
	t.Helper()
	c := dialTest(t, srv)
	defer c.Close()
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
}

// mailServer is a test server with a Sent folder.
func mailServer(t *testing.T) *inboxtest.IMAPServer {
	t.Helper()
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	return srv
}

const (
	shop = "Tienda Jabón <tienda@example.com>"
	ana  = "Ana Pérez <ana@example.com>"
)

var monday = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// threadOf is the thread holding a stored Message-ID.
func threadOf(t *testing.T, db *sql.DB, messageID string) *Thread {
	t.Helper()
	m, err := MessageByID(context.Background(), db, messageID)
	if err != nil {
		t.Fatalf("message %s: %v", messageID, err)
	}
	th, err := ThreadByID(context.Background(), db, m.ThreadID)
	if err != nil {
		t.Fatalf("thread of %s: %v", messageID, err)
	}
	return th
}

// A conversation in INBOX and Sent is one thread: the customer asked, the
// shop answered, the customer asked again and waits since then.
func TestThreadFromReferences(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "¿Tenéis jabón de lavanda?", id: "a1@example.com",
		at: monday, body: "Hola, ¿tenéis jabón de lavanda?"})
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: ¿Tenéis jabón de lavanda?", id: "s1@tienda",
		inReplyTo: "a1@example.com", refs: "<a1@example.com>", at: monday.Add(90 * time.Minute),
		body: "¡Sí! Nos quedan tres.\n\nEl lun, 2 mar 2026 a las 10:00, Ana escribió:\n> Hola"}, imap.FlagSeen)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Re: ¿Tenéis jabón de lavanda?", id: "a2@example.com",
		inReplyTo: "s1@tienda", refs: "<a1@example.com> <s1@tienda>", at: monday.Add(3 * time.Hour),
		body: "Perfecto, ¿me guardáis dos?\n\n> ¡Sí! Nos quedan tres."})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})

	if n := countRows(t, db, `SELECT count(*) FROM thread`); n != 1 {
		t.Fatalf("%d threads, want 1", n)
	}
	th := threadOf(t, db, "a1@example.com")
	if th.Messages != 3 || th.Customer != "ana@example.com" || th.CustomerName != "Ana Pérez" ||
		th.Subject != "¿Tenéis jabón de lavanda?" {
		t.Errorf("thread: %+v", th)
	}
	if th.WaitingSince == nil || !th.WaitingSince.Equal(monday.Add(3*time.Hour)) {
		t.Errorf("waiting since %v, want the customer's last message", th.WaitingSince)
	}
	if th.FirstResponse == nil || *th.FirstResponse != 90*60 {
		t.Errorf("first response %v, want 5400 s", th.FirstResponse)
	}
	if th.Snippet != "Perfecto, ¿me guardáis dos?" {
		t.Errorf("snippet %q", th.Snippet)
	}
	msgs, err := ThreadMessages(context.Background(), db, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range msgs {
		order = append(order, m.MessageID)
	}
	if !slices.Equal(order, []string{"a1@example.com", "s1@tienda", "a2@example.com"}) || !msgs[1].Outgoing {
		t.Errorf("messages in order %v", order)
	}

	// The shop answers again: nothing owed.
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: ¿Tenéis jabón de lavanda?", id: "s2@tienda",
		inReplyTo: "a2@example.com", refs: "<a1@example.com> <s1@tienda> <a2@example.com>",
		at: monday.Add(4 * time.Hour), body: "Guardados."}, imap.FlagSeen)
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "a1@example.com"); th.WaitingSince != nil || th.Messages != 4 || *th.FirstResponse != 5400 {
		t.Errorf("after the answer: %+v", th)
	}
}

// Who writes on Monday and again on Wednesday without an answer has waited
// since Monday.
func TestWaitingCountsFromOldestUnanswered(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Mi pedido", id: "w1@example.com", at: monday,
		body: "¿Dónde está mi pedido #1042?"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Re: Mi pedido", id: "w2@example.com",
		inReplyTo: "w1@example.com", at: monday.Add(48 * time.Hour), body: "¿Hola?"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	th := threadOf(t, db, "w2@example.com")
	if th.WaitingSince == nil || !th.WaitingSince.Equal(monday) || th.FirstResponse != nil {
		t.Errorf("thread: %+v", th)
	}
	if got := th.Waiting(monday.Add(50 * time.Hour)); got != 50*time.Hour {
		t.Errorf("waited %v", got)
	}
	if !slices.Equal(th.Orders, []string{"1042"}) {
		t.Errorf("orders %v", th.Orders)
	}
	// Another mail client answered and flagged it: not waiting any more.
	c := dialTest(t, srv)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagAnswered}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "w2@example.com"); th.WaitingSince != nil {
		t.Errorf("answered elsewhere, still waiting since %v", th.WaitingSince)
	}
}

// A message that references two separate threads joins them; a reply
// stored before its original (newest first) finds it.
func TestThreadsMerge(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Uno", id: "p@example.com", at: monday, body: "uno"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Dos", id: "q@example.com", at: monday.Add(time.Hour), body: "dos"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if n := countRows(t, db, `SELECT count(*) FROM thread`); n != 2 {
		t.Fatalf("%d threads before the merge, want 2", n)
	}
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: Uno y dos", id: "r@tienda", inReplyTo: "q@example.com",
		refs: "<p@example.com> <q@example.com>", at: monday.Add(2 * time.Hour), body: "Las dos cosas."})
	syncOnce(t, db, srv, SyncOptions{})
	if n := countRows(t, db, `SELECT count(*) FROM thread`); n != 1 {
		t.Fatalf("%d threads after the merge, want 1", n)
	}
	if th := threadOf(t, db, "p@example.com"); th.Messages != 3 || th.WaitingSince != nil || th.Subject != "Uno" {
		t.Errorf("merged: %+v", th)
	}
	if n := countRows(t, db, `SELECT count(DISTINCT thread_id) FROM thread_key`); n != 1 {
		t.Errorf("keys point to %d threads", n)
	}
}

// Mail clients that drop In-Reply-To: the same subject with the same
// customer within a month is one thread; another customer, or the same
// subject months later, is not.
func TestThreadSubjectFallback(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Consulta talla", id: "f1@example.com", at: monday, body: "¿Talla M?"})
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "RE: Consulta talla", id: "f2@tienda",
		at: monday.Add(time.Hour), body: "Sí."})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "RV: [Tienda] Re: consulta  talla", id: "f3@example.com",
		at: monday.Add(2 * time.Hour), body: "Gracias"})
	put(t, srv, "INBOX", testMail{from: "Luis <luis@example.com>", to: shop, subject: "Consulta talla", id: "g1@example.com",
		at: monday.Add(3 * time.Hour), body: "¿Talla L?"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Consulta talla", id: "f4@example.com",
		at: monday.Add(90 * 24 * time.Hour), body: "Otra vez yo"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	th := threadOf(t, db, "f1@example.com")
	if th.Messages != 3 || threadOf(t, db, "f3@example.com").ID != th.ID {
		t.Errorf("Ana's conversation: %+v", th)
	}
	if threadOf(t, db, "g1@example.com").ID == th.ID || threadOf(t, db, "f4@example.com").ID == th.ID {
		t.Error("another customer's, or a much later, message joined the thread")
	}
	if n := countRows(t, db, `SELECT count(*) FROM thread`); n != 3 {
		t.Errorf("%d threads, want 3", n)
	}
}

// Out-of-office replies and bounces neither ask nor answer: they never put
// a thread in the waiting queue.
func TestAutomaticMailIsNotWaiting(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Tu pedido ha salido", id: "o1@tienda", at: monday, body: "En camino."})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Fuera de la oficina: Tu pedido ha salido", id: "o2@example.com",
		inReplyTo: "o1@tienda", extra: "Auto-Submitted: auto-replied\r\n", at: monday.Add(time.Minute),
		body: "Estoy de vacaciones hasta el lunes."})
	put(t, srv, "INBOX", testMail{from: "Boletín <news@proveedor.example>", to: shop, subject: "Novedades de marzo",
		id: "n1@proveedor.example", extra: "List-Unsubscribe: <mailto:baja@proveedor.example>\r\n", at: monday,
		body: "Nuevos aromas."})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	th := threadOf(t, db, "o1@tienda")
	if th.Messages != 2 || th.WaitingSince != nil || th.Customer != "ana@example.com" || th.Automatic {
		t.Errorf("thread with an out-of-office reply: %+v", th)
	}
	if th := threadOf(t, db, "n1@proveedor.example"); th.WaitingSince != nil || !th.Automatic {
		t.Errorf("newsletter: %+v", th)
	}
	waiting, err := WaitingThreads(context.Background(), db, 0)
	if err != nil || len(waiting) != 0 {
		t.Errorf("waiting: %+v %v", waiting, err)
	}
}

// A bounce is about the address that failed: it shows with that customer,
// and is never waiting.
func TestBounceBelongsToFailedAddress(t *testing.T) {
	srv := mailServer(t)
	raw := "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: tienda@example.com\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.example.com>\r\n" +
		"Date: Mon, 02 Mar 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n" +
		"Final-Recipient: rfc822; ana@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--B--\r\n"
	if _, err := srv.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: monday}); err != nil {
		t.Fatal(err)
	}
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	th := threadOf(t, db, "b1@mx.example.com")
	if th.Customer != "ana@example.com" || th.WaitingSince != nil || !th.Automatic {
		t.Errorf("bounce thread: %+v", th)
	}
	ts, err := ThreadsWith(context.Background(), db, []string{"ana@example.com"}, nil)
	if err != nil || len(ts) != 1 {
		t.Errorf("Ana's threads: %+v %v", ts, err)
	}
}

// An order number links a thread written from another address.
func TestThreadsWithOrderNumber(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: "Ana (trabajo) <ana.perez@empresa.example>", to: shop,
		subject: "Consulta sobre el pedido nº 1042", id: "x1@empresa.example", at: monday, body: "¿Llega el jueves?"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Hola", id: "x2@example.com", at: monday, body: "Gracias"})
	put(t, srv, "INBOX", testMail{from: "Luis <luis@example.com>", to: shop, subject: "Hola", id: "x3@example.com",
		at: monday, body: "Mi pedido es el #2001"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	ts, err := ThreadsWith(context.Background(), db, []string{"ana@example.com"}, []string{"#1042", "1043"})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, th := range ts {
		subjects = append(subjects, th.Subject)
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, []string{"Consulta sobre el pedido nº 1042", "Hola"}) {
		t.Errorf("Ana's threads: %v", subjects)
	}
}

// Deleting mail on the server updates its thread; a thread left empty goes.
func TestExpungeUpdatesThreads(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Pregunta", id: "e1@example.com", at: monday, body: "¿?"})
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: Pregunta", id: "e2@tienda", inReplyTo: "e1@example.com",
		at: monday.Add(time.Hour), body: "Respuesta"})
	put(t, srv, "INBOX", testMail{from: "Luis <luis@example.com>", to: shop, subject: "Otra", id: "e3@example.com",
		at: monday, body: "Spam"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "e1@example.com"); th.WaitingSince != nil {
		t.Fatalf("answered thread waiting: %+v", th)
	}
	expunge(t, srv, "Sent", 1)
	expunge(t, srv, "INBOX", 2) // Luis's
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "e1@example.com"); th.Messages != 1 || th.WaitingSince == nil {
		t.Errorf("after the answer was deleted: %+v", th)
	}
	if n := countRows(t, db, `SELECT count(*) FROM thread`); n != 1 {
		t.Errorf("%d threads, want 1 (Luis's is empty)", n)
	}
}

// Messages stored before threads existed are placed on the next sync.
func TestUnthreadedMessagesArePlaced(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Hola", id: "u1@example.com", at: monday, body: "1"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Re: Hola", id: "u2@example.com", inReplyTo: "u1@example.com",
		at: monday.Add(time.Hour), body: "2"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if _, err := db.Exec(`UPDATE message SET thread_id = NULL; DELETE FROM thread`); err != nil {
		t.Fatal(err)
	}
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "u2@example.com"); th.Messages != 2 || !th.WaitingSince.Equal(monday) {
		t.Errorf("placed again: %+v", th)
	}
}

func TestSubjectKey(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Consulta":               "consulta",
		"RE: RE: Fwd: Consulta":      "consulta",
		"RV: [Tienda] Re: Consulta ": "consulta",
		"Re[2]: Consulta":            "consulta",
		"AW: Bestellung":             "bestellung",
		"Respuesta: hola":            "respuesta: hola",
		"":                           "",
	} {
		if got := subjectKey(in); got != want {
			t.Errorf("subjectKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrderRefs(t *testing.T) {
	for in, want := range map[string][]string{
		"Mi pedido #1042 no llega":             {"1042"},
		"pedido nº 1042 y pedido 1043":         {"1042", "1043"},
		"Order no. 55012":                      {"55012"},
		"compra número 2001":                   {"2001"},
		"Encomenda #3003":                      {"3003"},
		"Llamadme al 611 223 344":              nil,
		"Vivo en la calle Mayor número 123":    nil,
		"Soy el fan #1 de vuestros jabones":    nil,
		"Color &#1234; y pedido#1042":          {"1042"},
		"Pedido: #1042 (ya pagado), #1042 bis": {"1042"},
	} {
		if got := orderRefs(in, ""); !slices.Equal(got, want) {
			t.Errorf("orderRefs(%q) = %v, want %v", in, got, want)
		}
	}
}

// A platform's "new order" notification comes from a no-reply address and
// waits for nobody; the same platform passing on a contact form carries the
// customer in Reply-To, and that one waits for an answer.
func TestPlatformNotificationsAndContactForms(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: "Shopify <mailer@shopify.com>", to: shop, subject: "[Tienda] Pedido #1042 realizado por Ana",
		id: "n1@shopify.com", at: monday, body: "Nuevo pedido."})
	put(t, srv, "INBOX", testMail{from: "Shopify <mailer@shopify.com>", to: shop, subject: "Nuevo mensaje del formulario de contacto",
		id: "n2@shopify.com", extra: "Reply-To: Marta Ruiz <marta@example.com>\r\n", at: monday,
		body: "¿Hacéis envíos a Canarias?"})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Hola", id: "n3@example.com", at: monday, body: "Hola"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "n1@shopify.com"); th.WaitingSince != nil || !th.Automatic {
		t.Errorf("notification: %+v", th)
	}
	if th := threadOf(t, db, "n2@shopify.com"); th.WaitingSince == nil || th.Customer != "marta@example.com" || th.CustomerName == "Shopify" {
		t.Errorf("contact form: %+v", th)
	}
	people, err := Correspondents(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range people {
		got = append(got, p.Addr)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"ana@example.com", "marta@example.com"}) {
		t.Errorf("correspondents %v", got)
	}
}
