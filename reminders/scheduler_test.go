package reminders

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/settings"
	"mostrador/orders"
)

// shopEnv is a shop with its mailbox on test servers: an in-memory IMAP
// server (with Sent) and an SMTP server on 127.0.0.1, and a clock.
type shopEnv struct {
	db   *sql.DB
	imap *inboxtest.IMAPServer
	smtp *inboxtest.SMTPServer
	acct *inbox.Account
	now  time.Time
}

func newShop(t *testing.T) *shopEnv {
	t.Helper()
	s := &shopEnv{db: testDB(t), imap: inboxtest.StartIMAP(t, inboxtest.Plain, nil),
		smtp: inboxtest.StartSMTP(t, inboxtest.Plain, nil), now: tuesday}
	if err := s.imap.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	s.acct = &inbox.Account{IMAP: testEndpoint(t, "imap", s.imap.Addr), SMTP: testEndpoint(t, "smtp", s.smtp.Addr),
		FromName: "Jabones Lola", FromAddr: "tienda@example.com"}
	if err := inbox.SaveAccount(context.Background(), s.db, s.acct); err != nil {
		t.Fatal(err)
	}
	setting(t, s.db, settings.ShopName, "Jabones Lola")
	setting(t, s.db, settings.ShopOwner, "Lola Peña")
	return s
}

func testEndpoint(t testing.TB, proto, addr string) inbox.Endpoint {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
}

func (s *shopEnv) clock() time.Time { return s.now }

func (s *shopEnv) scheduler() *Scheduler {
	sender := &inbox.Sender{DB: s.db, Account: s.acct, Now: s.clock,
		SMTP: func(context.Context) (*gomail.Client, error) {
			return (&inbox.Dialer{Timeout: 5 * time.Second}).SMTPClient(s.acct.SMTP, inboxtest.Password)
		},
		IMAP: func(context.Context) (*imapclient.Client, error) {
			return (&inbox.Dialer{Timeout: 5 * time.Second}).DialIMAP(s.acct.IMAP, inboxtest.Password, nil)
		}}
	return &Scheduler{DB: s.db, Now: s.clock, Mailbox: &InboxMailbox{Account: s.acct, Sender: sender, Now: s.clock}}
}

