package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message"
	"github.com/emersion/go-smtp"
)

// queueAuto queues m as package reminders does: in a transaction of its own.
func (rs *replyShop) queueAuto(t *testing.T, m AutoMail) int64 {
	t.Helper()
	tx, err := rs.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	id, _, err := QueueAuto(context.Background(), tx, rs.acct, m, rs.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return id
}

// thankYou is the automated mail of the tests, to addr.
func thankYou(addr string) AutoMail {
	return AutoMail{FromName: "Lola", To: Address{Name: "Ana Pérez", Addr: addr}, Subject: "Gracias por tu pedido #1001",
		Text:    "¡Gracias por tu compra, Ana!\n\n--\nJabones Lola · Para no recibir estos avisos, responde BAJA.\n",
		ReplyTo: "tienda@example.com", Unsubscribe: "mailto:tienda@example.com?subject=baja"}
}

// An automated mail goes out marked as one (Auto-Submitted, Reply-To,
// List-Unsubscribe), lands in Sent and on the customer's card, answers
// nothing, and leaves nothing waiting to be flagged.
func TestAutoMailSendsAndFiles(t *testing.T) {
	rs := newReplyShop(t)
	id := rs.queueAuto(t, thankYou("ana@example.com"))
	o, err := LoadOutgoing(context.Background(), rs.db, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "queued" || !o.Auto || o.Answers != "" || !strings.HasSuffix(o.MessageID, "@example.com") {
		t.Fatalf("queued: %+v", o)
	}
	done, err := rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != 1 {
		t.Fatalf("sent %+v, %v", done, err)
	}
	if o = &done[0]; o.State != "sent" || !o.Appended || !o.Flagged || o.Attempts != 1 {
		t.Errorf("after sending: %+v", o)
	}
	if js, _ := json.Marshal(o); !bytes.Contains(js, []byte(`"auto":true`)) {
		t.Errorf("JSON: %s", js)
	}
	got := rs.smtp.Messages()
	if len(got) != 1 || got[0].To[0] != "ana@example.com" || got[0].From != "tienda@example.com" {
		t.Fatalf("the SMTP server got %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"Auto-Submitted": "auto-generated", "Reply-To": "<tienda@example.com>",
		"List-Unsubscribe": "<mailto:tienda@example.com?subject=baja>", "Message-Id": "<" + o.MessageID + ">",
		"In-Reply-To": "", "References": ""} {
		if v := msg.Header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	p := ParseMessage(got[0].Data)
	if p.From.Name != "Lola" || p.Subject != "Gracias por tu pedido #1001" || p.Text != strings.TrimSpace(thankYou("").Text) {
		t.Errorf("parsed: from %+v subject %q text %q", p.From, p.Subject, p.Text)
	}
	// In the server's Sent folder.
	c := dialTest(t, rs.imap)
	defer c.Close()
	if _, err := c.Select("Sent", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.MessageID != o.MessageID {
		t.Errorf("Sent on the server: %+v %v", msgs, err)
	}
	// The local copy: the shop's own, automatic, on Ana's card; her
	// question is still waiting, as a thank-you answers nothing.
	var outgoing bool
	var kind, role string
	var uid int64
	if err := rs.db.QueryRow(`SELECT m.outgoing, m.kind, m.uid, f.role FROM message m JOIN folder f ON f.id = m.folder_id
		WHERE m.message_id = ?`, o.MessageID).Scan(&outgoing, &kind, &uid, &role); err != nil {
		t.Fatal(err)
	}
	if !outgoing || kind != "auto" || uid != -id || role != "sent" {
		t.Errorf("local copy: outgoing %v kind %q uid %d folder %q", outgoing, kind, uid, role)
	}
	if th := threadOf(t, rs.db, o.MessageID); th.Customer != "ana@example.com" || th.WaitingSince != nil {
		t.Errorf("the mail's thread: %+v", th)
	}
	if th := threadOf(t, rs.db, "a1@example.com"); th.WaitingSince == nil {
		t.Errorf("Ana's question counts as answered: %+v", th)
	}
	// Nothing left for the next round.
	if due, err := rs.sender(t, true).due(context.Background()); err != nil || len(due) != 0 {
		t.Errorf("still due: %+v %v", due, err)
	}
	if list, _ := Outbox(context.Background(), rs.db); len(list) != 0 {
		t.Errorf("outbox: %+v", list)
	}
}

// Sent while the IMAP server is down, an automated mail waits only for its
// Sent copy, not for a flag it has no original to put on.
func TestAutoMailNotLeftWaitingToBeFlagged(t *testing.T) {
	rs := newReplyShop(t)
	id := rs.queueAuto(t, thankYou("ana@example.com"))
	done, err := rs.sender(t, false).SendDue(context.Background())
	if err != nil || len(done) != 1 || done[0].State != "sent" || done[0].Appended || !done[0].Flagged {
		t.Fatalf("sent without IMAP: %+v %v", done, err)
	}
	done, err = rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != 1 || done[0].ID != id || !done[0].Appended {
		t.Fatalf("filed later: %+v %v", done, err)
	}
	if due, _ := rs.sender(t, true).due(context.Background()); len(due) != 0 {
		t.Errorf("still due: %+v", due)
	}
	if len(rs.smtp.Messages()) != 1 {
		t.Error("filing sent it again")
	}
}

const invite = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Mostrador//ES\nMETHOD:REQUEST\nBEGIN:VEVENT\n" +
	"UID:cita-42@example.com\nDTSTAMP:20260302T100000Z\nDTSTART:20260310T090000Z\nDTEND:20260310T100000Z\n" +
	"SUMMARY:Cita en Jabones Lola\nORGANIZER;CN=Lola:mailto:tienda@example.com\n" +
	"ATTENDEE;CN=Ana Pérez;RSVP=TRUE:mailto:ana@example.com\nEND:VEVENT\nEND:VCALENDAR\n"

// wirePart is one part of a message as it went, its body decoded.
type wirePart struct {
	path, typ, disp string
	params, dparams map[string]string
	body            []byte
}

func wireParts(t *testing.T, raw []byte) []wirePart {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out []wirePart
	var walk func(e *message.Entity, path string)
	walk = func(e *message.Entity, path string) {
		p := wirePart{path: path}
		p.typ, p.params, _ = e.Header.ContentType()
		p.disp, p.dparams, _ = e.Header.ContentDisposition()
		mr := e.MultipartReader()
		if mr == nil {
			p.body, _ = io.ReadAll(e.Body)
			out = append(out, p)
			return
		}
		out = append(out, p)
		for i := '1'; ; i++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(part, strings.TrimPrefix(path+"."+string(i), "."))
		}
	}
	walk(e, "")
	return out
}

// An invitation arrives as calendar clients expect one: a text/calendar
// alternative with its method, and invite.ics attached.
func TestAutoMailInvitation(t *testing.T) {
	rs := newReplyShop(t)
	m := thankYou("ana@example.com")
	m.Subject, m.Calendar, m.CalendarMethod = "Tu cita del martes", []byte(invite), "request"
	rs.queueAuto(t, m)
	if done, err := rs.sender(t, true).SendDue(context.Background()); err != nil || len(done) != 1 || done[0].State != "sent" {
		t.Fatalf("sent %+v, %v", done, err)
	}
	raw := rs.smtp.Messages()[0].Data
	parts := wireParts(t, raw)
	var shape []string
	for _, p := range parts {
		shape = append(shape, p.path+" "+p.typ)
	}
	want := []string{" multipart/mixed", "1 multipart/alternative", "1.1 text/plain", "1.2 text/calendar", "2 application/ics"}
	if strings.Join(shape, ", ") != strings.Join(want, ", ") {
		t.Fatalf("structure %q, want %q", shape, want)
	}
	crlf := strings.ReplaceAll(invite, "\n", "\r\n")
	cal, att := parts[3], parts[4]
	if cal.params["method"] != "REQUEST" || !strings.EqualFold(cal.params["charset"], "utf-8") ||
		string(cal.body) != crlf {
		t.Errorf("calendar part: %+v\n%s", cal.params, cal.body)
	}
	if att.disp != "attachment" || att.dparams["filename"] != "invite.ics" || string(att.body) != crlf {
		t.Errorf("attachment: %s %+v\n%q", att.disp, att.dparams, att.body)
	}
	if strings.ReplaceAll(string(parts[2].body), "\r\n", "\n") != m.Text {
		t.Errorf("text: %q", parts[2].body)
	}
	// The local copy reads the text and lists the invitation.
	var body string
	var n int
	if err := rs.db.QueryRow(`SELECT m.body, (SELECT count(*) FROM attachment a WHERE a.message_id = m.id AND a.name = 'invite.ics')
		FROM message m WHERE m.uid < 0`).Scan(&body, &n); err != nil {
		t.Fatal(err)
	}
	if body != strings.TrimSpace(m.Text) || n != 1 {
		t.Errorf("local copy: body %q, %d invite.ics", body, n)
	}
}

// What cannot be sent as it is, is refused when queued, and nothing is
// written: a subject on two lines would add headers of its own.
func TestQueueAutoRefusesBadMail(t *testing.T) {
	rs := newReplyShop(t)
	for name, change := range map[string]func(*AutoMail){
		"CRLF in subject":      func(m *AutoMail) { m.Subject = "Gracias\r\nBcc: todos@example.com" },
		"LF in subject":        func(m *AutoMail) { m.Subject = "Gracias\nBcc: todos@example.com" },
		"CR in subject":        func(m *AutoMail) { m.Subject = "Gracias\rX" },
		"tab in subject":       func(m *AutoMail) { m.Subject = "Gracias\tpor todo" },
		"NUL in subject":       func(m *AutoMail) { m.Subject = "Gracias\x00" },
		"no subject":           func(m *AutoMail) { m.Subject = " " },
		"no text":              func(m *AutoMail) { m.Text = "\n" },
		"not an address":       func(m *AutoMail) { m.To.Addr = "ana en example.com" },
		"name on two lines":    func(m *AutoMail) { m.FromName = "Lola\nBcc: x@example.com" },
		"bad Reply-To":         func(m *AutoMail) { m.ReplyTo = "tienda" },
		"unsubscribe by https": func(m *AutoMail) { m.Unsubscribe = "https://example.com/baja" },
		"method missing":       func(m *AutoMail) { m.Calendar = []byte(invite) },
		"method disagrees": func(m *AutoMail) {
			m.Calendar, m.CalendarMethod = []byte(invite), "CANCEL"
		},
		"not a calendar": func(m *AutoMail) { m.Calendar, m.CalendarMethod = []byte("METHOD:REQUEST\n"), "REQUEST" },
	} {
		m := thankYou("ana@example.com")
		change(&m)
		tx, err := rs.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := QueueAuto(context.Background(), tx, rs.acct, m, rs.now); !errors.Is(err, ErrBadAutoMail) {
			t.Errorf("%s: %v", name, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, rs.db, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("%d rows written", n)
	}
}

// Automated mail whose time has passed is not sent: queued, failed or
// scheduled past its expiry, in a round or on its own. Expired is final.
func TestAutoMailExpires(t *testing.T) {
	rs := newReplyShop(t)
	s := rs.sender(t, true)
	late := thankYou("late@example.com")
	late.Expires = rs.now.Add(-time.Minute)
	lateID := rs.queueAuto(t, late)
	later := thankYou("later@example.com")
	later.SendAt, later.Expires = rs.now.Add(2*time.Hour), rs.now.Add(time.Hour)
	laterID := rs.queueAuto(t, later)
	retried := thankYou("retried@example.com")
	retried.Expires = rs.now.Add(10 * time.Minute)
	retriedID := rs.queueAuto(t, retried)
	rs.smtp.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	})
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 2 || done[0].ID != lateID || done[0].State != "expired" ||
		done[0].ErrorCode != CodeExpired || done[1].ID != retriedID || done[1].State != "failed" {
		t.Fatalf("first round: %+v %v", done, err)
	}
	rs.smtp.Refuse(nil)
	rs.now = rs.now.Add(90 * time.Minute) // past the retry's expiry and the scheduled one's
	done, err = s.SendDue(context.Background())
	if err != nil || len(done) != 2 {
		t.Fatalf("second round: %+v %v", done, err)
	}
	for _, o := range done {
		if o.State != "expired" || o.ErrorCode != CodeExpired || o.Expires == nil || o.Error == "" {
			t.Errorf("expired: %+v", o)
		}
	}
	if len(rs.smtp.Messages()) != 0 {
		t.Errorf("sent after its time: %d", len(rs.smtp.Messages()))
	}
	// Send of one whose time passed expires it too.
	alone := thankYou("alone@example.com")
	alone.Expires = rs.now.Add(time.Minute)
	aloneID := rs.queueAuto(t, alone)
	rs.now = rs.now.Add(2 * time.Minute)
	if o, err := s.Send(context.Background(), aloneID); err != nil || o.State != "expired" {
		t.Errorf("Send after the expiry: %+v %v", o, err)
	}
	// Final: out of the outbox list, not sent again, not recovered, not edited.
	if list, _ := Outbox(context.Background(), rs.db); len(list) != 0 {
		t.Errorf("outbox lists %+v", list)
	}
	for _, id := range []int64{lateID, laterID, retriedID, aloneID} {
		if err := SendAgain(context.Background(), rs.db, id, rs.now); !errors.Is(err, ErrNotSendable) {
			t.Errorf("SendAgain of expired %d: %v", id, err)
		}
		if _, err := EditReply(context.Background(), rs.db, id, ReplyEdit{Text: "Otra vez"}); !errors.Is(err, ErrNotSendable) {
			t.Errorf("EditReply of expired %d: %v", id, err)
		}
	}
	if _, err := rs.db.Exec(`UPDATE outbox SET updated_at = '2000-01-01T00:00:00Z'`); err != nil {
		t.Fatal(err)
	}
	if n, err := RecoverInterrupted(context.Background(), rs.db); n != 0 || err != nil {
		t.Errorf("recovered %d, %v", n, err)
	}
	if n := countRows(t, rs.db, `SELECT count(*) FROM outbox WHERE state = 'expired'`); n != 4 {
		t.Errorf("%d expired", n)
	}
}

// A round hands all its mail over one connection, replies and automated
// mail alike; Send dials for its one message.
func TestSendDueUsesOneConnection(t *testing.T) {
	rs := newReplyShop(t)
	rs.reply(t, "Sí, nos quedan dos.", time.Time{})
	for _, a := range []string{"ana@example.com", "bea@example.com", "carla@example.com", "dora@example.com"} {
		rs.queueAuto(t, thankYou(a))
	}
	done, err := rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != 5 {
		t.Fatalf("sent %+v, %v", done, err)
	}
	for _, o := range done {
		if o.State != "sent" || o.Attempts != 1 {
			t.Errorf("%+v", o)
		}
	}
	if n, m := rs.smtp.Connections(), len(rs.smtp.Messages()); n != 1 || m != 5 {
		t.Errorf("%d connections for %d messages", n, m)
	}
	if _, err := rs.sender(t, true).Send(context.Background(), rs.queueAuto(t, thankYou("eva@example.com"))); err != nil {
		t.Fatal(err)
	}
	if n := rs.smtp.Connections(); n != 2 {
		t.Errorf("%d connections after Send", n)
	}
}

// A connection the server drops between messages is replaced, and the
// message goes on the new one at its first try; a refused recipient does
// not cost the others their connection.
func TestSendDueRedialsAfterADrop(t *testing.T) {
	rs := newReplyShop(t)
	rs.smtp.DropAfter(2)
	rs.smtp.Refuse(func(rcpt string) error {
		if rcpt == "nadie@example.com" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	})
	addrs := []string{"ana@example.com", "nadie@example.com", "bea@example.com", "carla@example.com", "dora@example.com",
		"eva@example.com"}
	for _, a := range addrs {
		rs.queueAuto(t, thankYou(a))
	}
	done, err := rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != len(addrs) {
		t.Fatalf("sent %+v, %v", done, err)
	}
	for _, o := range done {
		want := "sent"
		if o.To.Addr == "nadie@example.com" {
			want = "failed"
			if !o.Permanent || o.ErrorCode != CodeRecipient {
				t.Errorf("refused: %+v", o)
			}
		}
		if o.State != want || o.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts (%s)", o.To.Addr, o.State, o.Attempts, o.Error)
		}
	}
	// Five messages, two a connection.
	if n, m := rs.smtp.Connections(), len(rs.smtp.Messages()); n != 3 || m != 5 {
		t.Errorf("%d connections for %d messages", n, m)
	}
	// The refused one, corrected, goes as it was written: no signature, no quote.
	var refused int64
	for _, o := range done {
		if o.State == "failed" {
			refused = o.ID
		}
	}
	if _, err := EditReply(context.Background(), rs.db, refused, ReplyEdit{To: &Address{Addr: "nadia@example.com"},
		Signature: "Lola"}); err != nil {
		t.Fatal(err)
	}
	rs.now = time.Now().Add(time.Minute)
	if done, err := rs.sender(t, true).SendDue(context.Background()); err != nil || len(done) != 1 || done[0].State != "sent" {
		t.Fatalf("after the edit: %+v %v", done, err)
	}
	got := rs.smtp.Messages()
	if last := got[len(got)-1]; last.To[0] != "nadia@example.com" || ParseMessage(last.Data).Text != strings.TrimSpace(thankYou("").Text) {
		t.Errorf("sent to %v: %q", last.To, ParseMessage(last.Data).Text)
	}
}

// At RatePerMinute, automated mail waits its turn; replies go first and
// never wait.
func TestSendDueRateLimitsAutoMail(t *testing.T) {
	rs := newReplyShop(t)
	for _, a := range []string{"ana@example.com", "bea@example.com", "carla@example.com", "dora@example.com", "eva@example.com"} {
		rs.queueAuto(t, thankYou(a))
	}
	rs.now = rs.now.Add(time.Minute)
	rs.reply(t, "Primera respuesta", time.Time{})
	rs.reply(t, "Segunda respuesta", time.Time{})
	s := rs.sender(t, true)
	s.RatePerMinute = 2
	start := rs.now
	var waits []time.Duration
	var before []int // messages the server had when each wait began
	s.Sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		before = append(before, len(rs.smtp.Messages()))
		rs.now = rs.now.Add(d)
		return nil
	}
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 7 {
		t.Fatalf("sent %+v, %v", done, err)
	}
	// Two at once, two a minute later, the last a minute after them.
	if len(waits) != 2 || waits[0] != time.Minute || waits[1] != time.Minute || !rs.now.Equal(start.Add(2*time.Minute)) {
		t.Errorf("waits %v, clock moved %v", waits, rs.now.Sub(start))
	}
	if len(before) == 0 || before[0] != 4 {
		t.Errorf("messages sent before the first wait: %v (want the 2 replies and 2 automated)", before)
	}
	got := rs.smtp.Messages()
	for i, m := range got {
		if auto := ParseMessage(m.Data).AutoReply; auto != (i >= 2) {
			t.Errorf("message %d automated %v: replies go first", i, auto)
		}
	}
}

// An automated mail whose time passes while it waits its turn is not sent.
func TestAutoMailExpiresWhileWaiting(t *testing.T) {
	rs := newReplyShop(t)
	rs.queueAuto(t, thankYou("ana@example.com"))
	soon := thankYou("bea@example.com")
	soon.Expires = rs.now.Add(30 * time.Second)
	rs.queueAuto(t, soon)
	s := rs.sender(t, true)
	s.RatePerMinute = 1
	s.Sleep = func(_ context.Context, d time.Duration) error { rs.now = rs.now.Add(d); return nil }
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 2 || done[0].State != "sent" || done[1].State != "expired" {
		t.Fatalf("round: %+v %v", done, err)
	}
	if len(rs.smtp.Messages()) != 1 {
		t.Errorf("%d sent", len(rs.smtp.Messages()))
	}
}

// Cancelled while waiting for the rate, the round stops: what it had not
// taken stays queued, untried, for the next round.
func TestSendDueStopsWhileWaiting(t *testing.T) {
	rs := newReplyShop(t)
	for _, a := range []string{"ana@example.com", "bea@example.com", "carla@example.com"} {
		rs.queueAuto(t, thankYou(a))
	}
	s := rs.sender(t, true)
	s.RatePerMinute = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	done, err := s.SendDue(ctx)
	if !errors.Is(err, context.Canceled) || len(done) != 1 || done[0].State != "sent" {
		t.Fatalf("round: %+v %v", done, err)
	}
	if n := countRows(t, rs.db, `SELECT count(*) FROM outbox WHERE state = 'queued' AND attempts = 0`); n != 2 {
		t.Errorf("%d left queued", n)
	}
	s.Sleep = func(context.Context, time.Duration) error { return nil }
	if done, err := s.SendDue(context.Background()); err != nil || len(done) != 2 {
		t.Errorf("next round: %+v %v", done, err)
	}
}

// Without Sleep, the wait is a timer that the context cuts short.
func TestSenderSleepHonoursContext(t *testing.T) {
	s := &Sender{}
	if err := s.sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("short wait: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := s.sleep(ctx, time.Minute); !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > 10*time.Second {
		t.Errorf("cut short after %v: %v", time.Since(began), err)
	}
}

// A Sender for replies only (a sync's) leaves the automated mail to the
// reminders' Sender; the pace carries over from one round to the next.
func TestRepliesOnlyAndPaceAcrossRounds(t *testing.T) {
	rs := newReplyShop(t)
	for _, a := range []string{"ana@example.com", "bea@example.com", "carla@example.com"} {
		rs.queueAuto(t, thankYou(a))
	}
	rs.reply(t, "Una respuesta", time.Time{})
	syncs := rs.sender(t, true)
	syncs.RepliesOnly = true
	if done, err := syncs.SendDue(context.Background()); err != nil || len(done) != 1 || done[0].Auto {
		t.Fatalf("replies-only round: %+v %v", done, err)
	}
	s := rs.sender(t, true)
	s.RatePerMinute = 2
	var waits []time.Duration
	// The first round's clock stops after two: ctx ends in the wait.
	ctx, cancel := context.WithCancel(context.Background())
	s.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	done, _ := s.SendDue(ctx)
	if sent := len(rs.smtp.Messages()); sent != 3 || len(done) != 2 {
		t.Fatalf("first round sent %d (%d rows)", sent, len(done))
	}
	// The next round, at once: the minute's two went, so it waits.
	s.Sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		rs.now = rs.now.Add(d)
		return nil
	}
	if done, err := s.SendDue(context.Background()); err != nil || len(done) != 1 {
		t.Fatalf("second round: %+v %v", done, err)
	}
	if len(waits) != 1 || waits[0] != time.Minute {
		t.Fatalf("waits %v: the second round must wait for the first's minute", waits)
	}
}
