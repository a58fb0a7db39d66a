package inbox

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"

	"mostrador/internal/database"
)

// The outbox sends the owner's replies, and the automated mail of package
// reminders (see QueueAuto) the same way. A reply is claimed (state sending)
// before it goes to the SMTP server and recorded as sent or failed after:
// a crash in between leaves it "uncertain", for the owner to decide, and
// never sends it twice on its own. A temporary failure (offline, a busy
// server) is retried later, less and less often; a permanent one (an
// address the server refuses) waits to be edited. After sending, a copy is
// appended to the Sent folder and the original is flagged \Answered; when
// the IMAP server cannot be reached those wait for the next round, and the
// reply shows in its thread at once all the same. Automated mail may
// expire: once its time has passed it is not sent any more.

// outboxRow is a row of the outbox.
type outboxRow struct {
	id                                       int64
	messageID, answers, fromName, fromAddr   string
	toName, toAddr, subject, inReplyTo, refs string
	text, body, state, errText, errCode      string
	date, sendAt                             time.Time
	nextTry, sentAt                          *time.Time
	thread                                   sql.NullInt64
	attempts                                 int
	permanent, appended, flagged             bool
	maybeFiled                               bool // sent by an earlier run: Sent may hold it already (see appendSent)
	// Automated mail (see AutoMail).
	auto                                           bool
	replyTo, unsubscribe, calendar, calendarMethod string
	expires                                        *time.Time
}

const outboxColumns = `id, message_id, answers, from_name, from_addr, to_name, to_addr, subject, in_reply_to, refs,
	text, body, state, error, error_code, date, send_at, next_try, sent_at, thread_id, attempts, permanent, appended, flagged,
	auto, reply_to, unsubscribe, calendar, calendar_method, expires_at`

func scanOutbox(sc interface{ Scan(...any) error }) (*outboxRow, error) {
	var o outboxRow
	var date, sendAt string
	var nextTry, sentAt, expires sql.NullString
	if err := sc.Scan(&o.id, &o.messageID, &o.answers, &o.fromName, &o.fromAddr, &o.toName, &o.toAddr, &o.subject,
		&o.inReplyTo, &o.refs, &o.text, &o.body, &o.state, &o.errText, &o.errCode, &date, &sendAt, &nextTry, &sentAt, &o.thread,
		&o.attempts, &o.permanent, &o.appended, &o.flagged,
		&o.auto, &o.replyTo, &o.unsubscribe, &o.calendar, &o.calendarMethod, &expires); err != nil {
		return nil, err
	}
	o.date, _ = time.Parse(time.RFC3339, date)
	o.sendAt, _ = time.Parse(time.RFC3339, sendAt)
	o.nextTry, o.sentAt, o.expires = parseOptional(nextTry), parseOptional(sentAt), parseOptional(expires)
	return &o, nil
}

func parseOptional(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s.String)
	if err != nil {
		return nil
	}
	return &t
}

func (o *outboxRow) public() *Outgoing {
	return &Outgoing{ID: o.id, MessageID: o.messageID, Answers: o.answers, ThreadID: o.thread.Int64,
		To: Address{Name: o.toName, Addr: o.toAddr}, Subject: o.subject, Text: o.text, State: o.state,
		Attempts: o.attempts, Error: o.errText, ErrorCode: o.errCode, Permanent: o.permanent, SendAt: o.sendAt, NextTry: o.nextTry,
		SentAt: o.sentAt, Appended: o.appended, Flagged: o.flagged, Auto: o.auto, Expires: o.expires}
}

const selectOutgoing = `SELECT ` + outboxColumns + ` FROM outbox WHERE id = ?`

// LoadOutgoing reads one reply of the outbox.
func LoadOutgoing(ctx context.Context, db *sql.DB, id int64) (*Outgoing, error) {
	o, err := scanOutbox(db.QueryRowContext(ctx, selectOutgoing, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoMessage
	}
	if err != nil {
		return nil, err
	}
	return o.public(), nil
}

// Outbox lists the replies that are not sent yet or need the owner
// (queued, sending, failed, uncertain), oldest first. Sent and expired ones
// are done with.
func Outbox(ctx context.Context, db *sql.DB) ([]Outgoing, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE state NOT IN ('sent', 'expired')
		ORDER BY send_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Outgoing{}
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *o.public())
	}
	return out, rows.Err()
}

