package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Thread is a conversation as the inbox lists it and the card shows it.
type Thread struct {
	ID           int64      `json:"id"`
	Subject      string     `json:"subject"`
	Customer     string     `json:"customer"` // normalized address
	CustomerName string     `json:"customerName,omitempty"`
	StartedAt    time.Time  `json:"startedAt"`
	LastAt       time.Time  `json:"lastAt"`
	Messages     int        `json:"messages"`
	Snippet      string     `json:"snippet"`
	WaitingSince *time.Time `json:"waitingSince,omitempty"` // set while the shop owes an answer
	// FirstResponse is how long the shop took to answer the customer's
	// first message, in seconds; nil while it has not answered.
	FirstResponse *int64 `json:"firstResponseSeconds,omitempty"`
	// Automatic: only auto-replies, bounces or bulk mail.
	Automatic bool `json:"automatic"`
	// Orders are the order numbers written in the thread.
	Orders []string `json:"orders,omitempty"`
}

// Waiting is how long the customer has waited at now, or 0.
func (t *Thread) Waiting(now time.Time) time.Duration {
	if t.WaitingSince == nil || now.Before(*t.WaitingSince) {
		return 0
	}
	return now.Sub(*t.WaitingSince)
}

// Message is one stored message, for reading.
type Message struct {
	ID          int64        `json:"id"`
	Folder      string       `json:"folder"`
	UID         uint32       `json:"uid"` // 0: a local copy of a reply just sent, not synced from the server yet
	MessageID   string       `json:"messageId,omitempty"`
	InReplyTo   []string     `json:"inReplyTo,omitempty"`
	References  []string     `json:"references,omitempty"`
	Subject     string       `json:"subject"`
	From        Address      `json:"from"`
	ReplyTo     []string     `json:"replyTo,omitempty"`
	To          []string     `json:"to,omitempty"`
	Cc          []string     `json:"cc,omitempty"`
	At          time.Time    `json:"at"`
	Outgoing    bool         `json:"outgoing"`
	Kind        string       `json:"kind,omitempty"` // auto, bounce, bulk; "" for mail written by a person
	Seen        bool         `json:"seen"`
	Answered    bool         `json:"answered"`
	Body        string       `json:"body"`
	FromHTML    bool         `json:"fromHtml,omitempty"`
	Problems    []string     `json:"problems,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	ThreadID    int64        `json:"threadId"`
}

// ErrNoMessage is returned when no stored message matches.
var ErrNoMessage = errors.New("no such message")

const threadColumns = `t.id, t.subject, t.customer, t.customer_name, t.started_at, t.last_at, t.messages, t.snippet,
	t.waiting_since, t.first_response, t.automatic,
	(SELECT group_concat(number, ' ') FROM thread_order o WHERE o.thread_id = t.id)`

func scanThreads(rows *sql.Rows) ([]Thread, error) {
	defer rows.Close()
	out := []Thread{}
	for rows.Next() {
		var t Thread
		var started, last string
		var waiting, orders sql.NullString
		var first sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Subject, &t.Customer, &t.CustomerName, &started, &last, &t.Messages,
			&t.Snippet, &waiting, &first, &t.Automatic, &orders); err != nil {
			return nil, err
		}
		t.StartedAt, _ = time.Parse(time.RFC3339, started)
		t.LastAt, _ = time.Parse(time.RFC3339, last)
		if waiting.Valid {
			w, err := time.Parse(time.RFC3339, waiting.String)
			if err == nil {
				t.WaitingSince = &w
			}
		}
		if first.Valid {
			t.FirstResponse = &first.Int64
		}
		t.Orders = strings.Fields(orders.String)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ThreadsWith lists the threads with a customer, newest first: those with
// any of their addresses, and those that name any of their order numbers
// (a customer writing from another address about order #1042). Numbers are
// compared without a leading "#".
func ThreadsWith(ctx context.Context, db *sql.DB, addrs, orderNumbers []string) ([]Thread, error) {
	var conds []string
	var args []any
	if len(addrs) > 0 {
		conds = append(conds, `t.customer IN (?`+strings.Repeat(", ?", len(addrs)-1)+`)`)
		for _, a := range addrs {
			args = append(args, a)
		}
	}
	var nums []any
	for _, n := range orderNumbers {
		if n = strings.TrimLeft(strings.TrimSpace(n), "#"); n != "" {
			nums = append(nums, n)
		}
	}
	if len(nums) > 0 {
		conds = append(conds, `t.id IN (SELECT thread_id FROM thread_order WHERE number IN (?`+
			strings.Repeat(", ?", len(nums)-1)+`))`)
		args = append(args, nums...)
	}
	if len(conds) == 0 {
		return []Thread{}, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT `+threadColumns+` FROM thread t WHERE `+strings.Join(conds, " OR ")+
		` ORDER BY t.last_at DESC, t.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	return scanThreads(rows)
}

// Correspondents lists the people who wrote to the shop themselves (not
// only automatic mail about them), once each, with the name they wrote
// under.
func Correspondents(ctx context.Context, db *sql.DB) ([]Address, error) {
	rows, err := db.QueryContext(ctx, `SELECT t.customer, max(t.customer_name) FROM thread t
		WHERE t.automatic = 0 AND t.customer <> '' AND EXISTS (
			SELECT 1 FROM message m WHERE m.thread_id = t.id AND m.outgoing = 0 AND m.kind = '')
		GROUP BY t.customer`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		var a Address
		if err := rows.Scan(&a.Addr, &a.Name); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// WaitingThreads lists the threads where the shop owes an answer, the
// longest waiting first.
func WaitingThreads(ctx context.Context, db *sql.DB, limit int) ([]Thread, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.QueryContext(ctx, `SELECT `+threadColumns+` FROM thread t WHERE t.waiting_since IS NOT NULL
		ORDER BY t.waiting_since, t.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return scanThreads(rows)
}

