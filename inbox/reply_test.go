package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"

	"mostrador/inbox/inboxtest"
)

// replyShop is a synced mailbox with Ana's question in INBOX, an SMTP
// server, and the shop's account.
type replyShop struct {
	imap *inboxtest.IMAPServer
	smtp *inboxtest.SMTPServer
	db   *sql.DB
	acct *Account
	now  time.Time
}

func newReplyShop(t *testing.T) *replyShop {
	t.Helper()
	rs := &replyShop{imap: mailServer(t), smtp: inboxtest.StartSMTP(t, inboxtest.Plain, nil), db: mailDB(t),
		now: monday.Add(2 * time.Hour)}
	put(t, rs.imap, "INBOX", testMail{from: ana, to: shop, subject: "RE: Re: ¿Tenéis talla M?", id: "a1@example.com",
		refs: "<x0@example.com>", at: monday, body: "Hola,\n¿tenéis la talla M?\n> lo anterior"})
	syncOnce(t, rs.db, rs.imap, SyncOptions{})
	rs.acct = &Account{IMAP: endpoint(t, "imap", Plain, rs.imap.Addr), SMTP: endpoint(t, "smtp", Plain, rs.smtp.Addr),
		FromName: "Lola · Jabones Lola", FromAddr: "tienda@example.com"}
	return rs
}

func (rs *replyShop) sender(t *testing.T, imapUp bool) *Sender {
	return &Sender{DB: rs.db, Account: rs.acct, Now: func() time.Time { return rs.now },
		SMTP: func(context.Context) (*gomail.Client, error) {
			return (&Dialer{Timeout: 5 * time.Second}).SMTPClient(rs.acct.SMTP, inboxtest.Password)
		},
		IMAP: func(context.Context) (*imapclient.Client, error) {
			if !imapUp {
				return nil, &ConnError{Server: "imap", Code: CodeRefused}
			}
			return (&Dialer{Timeout: 5 * time.Second}).DialIMAP(rs.acct.IMAP, inboxtest.Password, nil)
		}}
}

