package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Storing one message: parse it, keep what is read and searched, and place
// it in its thread. The sync stores what it fetches this way, and a reply
// the shop sends is stored the same way at once, before the server's copy
// in Sent is synced (see Sender).

// stored_ is one message as the server has it.
type stored_ struct {
	folder   int64
	uid      int64 // negative: a local copy of a sent reply, until the server's copy arrives
	raw      []byte
	parsed   *Parsed // raw already parsed (then raw is not needed)
	received time.Time
	size     int64
	flags    []imap.Flag
	modSeq   uint64
}

// storer holds the statements of one transaction's stores.
type storer struct {
	shop         string
	ins, att, pl *sql.Stmt
	th           *threader
	tx           *sql.Tx
	stored       []int64 // to index (see finish)
}

func newStorer(ctx context.Context, tx *sql.Tx, shopAddr string) (*storer, error) {
	st := &storer{shop: shopAddr, th: newThreader(tx), tx: tx}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	st.ins = prep(`INSERT INTO message(id, folder_id, uid, message_id, in_reply_to, refs, subject,
		from_name, from_addr, reply_to, to_addrs, cc_addrs, sent_at, received_at, size, seen, answered, flagged,
		kind, outgoing, body, from_html, problems, modseq, bounced, thread_id)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(folder_id, uid) DO NOTHING`)
	st.att = prep(`INSERT OR REPLACE INTO attachment(message_id, part, name, type, size, content_id, inline)
		VALUES(?, ?, ?, ?, ?, ?, ?)`)
	// The local copy of a reply gives way to the server's.
	st.pl = prep(`DELETE FROM message WHERE uid < 0 AND message_id = ? RETURNING thread_id`)
	if err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

func (st *storer) close() {
	st.th.close()
	for _, s := range []*sql.Stmt{st.ins, st.att, st.pl} {
		if s != nil {
			s.Close()
		}
	}
}

// finish indexes the messages stored for search, in one statement, and
// brings their threads up to date. Call it before the transaction commits.
func (st *storer) finish(ctx context.Context) error {
	if len(st.stored) > 0 {
		ids, err := json.Marshal(st.stored)
		if err != nil {
			return err
		}
		if _, err := st.tx.ExecContext(ctx, `INSERT INTO message_fts(rowid, subject, body, from_name, from_addr, to_addrs)
			SELECT id, subject, body, from_name, from_addr, to_addrs FROM message
			WHERE id IN (SELECT value FROM json_each(?))`, string(ids)); err != nil {
			return err
		}
		st.stored = st.stored[:0]
	}
	return st.th.refresh(ctx)
}

// row is a message ready to store: its columns, and what placing it in a
// thread needs. prepare works it out from the message alone, so that the
// sync does it on the goroutine that fetches, not on the database's time.
type row struct {
	folder, uid       int64
	p                 *Parsed
	kind              string
	outgoing          bool
	at, received      string
	sentAt            any // the Date header's time, or NULL
	replyTo, to, cc   string
	bounced, problems string
	inReplyTo, refs   string
	size, modSeq      int64
	flags             []imap.Flag
	thread            threadMsg
}

// prepare reads what a message's row holds; shop is the shop's address.
func prepare(shop string, m stored_) row {
	p := m.parsed
	if p == nil {
		p = ParseMessage(m.raw)
	}
	r := row{folder: m.folder, uid: m.uid, p: p, kind: messageKind(p), received: storedTime(m.received),
		replyTo: addrs(p.ReplyTo), to: addrs(p.To), cc: addrs(p.Cc), bounced: strings.Join(p.BouncedAddrs, " "),
		problems: strings.Join(p.Problems, "\n"), inReplyTo: strings.Join(p.InReplyTo, " "),
		refs: strings.Join(p.References, " "), size: m.size, modSeq: int64(m.modSeq), flags: m.flags}
	r.at = r.received
	// The shop's own mail: from its address, unless the Reply-To is
	// someone else's (a contact form sending as the shop's mailbox on the
	// customer's behalf).
	r.outgoing = shop != "" && p.From.Addr == shop &&
		(len(p.ReplyTo) == 0 || p.ReplyTo[0].Addr == "" || p.ReplyTo[0].Addr == shop)
	// The Date header orders a conversation better than arrival: the Sent
	// folder's copies arrive when they are filed, maybe much later. Mail
	// that came in cannot have been written after it arrived: a sender
	// whose clock runs ahead would put the shop's answer before the
	// question.
	if !p.Date.IsZero() {
		d := p.Date
		if !r.outgoing && d.After(m.received) {
			d = m.received
		} else if r.outgoing && d.After(m.received.Add(24*time.Hour)) {
			d = m.received
		}
		r.at = storedTime(d)
		r.sentAt = r.at // the column orders conversations (sent_at, else received_at)
	}
	r.thread = threadMsg{own: p.MessageID != "", keys: threadKeys(p.MessageID, p.InReplyTo, p.References),
		subjectKey: subjectKey(p.Subject), customer: customerOf(r.kind, r.outgoing, p.From.Addr, r.replyTo, r.to, r.bounced),
		at: r.at, orders: orderRefs(p.Subject, p.Text)}
	return r
}

// store stores the messages not stored yet, and says how many were new.
// The caller calls finish before commit.
func (st *storer) store(ctx context.Context, rows []row) (int, error) {
	// The local copy of a reply gives way to the server's.
	for _, r := range rows {
		if r.outgoing && r.p.MessageID != "" && r.uid > 0 {
			var thread sql.NullInt64
			err := st.pl.QueryRowContext(ctx, r.p.MessageID).Scan(&thread)
			if err != nil && err != sql.ErrNoRows {
				return 0, err
			}
			st.th.touch(thread)
		}
	}
	// The threads first, so that each message is written once, with its
	// own. (If a message turns out to be stored already, a thread made for
	// it stays empty and the refresh removes it.)
	msgs := make([]threadMsg, len(rows))
	for i := range rows {
		msgs[i] = rows[i].thread
	}
	threads, err := st.th.placeAll(ctx, msgs)
	if err != nil {
		return 0, err
	}
	stored := 0
	byThread := map[int64][]threadMessage{}
	for i, r := range rows {
		p := r.p
		var res sql.Result
		for try := 0; ; try++ {
			res, err = st.ins.ExecContext(ctx, messageID(r.at, try), r.folder, r.uid, p.MessageID, r.inReplyTo,
				r.refs, p.Subject, p.From.Name, p.From.Addr, r.replyTo, r.to, r.cc, r.sentAt, r.received, r.size,
				hasFlag(r.flags, imap.FlagSeen), hasFlag(r.flags, imap.FlagAnswered), hasFlag(r.flags, imap.FlagFlagged),
				r.kind, r.outgoing, p.Text, p.FromHTML, r.problems, r.modSeq, r.bounced, threads[i])
			var se *sqlite.Error
			if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				continue // that id is taken: another message of the same second
			}
			break
		}
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // stored by an earlier, interrupted run
		}
		stored++
		rowID, _ := res.LastInsertId()
		st.stored = append(st.stored, rowID)
		byThread[threads[i]] = append(byThread[threads[i]], threadMessage{id: rowID, messageID: p.MessageID, at: r.at,
			kind: r.kind, subject: p.Subject, fromName: p.From.Name, fromAddr: p.From.Addr,
			body: firstChars(p.Text, summaryChars), outgoing: r.outgoing,
			answered: hasFlag(r.flags, imap.FlagAnswered), customer: r.thread.customer})
		for _, a := range p.Attachments {
			if _, err := st.att.ExecContext(ctx, rowID, a.Part, a.Name, a.Type, a.Size, a.ContentID, a.Inline); err != nil {
				return 0, err
			}
		}
	}
	return stored, st.th.insertMade(ctx, byThread)
}

// firstChars is the start of s, n characters long at most, as SQLite's
// substr cuts it.
func firstChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// idsPerSecond is how many ids a second of dates has.
const idsPerSecond = 1 << 16

// messageID picks the id of a new message: its date in seconds times
// idsPerSecond, plus a number drawn at random for messages of the same
// second (a taken one is drawn again, see store). Ids then run in date
// order, and the search index, which walks ids, gives the newest matches
// first (see the schema's search step). After many draws, or for a date
// before 1970, nil: SQLite's next free id.
func messageID(at string, try int) any {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil || t.Unix() < 0 || try >= 16 {
		return nil
	}
	return t.Unix()*idsPerSecond + rand.Int64N(idsPerSecond)
}