// staleSending is how long a reply may stay "sending" before it is taken
// for interrupted when the process that claimed it cannot be checked (see
// claim.go): far longer than any SMTP exchange, so that a reply another
// process (the window, a second command) is sending right now is not
// mistaken for one a crash left behind.
const staleSending = 10 * time.Minute

// RecoverInterrupted marks the replies left "sending" by a crash as
// uncertain: the server may have taken them. They are not sent again
// unless the owner says so (SendAgain). A reply is left by a crash when
// the process that claimed it has ended (see abandoned), or, when that
// cannot be told, after staleSending. Call it at start; it leaves what a
// live process is sending alone, so it may be called again at any time.
func RecoverInterrupted(ctx context.Context, db *sql.DB) (int, error) {
	type claim struct {
		id, attempt int64
		by, at      string
	}
	rows, err := db.QueryContext(ctx, `SELECT id, attempts, claimed_by, updated_at FROM outbox WHERE state = 'sending'`)
	list, err := scanRows(rows, err, func(r *sql.Rows) (c claim, err error) {
		err = r.Scan(&c.id, &c.attempt, &c.by, &c.at)
		return
	})
	if err != nil {
		return 0, err
	}
	now := time.Now()
	stale := storedTime(now.Add(-staleSending))
	n := 0
	for _, c := range list {
		if c.at >= stale && !abandoned(c.by) {
			continue
		}
		// Only the claim that was judged: a row recorded meanwhile, or
		// sent again and claimed anew (each claim counts an attempt), is
		// not this one any more.
		res, err := db.ExecContext(ctx, `UPDATE outbox SET state = 'uncertain', updated_at = ?,
			error = 'interrupted while sending: it may have gone'
			WHERE id = ? AND state = 'sending' AND attempts = ? AND claimed_by = ?`, storedTime(now), c.id, c.attempt, c.by)
		if err != nil {
			return n, err
		}
		done, _ := res.RowsAffected()
		n += int(done)
	}
	return n, nil
}

// SendAgain queues a failed or uncertain reply again, to go at now. A sent
// or expired one is refused (ErrNotSendable): an expired reminder is too
// late to send, and would expire again at once.
func SendAgain(ctx context.Context, db *sql.DB, id int64, at time.Time) error {
	now := storedTime(at)
	res, err := db.ExecContext(ctx, `UPDATE outbox SET state = 'queued', permanent = 0, next_try = NULL, send_at = ?,
		date = ?, updated_at = ? WHERE id = ? AND state IN ('failed', 'uncertain')`, now, now, now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("reply %d: %w", id, ErrNotSendable)
	}
	return nil
}

// MarkSent records an uncertain email as sent, when the owner knows it
// went (the customer got it): it shows in its thread like any sent mail
// and is filed in Sent (unless a copy is there already). Only an uncertain
// row can be marked.
func (s *Sender) MarkSent(ctx context.Context, id int64) (*Outgoing, error) {
	s.imapErr = nil
	defer s.closeIMAP()
	defer s.closeStmts()
	o, err := scanOutbox(s.DB.QueryRowContext(ctx, selectOutgoing, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoMessage
	}
	if err != nil {
		return nil, err
	}
	if o.state != "uncertain" {
		return nil, fmt.Errorf("email %d is %s, not uncertain: %w", id, o.state, ErrNotSendable)
	}
	msg, err := outgoingMsg(o)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return nil, err
	}
	if err := s.recordSent(ctx, o, raw.Bytes()); err != nil {
		return nil, err
	}
	o.state, o.maybeFiled = "sent", true
	s.file(ctx, o)
	return LoadOutgoing(ctx, s.DB, id)
}

// ErrNotSendable: the reply is sent, being sent, expired, or gone.
var ErrNotSendable = errors.New("not waiting to be sent")

