package inbox

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox/inboxtest"
)

// a sent reply not yet appended to Sent (IMAP down at send time) loses
// its local copy at the next sync: syncExpunged counts the uid<0 row and
// deletes it as "expunged".
func TestLocalCopyOfReplySurvivesSync(t *testing.T) {
	rs := newReplyShop(t)
	o, err := rs.sender(t, false).Send(context.Background(), rs.reply(t, "Hola", time.Time{}).ID)
	if err != nil || o.State != "sent" || o.Appended {
		t.Fatalf("%+v %v", o, err)
	}
	syncOnce(t, rs.db, rs.imap, SyncOptions{}) // e.g. `mostrador sync` after `mostrador reply`
	if n := countRows(t, rs.db, `SELECT count(*) FROM message WHERE message_id = ?`, o.MessageID); n != 1 {
		t.Errorf("the sent reply's local copy is gone after a sync (%d rows)", n)
	}
	th := threadOf(t, rs.db, "a1@example.com")
	if th.Messages != 2 || th.WaitingSince != nil {
		t.Errorf("thread after sync: messages %d waiting %v", th.Messages, th.WaitingSince)
	}
}

// a reply sent while the first sync has not reached Sent yet goes to a
// local folder row "Sent"; the server's copy comes in "Enviados" and never
// replaces the local copy (the DELETE is scoped to the same folder_id).
func TestLocalCopyReplacedWhenSentHasAnotherName(t *testing.T) {
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Enviados", nil); err != nil {
		t.Fatal(err)
	}
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Talla", id: "a1@example.com", at: monday, body: "¿M?"})
	db := mailDB(t)
	c := dialTest(t, srv)
	// The first sync is cut short after INBOX (window closed, connection lost...).
	if _, err := (&Syncer{DB: db, Client: c, ShopAddr: "tienda@example.com"}).SyncFolder(context.Background(), "INBOX", "inbox", SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	rs := &replyShop{imap: srv, smtp: inboxtest.StartSMTP(t, inboxtest.Plain, nil), db: db, now: monday.Add(time.Hour)}
	rs.acct = &Account{IMAP: endpoint(t, "imap", Plain, srv.Addr), SMTP: endpoint(t, "smtp", Plain, rs.smtp.Addr),
		FromName: "Tienda", FromAddr: "tienda@example.com"}
	o, err := rs.sender(t, true).Send(context.Background(), rs.reply(t, "Sí", time.Time{}).ID)
	if err != nil || !o.Appended {
		t.Fatalf("%+v %v", o, err)
	}
	syncOnce(t, db, srv, SyncOptions{})
	syncOnce(t, db, srv, SyncOptions{})
	if n := countRows(t, db, `SELECT count(*) FROM message WHERE uid < 0`); n != 0 {
		t.Errorf("%d local copies never replaced by the server's copy (%d copies of the reply in all)", n,
			countRows(t, db, `SELECT count(*) FROM message WHERE message_id = ?`, o.MessageID))
	}
}

// an SMTP server that accepts the message (250 after DATA) and then
// drops the connection on RSET/QUIT: go-mail returns an error although the
// message was delivered; deliver records a temporary failure and SendDue
// sends it again.
func TestDeliveredReplyIsNotSentTwice(t *testing.T) {
	rs := newReplyShop(t)
	var delivered atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				r := bufio.NewReader(conn)
				w := func(s string) { conn.Write([]byte(s + "\r\n")) }
				w("220 test ESMTP")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						w("250-test")
						w("250 8BITMIME")
					case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
						w("250 OK")
					case cmd == "DATA":
						w("354 go")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
						}
						delivered.Add(1)
						w("250 2.0.0 queued as X")
					case cmd == "RSET", cmd == "QUIT":
						return // the connection drops after the message was taken
					default:
						w("250 OK")
					}
				}
			}(conn)
		}
	}()
	rs.acct.SMTP = endpoint(t, "smtp", Plain, ln.Addr().String())
	rs.acct.SMTP.User = ""
	s := rs.sender(t, true)
	o, err := s.Send(context.Background(), rs.reply(t, "Hola", time.Time{}).ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after the first try: state %s permanent %v error %q", o.State, o.Permanent, o.Error)
	rs.now = rs.now.Add(10 * time.Minute)
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := delivered.Load(); n != 1 {
		t.Errorf("the SMTP server took the reply %d times", n)
	}
}