func (s *shopEnv) run(t *testing.T) Report {
	t.Helper()
	rep, err := s.scheduler().RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// order imports one order of Ana's, placed at placed, and plans it.
func (s *shopEnv) order(t *testing.T, number string, placed time.Time, status, carrier, tracking string) {
	t.Helper()
	importOrders(t, s.db, s.now, ordersHeader+orderLine(number, placed, "ana@example.com", "Jabón de lavanda", status,
		carrier, tracking))
}

// appointment imports an appointment of Ana's (a haircut, 45 minutes) and
// plans it.
func (s *shopEnv) appointment(t *testing.T, start time.Time) {
	t.Helper()
	res, err := orders.ImportAppointmentsBytes(context.Background(), s.db, "citas.csv", []byte(
		"Nombre;Correo;Servicio;Inicio;Duración\nAna Pérez;ana@example.com;Corte y peinado;"+
			start.In(madrid).Format("02/01/2006 15:04")+";45\n"), orders.Options{Now: s.clock, Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 || len(res.Changes) != 1 {
		t.Fatalf("import: %+v", res)
	}
	planAppointments(t, s.db, s.now, res.Changes...)
}

// received parses what the SMTP server got, newest last.
func (s *shopEnv) received(t *testing.T) []*mail.Message {
	t.Helper()
	var out []*mail.Message
	for _, r := range s.smtp.Messages() {
		m, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// text is a message's plain-text part, decoded.
func text(t *testing.T, m *mail.Message) string {
	t.Helper()
	parts := mimeParts(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return parts["text/plain"]
}

// mimeParts reads a message body into its parts by media type (the first
// of each), decoded.
func mimeParts(t *testing.T, ctype, cte string, body io.Reader) map[string]string {
	t.Helper()
	out := map[string]string{}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ctype, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range mimeParts(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p) {
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
		return out
	}
	data, err := io.ReadAll(decoder(cte, body))
	if err != nil {
		t.Fatal(err)
	}
	out[media] = string(data)
	if method := params["method"]; method != "" {
		out[media+";method"] = method
	}
	return out
}

// A thank-you goes out an hour after the order, personal, with every header
// an automated email must carry, and only once.
func TestThankYouGoesOnceWithItsHeaders(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	if rep := s.run(t); rep.Queued != 0 || !rep.Next.Equal(s.now.Add(50*time.Minute)) {
		t.Fatalf("before its time: %+v", rep)
	}
	s.now = s.now.Add(time.Hour)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("at its time: %+v", rep)
	}
	got := s.received(t)
	if len(got) != 1 {
		t.Fatalf("%d emails sent, want 1", len(got))
	}
	m := got[0]
	h := m.Header
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(h.Get("Subject"))
	from, _ := mail.ParseAddress(h.Get("From"))
	if subject != "Gracias por tu pedido P-1" || from.Name != "Lola Peña" || from.Address != "tienda@example.com" {
		t.Errorf("subject %q from %+v", subject, from)
	}
	if h.Get("Auto-Submitted") != "auto-generated" || h.Get("Reply-To") != "<tienda@example.com>" &&
		h.Get("Reply-To") != "tienda@example.com" || !strings.Contains(h.Get("List-Unsubscribe"), "mailto:tienda@example.com?subject=BAJA") {
		t.Errorf("headers %v", h)
	}
	if !strings.HasSuffix(h.Get("Message-Id"), "@example.com>") {
		t.Errorf("Message-ID %q not on the shop's domain", h.Get("Message-Id"))
	}
	body := text(t, m)
	for _, want := range []string{"¡Hola, Ana!", "1 × Jabón de lavanda", "Lola Peña", "responde BAJA"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	list, err := List(context.Background(), s.db, "sent", 0)
	if err != nil || len(list) != 1 || list[0].Rule != ThankYou || list[0].Customer != "ana@example.com" {
		t.Fatalf("sent list %+v, %v", list, err)
	}
	// Later rounds send nothing again.
	s.now = s.now.Add(time.Hour)
	s.run(t)
	if n := len(s.smtp.Messages()); n != 1 {
		t.Fatalf("%d emails after another round", n)
	}
}

// Nothing goes in the quiet hours: a job due at 23:00 waits for 08:00.
func TestQuietHoursPostponeToMorning(t *testing.T) {
	s := newShop(t)
	s.now = time.Date(2026, 3, 10, 22, 0, 0, 0, madrid) // planned at 22:00: due 23:00 is moved at planning
	s.order(t, "P-1", s.now.Add(-5*time.Minute), "Paid", "", "")
	j := jobs(t, s.db, "")
	if len(j) != 1 || !j[0].Due.Equal(time.Date(2026, 3, 11, 8, 0, 0, 0, madrid)) {
		t.Fatalf("planned %+v, want due at 08:00", j)
	}
	// Planned in the day, due in the night (the shop's clock moved): the
	// round itself postpones.
	s.db.Exec(`UPDATE job SET due_at = ?`, stamp(time.Date(2026, 3, 10, 23, 30, 0, 0, madrid)))
	s.now = time.Date(2026, 3, 10, 23, 30, 0, 0, madrid)
	if rep := s.run(t); rep.Postponed != 1 || rep.Queued != 0 {
		t.Fatalf("in the night: %+v", rep)
	}
	s.now = time.Date(2026, 3, 11, 8, 0, 0, 0, madrid)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("in the morning: %+v", rep)
	}
}

// Opt-out: a customer who asked for no automated email gets none, except
// their appointment emails unless they opted out of those too.
func TestOptOut(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	var customer int64
	if err := s.db.QueryRow(`SELECT customer_id FROM job`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO contact_pref(customer_id, opted_out, opt_out_source, updated_at)
		VALUES(?, ?, 'reply', ?)`, customer, stamp(s.now), stamp(s.now)); err != nil {
		t.Fatal(err)
	}
	if rep := s.run(t); rep.Skipped != 1 || len(s.smtp.Messages()) != 0 {
		t.Fatalf("opted out, thank-you: %+v", rep)
	}
	if j := jobs(t, s.db, ""); j[0].State != "skipped" || j[0].Reason != "job.optedOut" {
		t.Fatalf("job %+v", j[0])
	}
	// Appointment emails still go...
	s.appointment(t, time.Date(2026, 3, 13, 11, 0, 0, 0, madrid))
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("opted out of marketing, appointment confirmation: %+v", rep)
	}
	// ...unless the customer opted out of those too.
	if _, err := s.db.Exec(`UPDATE contact_pref SET opted_out_appointments = ?`, stamp(s.now)); err != nil {
		t.Fatal(err)
	}
	s.now = time.Date(2026, 3, 12, 11, 0, 0, 0, madrid)
	if rep := s.run(t); rep.Skipped != 1 || rep.Queued != 0 {
		t.Fatalf("opted out of appointments, 24-hour reminder: %+v", rep)
	}
}

// Jobs that fell due while the laptop was closed go if they still mean
// something, and are skipped (with the reason) if not.
func TestCatchUpAfterLaptopWasClosed(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	s.now = s.now.Add(5 * 24 * time.Hour) // opened again five days later
	if rep := s.run(t); rep.Skipped != 1 || rep.Queued != 0 {
		t.Fatalf("five days late: %+v", rep)
	}
	if j := jobs(t, s.db, ""); j[0].Reason != "job.missed" {
		t.Fatalf("job %+v", j[0])
	}
}

// Test mode sends every email to the owner, saying whom it was for.
func TestTestModeSendsToOwner(t *testing.T) {
	s := newShop(t)
	setting(t, s.db, settings.TestMode, "true")
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	got := s.smtp.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "tienda@example.com" {
		t.Fatalf("sent %+v", got)
	}
	m := s.received(t)[0]
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.HasPrefix(subject, "[Prueba para ana@example.com] ") {
		t.Errorf("subject %q", subject)
	}
}

// The frequency cap: of two follow-ups due together for one customer, one
// goes and the other waits 16 hours; a transactional email is not held.
func TestFrequencyCap(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-10*24*time.Hour), "Paid", "", "")
	s.order(t, "P-2", s.now.Add(-9*24*time.Hour), "Paid", "", "")
	s.order(t, "P-1", s.now.Add(-10*24*time.Hour), "Delivered", "Correos", "PK1")
	s.order(t, "P-2", s.now.Add(-9*24*time.Hour), "Delivered", "Correos", "PK2")
	s.run(t) // the two delivery emails: transactional, both go
	if n := len(s.smtp.Messages()); n != 2 {
		t.Fatalf("%d delivery emails, want 2", n)
	}
	// Both delivered "now" (the file has no date): follow-ups a week on.
	s.now = s.now.Add(7 * 24 * time.Hour)
	rep := s.run(t)
	if rep.Queued != 1 || rep.Postponed != 1 {
		t.Fatalf("round: %+v", rep)
	}
	f := jobs(t, s.db, "rule = ? AND state = 'planned'", FollowUp)
	if len(f) != 1 || !f[0].Due.Equal(s.now.Add(capGap)) || f[0].Reason != "job.cap" {
		t.Fatalf("the second follow-up: %+v", f)
	}
}

// An appointment's confirmation carries the invitation as text/calendar
// with METHOD:REQUEST.
func TestAppointmentConfirmationCarriesInvitation(t *testing.T) {
	s := newShop(t)
	s.appointment(t, time.Date(2026, 3, 13, 11, 0, 0, 0, madrid))
	s.run(t)
	got := s.received(t)
	if len(got) != 1 {
		t.Fatalf("%d emails", len(got))
	}
	parts := mimeParts(t, got[0].Header.Get("Content-Type"), got[0].Header.Get("Content-Transfer-Encoding"), got[0].Body)
	ics := parts["text/calendar"]
	if !strings.Contains(ics, "METHOD:REQUEST") || !strings.Contains(ics, "SEQUENCE:0") ||
		!strings.Contains(ics, "DTSTART;TZID=Europe/Madrid:20260313T110000") {
		t.Fatalf("invitation:\n%s", ics)
	}
	if !strings.Contains(parts["text/plain"], "viernes 13 de marzo a las 11:00") {
		t.Errorf("text:\n%s", parts["text/plain"])
	}
}

// decoder undoes a part's transfer encoding.
func decoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// An address the server refuses for good fails its email, is marked on the
// customer, and the next email to it is skipped rather than tried.
func TestRefusedAddressIsMarked(t *testing.T) {
	s := newShop(t)
	s.smtp.Refuse(func(rcpt string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	})
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	if l, _ := List(context.Background(), s.db, "failed", 0); len(l) != 1 || l[0].ErrorCode != inbox.CodeRecipient {
		t.Fatalf("failed list %+v", l)
	}
	var bad sql.NullString
	if err := s.db.QueryRow(`SELECT bad_address FROM contact_pref`).Scan(&bad); err != nil || !bad.Valid {
		t.Fatalf("bad address not marked: %v %v", bad, err)
	}
	s.smtp.Refuse(nil)
	s.order(t, "P-2", s.now.Add(-2*time.Hour), "Paid", "", "")
	if rep := s.run(t); rep.Skipped != 1 || rep.Queued != 0 {
		t.Fatalf("the next email: %+v", rep)
	}
	// The owner clears it: the next one goes.
	var customer int64
	if err := s.db.QueryRow(`SELECT customer_id FROM contact_pref`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	if err := ClearBadAddress(context.Background(), s.db, customer, s.now); err != nil {
		t.Fatal(err)
	}
	s.order(t, "P-3", s.now.Add(-2*time.Hour), "Paid", "", "")
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("after clearing: %+v", rep)
	}
}

// The shop's server refusing to relay (5.7.1) is not the customer's
// address's fault: nothing is marked.
func TestRelayDeniedIsNotABadAddress(t *testing.T) {
	s := newShop(t)
	s.smtp.Refuse(func(rcpt string) error {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relay access denied"}
	})
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	if n := count(t, s.db, `SELECT count(*) FROM contact_pref WHERE bad_address IS NOT NULL`); n != 0 {
		t.Fatalf("%d addresses marked bad for a relay refusal", n)
	}
}

// The birthday rule (off by default) greets a customer on the anniversary
// of their first order, at 10:00 on the shop's clock, once.
func TestAnniversaryGreeting(t *testing.T) {
	s := newShop(t)
	s.now = time.Date(2026, 3, 10, 7, 0, 0, 0, madrid)
	s.order(t, "P-1", time.Date(2024, 3, 10, 18, 30, 0, 0, madrid), "Delivered", "", "")
	s.order(t, "P-2", time.Date(2025, 6, 1, 12, 0, 0, 0, madrid), "Delivered", "", "") // a later order: not the first
	sched := s.scheduler()                                                             // one scheduler all day: switching the rule on plans the day's greetings
	if _, err := sched.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := jobs(t, s.db, "rule = ?", Birthday); len(got) != 0 {
		t.Fatalf("planned with the rule off: %+v", got)
	}
	if err := Enable(context.Background(), s.db, []string{Birthday}, true, s.now); err != nil {
		t.Fatal(err)
	}
	s.now = s.now.Add(time.Hour)
	if _, err := sched.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := jobs(t, s.db, "rule = ?", Birthday)
	if len(got) != 1 || !got[0].Due.Equal(time.Date(2026, 3, 10, 10, 0, 0, 0, madrid)) || got[0].Data != `{"years":2}` {
		t.Fatalf("greeting jobs %+v", got)
	}
	s.now = time.Date(2026, 3, 10, 10, 0, 0, 0, madrid)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("at 10:00: %+v", rep)
	}
	body := text(t, s.received(t)[0])
	if !strings.Contains(body, "Hoy hace 2 años que nos hiciste tu primer pedido") {
		t.Errorf("greeting:\n%s", body)
	}
}

// One email that cannot be written (an address the mail library refuses)
// is skipped with its reason; the round goes on and the others are sent.
func TestBadJobDoesNotStopTheOthers(t *testing.T) {
	s := newShop(t)
	importOrders(t, s.db, s.now, ordersHeader+
		orderLine("P-1", s.now.Add(-2*time.Hour), "ana.@example.com", "Jabón", "Paid", "", "")+
		orderLine("P-2", s.now.Add(-2*time.Hour), "bea@example.com", "Vela", "Paid", "", ""))
	rep := s.run(t)
	if rep.Skipped != 1 || rep.Queued != 1 {
		t.Fatalf("round: %+v", rep)
	}
	if got := s.smtp.Messages(); len(got) != 1 || got[0].To[0] != "bea@example.com" {
		t.Fatalf("sent %+v", got)
	}
	if j := jobs(t, s.db, "state = 'skipped'"); len(j) != 1 || j[0].Reason != "job.badMessage" {
		t.Fatalf("skipped %+v", j)
	}
}

// An appointment whose end is its start (a sheet with a duration of 0)
// still gets its invitation, an hour long.
func TestInvitationForAppointmentWithoutLength(t *testing.T) {
	s := newShop(t)
	res, err := orders.ImportAppointmentsBytes(context.Background(), s.db, "citas.csv", []byte(
		"Nombre;Correo;Servicio;Inicio;Fin\nAna Pérez;ana@example.com;Corte;13/03/2026 11:00;13/03/2026 11:00\n"),
		orders.Options{Now: s.clock, Location: madrid})
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	planAppointments(t, s.db, s.now, res.Changes...)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("round: %+v", rep)
	}
	m := s.received(t)[0]
	ics := mimeParts(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)["text/calendar"]
	if !strings.Contains(ics, "DTEND;TZID=Europe/Madrid:20260313T120000") {
		t.Fatalf("invitation:\n%s", ics)
	}
}
