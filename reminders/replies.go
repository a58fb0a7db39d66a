package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"mostrador/inbox"
	"mostrador/orders"
)

// Customers answer the automated emails by replying: BAJA or STOP to stop
// them, "confirmo" or "cancelar" to an appointment email, a score to the
// follow-up ("5", "4/5", "muy bien"). After each sync ReadReplies reads what
// came in, records what it says (customer_reply), and acts on it: an
// opt-out stops the automated email at once, a cancelled appointment stops
// its reminders. The owner sees every one of them.

// replyWindow is how far back ReadReplies looks: a reply to an automated
// email comes within days, and a sync that brings in an old mailbox should
// not read years of mail as answers.
const replyWindow = 14 * 24 * time.Hour

// idsPerSecond mirrors the mailbox's message ids: the date in seconds times
// 65536 (see inbox's messageID), so a range of ids is a range of dates.
const idsPerSecond = 1 << 16

// Reply is what a customer answered.
type Reply struct {
	MessageRow int64     `json:"messageRow"`
	CustomerID int64     `json:"customerId"`
	JobID      int64     `json:"jobId,omitempty"`
	Kind       string    `json:"kind"`            // optout confirm cancel rating
	Value      int       `json:"value,omitempty"` // a rating, 1 to 5
	Text       string    `json:"text"`            // the words that said it
	At         time.Time `json:"at"`
}

