package reminders

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
)

func TestRating(t *testing.T) {
	for line, want := range map[string]int{
		"5": 5, "4/5": 4, "Un 4 de 5": 4, "5 estrellas!": 5, "3/5, tardó un poco": 3, "Muy bien, gracias": 5,
		"Excellent!": 5, "bien": 4, "Regular": 3, "Fatal, llegó roto": 1, "Tardó 2 semanas": 0, "10/10": 0,
		"No muy bien": 0, "Hola, una pregunta sobre otro pedido": 0, "": 0, "6": 0,
	} {
		if got := rating(line); got != want {
			t.Errorf("rating(%q) = %d, want %d", line, got, want)
		}
	}
}

func TestAppointmentAnswerAndOptOutWords(t *testing.T) {
	for line, want := range map[string]string{
		"Confirmo": "confirm", "¡Confirmo, allí estaré!": "confirm", "Confirm": "confirm", "Cancelar": "cancel",
		"Tengo que cancelar, lo siento": "cancel", "Please cancel": "cancel", "¿Puedo cambiar la hora?": "",
		"Hola": "",
	} {
		if got := appointmentAnswer(line); got != want {
			t.Errorf("appointmentAnswer(%q) = %q, want %q", line, got, want)
		}
	}
	for line, want := range map[string]bool{
		"BAJA": true, "baja.": true, "STOP": true, "Darme de baja": true, "Unsubscribe": true,
		"Stop by the shop tomorrow?": false, "¿Cuándo llega?": false, "bajada de precio": false,
	} {
		if got := optOutWord(line); got != want {
			t.Errorf("optOutWord(%q) = %v, want %v", line, got, want)
		}
	}
}

// customerWrites puts a message from Ana in the shop's INBOX, answering
// inReplyTo (a Message-ID without <>), and syncs the mailbox.
func (s *shopEnv) customerWrites(t *testing.T, subject, body, inReplyTo string) {
	t.Helper()
	s.customerWritesDated(t, subject, body, inReplyTo, s.now)
}