// Sender sends the outbox's replies and automated mail. A Sender is used
// by one goroutine at a time.
type Sender struct {
	DB      *sql.DB
	Account *Account
	SMTP    func(ctx context.Context) (*gomail.Client, error)     // a client not yet connected
	IMAP    func(ctx context.Context) (*imapclient.Client, error) // for Sent and \Answered; may fail (offline)
	Now     func() time.Time
	// RatePerMinute caps the automated mail a SendDue round hands over: at
	// most that many in any minute (0: no cap), so that a day's reminders
	// do not look like a burst of spam to the shop's mail provider.
	// Replies never wait for it.
	RatePerMinute int
	// Sleep waits d unless ctx ends first (then it returns ctx's error);
	// nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// RepliesOnly leaves automated mail to another Sender (the reminders'
	// scheduler): one Sender paces it, on one connection, and a sync that
	// sends the owner's replies is not held up by a day's reminders.
	RepliesOnly bool

	paced []time.Time // when the last RatePerMinute automated emails went, across rounds (see pacer)

	conn     smtpConn // the round's connection to the sending server
	imap     *imapclient.Client
	imapErr  error
	imapDone bool
	stmts    database.Stmts // the round's prepared statements (see stmt)
	// copyLater: automated mail's Sent copies wait to be stored and filed
	// a batch at a time (see keepCopy), in copies.
	copyLater bool
	copies    []sentCopy
}