func (rs *replyShop) reply(t *testing.T, text string, sendAt time.Time) *Outgoing {
	t.Helper()
	orig, err := MessageByID(context.Background(), rs.db, "<a1@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	o, err := Reply(context.Background(), rs.db, rs.acct, orig, ReplyOptions{Text: text, Signature: "Lola\nJabones Lola",
		Lang: "es", Loc: time.UTC, Now: rs.now, SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// A reply goes out with the headers every mail client threads on, lands in
// Sent, flags the original, and shows in the thread at once.
func TestReplySendsFilesAndThreads(t *testing.T) {
	rs := newReplyShop(t)
	o := rs.reply(t, "¡Hola Ana! Sí, nos quedan dos.", time.Time{})
	if o.State != "queued" || o.To.Addr != "ana@example.com" || o.Subject != "Re: ¿Tenéis talla M?" {
		t.Fatalf("queued: %+v", o)
	}
	o, err := rs.sender(t, true).Send(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "sent" || !o.Appended || !o.Flagged || o.Attempts != 1 || o.SentAt == nil {
		t.Errorf("after sending: %+v", o)
	}
	got := rs.smtp.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ana@example.com" || got[0].From != "tienda@example.com" {
		t.Fatalf("the SMTP server got %+v", got)
	}
	raw := string(got[0].Data)
	if !strings.Contains(raw, "References: <x0@example.com> <a1@example.com>\r\n") ||
		!strings.Contains(raw, "In-Reply-To: <a1@example.com>\r\n") {
		t.Errorf("threading headers:\n%s", raw)
	}
	p := ParseMessage(got[0].Data)
	if p.Subject != "Re: ¿Tenéis talla M?" || p.From.Name != "Lola · Jabones Lola" || p.MessageID != o.MessageID ||
		!strings.HasSuffix(p.MessageID, "@example.com") {
		t.Errorf("parsed: subject %q from %+v id %q", p.Subject, p.From, p.MessageID)
	}
	// The signature separator keeps its space (encoded, as it ends a line).
	if !strings.Contains(raw, "\r\n--=20\r\nLola\r\n") && !strings.Contains(raw, "\r\n-- \r\nLola\r\n") {
		t.Errorf("no \"-- \" before the signature:\n%s", raw)
	}
	for _, want := range []string{"¡Hola Ana! Sí, nos quedan dos.\n\n--\nLola\nJabones Lola\n",
		"El 02/03/2026 a las 10:00, Ana Pérez <ana@example.com> escribió:\n> Hola,\n> ¿tenéis la talla M?\n>> lo anterior"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Text)
		}
	}
	// The server's Sent folder has the same message; the original is \Answered.
	c := dialTest(t, rs.imap)
	defer c.Close()
	if _, err := c.Select("Sent", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.MessageID != o.MessageID || !hasFlag(msgs[0].Flags, imap.FlagSeen) {
		t.Errorf("Sent on the server: %+v %v", msgs, err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err = c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 1 || !hasFlag(msgs[0].Flags, imap.FlagAnswered) {
		t.Errorf("original on the server: %+v %v", msgs, err)
	}
	// In the thread at once: answered, first response counted.
	th := threadOf(t, rs.db, "a1@example.com")
	if th.Messages != 2 || th.WaitingSince != nil || th.FirstResponse == nil {
		t.Errorf("thread after the reply: %+v", th)
	}
	// The next sync brings the server's copy, which replaces the local one.
	syncOnce(t, rs.db, rs.imap, SyncOptions{})
	if n := countRows(t, rs.db, `SELECT count(*) FROM message WHERE message_id = ? AND uid > 0`, o.MessageID); n != 1 {
		t.Errorf("%d server copies of the reply", n)
	}
	if n := countRows(t, rs.db, `SELECT count(*) FROM message WHERE uid < 0`); n != 0 {
		t.Errorf("%d local copies left", n)
	}
	if th := threadOf(t, rs.db, "a1@example.com"); th.Messages != 2 || th.WaitingSince != nil {
		t.Errorf("thread after the sync: %+v", th)
	}
	// Sending it again is refused: never twice.
	if _, err := rs.sender(t, true).Send(context.Background(), o.ID); err != nil {
		t.Errorf("send of a sent reply: %v", err)
	}
	if len(rs.smtp.Messages()) != 1 {
		t.Error("a sent reply went out twice")
	}
}

// A passing trouble is retried later; a refusal waits for the owner; the
// text is never lost.
func TestReplyFailuresAreKept(t *testing.T) {
	rs := newReplyShop(t)
	rs.smtp.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	})
	s := rs.sender(t, true)
	o, err := s.Send(context.Background(), rs.reply(t, "Primera", time.Time{}).ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "failed" || o.Permanent || o.NextTry == nil || !o.NextTry.Equal(rs.now.Add(time.Minute)) ||
		!strings.Contains(o.Error, "Try again later") || o.ErrorCode != CodeLater || o.Text != "Primera" {
		t.Fatalf("after a 451: %+v", o)
	}
	// Not before its time.
	if done, err := s.SendDue(context.Background()); err != nil || len(done) != 0 {
		t.Errorf("retried early: %+v %v", done, err)
	}
	rs.smtp.Refuse(nil)
	rs.now = rs.now.Add(2 * time.Minute)
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 1 || done[0].State != "sent" || done[0].Attempts != 2 {
		t.Fatalf("retry: %+v %v", done, err)
	}

	// 550: refused for good, not retried, until the owner sends it again.
	rs.smtp.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	})
	o, _ = s.Send(context.Background(), rs.reply(t, "Segunda", time.Time{}).ID)
	if o.State != "failed" || !o.Permanent || o.NextTry != nil || o.ErrorCode != CodeRecipient {
		t.Fatalf("after a 550: %+v", o)
	}
	rs.now = rs.now.Add(24 * time.Hour)
	if done, _ := s.SendDue(context.Background()); len(done) != 0 {
		t.Errorf("a refused reply was retried: %+v", done)
	}
	rs.smtp.Refuse(nil)
	if err := SendAgain(context.Background(), rs.db, o.ID, rs.now); err != nil {
		t.Fatal(err)
	}
	if done, _ := s.SendDue(context.Background()); len(done) != 1 || done[0].State != "sent" {
		t.Errorf("sent again: %+v", done)
	}

	// The SMTP server is gone: kept, retried later.
	rs.acct.SMTP = endpoint(t, "smtp", Plain, inboxtest.DeadPort(t))
	o, _ = s.Send(context.Background(), rs.reply(t, "Tercera", time.Time{}).ID)
	if o.State != "failed" || o.Permanent || o.Text != "Tercera" || o.ErrorCode != CodeRefused {
		t.Errorf("offline: %+v", o)
	}
	list, err := Outbox(context.Background(), rs.db)
	if err != nil || len(list) != 1 || list[0].ID != o.ID {
		t.Errorf("outbox: %+v %v", list, err)
	}
}