// customerWritesDated is customerWrites from a mail client whose Date says
// date.
func (s *shopEnv) customerWritesDated(t *testing.T, subject, body, inReplyTo string, date time.Time) {
	t.Helper()
	raw := fmt.Sprintf("From: Ana Pérez <ana@example.com>\r\nTo: tienda@example.com\r\nSubject: %s\r\n"+
		"Message-ID: <r%d@example.com>\r\nDate: %s\r\n", subject, s.now.UnixNano(), date.Format(time.RFC1123Z))
	if inReplyTo != "" {
		raw += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	raw += "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	if _, err := s.imap.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: s.now}); err != nil {
		t.Fatal(err)
	}
	c, err := (&inbox.Dialer{Timeout: 5 * time.Second}).DialIMAP(s.acct.IMAP, inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := (&inbox.Syncer{DB: s.db, Client: c, ShopAddr: s.acct.FromAddr}).Sync(context.Background(),
		inbox.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
}

// sentID is the Message-ID of the last automated email of a rule.
func (s *shopEnv) sentID(t *testing.T, rule string) string {
	t.Helper()
	var id string
	if err := s.db.QueryRow(`SELECT message_id FROM job WHERE rule = ? AND message_id IS NOT NULL
		ORDER BY id DESC LIMIT 1`, rule).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (s *shopEnv) readReplies(t *testing.T) []Reply {
	t.Helper()
	r, err := ReadReplies(context.Background(), s.db, s.now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// "BAJA" in answer to a thank-you stops every automated email at once;
// the reply is read once.
func TestOptOutByReply(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	s.now = s.now.Add(time.Hour)
	s.customerWrites(t, "Re: Gracias por tu pedido P-1", "BAJA\n\n> Gracias por tu pedido", s.sentID(t, ThankYou))
	got := s.readReplies(t)
	if len(got) != 1 || got[0].Kind != "optout" || got[0].Text != "BAJA" {
		t.Fatalf("replies %+v", got)
	}
	if again := s.readReplies(t); len(again) != 0 {
		t.Fatalf("read twice: %+v", again)
	}
	auto, err := ForCustomer(context.Background(), s.db, got[0].CustomerID)
	if err != nil || auto.OptedOut == nil || auto.OptOutSource != "reply" || len(auto.Replies) != 1 || len(auto.Jobs) != 1 {
		t.Fatalf("the card's automation: %+v, %v", auto, err)
	}
	// The owner's switch turns it back on.
	if err := SetOptOut(context.Background(), s.db, got[0].CustomerID, OptOut{}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	if auto, _ := ForCustomer(context.Background(), s.db, got[0].CustomerID); auto.OptedOut != nil {
		t.Fatalf("still opted out after the owner's switch: %+v", auto)
	}
	if err := SetOptOut(context.Background(), s.db, got[0].CustomerID, OptOut{All: true}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	s.order(t, "P-2", s.now.Add(-2*time.Hour), "Paid", "", "")
	if rep := s.run(t); rep.Skipped != 1 || rep.Queued != 0 {
		t.Fatalf("after opting out: %+v", rep)
	}
}

// A mail client's List-Unsubscribe sends a new message with the subject
// BAJA: that stops them too. A normal message does not.
func TestOptOutBySubjectAndNormalMailIsNot(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.customerWrites(t, "¿Cuándo llega?", "Hola, ¿cuándo llega mi pedido? Stop preguntando, ya sé.", "")
	if got := s.readReplies(t); len(got) != 0 {
		t.Fatalf("a question read as %+v", got)
	}
	s.now = s.now.Add(time.Minute)
	s.customerWrites(t, "BAJA", "", "")
	if got := s.readReplies(t); len(got) != 1 || got[0].Kind != "optout" {
		t.Fatalf("replies %+v", got)
	}
}

// "Cancelar" in answer to an appointment's confirmation is recorded and
// stops its reminders; a score in answer to the follow-up is recorded.
func TestAppointmentCancelAndRatingByReply(t *testing.T) {
	s := newShop(t)
	// The follow-up of a delivered order, answered with a score.
	s.order(t, "P-1", s.now.Add(-10*24*time.Hour), "Paid", "", "")
	s.order(t, "P-1", s.now.Add(-10*24*time.Hour), "Delivered", "Correos", "PK1")
	s.now = s.now.Add(7 * 24 * time.Hour)
	s.run(t)
	s.now = s.now.Add(time.Hour)
	s.customerWrites(t, "Re: ¿Qué tal tu pedido P-1?", "4/5, el jabón huele genial\n\n> ¿Qué tal?", s.sentID(t, FollowUp))
	got := s.readReplies(t)
	if len(got) != 1 || got[0].Kind != "rating" || got[0].Value != 4 {
		t.Fatalf("replies %+v", got)
	}

	// An appointment's confirmation, answered "cancelar".
	s.appointment(t, s.now.Add(72*time.Hour))
	s.run(t)
	s.now = s.now.Add(time.Hour)
	s.customerWrites(t, "Re: Tu cita", "Tengo que cancelar, lo siento.\n\n> Te confirmamos tu cita", s.sentID(t, Appointment))
	got = s.readReplies(t)
	if len(got) != 1 || got[0].Kind != "cancel" || got[0].JobID == 0 {
		t.Fatalf("replies %+v", got)
	}
	if left := jobs(t, s.db, "state = 'planned' AND rule = ?", Appointment); len(left) != 0 {
		t.Fatalf("reminders still planned: %s", steps(left))
	}
	if c := jobs(t, s.db, "reason = 'job.customerCancelled'"); len(c) != 2 {
		t.Fatalf("cancelled reminders: %+v", c)
	}
}

// BAJA stops at once also the email that waits in the outbox for a retry
// (the server said "try later"): it is withdrawn, never sent.
func TestOptOutWithdrawsWaitingEmail(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.smtp.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	})
	s.run(t)
	if l, _ := List(context.Background(), s.db, "failed", 0); len(l) != 1 {
		t.Fatalf("failed: %+v", l)
	}
	s.smtp.Refuse(nil)
	var customer int64
	if err := s.db.QueryRow(`SELECT customer_id FROM job`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	if err := SetOptOut(context.Background(), s.db, customer, OptOut{All: true}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	s.now = s.now.Add(time.Hour) // past the retry's wait
	s.run(t)
	if n := len(s.smtp.Messages()); n != 0 {
		t.Fatalf("%d emails sent after the opt-out", n)
	}
	if l, _ := List(context.Background(), s.db, "expired", 0); len(l) != 1 || l[0].ErrorCode != inbox.CodeWithdrawn {
		t.Fatalf("expired: %+v", l)
	}
}

// A reminder queued for an appointment's old time that has not gone yet is
// withdrawn when the appointment moves.
func TestMovedAppointmentWithdrawsQueuedReminder(t *testing.T) {
	s := newShop(t)
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	s.appointment(t, start)
	s.run(t) // the confirmation
	s.smtp.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	})
	s.now = start.Add(-24 * time.Hour)
	s.run(t) // the 24-hour reminder fails for now, waits for a retry
	s.smtp.Refuse(nil)
	var appointment int64
	if err := s.db.QueryRow(`SELECT appointment_id FROM job LIMIT 1`).Scan(&appointment); err != nil {
		t.Fatal(err)
	}
	c := appt("moved", start.Add(7*24*time.Hour))
	c.AppointmentID, c.From = appointment, &start
	if err := s.db.QueryRow(`SELECT customer_id FROM job LIMIT 1`).Scan(&c.CustomerID); err != nil {
		t.Fatal(err)
	}
	planAppointments(t, s.db, s.now, c)
	s.now = s.now.Add(time.Hour)
	s.run(t) // the update goes; the old reminder does not
	for _, m := range s.received(t) {
		if subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); strings.Contains(subject, "Mañana") {
			t.Fatalf("the old time's reminder went: %q", subject)
		}
	}
	if l, _ := List(context.Background(), s.db, "expired", 0); len(l) != 1 || l[0].Step != StepRemind24 {
		t.Fatalf("expired: %+v", l)
	}
}

// A reply whose Date is weeks old (a phone with the wrong clock) to an
// automated email is still read.
func TestOldDatedReplyIsRead(t *testing.T) {
	s := newShop(t)
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	s.now = s.now.Add(time.Hour)
	s.customerWritesDated(t, "Re: Gracias", "STOP", s.sentID(t, ThankYou), s.now.AddDate(0, 0, -40))
	if got := s.readReplies(t); len(got) != 1 || got[0].Kind != "optout" {
		t.Fatalf("replies %+v", got)
	}
}
