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

// store stores one message unless it is stored already, and reports
// whether it was new. The caller calls finish before commit.
func (st *storer) store(ctx context.Context, m stored_) (bool, error) {
	p := m.parsed
	if p == nil {
		p = ParseMessage(m.raw)
	}
	kind := messageKind(p)
	received := storedTime(m.received)
	at := received
	var sentAt any
	// The shop's own mail: from its address, unless the Reply-To is
	// someone else's (a contact form sending as the shop's mailbox on the
	// customer's behalf).
	outgoing := st.shop != "" && p.From.Addr == st.shop &&
		(len(p.ReplyTo) == 0 || p.ReplyTo[0].Addr == "" || p.ReplyTo[0].Addr == st.shop)
	// The Date header orders a conversation better than arrival: the Sent
	// folder's copies arrive when they are filed, maybe much later. Mail
	// that came in cannot have been written after it arrived: a sender
	// whose clock runs ahead would put the shop's answer before the
	// question.
	if !p.Date.IsZero() {
		d := p.Date
		if !outgoing && d.After(m.received) {
			d = m.received
		} else if outgoing && d.After(m.received.Add(24*time.Hour)) {
			d = m.received
		}
		at = storedTime(d)
		sentAt = at // the column orders conversations (sent_at, else received_at)
	}
	if outgoing && p.MessageID != "" && m.uid > 0 {
		var thread sql.NullInt64
		err := st.pl.QueryRowContext(ctx, p.MessageID).Scan(&thread)
		if err != nil && err != sql.ErrNoRows {
			return false, err
		}
		st.th.touch(thread)
	}
	replyTo, to, bounced := addrs(p.ReplyTo), addrs(p.To), strings.Join(p.BouncedAddrs, " ")
	// The thread first, so that the message is written once, with it. (If
	// the message turns out to be stored already, a thread made for it
	// stays empty and the refresh removes it.)
	thread, err := st.th.place(ctx, threadMsg{own: p.MessageID != "", keys: threadKeys(p.MessageID, p.InReplyTo, p.References),
		subjectKey: subjectKey(p.Subject), customer: customerOf(kind, outgoing, p.From.Addr, replyTo, to, bounced),
		at: at, orders: orderRefs(p.Subject, p.Text)})
	if err != nil {
		return false, err
	}
	var res sql.Result
	for try := 0; ; try++ {
		res, err = st.ins.ExecContext(ctx, messageID(at, try), m.folder, m.uid, p.MessageID, strings.Join(p.InReplyTo, " "),
			strings.Join(p.References, " "), p.Subject, p.From.Name, p.From.Addr, replyTo, to,
			addrs(p.Cc), sentAt, received, m.size,
			hasFlag(m.flags, imap.FlagSeen), hasFlag(m.flags, imap.FlagAnswered), hasFlag(m.flags, imap.FlagFlagged),
			kind, outgoing, p.Text, p.FromHTML, strings.Join(p.Problems, "\n"), int64(m.modSeq), bounced, thread)
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			continue // that id is taken: another message of the same second
		}
		break
	}
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // stored by an earlier, interrupted run
	}
	rowID, _ := res.LastInsertId()
	st.stored = append(st.stored, rowID)
	for _, a := range p.Attachments {
		if _, err := st.att.ExecContext(ctx, rowID, a.Part, a.Name, a.Type, a.Size, a.ContentID, a.Inline); err != nil {
			return false, err
		}
	}
	return true, nil
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
