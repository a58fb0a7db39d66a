package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// Automated mail (a thank-you note, delivery news, an appointment reminder
// with its invitation) is written by package reminders and handed to the
// outbox, where it gets what the owner's replies get: it is sent once,
// retried when the server says later, kept when refused, filed in Sent and
// shown on the customer's card. It differs in four ways: it answers
// nothing, it says it was sent by a program (Auto-Submitted, so that
// out-of-office replies leave it alone), it may stop being worth sending
// (Expires), and a round hands it over no faster than the account's rate.

// AutoMail is an automated email (see package reminders), sent through the
// outbox like a reply.
type AutoMail struct {
	FromName       string    // the owner's name, personal; "" → the account's FromName
	To             Address   // the customer
	Subject        string    // one line: CR/LF/control characters are refused with an error
	Text           string    // the whole plain-text body, footer included
	ReplyTo        string    // an address, usually the shop's; "" → no Reply-To
	Unsubscribe    string    // "mailto:..." for List-Unsubscribe; "" → none
	Calendar       []byte    // an .ics invitation; nil → none
	CalendarMethod string    // REQUEST or CANCEL when Calendar is set; its METHOD must say the same
	SendAt         time.Time // not before; zero or past: at once
	Expires        time.Time // zero: never; after it the mail is not sent any more (state expired)
}

// ErrBadAutoMail: an automated mail that cannot be sent as it is (a
// subject on two lines, an address that is not one, an invitation without
// its method). Trying again will not mend it; the error says what is wrong.
var ErrBadAutoMail = errors.New("automated mail cannot be sent as it is")