// NewSender is a Sender for the account, dialling with its trusted
// certificates and the passwords secrets finds (asked for once a run).
func NewSender(db *sql.DB, acct *Account, secrets *Secrets) *Sender {
	dialer := &Dialer{Trusted: acct.Trusted}
	return &Sender{DB: db, Account: acct,
		SMTP: func(context.Context) (*gomail.Client, error) {
			pw, _, err := secrets.Password(acct.SMTP, "SMTP")
			if err != nil {
				return nil, err
			}
			return dialer.SMTPClient(acct.SMTP, pw)
		},
		IMAP: func(context.Context) (*imapclient.Client, error) {
			pw, _, err := secrets.Password(acct.IMAP, "IMAP")
			if err != nil {
				return nil, err
			}
			return dialer.DialIMAP(acct.IMAP, pw, nil)
		}}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// retryAfter is the wait before the next try of a temporarily failed
// reply: 1 min, 5 min, 15 min, 1 h, then every 3 h.
func retryAfter(attempts int) time.Duration {
	waits := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	if attempts-1 < len(waits) && attempts > 0 {
		return waits[attempts-1]
	}
	return 3 * time.Hour
}

// Send sends one queued or failed reply now, whatever its time, then files
// it (Sent copy, \Answered). The reply's new state comes back, also when
// sending failed (with the error in it).
func (s *Sender) Send(ctx context.Context, id int64) (*Outgoing, error) {
	s.imapErr = nil
	defer s.closeIMAP()
	defer s.conn.close()
	defer s.closeStmts()
	if err := s.send(ctx, id); err != nil {
		return nil, err
	}
	return LoadOutgoing(ctx, s.DB, id)
}

// SendDue sends every reply whose time has come, retries the failed ones
// whose wait is over, files the sent ones not yet filed, and expires the
// automated mail whose time has passed. It returns the replies it tried or
// expired. Replies go first; automated mail follows, at RatePerMinute.
// The round shares one connection to the SMTP server. When ctx ends while
// it waits for the rate, it stops there with ctx's error: what it had not
// taken yet stays queued.
//
// An unpaced round (RatePerMinute 0) marks each automated email sent as
// soon as the server takes it, as any reply, but stores and files its
// Sent copy with the next ones' (see keepCopy), by the end of the round;
// a paced round sends a few a minute, and records each whole.
func (s *Sender) SendDue(ctx context.Context) ([]Outgoing, error) {
	s.imapErr = nil
	defer s.closeIMAP()
	defer s.conn.close()
	defer s.closeStmts()
	s.copyLater = s.RatePerMinute <= 0
	defer func() { s.copyLater = false }()
	var out []Outgoing
	var later []int64 // rows whose state is read once their copies are stored
	done := func(err error) ([]Outgoing, error) {
		if cerr := s.storeCopies(context.WithoutCancel(ctx)); err == nil {
			err = cerr
		}
		for _, id := range later {
			o, lerr := s.loadOutgoing(ctx, id)
			if lerr != nil {
				return out, cmp.Or(err, lerr)
			}
			out = append(out, *o)
		}
		return out, err
	}
	expired, err := s.expire(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, id := range expired {
		o, err := LoadOutgoing(ctx, s.DB, id)
		if err != nil {
			return out, err
		}
		out = append(out, *o)
	}
	due, err := s.due(ctx)
	if err != nil {
		return out, err
	}
	// The pace carries over from the last round: a round that starts
	// right after one that sent its minute's worth waits.
	pace := pacer{perMinute: s.RatePerMinute, now: s.now, sleep: s.sleep, sent: s.paced}
	defer func() { s.paced = pace.sent }()
	for _, d := range due {
		at := time.Time{}
		if d.auto && d.state != "sent" {
			if at, err = pace.wait(ctx); err != nil {
				return done(err)
			}
		}
		if err := s.send(ctx, d.id); errors.Is(err, ErrNotSendable) {
			continue // another sender took it meanwhile
		} else if err != nil {
			return done(err)
		}
		if s.copyLater {
			later = append(later, d.id) // unpaced: nothing to count
			continue
		}
		o, err := s.loadOutgoing(ctx, d.id)
		if err != nil {
			return done(err)
		}
		if !at.IsZero() && o.State != "expired" {
			pace.took(at)
		}
		out = append(out, *o)
	}
	return done(nil)
}

// dueRow is a row SendDue has work for.
type dueRow struct {
	id    int64
	auto  bool
	state string
}

// due lists the rows to send or to file, replies first. A sent row with no
// original to flag (automated mail, or a reply to a message without a
// Message-ID) only waits for its Sent copy.
func (s *Sender) due(ctx context.Context) ([]dueRow, error) {
	only := ""
	if s.RepliesOnly {
		only = "auto = 0 AND "
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, auto, state FROM outbox WHERE `+only+`(
		(state = 'queued' AND send_at <= ?1) OR (state = 'failed' AND permanent = 0 AND next_try <= ?1)
		OR (state = 'sent' AND (appended = 0 OR (flagged = 0 AND answers <> '')))) ORDER BY auto, send_at, id`,
		storedTime(s.now()))
	return scanRows(rows, err, func(r *sql.Rows) (d dueRow, err error) {
		err = r.Scan(&d.id, &d.auto, &d.state)
		return
	})
}

// scanRows reads all that a query gives, a row at a time with scan, and
// closes it.
func scanRows[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// send sends a reply unless it is sent already, then files it. Only
// database errors are returned; a refused send is recorded in the row.
func (s *Sender) send(ctx context.Context, id int64) error {
	o, err := scanOutbox(s.queryRow(ctx, selectOutgoing, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoMessage
	}
	if err != nil {
		return err
	}
	// A row sent in an earlier run may have reached Sent just before that
	// run ended, unrecorded: look before appending it again.
	o.maybeFiled = o.state == "sent"
	if o.state != "sent" {
		if o.state != "queued" && o.state != "failed" {
			return fmt.Errorf("reply %d is %s: %w", id, o.state, ErrNotSendable)
		}
		if err := s.deliver(ctx, o); err != nil {
			return err
		}
		if o.state != "sent" || s.copyWaits(o) {
			return nil
		}
	}
	s.file(ctx, o)
	return nil
}

// copyWaits: the sent message's Sent copy is stored and filed with the
// next ones' (automated mail in an unpaced round).
func (s *Sender) copyWaits(o *outboxRow) bool { return s.copyLater && o.auto }

// deliver hands the reply to the SMTP server and records what happened.
func (s *Sender) deliver(ctx context.Context, o *outboxRow) error {
	// The claim's time is the wall clock's, whatever clock the sender
	// plans with: it tells other processes that this one is at it.
	// The message is built from the row as the claim leaves it, not as it
	// was read before: an edit made in between (EditReply) is what goes.
	// Whether its time has passed is the sender's clock's to say.
	// The claim names this process, so that one started after a crash
	// knows the row for interrupted (RecoverInterrupted).
	claimed, err := scanOutbox(s.queryRow(ctx, `UPDATE outbox SET state = 'sending', claimed_by = ?,
		attempts = attempts + 1, updated_at = ? WHERE id = ? AND state IN ('queued', 'failed')
		AND (expires_at IS NULL OR expires_at > ?) RETURNING `+outboxColumns, thisProcess.claim(),
		storedTime(time.Now()), o.id, storedTime(s.now())))
	if errors.Is(err, sql.ErrNoRows) {
		expired, err := s.expire(ctx, o.id)
		if err != nil {
			return err
		}
		if len(expired) == 1 {
			o.state = "expired"
			return nil
		}
		return fmt.Errorf("reply %d: %w", o.id, ErrNotSendable) // another sender took it
	}
	if err != nil {
		return err
	}
	*o = *claimed
	// From here on the row must not stay "sending": a cancelled context
	// would leave it looking interrupted.
	record := context.WithoutCancel(ctx)
	msg, err := outgoingMsg(o)
	if err != nil {
		// A reply that cannot even be written (an address that is not
		// one) waits to be edited.
		return s.recordFailure(record, o, err, CodeBadMessage, true)
	}
	err = s.conn.send(ctx, s.SMTP, msg)
	switch {
	case err == nil, msg.IsDelivered():
		// Delivered: a failure after the server's 250 (RSET, QUIT) changes
		// nothing for the customer.
	case deliveryUnknown(err):
		o.state, o.errText, o.errCode = "uncertain", err.Error(), CodeUnknownDelivery
		_, dbErr := s.DB.ExecContext(record, `UPDATE outbox SET state = 'uncertain', error = ?, error_code = ?,
			updated_at = ? WHERE id = ? AND state = 'sending'`, o.errText, o.errCode, storedTime(s.now()), o.id)
		return dbErr
	default:
		code := SendErrorCode(s.Account.SMTP, err)
		return s.recordFailure(record, o, err, code, permanentCodes[code])
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return err
	}
	o.state = "sent"
	return s.recordSent(record, o, raw.Bytes())
}

// expire marks the queued or failed mail whose expiry has passed by the
// sender's clock as expired, for good (row id, or all when id is 0), and
// returns the ids it marked.
func (s *Sender) expire(ctx context.Context, id int64) ([]int64, error) {
	now := storedTime(s.now())
	rows, err := s.DB.QueryContext(ctx, `UPDATE outbox SET state = 'expired', error_code = ?1, next_try = NULL,
		error = 'not sent: its time passed at ' || expires_at, updated_at = ?2
		WHERE state IN ('queued', 'failed') AND expires_at <= ?2 AND (?3 = 0 OR id = ?3) RETURNING id`,
		CodeExpired, now, id)
	return scanRows(rows, err, func(r *sql.Rows) (id int64, err error) {
		err = r.Scan(&id)
		return
	})
}

// deliveryUnknown: the message was handed over but the server's answer
// never came (the connection dropped, or timed out, at the end of DATA).
// It may have gone; sending it again on our own could send it twice.
func deliveryUnknown(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && se.Reason == gomail.ErrSMTPDataClose && se.ErrorCode() == 0
}

// recordFailure records a failed try: retried later, or (permanent)
// waiting for the owner.
func (s *Sender) recordFailure(ctx context.Context, o *outboxRow, err error, code string, permanent bool) error {
	o.state, o.errText, o.errCode, o.permanent = "failed", err.Error(), code, permanent
	var next any
	if !permanent {
		next = storedTime(s.now().Add(retryAfter(o.attempts)))
	}
	_, dbErr := s.DB.ExecContext(ctx, `UPDATE outbox SET state = 'failed', error = ?, error_code = ?, permanent = ?,
		next_try = ?, updated_at = ? WHERE id = ? AND state = 'sending'`, o.errText, code, permanent, next,
		storedTime(s.now()), o.id)
	return dbErr
}

// What went wrong with a reply, besides the ConnError codes (conn.*,
// tls.*, starttls.*, auth.*).
const (
	CodeRecipient       = "smtp.recipient" // the server refuses the address (5xx to RCPT TO)
	CodeRejected        = "smtp.rejected"  // the server refuses the message (other 5xx)
	CodeLater           = "smtp.later"     // the server asks to try later (4xx)
	CodeBadMessage      = "smtp.bad"       // the reply cannot be written (an address that is not one)
	CodeUnknownDelivery = "smtp.unknown"   // handed over, but no answer came: it may have gone
	CodeNoPassword      = "auth.missing"   // no password for the sending server
	CodeExpired         = "expired"        // automated mail whose time passed before it could go: not sent
)

// permanentCodes are the failures that trying again will not mend: they
// wait for the owner (a corrected address, a new password).
var permanentCodes = map[string]bool{CodeRecipient: true, CodeRejected: true, CodeBadMessage: true,
	CodeAuth: true, CodeNoAuth: true, CodeNoPassword: true, CodeUntrusted: true, CodeHostname: true,
	CodeNoStartTLS: true, CodeNotTLS: true}

// SendErrorCode names what went wrong with a send, for plain words.
func SendErrorCode(ep Endpoint, err error) string {
	var se *gomail.SendError
	switch {
	case errors.Is(err, ErrNoPassword):
		return CodeNoPassword
	case errors.As(err, &se):
		code := se.ErrorCode()
		switch {
		case se.IsTemp() || (code >= 400 && code < 500):
			return CodeLater
		case code >= 500 && se.Reason == gomail.ErrSMTPRcptTo:
			return CodeRecipient
		case code >= 500:
			return CodeRejected
		}
		return CodeClosed
	}
	var ce *ConnError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return classifySMTP(ep, err).Code
}

// recordSent marks the reply sent, stores its copy in the Sent folder of
// the database so that it shows in the thread at once, and marks the
// original answered there; all in one transaction. A reply with no
// original (automated mail) has nothing to flag: it counts as flagged, so
// that no round waits on it. An automated email whose copy waits (see
// copyWaits) is only marked sent here.
func (s *Sender) recordSent(ctx context.Context, o *outboxRow, raw []byte) error {
	c := sentCopy{o: o, raw: raw, at: s.now()}
	if s.copyWaits(o) {
		if err := s.markSent(ctx, nil, c); err != nil {
			return err
		}
		o.flagged = o.flagged || o.answers == ""
		return s.keepCopy(ctx, c)
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.markSent(ctx, tx, c); err != nil {
			return err
		}
		return s.storeSent(ctx, tx, []sentCopy{c})
	}); err != nil {
		return err
	}
	o.flagged = o.flagged || o.answers == ""
	return nil
}

// markSent marks the row sent (inside tx unless it is nil).
func (s *Sender) markSent(ctx context.Context, tx *sql.Tx, c sentCopy) error {
	res, err := s.exec(ctx, tx, `UPDATE outbox SET state = 'sent', error = '', error_code = '', sent_at = ?1,
		updated_at = ?1, flagged = (flagged OR answers = '') WHERE id = ?2 AND state IN ('sending', 'uncertain')`,
		storedTime(c.at), c.o.id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("reply %d was sent but its row changed meanwhile: %w", c.o.id, ErrNotSendable)
	}
	return nil
}

// sentFolderRow is the database's Sent folder, made if no sync found one
// yet (the first reply creates it on the server too).
func sentFolderRow(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM folder WHERE role = 'sent' ORDER BY uidvalidity = 0, id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO folder(name, role) VALUES('Sent', 'sent')
			ON CONFLICT(name) DO UPDATE SET role = 'sent' RETURNING id`).Scan(&id)
	}
	return id, err
}

// file puts the sent reply's copy in the server's Sent folder and flags
// the original \Answered. What fails waits for the next SendDue, and
// IMAPError says why.
func (s *Sender) file(ctx context.Context, o *outboxRow) {
	if o.appended && o.flagged {
		return
	}
	c := s.imapClient(ctx)
	if c == nil {
		return
	}
	// Once done on the server it must be recorded, or the next round
	// would append a second copy.
	record := context.WithoutCancel(ctx)
	if !o.appended {
		if err := s.appendSent(ctx, c, o); err != nil {
			s.imapErr = err
		} else if _, err := s.exec(record, nil, `UPDATE outbox SET appended = 1 WHERE id = ?`, o.id); err != nil {
			s.imapErr = err
		} else {
			o.appended = true
		}
	}
	if !o.flagged {
		if err := s.flagAnswered(ctx, c, o); err != nil {
			s.imapErr = err
		} else if _, err := s.exec(record, nil, `UPDATE outbox SET flagged = 1 WHERE id = ?`, o.id); err != nil {
			s.imapErr = err
		} else {
			o.flagged = true
		}
	}
}

// appendSent appends the reply to Sent, unless the server files sent
// mail itself (Gmail does, for mail sent through its SMTP server).
func (s *Sender) appendSent(ctx context.Context, c *imapclient.Client, o *outboxRow) error {
	if c.Caps().Has("X-GM-EXT-1") {
		return nil
	}
	sent, err := FindSent(c)
	if err != nil {
		return err
	}
	if sent == "" {
		sent = "Sent"
		if err := c.Create(sent, nil).Wait(); err != nil {
			return err
		}
	}
	if o.maybeFiled {
		if _, err := c.Select(sent, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return err
		}
		found, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{
			{Key: "Message-ID", Value: "<" + o.messageID + ">"}}}, nil).Wait()
		if err != nil {
			return err
		}
		if len(found.AllUIDs()) > 0 {
			return nil // it is there already
		}
	}
	msg, err := outgoingMsg(o)
	if err != nil {
		return err
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return err
	}
	ac := c.Append(sent, int64(raw.Len()), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: s.now()})
	if _, err := ac.Write(raw.Bytes()); err != nil {
		ac.Close()
		return err
	}
	if err := ac.Close(); err != nil {
		return err
	}
	_, err = ac.Wait()
	return err
}