// ThreadByID loads one thread's summary.
func ThreadByID(ctx context.Context, db *sql.DB, id int64) (*Thread, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+threadColumns+` FROM thread t WHERE t.id = ?`, id)
	if err != nil {
		return nil, err
	}
	ts, err := scanThreads(rows)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ErrNoMessage
	}
	return &ts[0], nil
}

const messageColumns = `m.id, f.name, m.uid, m.message_id, m.in_reply_to, m.refs, m.subject, m.from_name, m.from_addr,
	m.reply_to, m.to_addrs, m.cc_addrs, coalesce(m.sent_at, m.received_at), m.outgoing, m.kind, m.seen, m.answered,
	m.body, m.from_html, m.problems, coalesce(m.thread_id, 0)`

// ThreadMessages lists a thread's messages in the order they were written;
// a message stored in two folders (a copy to oneself) is listed once.
func ThreadMessages(ctx context.Context, db *sql.DB, thread int64) ([]Message, error) {
	msgs, err := queryMessages(ctx, db, `m.thread_id = ? ORDER BY coalesce(m.sent_at, m.received_at), m.id`, thread)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := msgs[:0]
	for _, m := range msgs {
		if m.MessageID != "" && seen[m.MessageID] {
			continue
		}
		seen[m.MessageID] = true
		out = append(out, m)
	}
	return out, nil
}

// MessageByID finds a stored message by its Message-ID (with or without
// angle brackets), preferring the INBOX copy.
func MessageByID(ctx context.Context, db *sql.DB, messageID string) (*Message, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(messageID), "<"), ">")
	msgs, err := queryMessages(ctx, db, `m.message_id = ? ORDER BY f.role = 'inbox' DESC, m.id LIMIT 1`, id)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, ErrNoMessage
	}
	return &msgs[0], nil
}

func queryMessages(ctx context.Context, db *sql.DB, where string, args ...any) ([]Message, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+messageColumns+` FROM message m JOIN folder f ON f.id = m.folder_id
		WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	index := map[int64]int{}
	for rows.Next() {
		var m Message
		var inReplyTo, refs, replyTo, to, cc, at, problems string
		var uid int64 // negative for a local copy (see Sender.recordSent)
		if err := rows.Scan(&m.ID, &m.Folder, &uid, &m.MessageID, &inReplyTo, &refs, &m.Subject, &m.From.Name,
			&m.From.Addr, &replyTo, &to, &cc, &at, &m.Outgoing, &m.Kind, &m.Seen, &m.Answered, &m.Body, &m.FromHTML,
			&problems, &m.ThreadID); err != nil {
			return nil, err
		}
		if uid > 0 {
			m.UID = uint32(uid)
		}
		m.InReplyTo, m.References = strings.Fields(inReplyTo), strings.Fields(refs)
		m.ReplyTo, m.To, m.Cc = strings.Fields(replyTo), strings.Fields(to), strings.Fields(cc)
		m.At, _ = time.Parse(time.RFC3339, at)
		if problems != "" {
			m.Problems = strings.Split(problems, "\n")
		}
		index[m.ID] = len(out)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(out))
	for _, m := range out {
		ids = append(ids, m.ID)
	}
	att, err := db.QueryContext(ctx, `SELECT message_id, part, name, type, size, content_id, inline FROM attachment
		WHERE message_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY message_id, part`, ids...)
	if err != nil {
		return nil, err
	}
	defer att.Close()
	for att.Next() {
		var id int64
		var a Attachment
		if err := att.Scan(&id, &a.Part, &a.Name, &a.Type, &a.Size, &a.ContentID, &a.Inline); err != nil {
			return nil, err
		}
		out[index[id]].Attachments = append(out[index[id]].Attachments, a)
	}
	return out, att.Err()
}
