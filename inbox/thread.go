package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"mostrador/internal/database"
)

// Threads gather the messages that answer each other. A message joins the
// thread of any Message-ID it carries or references (In-Reply-To,
// References), in either direction: the sync stores newest first, so a reply
// often arrives before its original. When a mail client dropped those
// headers, the same subject with the same customer within a month joins
// them. Two threads that a message turns out to connect become one.

// fallbackWindow is how far apart in time two messages with the same
// subject and customer may be and still be taken for one conversation.
const fallbackWindow = 30 * 24 * time.Hour

// threadMsg is what placing a message in a thread needs to know.
type threadMsg struct {
	id         int64
	own        bool     // keys[0] is its own Message-ID
	keys       []string // its own Message-ID first (if it has one), then the ones it references
	subjectKey string
	customer   string
	at         string // stored time (UTC, RFC 3339)
	orders     []string
}

// messageKind tells mail written by a person ("") from automatic mail.
// A notification from a no-reply address (a platform's "new order" mail)
// is automatic too, unless it carries a Reply-To elsewhere: that is a
// contact form passing on what a customer wrote.
func messageKind(p *Parsed) string {
	switch {
	case p.Bounce:
		return "bounce"
	case p.AutoReply:
		return "auto"
	case p.Bulk:
		return "bulk"
	case machineSender(p.From.Addr) && (len(p.ReplyTo) == 0 || machineSender(p.ReplyTo[0].Addr)):
		return "auto"
	}
	return ""
}

// machineAddr matches the local parts that no person reads.
var machineAddr = regexp.MustCompile(`^(no-?reply|do-?not-?reply|no-?responder|noresponder|mailer|mailer-daemon|` +
	`postmaster|notifications?|notificaciones|notificacoes|alerts?|bounces?)([+._-].*)?$`)

func machineSender(addr string) bool {
	local, _, ok := strings.Cut(addr, "@")
	return ok && machineAddr.MatchString(local)
}