// flagAnswered sets \Answered on the original wherever it is stored.
func (s *Sender) flagAnswered(ctx context.Context, c *imapclient.Client, o *outboxRow) error {
	if o.answers == "" {
		return nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT f.name, m.uid FROM message m JOIN folder f ON f.id = m.folder_id
		WHERE m.message_id = ? AND m.uid > 0 AND m.outgoing = 0`, o.answers)
	if err != nil {
		return err
	}
	type place struct {
		folder string
		uid    imap.UID
	}
	var places []place
	for rows.Next() {
		var p place
		var uid int64
		if err := rows.Scan(&p.folder, &uid); err != nil {
			rows.Close()
			return err
		}
		p.uid = imap.UID(uid)
		places = append(places, p)
	}
	rows.Close()
	for _, p := range places {
		if _, err := c.Select(p.folder, nil).Wait(); err != nil {
			return err
		}
		if err := c.Store(imap.UIDSetNum(p.uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{imap.FlagAnswered}}, nil).Close(); err != nil {
			return err
		}
	}
	return nil
}

// imapClient connects once per Send or SendDue, on first need.
func (s *Sender) imapClient(ctx context.Context) *imapclient.Client {
	if !s.imapDone && s.IMAP != nil {
		s.imapDone = true
		s.imap, s.imapErr = s.IMAP(ctx)
	}
	return s.imap
}

func (s *Sender) closeIMAP() {
	if s.imap != nil {
		s.imap.Logout().Wait()
		s.imap.Close()
	}
	s.imap, s.imapDone = nil, false
}

// IMAPError is why the last Send or SendDue could not file its replies on
// the server, if it could not.
func (s *Sender) IMAPError() error { return s.imapErr }

// ReplyEdit is what the owner changes in a reply not yet sent: its text
// (the signature and the quote are written again under it; automated
// mail's text is its whole body) and where it goes (an address the server
// refused).
type ReplyEdit struct {
	Text string   // "": unchanged
	To   *Address // nil: unchanged
	// The same as when the reply was written.
	Signature, Lang string
	Loc             *time.Location
}

// EditReply changes a reply that has not gone (queued, failed, uncertain)
// and queues it again: a failed one to go at once, a scheduled one at its
// time. Nothing is lost: the reply keeps its Message-ID.
func EditReply(ctx context.Context, db *sql.DB, id int64, e ReplyEdit) (*Outgoing, error) {
	o, err := scanOutbox(db.QueryRowContext(ctx, selectOutgoing, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoMessage
	}
	if err != nil {
		return nil, err
	}
	if o.state != "queued" && o.state != "failed" && o.state != "uncertain" {
		return nil, fmt.Errorf("reply %d is %s: %w", id, o.state, ErrNotSendable)
	}
	text, body := o.text, o.body
	if t := strings.TrimSpace(strings.ReplaceAll(e.Text, "\r\n", "\n")); t != "" && o.auto {
		text, body = t, autoBody(t) // automated mail's text is all of it: no signature, no quote
	} else if t != "" {
		orig, err := MessageByID(ctx, db, o.answers)
		if errors.Is(err, ErrNoMessage) {
			orig = &Message{} // the original is gone from the mailbox: no quote
		} else if err != nil {
			return nil, err
		}
		text, body = t, replyBody(t, ReplyOptions{Signature: e.Signature, Lang: e.Lang, Loc: e.Loc}, orig)
	}
	to := Address{Name: o.toName, Addr: o.toAddr}
	if e.To != nil {
		to = *e.To
		to.Addr = strings.TrimSpace(to.Addr)
	}
	now := time.Now()
	sendAt := o.sendAt
	if o.state != "queued" || sendAt.Before(now) {
		sendAt = now
	}
	res, err := db.ExecContext(ctx, `UPDATE outbox SET text = ?, body = ?, to_name = ?, to_addr = ?, state = 'queued',
		permanent = 0, error = '', error_code = '', next_try = NULL, send_at = ?, date = ?, updated_at = ?
		WHERE id = ? AND state = ?`, text, body, to.Name, to.Addr, storedTime(sendAt), storedTime(sendAt),
		storedTime(now), id, o.state)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("reply %d: %w", id, ErrNotSendable) // a sender took it meanwhile
	}
	return LoadOutgoing(ctx, db, id)
}