// ReadReplies reads the customers' messages of the last two weeks not read
// yet, and returns what they said to the automated emails.
func ReadReplies(ctx context.Context, db *sql.DB, now time.Time) ([]Reply, error) {
	from := now.Add(-replyWindow).Unix() * idsPerSecond
	// The messages dated in the window, and the answers in the threads of
	// the automated emails sent in it whatever their date: a phone whose
	// clock is wrong still says BAJA.
	rows, err := db.QueryContext(ctx, `WITH recent AS (
			SELECT m.id FROM message m WHERE m.id >= ?1
			UNION SELECT m.id FROM job j JOIN thread_key k ON k.key = j.message_id
			JOIN message m ON m.thread_id = k.thread_id WHERE j.queued_at >= ?2 AND m.id < ?1)
		SELECT m.id, m.from_addr, m.reply_to, m.subject, substr(m.body, 1, 4000),
		m.in_reply_to, m.refs, coalesce(m.sent_at, m.received_at) FROM recent JOIN message m ON m.id = recent.id
		WHERE m.outgoing = 0 AND m.kind = '' AND m.uid > 0
		AND NOT EXISTS (SELECT 1 FROM customer_reply r WHERE r.message_row = m.id) ORDER BY m.id`,
		from, stamp(now.Add(-replyWindow)))
	if err != nil {
		return nil, err
	}
	type incoming struct {
		row                                         int64
		from, replyTo, subject, body, inReplyTo, at string
		refs                                        string
	}
	var list []incoming
	for rows.Next() {
		var m incoming
		if err := rows.Scan(&m.row, &m.from, &m.replyTo, &m.subject, &m.body, &m.inReplyTo, &m.refs, &m.at); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Reply
	for _, m := range list {
		sender := m.from
		if f := strings.Fields(m.replyTo); len(f) > 0 {
			sender = f[0]
		}
		at, err := parseStamp(m.at)
		if err != nil {
			at = now
		}
		r, err := readReply(ctx, db, m.row, sender, m.subject, m.body, strings.Fields(m.inReplyTo+" "+m.refs), at)
		if err != nil {
			return out, err
		}
		if r.Kind != "" {
			if err := act(ctx, db, r, now); err != nil {
				return out, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// answered is the automated email a message answers, if any.
type answered struct {
	job, customer, appointment int64
	rule, step                 string
}

// readReply works out and records what one message says.
func readReply(ctx context.Context, db *sql.DB, row int64, sender, subject, body string, refs []string, at time.Time) (Reply, error) {
	r := Reply{MessageRow: row, At: at}
	var a answered
	if len(refs) > 0 {
		q := `SELECT id, customer_id, coalesce(appointment_id, 0), rule, step FROM job WHERE message_id IN (?` +
			strings.Repeat(", ?", len(refs)-1) + `) ORDER BY id DESC LIMIT 1`
		args := make([]any, len(refs))
		for i, k := range refs {
			args[i] = k
		}
		err := db.QueryRowContext(ctx, q, args...).Scan(&a.job, &a.customer, &a.appointment, &a.rule, &a.step)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
	}
	// The address of a customer merged into another is that one's.
	customer, err := orders.CustomerByEmail(ctx, db, sender)
	if err != nil && !errors.Is(err, orders.ErrNoCustomer) {
		return r, err
	}
	switch {
	case a.job != 0:
		// A job left with a customer merged away since answers for the
		// customer it was merged into.
		if a.customer, err = orders.KeptCustomer(ctx, db, a.customer); err != nil {
			return r, err
		}
		r.JobID, r.CustomerID = a.job, a.customer
	case customer != 0:
		r.CustomerID = customer
	}
	first := firstLine(body)
	switch {
	case r.CustomerID != 0 && (optOutWord(subject) || optOutWord(first)):
		r.Kind, r.Text = "optout", pick(first, subject)
	case a.rule == Appointment && a.appointment != 0:
		if kind := appointmentAnswer(first); kind != "" {
			r.Kind, r.Text = kind, first
		}
	case a.rule == FollowUp:
		if v := rating(first); v > 0 {
			r.Kind, r.Value, r.Text = "rating", v, first
		}
	}
	var job, cust, value any
	if r.JobID != 0 {
		job = r.JobID
	}
	if r.CustomerID != 0 {
		cust = r.CustomerID
	}
	if r.Value != 0 {
		value = r.Value
	}
	_, err = db.ExecContext(ctx, `INSERT INTO customer_reply(message_row, customer_id, job_id, kind, value, text, at)
		VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_row) DO NOTHING`, row, cust, job, r.Kind, value, r.Text, stamp(at))
	return r, err
}

// act does what a reply asks: an opt-out stops the automated email, a
// cancelled appointment its reminders.
func act(ctx context.Context, db *sql.DB, r Reply, now time.Time) error {
	switch r.Kind {
	case "optout":
		return SetOptOut(ctx, db, r.CustomerID, OptOut{All: true}, "reply", now)
	case "cancel":
		var appointment int64
		if err := db.QueryRowContext(ctx, `SELECT coalesce(appointment_id, 0) FROM job WHERE id = ?`, r.JobID).
			Scan(&appointment); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `UPDATE job SET state = 'cancelled', reason = ?, updated_at = ?
			WHERE appointment_id = ? AND state = 'planned' AND step IN (?, ?)`, "job.customerCancelled", stamp(now),
			appointment, StepRemind24, StepRemind2); err != nil {
			return err
		}
		ids, err := queuedOutbox(ctx, db, `appointment_id = ? AND step IN (?, ?)`, appointment, StepRemind24, StepRemind2)
		if err != nil {
			return err
		}
		_, err = inbox.Withdraw(ctx, db, ids, "the customer cancelled the appointment", now)
		return err
	}
	return nil
}

// OptOut is what a customer (or the owner for them) asked to stop.
type OptOut struct {
	All          bool `json:"all"`          // every automated email but appointments'
	Appointments bool `json:"appointments"` // appointment emails too
}

// SetOptOut records a customer's opt-out (source: reply or owner): set
// parts turn on, and with the owner as source, unset parts turn off (the
// switch on the card goes both ways). Planned jobs it stops are skipped
// when due, with the reason.
func SetOptOut(ctx context.Context, db *sql.DB, customer int64, o OptOut, source string, now time.Time) error {
	if customer == 0 {
		return fmt.Errorf("opt-out: no customer")
	}
	on := func(b bool) any {
		if b {
			return stamp(now)
		}
		return nil
	}
	q := `INSERT INTO contact_pref(customer_id, opted_out, opted_out_appointments, opt_out_source, updated_at)
		VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(customer_id) DO UPDATE SET
		opted_out = coalesce(opted_out, excluded.opted_out),
		opted_out_appointments = coalesce(opted_out_appointments, excluded.opted_out_appointments),
		opt_out_source = excluded.opt_out_source, updated_at = excluded.updated_at`
	if source == "owner" {
		q = `INSERT INTO contact_pref(customer_id, opted_out, opted_out_appointments, opt_out_source, updated_at)
		VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(customer_id) DO UPDATE SET
		opted_out = CASE WHEN excluded.opted_out IS NULL THEN NULL ELSE coalesce(opted_out, excluded.opted_out) END,
		opted_out_appointments = CASE WHEN excluded.opted_out_appointments IS NULL THEN NULL
			ELSE coalesce(opted_out_appointments, excluded.opted_out_appointments) END,
		opt_out_source = excluded.opt_out_source, updated_at = excluded.updated_at`
	}
	if _, err := db.ExecContext(ctx, q, customer, on(o.All || o.Appointments), on(o.Appointments), source, stamp(now)); err != nil {
		return err
	}
	// At once means also what already waits in the outbox (queued, or
	// failed and waiting to be retried).
	if !o.All && !o.Appointments {
		return nil
	}
	ids, err := queuedOutbox(ctx, db, `customer_id = ? AND (rule <> ? OR ?)`, customer, Appointment, o.Appointments)
	if err != nil {
		return err
	}
	_, err = inbox.Withdraw(ctx, db, ids, "the customer opted out", now)
	return err
}

// ClearBadAddress forgets that the mail server refused a customer's
// address (the owner corrected it, or it was the server's mistake).
func ClearBadAddress(ctx context.Context, db *sql.DB, customer int64, now time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE contact_pref SET bad_address = NULL, updated_at = ? WHERE customer_id = ?`,
		stamp(now), customer)
	return err
}

// queuedOutbox lists the outbox rows of queued jobs a condition selects.
func queuedOutbox(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, where string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT outbox_id FROM job WHERE state = 'queued' AND outbox_id IS NOT NULL AND `+
		where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// firstLine is the first line a customer wrote: above the quote, without
// greeting punctuation.
func firstLine(body string) string {
	for line := range strings.SplitSeq(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") {
			continue
		}
		return line
	}
	return ""
}

func pick(a, b string) string {
	if optOutWord(a) {
		return a
	}
	return b
}

// words is a line in lower case, without accents or punctuation, as words.
func words(s string) []string {
	return strings.FieldsFunc(orders.Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '/'
	})
}

// optOutWord: the line says nothing but "stop these emails" (BAJA, STOP,
// "darme de baja", "unsubscribe"): a normal sentence that happens to hold
// "stop" does not.
func optOutWord(line string) bool {
	w := strings.Join(words(line), " ")
	switch w {
	case "baja", "stop", "unsubscribe", "darme de baja", "dar de baja", "de baja", "baja por favor",
		"stop please", "please stop", "no mas correos", "no more emails", "cancelar suscripcion":
		return true
	}
	return false
}

// appointmentAnswer is "confirm" or "cancel" when the first line says so.
func appointmentAnswer(line string) string {
	w := words(line)
	if len(w) == 0 || len(w) > 8 {
		return ""
	}
	for _, x := range w {
		switch x {
		case "cancelar", "cancelo", "cancela", "anular", "anulo", "cancel", "cancelled", "canceled", "cancelada":
			return "cancel"
		}
	}
	for _, x := range w {
		switch x {
		case "confirmo", "confirmado", "confirmada", "confirmar", "confirm", "confirmed", "alli", "alla":
			return "confirm"
		}
	}
	return ""
}

// scoreWords may follow a score: "4 de 5", "5 estrellas".
var scoreWords = map[string]bool{"de": true, "of": true, "sobre": true, "out": true, "estrellas": true,
	"estrella": true, "stars": true, "star": true, "puntos": true}

// rating reads a satisfaction score from the first line: a number from 1
// to 5 ("5", "4/5", "4 de 5", "5 estrellas") or words ("muy bien",
// "excellent").
func rating(line string) int {
	w := words(line)
	if len(w) == 0 || len(w) > 12 {
		return 0
	}
	for i, x := range w {
		n, rest, _ := strings.Cut(x, "/")
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || v > 5 || (rest != "" && rest != "5") {
			continue
		}
		// "5", "4/5", "4 de 5", "5 estrellas": not "2 semanas".
		if i+1 < len(w) && rest == "" && !scoreWords[w[i+1]] {
			continue
		}
		return v
	}
	phrase := " " + strings.Join(w, " ") + " "
	if strings.Contains(phrase, " no ") || strings.Contains(phrase, " not ") {
		return 0 // "no muy bien": better read by the owner than guessed
	}
	for _, s := range []struct {
		words string
		v     int
	}{
		{" muy mal ", 1}, {" fatal ", 1}, {" terrible ", 1}, {" horrible ", 1}, {" very bad ", 1},
		{" muy bien ", 5}, {" excelente ", 5}, {" perfecto ", 5}, {" genial ", 5}, {" encantada ", 5},
		{" encantado ", 5}, {" excellent ", 5}, {" perfect ", 5}, {" great ", 5}, {" love it ", 5},
		{" mal ", 2}, {" bad ", 2}, {" regular ", 3}, {" so so ", 3}, {" bien ", 4}, {" good ", 4},
	} {
		if strings.Contains(phrase, s.words) {
			return s.v
		}
	}
	return 0
}