// replies to one broadcast mail (a newsletter or a notice sent to
// many customers in Bcc) all reference its Message-ID and end in one thread,
// whatever the customer: Bea's question is not on Bea's card, and the
// shop's answer to Ana takes Bea's thread out of the waiting queue.
func TestRepliesToOneBroadcastStayApart(t *testing.T) {
	srv := mailServer(t)
	const bea = "Bea Ruiz <bea@example.com>"
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Re: Cerramos en agosto", id: "ra@example.com",
		inReplyTo: "aviso@example.com", refs: "<aviso@example.com>", at: monday, body: "¿Y los pedidos?"})
	put(t, srv, "INBOX", testMail{from: bea, to: shop, subject: "Re: Cerramos en agosto", id: "rb@example.net",
		inReplyTo: "aviso@example.com", refs: "<aviso@example.com>", at: monday.Add(time.Hour), body: "¿Abrís en septiembre?"})
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: Cerramos en agosto", id: "s1@example.com",
		inReplyTo: "ra@example.com", refs: "<aviso@example.com> <ra@example.com>", at: monday.Add(2 * time.Hour), body: "Salen el 31."})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	ta, tb := threadOf(t, db, "ra@example.com"), threadOf(t, db, "rb@example.net")
	if ta.ID == tb.ID {
		t.Errorf("Ana's and Bea's conversations are one thread (customer %q, waiting %v)", ta.Customer, ta.WaitingSince)
	}
	ths, _ := ThreadsWith(context.Background(), db, []string{"bea@example.com"}, nil)
	if len(ths) == 0 {
		t.Error("Bea's card shows no conversation")
	}
}

// a customer whose phone has the wrong time zone: Date 3 h ahead of
// the arrival (under the 24 h allowance). The shop's answer, 1 h after
// arrival, sorts before the question and the thread stays waiting.
func TestSenderClockAheadDoesNotReorder(t *testing.T) {
	srv := mailServer(t)
	q := testMail{from: ana, to: shop, subject: "Envío", id: "q@example.com", at: monday.Add(3 * time.Hour), body: "¿Cuándo?"}
	if _, err := srv.User.Append("INBOX", strings.NewReader(q.raw()), &imap.AppendOptions{Time: monday}); err != nil {
		t.Fatal(err)
	}
	put(t, srv, "Sent", testMail{from: shop, to: ana, subject: "Re: Envío", id: "r@example.com", inReplyTo: "q@example.com",
		refs: "<q@example.com>", at: monday.Add(time.Hour), body: "Mañana."})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "q@example.com"); th.WaitingSince != nil {
		t.Errorf("answered thread still waiting since %v (first response %v)", th.WaitingSince, th.FirstResponse)
	}
}

// the newest INBOX message is deleted before the sync fetches it
// (spam filter, deleted on the phone): the stored UIDNEXT never reaches the
// server's, so Watcher.sync runs Syncer.Sync three times on every round.
func TestUIDNextFollowsServerAfterExpunge(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Uno", id: "u1@example.com", at: monday, body: "1"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Spam", id: "u2@example.com", at: monday, body: "2"})
	c := dialTest(t, srv)
	defer c.Close()
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		syncOnce(t, db, srv, SyncOptions{})
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	stored := countRows(t, db, `SELECT uidnext FROM folder WHERE name = 'INBOX'`)
	if int64(sel.UIDNext) > int64(stored) {
		t.Errorf("stored uidnext %d < server UIDNEXT %d after 3 syncs: Watcher.sync loops 3x every round", stored, sel.UIDNext)
	}
}

// `mostrador sync` / `mostrador reply` call RecoverInterrupted on
// every run; a reply another process is sending at that moment turns
// "uncertain", the owner sends it again, and it goes twice.
func TestRecoverLeavesOtherSendersAlone(t *testing.T) {
	rs := newReplyShop(t)
	rs.smtp.Refuse(func(string) error { time.Sleep(700 * time.Millisecond); return nil })
	o := rs.reply(t, "Hola", time.Time{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the window's sender
		defer wg.Done()
		rs.sender(t, false).Send(context.Background(), o.ID)
	}()
	for countRows(t, rs.db, `SELECT count(*) FROM outbox WHERE state = 'sending'`) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// Meanwhile `mostrador sync` starts: the reply being sent is not
	// taken for interrupted, and cannot be sent again.
	if n, _ := RecoverInterrupted(context.Background(), rs.db); n != 0 {
		t.Errorf("recovered %d replies another sender is sending", n)
	}
	if err := SendAgain(context.Background(), rs.db, o.ID, rs.now); err == nil {
		t.Error("a reply being sent could be queued again")
	}
	wg.Wait()
	if n := len(rs.smtp.Messages()); n != 1 {
		t.Errorf("the reply went %d times", n)
	}
}

// a list tag before "Re:" stacks another "Re:".
func TestReplySubjectAfterListTag(t *testing.T) {
	if got := replySubject("[Tienda] Re: Consulta"); strings.Count(strings.ToLower(got), "re:") != 1 {
		t.Errorf("replySubject = %q", got)
	}
}

// a contact form that sends as the shop's own mailbox (WP Mail SMTP
// and the like force From = the authenticated account), Reply-To the
// customer: stored as outgoing, customer = the shop itself, never waiting.
func TestContactFormFromShopAddress(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: shop, to: shop, subject: "Nuevo mensaje de contacto", id: "cf@example.com",
		extra: "Reply-To: Marta Ruiz <marta@example.com>\r\n", at: monday, body: "¿Hacéis envíos a Canarias?"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	if th := threadOf(t, db, "cf@example.com"); th.Customer != "marta@example.com" || th.WaitingSince == nil {
		t.Errorf("contact form sent as the shop: customer %q waiting %v", th.Customer, th.WaitingSince)
	}
}