// threadKeys are the Message-IDs that tie a message to its thread: its own
// and those it answers.
func threadKeys(own string, inReplyTo, refs []string) []string {
	keys := make([]string, 0, 1+len(inReplyTo)+len(refs))
	seen := map[string]bool{"": true}
	for _, list := range [][]string{{own}, inReplyTo, refs} {
		for _, k := range list {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// threader places the messages of one transaction in threads and, before
// the transaction commits, brings the threads it touched up to date.
type threader struct {
	tx      *sql.Tx
	touched map[int64]bool
	stmts   database.Stmts // prepared once per transaction
	p       placed         // see placeAll
}

func newThreader(tx *sql.Tx) *threader {
	return &threader{tx: tx, touched: map[int64]bool{}, stmts: database.Stmts{On: tx}}
}

func (th *threader) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return th.stmts.Exec(ctx, q, args...)
}

func (th *threader) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return th.stmts.Query(ctx, q, args...)
}

// close closes the prepared statements; the caller is done with th.
func (th *threader) close() { th.stmts.Close() }

// touch marks a thread for refresh; id may be NULL.
func (th *threader) touch(id sql.NullInt64) {
	if id.Valid {
		th.touched[id.Int64] = true
	}
}

// deleteMessages deletes the messages a condition selects and brings their
// threads up to date. It returns how many were deleted.
func deleteMessages(ctx context.Context, tx *sql.Tx, where string, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM message WHERE `+where+` RETURNING thread_id`, args...)
	if err != nil {
		return 0, err
	}
	th := newThreader(tx)
	defer th.close()
	n := 0
	for rows.Next() {
		var id sql.NullInt64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		th.touch(id)
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, th.refresh(ctx)
}

// placeUnthreaded puts in threads the messages stored without one: those
// stored before threads existed (a database from an older version). Oldest
// first, as the conversation happened.
func placeUnthreaded(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, message_id, in_reply_to, refs, subject, body, kind, outgoing,
		from_addr, reply_to, to_addrs, bounced, coalesce(sent_at, received_at) AS at
		FROM message WHERE thread_id IS NULL ORDER BY at, id`)
	if err != nil {
		return err
	}
	var todo []threadMsg
	for rows.Next() {
		var m threadMsg
		var messageID, inReplyTo, refs, subject, body, kind, from, replyTo, to, bounced string
		var outgoing bool
		if err := rows.Scan(&m.id, &messageID, &inReplyTo, &refs, &subject, &body, &kind, &outgoing, &from,
			&replyTo, &to, &bounced, &m.at); err != nil {
			rows.Close()
			return err
		}
		m.keys, m.own = threadKeys(messageID, strings.Fields(inReplyTo), strings.Fields(refs)), messageID != ""
		m.subjectKey, m.orders = subjectKey(subject), orderRefs(subject, body)
		m.customer = customerOf(kind, outgoing, from, replyTo, to, bounced)
		todo = append(todo, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	th := newThreader(tx)
	defer th.close()
	if _, err := th.placeAll(ctx, todo); err != nil {
		return err
	}
	if err := th.insertMade(ctx, nil); err != nil {
		return err
	}
	if err := th.refresh(ctx); err != nil {
		return err
	}
	return tx.Commit()
}

// threadMessage is a message as the thread's summary reads it.
type threadMessage struct {
	id                                                     int64 // the message's row
	messageID, at, kind, subject, fromName, fromAddr, body string
	outgoing, answered                                     bool
	customer                                               string
}

// summaryChars is how much of a text the summary reads: enough for the
// snippet.
const summaryChars = 2000

// summaryColumns are a thread's stored summary, from its messages in order
// (at, then id), for the columns named in summaryColumnNames.
func summaryColumns(msgs []threadMessage) []any {
	// The same message in two folders (a copy to oneself) counts once.
	seen := make(map[string]bool, len(msgs))
	msgs = slices.DeleteFunc(msgs, func(m threadMessage) bool {
		dup := m.messageID != "" && seen[m.messageID]
		seen[m.messageID] = true
		return dup
	})
	s := summarize(msgs)
	return []any{s.subject, subjectKey(s.subject), s.customer, s.customerName, msgs[0].at, msgs[len(msgs)-1].at,
		len(msgs), s.snippet, s.waitingSince, s.firstResponse, s.automatic}
}

const summaryColumnNames = `subject, subject_key, customer, customer_name, started_at, last_at, messages, snippet,
	waiting_since, first_response, automatic`

// refresh recomputes the summary of every touched thread from the stored
// messages, and deletes the threads left without any.
func (th *threader) refresh(ctx context.Context) error {
	th.p = placed{} // placing reads threads' customers and times, which change here
	if len(th.touched) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(th.touched))
	clear(th.touched)
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := th.query(ctx, `SELECT thread_id, id, message_id, coalesce(sent_at, received_at) AS at, kind, subject,
		from_name, from_addr, reply_to, to_addrs, bounced, outgoing, answered, substr(body, 1, ?) FROM message
		WHERE thread_id IN (SELECT value FROM json_each(?)) ORDER BY thread_id, at, id`, summaryChars, string(arg))
	if err != nil {
		return err
	}
	summaries := map[int64][]any{}
	var msgs []threadMessage
	thread := int64(0)
	done := func() {
		if len(msgs) > 0 {
			summaries[thread] = summaryColumns(msgs)
		}
		msgs = msgs[:0]
	}
	for rows.Next() {
		var id int64
		var m threadMessage
		var replyTo, to, bounced string
		if err := rows.Scan(&id, &m.id, &m.messageID, &m.at, &m.kind, &m.subject, &m.fromName, &m.fromAddr, &replyTo,
			&to, &bounced, &m.outgoing, &m.answered, &m.body); err != nil {
			rows.Close()
			return err
		}
		if id != thread {
			done()
			thread = id
		}
		m.customer = customerOf(m.kind, m.outgoing, m.fromAddr, replyTo, to, bounced)
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	done()
	var empty []int64
	for _, id := range ids {
		cols, ok := summaries[id]
		if !ok {
			empty = append(empty, id)
			continue
		}
		if _, err := th.exec(ctx, `UPDATE thread SET (`+summaryColumnNames+`) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			WHERE id = ?`, append(cols, id)...); err != nil {
			return err
		}
	}
	return th.execJSON(ctx, `DELETE FROM thread WHERE id IN (SELECT value FROM json_each(?))`, empty, len(empty))
}

// execJSON runs a statement over a list of n rows passed as one JSON array
// (read with json_each): one statement for a whole batch. Nothing to do
// when n is 0.
func (th *threader) execJSON(ctx context.Context, q string, list any, n int) error {
	if n == 0 {
		return nil
	}
	arg, err := json.Marshal(list)
	if err != nil {
		return err
	}
	_, err = th.exec(ctx, q, string(arg))
	return err
}

// threadSummary is what refresh stores.
type threadSummary struct {
	subject, customer, customerName, snippet string
	waitingSince                             any // string or nil
	firstResponse                            any // int64 seconds or nil
	automatic                                bool
}

// summarize works out a thread's customer, whether the shop owes an answer
// and since when, and how long the first answer took. Only messages written
// by people count: an out-of-office reply, a bounce or a newsletter neither
// asks nor answers anything.
func summarize(msgs []threadMessage) threadSummary {
	var s threadSummary
	s.automatic = true
	var firstIn, pending, lastHuman *threadMessage
	for i := range msgs {
		m := &msgs[i]
		if s.subject == "" {
			s.subject = m.subject
		}
		if m.kind != "" {
			continue
		}
		s.automatic = false
		lastHuman = m
		if m.outgoing {
			if firstIn != nil && s.firstResponse == nil {
				s.firstResponse = int64(secondsBetween(firstIn.at, m.at))
			}
			pending = nil
			continue
		}
		if firstIn == nil {
			firstIn = m
		}
		if pending == nil {
			pending = m
		}
	}
	// The customer is the first person who wrote in; in a conversation the
	// shop began, the first it wrote to; failing both, whoever the
	// automatic mail was about.
	switch {
	case firstIn != nil:
		s.customer = firstIn.customer
		if firstIn.customer == firstIn.fromAddr { // not a form's sender name
			s.customerName = firstIn.fromName
		}
	default:
		for _, m := range msgs {
			if m.customer != "" {
				s.customer = m.customer
				if !m.outgoing {
					s.customerName = m.fromName
				}
				break
			}
		}
	}
	// Owed an answer: the newest message written by a person is the
	// customer's, and no mail client marked it answered. The wait counts
	// from the customer's oldest unanswered message: who wrote on Monday and
	// again on Wednesday has waited since Monday.
	if lastHuman != nil && !lastHuman.outgoing && !lastHuman.answered && pending != nil {
		s.waitingSince = pending.at
	}
	if lastHuman != nil {
		s.snippet = snippet(lastHuman.body, 160)
	} else {
		s.snippet = snippet(msgs[len(msgs)-1].body, 160)
	}
	return s
}

// customerOf is the person a message is with: who wrote it in (Reply-To
// first, as contact forms send from their own address), whom the shop
// wrote to, or whose address bounced.
func customerOf(kind string, outgoing bool, from, replyTo, to, bounced string) string {
	switch {
	case kind == "bounce":
		return firstField(bounced)
	case outgoing:
		return firstField(to)
	case replyTo != "":
		return firstField(replyTo)
	}
	return from
}

func firstField(s string) string {
	if f, _, ok := strings.Cut(s, " "); ok {
		return f
	}
	return s
}

func secondsBetween(a, b string) float64 {
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	if err1 != nil || err2 != nil || tb.Before(ta) {
		return 0
	}
	return tb.Sub(ta).Seconds()
}

// storedTime is how times are stored: UTC, to the second, sortable as text.
func storedTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