// QueueAuto writes an automated email into the outbox, queued, inside the
// caller's transaction (so that the caller records the job that made it in
// the same commit), and returns its outbox id and Message-ID (on the
// shop's domain, without <>). A mail that cannot be sent as it is comes
// back as an error wrapping ErrBadAutoMail, and nothing is written.
func QueueAuto(ctx context.Context, tx *sql.Tx, acct *Account, m AutoMail, now time.Time) (id int64, messageID string, err error) {
	o, err := autoRow(acct, m, now)
	if err != nil {
		return 0, "", err
	}
	var expires any
	if o.expires != nil {
		expires = storedTime(*o.expires)
	}
	stamp := storedTime(now)
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox(message_id, from_name, from_addr, to_name, to_addr, subject,
		text, body, date, send_at, state, created_at, updated_at, auto, reply_to, unsubscribe, calendar, calendar_method,
		expires_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, 1, ?, ?, ?, ?, ?)`,
		o.messageID, o.fromName, o.fromAddr, o.toName, o.toAddr, o.subject, o.text, o.body, storedTime(o.date),
		storedTime(o.sendAt), stamp, stamp, o.replyTo, o.unsubscribe, o.calendar, o.calendarMethod, expires)
	if err != nil {
		return 0, "", err
	}
	id, err = res.LastInsertId()
	return id, o.messageID, err
}

// autoRow checks an automated mail and makes its outbox row, building its
// message once so that what cannot be written is refused now, not at the
// first try.
func autoRow(acct *Account, m AutoMail, now time.Time) (*outboxRow, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: to %s: %s", ErrBadAutoMail, m.To.Addr, fmt.Sprintf(format, args...))
	}
	o := &outboxRow{auto: true, fromName: m.FromName, fromAddr: acct.FromAddr, toName: m.To.Name,
		toAddr: strings.TrimSpace(m.To.Addr), subject: m.Subject, replyTo: strings.TrimSpace(m.ReplyTo),
		unsubscribe: strings.TrimSpace(m.Unsubscribe), state: "queued"}
	if o.fromName == "" {
		o.fromName = acct.FromName
	}
	for _, f := range []struct{ name, value string }{{"subject", o.subject}, {"sender's name", o.fromName},
		{"recipient's name", o.toName}, {"Reply-To", o.replyTo}, {"unsubscribe address", o.unsubscribe}} {
		if !oneLine(f.value) {
			return nil, bad("the %s %q is not one line of text (a line break or a control character)", f.name, f.value)
		}
	}
	if strings.TrimSpace(o.subject) == "" {
		return nil, bad("no subject")
	}
	o.text = strings.ReplaceAll(m.Text, "\r\n", "\n")
	if strings.TrimSpace(o.text) == "" || !utf8.ValidString(o.text) {
		return nil, bad("no text, or text that is not UTF-8")
	}
	o.body = autoBody(o.text)
	if o.unsubscribe != "" {
		if u, err := url.Parse(o.unsubscribe); err != nil || !strings.EqualFold(u.Scheme, "mailto") || u.Opaque == "" ||
			strings.ContainsAny(o.unsubscribe, " <>,") {
			return nil, bad("the unsubscribe address %q is not a mailto: URL", o.unsubscribe)
		}
	}
	var err error
	if o.calendar, o.calendarMethod, err = invitation(m.Calendar, m.CalendarMethod); err != nil {
		return nil, bad("%v", err)
	}
	o.sendAt = m.SendAt
	if o.sendAt.IsZero() || o.sendAt.Before(now) {
		o.sendAt = now
	}
	o.date = o.sendAt // the Date is the moment it goes, as a reply's
	if !m.Expires.IsZero() {
		e := m.Expires.UTC()
		o.expires = &e
	}
	if _, err := outgoingMsg(o); err != nil {
		return nil, bad("%v", err)
	}
	if o.messageID, err = newMessageID(acct.FromAddr); err != nil {
		return nil, err
	}
	return o, nil
}

// oneLine: s has no line break nor any other control character, which in
// a header would end it or begin another.
func oneLine(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// autoBody is the body sent for an automated mail's text: all of it, ended
// by one line break.
func autoBody(text string) string {
	return strings.TrimRight(text, "\n") + "\n"
}

// invitation checks an .ics invitation and its iTIP method (RFC 6047: the
// Content-Type's method and the calendar's METHOD must agree, or Outlook
// and Gmail show a plain attachment), and gives its text with CRLF line
// ends, as RFC 5545 wants them.
func invitation(ics []byte, method string) (text, meth string, err error) {
	if len(ics) == 0 {
		return "", "", nil
	}
	meth = strings.ToUpper(strings.TrimSpace(method))
	if meth != "REQUEST" && meth != "CANCEL" {
		return "", "", fmt.Errorf("the invitation's method is %q, not REQUEST or CANCEL", method)
	}
	if !utf8.Valid(ics) {
		return "", "", errors.New("the invitation is not UTF-8")
	}
	text = strings.ReplaceAll(string(ics), "\r\n", "\n")
	if !strings.HasPrefix(strings.TrimSpace(text), "BEGIN:VCALENDAR") {
		return "", "", errors.New("the invitation is not an iCalendar file (no BEGIN:VCALENDAR)")
	}
	said := ""
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "METHOD") {
			said = strings.ToUpper(strings.TrimSpace(v))
			break
		}
	}
	if said != meth {
		return "", "", fmt.Errorf("the invitation says METHOD:%s, the mail says %s", said, meth)
	}
	return strings.ReplaceAll(text, "\n", "\r\n"), meth, nil
}

// addAutoParts adds to an automated mail's message what marks it as one,
// and its invitation.
//
// The invitation goes the way Google Calendar sends its own, which Gmail,
// Outlook and Apple Mail all recognise:
//
//	multipart/mixed
//	  multipart/alternative
//	    text/plain                                  the mail's text
//	    text/calendar; method=REQUEST; charset=UTF-8  the invitation (iMIP, RFC 6047)
//	  application/ics; name="invite.ics"            the same, as an attachment
//
// Outlook and Gmail read the text/calendar alternative and offer to add or
// answer it; clients that skip alternatives they do not show (Apple Mail,
// Thunderbird without its calendar, webmail) still get a file to open. The
// attachment is application/ics rather than text/calendar so that no
// client takes it for a second invitation.
func addAutoParts(m *gomail.Msg, o *outboxRow) error {
	// RFC 3834: sent by a program; responders (out-of-office) leave it be.
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	// Exchange decides on its automatic replies by this header instead.
	m.SetGenHeader(gomail.Header("X-Auto-Response-Suppress"), "OOF, AutoReply")
	if o.replyTo != "" {
		if err := m.ReplyTo(o.replyTo); err != nil {
			return fmt.Errorf("reply-to %q: %w", o.replyTo, err)
		}
	}
	if o.unsubscribe != "" {
		m.SetListUnsubscribe(o.unsubscribe)
	}
	if o.calendar == "" {
		return nil
	}
	// Base64, like the attachment: the invitation reaches the calendar
	// byte for byte, CRLF line ends included, where quoted-printable would
	// leave line ends to the mail path and turn each "=" into "=3D".
	m.AddAlternativeString(gomail.ContentType("text/calendar; method="+o.calendarMethod), o.calendar,
		gomail.WithPartEncoding(gomail.EncodingB64))
	return m.AttachReader("invite.ics", strings.NewReader(o.calendar), gomail.WithFileContentType("application/ics"))
}

// pacer keeps a round's automated mail within a rate: at most perMinute
// handed over in any minute (a rolling window, not a fixed spacing, so
// that a few reminders go at once).
type pacer struct {
	perMinute int
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	sent      []time.Time // when the last perMinute went, oldest first
}

// wait waits until one more mail keeps within the rate, and returns the
// time it may go. It returns ctx's error if ctx ends first.
func (p *pacer) wait(ctx context.Context) (time.Time, error) {
	at := p.now()
	if p.perMinute <= 0 || len(p.sent) < p.perMinute {
		return at, nil
	}
	d := p.sent[0].Add(time.Minute).Sub(at)
	if d <= 0 {
		return at, nil
	}
	if err := p.sleep(ctx, d); err != nil {
		return at, err
	}
	// A clock that did not move while waiting (a test's) still counts the wait.
	if now := p.now(); now.After(at.Add(d)) {
		return now, nil
	}
	return at.Add(d), nil
}

// took records that a mail went at at.
func (p *pacer) took(at time.Time) {
	if p.perMinute <= 0 {
		return
	}
	p.sent = append(p.sent, at)
	if len(p.sent) > p.perMinute {
		p.sent = p.sent[1:]
	}
}

// sleep is Sleep, or a timer that ctx stops.
func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CodeWithdrawn: an automated email withdrawn before it went (the customer
// opted out, the appointment moved).
const CodeWithdrawn = "withdrawn"

// Withdraw stops automated emails that wait in the outbox (queued, or
// failed and waiting for a retry): they end expired, with why, and are
// never sent. One being sent right now is past stopping. It returns how
// many it stopped.
// It runs in the caller's transaction when given one.
func Withdraw(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, ids []int64, why string, now time.Time) (int, error) {
	n := 0
	for _, id := range ids {
		res, err := db.ExecContext(ctx, `UPDATE outbox SET state = 'expired', error_code = ?, error = ?, next_try = NULL,
			updated_at = ? WHERE id = ? AND auto = 1 AND state IN ('queued', 'failed')`, CodeWithdrawn, why,
			storedTime(now), id)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// NextAutoDue is when the outbox next has automated mail to send: the
// earliest queued one's time or failed one's retry; zero when none.
func NextAutoDue(ctx context.Context, db *sql.DB) (time.Time, error) {
	var next sql.NullString
	err := db.QueryRowContext(ctx, `SELECT min(CASE state WHEN 'queued' THEN send_at ELSE next_try END) FROM outbox
		WHERE auto = 1 AND (state = 'queued' OR (state = 'failed' AND permanent = 0))`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339, next.String)
}