// Sent while the IMAP server is down: the reply shows in its thread, and
// the Sent copy and \Answered follow on the next round.
func TestReplyFiledLaterWhenIMAPIsDown(t *testing.T) {
	rs := newReplyShop(t)
	o, err := rs.sender(t, false).Send(context.Background(), rs.reply(t, "Hola", time.Time{}).ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "sent" || o.Appended || o.Flagged {
		t.Fatalf("sent without IMAP: %+v", o)
	}
	th := threadOf(t, rs.db, "a1@example.com")
	if th.Messages != 2 || th.WaitingSince != nil {
		t.Errorf("thread: %+v", th)
	}
	// The thread reads with the reply's local copy in it (no server UID yet).
	if msgs, err := ThreadMessages(context.Background(), rs.db, th.ID); err != nil || len(msgs) != 2 ||
		msgs[1].MessageID != o.MessageID || msgs[1].UID != 0 || !msgs[1].Outgoing {
		t.Errorf("thread's messages: %+v %v", msgs, err)
	}
	done, err := rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != 1 || !done[0].Appended || !done[0].Flagged {
		t.Errorf("filed later: %+v %v", done, err)
	}
	if len(rs.smtp.Messages()) != 1 {
		t.Error("filing sent the reply again")
	}
}

// A run that appended a reply to Sent but ended before recording it: the
// next run finds the copy there and appends no second one.
func TestReplyAppendedButUnrecordedIsNotAppendedTwice(t *testing.T) {
	rs := newReplyShop(t)
	o, err := rs.sender(t, true).Send(context.Background(), rs.reply(t, "Hola", time.Time{}).ID)
	if err != nil || !o.Appended {
		t.Fatalf("sent: %+v %v", o, err)
	}
	if _, err := rs.db.Exec(`UPDATE outbox SET appended = 0 WHERE id = ?`, o.ID); err != nil {
		t.Fatal(err)
	}
	done, err := rs.sender(t, true).SendDue(context.Background())
	if err != nil || len(done) != 1 || !done[0].Appended {
		t.Fatalf("filed again: %+v %v", done, err)
	}
	if n := len(imapSrvUIDs(t, rs.imap, "Sent")); n != 1 {
		t.Fatalf("%d copies in Sent, want 1", n)
	}
}

// imapSrvUIDs lists a folder's messages on the test server.
func imapSrvUIDs(t *testing.T, srv *inboxtest.IMAPServer, folder string) []imap.UID {
	t.Helper()
	c := dialTest(t, srv)
	defer c.Close()
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return data.AllUIDs()
}

// Send later: nothing goes before its time.
func TestReplySendLater(t *testing.T) {
	rs := newReplyShop(t)
	monday9 := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	o := rs.reply(t, "Buenos días", monday9)
	s := rs.sender(t, true)
	if done, _ := s.SendDue(context.Background()); len(done) != 0 {
		t.Fatalf("sent before its time: %+v", done)
	}
	rs.now = monday9.Add(time.Minute)
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 1 || done[0].ID != o.ID || done[0].State != "sent" {
		t.Fatalf("at its time: %+v %v", done, err)
	}
	if p := ParseMessage(rs.smtp.Messages()[0].Data); !p.Date.Equal(monday9) {
		t.Errorf("Date %v, want the time it went", p.Date)
	}
}

// A crash while sending: the reply is uncertain, not sent again by itself.
func TestReplyInterruptedIsUncertain(t *testing.T) {
	rs := newReplyShop(t)
	o := rs.reply(t, "Hola", time.Time{})
	if _, err := rs.db.Exec(`UPDATE outbox SET state = 'sending' WHERE id = ?`, o.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := RecoverInterrupted(context.Background(), rs.db); n != 1 || err != nil {
		t.Fatalf("recovered %d, %v", n, err)
	}
	if done, _ := rs.sender(t, true).SendDue(context.Background()); len(done) != 0 || len(rs.smtp.Messages()) != 0 {
		t.Errorf("an uncertain reply was sent: %+v", done)
	}
	if got, _ := LoadOutgoing(context.Background(), rs.db, o.ID); got.State != "uncertain" {
		t.Errorf("state %q", got.State)
	}
	// The owner knows it went: marked sent, it shows in its thread and is
	// filed in Sent, and nothing is sent.
	got, err := rs.sender(t, true).MarkSent(context.Background(), o.ID)
	if err != nil || got.State != "sent" || !got.Appended {
		t.Fatalf("marked sent: %+v %v", got, err)
	}
	if th := threadOf(t, rs.db, "a1@example.com"); th.Messages != 2 || th.WaitingSince != nil {
		t.Errorf("thread after marking sent: %+v", th)
	}
	if len(rs.smtp.Messages()) != 0 || len(imapSrvUIDs(t, rs.imap, "Sent")) != 1 {
		t.Errorf("marking sent sent %d, filed %d", len(rs.smtp.Messages()), len(imapSrvUIDs(t, rs.imap, "Sent")))
	}
	if _, err := rs.sender(t, true).MarkSent(context.Background(), o.ID); !errors.Is(err, ErrNotSendable) {
		t.Errorf("marking a sent reply: %v", err)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Consulta": "Re: Consulta", "Re: Consulta": "Re: Consulta", "RE: re: Consulta": "Re: Consulta",
		"Re[2]: Consulta": "Re: Consulta", "Res: Pedido": "Re: Pedido", "RV: Factura": "Re: RV: Factura",
		"": "Re:", "  ": "Re:", "Respuesta": "Re: Respuesta",
	} {
		if got := replySubject(in); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplyNeedsText(t *testing.T) {
	rs := newReplyShop(t)
	orig, _ := MessageByID(context.Background(), rs.db, "a1@example.com")
	if _, err := Reply(context.Background(), rs.db, rs.acct, orig, ReplyOptions{Text: " \n "}); err != ErrEmptyReply {
		t.Errorf("empty reply: %v", err)
	}
}

// A refused reply is corrected (its address, its text) and sent: same
// Message-ID, the new text with signature and quote, to the new address.
func TestEditRefusedReply(t *testing.T) {
	rs := newReplyShop(t)
	rs.smtp.Refuse(func(rcpt string) error {
		if rcpt == "ana@example.com" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	})
	s := rs.sender(t, true)
	o, _ := s.Send(context.Background(), rs.reply(t, "Primera versión", time.Time{}).ID)
	if o.State != "failed" || !o.Permanent {
		t.Fatalf("refused: %+v", o)
	}
	edited, err := EditReply(context.Background(), rs.db, o.ID, ReplyEdit{Text: "Segunda versión",
		To: &Address{Name: "Ana", Addr: "ana.perez@empresa.example"}, Signature: "Lola", Lang: "es", Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if edited.State != "queued" || edited.Text != "Segunda versión" || edited.To.Addr != "ana.perez@empresa.example" ||
		edited.MessageID != o.MessageID || edited.Error != "" {
		t.Fatalf("edited: %+v", edited)
	}
	rs.now = time.Now().Add(time.Minute)
	done, err := s.SendDue(context.Background())
	if err != nil || len(done) != 1 || done[0].State != "sent" {
		t.Fatalf("sent after the edit: %+v %v", done, err)
	}
	got := rs.smtp.Messages()
	p := ParseMessage(got[len(got)-1].Data)
	if got[len(got)-1].To[0] != "ana.perez@empresa.example" || !strings.HasPrefix(p.Text, "Segunda versión\n\n--\nLola") ||
		!strings.Contains(p.Text, "> ¿tenéis la talla M?") || p.MessageID != o.MessageID {
		t.Errorf("sent: to %v, text %q, id %q", got[len(got)-1].To, p.Text, p.MessageID)
	}
	if _, err := EditReply(context.Background(), rs.db, o.ID, ReplyEdit{Text: "Tarde"}); !errors.Is(err, ErrNotSendable) {
		t.Errorf("editing a sent reply: %v", err)
	}
}

// An edit that lands between a sender reading a reply and claiming it is
// what goes out, not the text read before.
func TestEditBetweenReadAndClaimIsSent(t *testing.T) {
	rs := newReplyShop(t)
	o := rs.reply(t, "Texto viejo", time.Time{})
	row, err := scanOutbox(rs.db.QueryRow(`SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EditReply(context.Background(), rs.db, o.ID, ReplyEdit{Text: "Texto nuevo", Signature: "Lola"}); err != nil {
		t.Fatal(err)
	}
	if err := rs.sender(t, false).deliver(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	got := rs.smtp.Messages()
	if len(got) != 1 || !strings.HasPrefix(ParseMessage(got[0].Data).Text, "Texto nuevo") {
		t.Errorf("sent %+v", got)
	}
}
