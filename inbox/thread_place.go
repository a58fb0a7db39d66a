package inbox

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Placing messages in threads, a batch at a time. The database is asked
// once per batch for every thread that the batch's Message-IDs and subjects
// could join (load); the messages are then placed one by one in memory, in
// the order they come, exactly as if each were looked up on its own; and
// what changed is written back in a few statements (write). Asking the
// database per message cost a first sync more than storing the messages.

// threadRow is what placing needs of a thread: how it is found by subject,
// and whose it is.
type threadRow struct {
	subjectKey, customer string
	startedAt, lastAt    string
	stored               bool // in the database (else made by this placement, not yet written)
}

// subjectOf is what the subject fallback matches: the same subject with
// the same customer.
type subjectOf struct{ key, customer string }

// placed is what a threader knows between the first placement of a
// transaction and its refresh, which changes threads' customers and times
// and so ends it.
type placed struct {
	keys      map[string]int64 // Message-ID → thread, loaded or added
	threads   map[int64]*threadRow
	bySubject map[subjectOf][]int64
	subjects  map[subjectOf]bool // loaded from the database
	merged    map[int64]int64    // thread merged away → the thread it went into
	nextID    int64              // the id the next new thread gets
	made      []int64            // new threads, to insert
	newKeys   []string           // keys first seen, to insert
	orders    [][2]any           // (number, thread) to insert
	moves     [][2]int64         // (message, thread) for messages stored already
}

// placeAll places the messages in threads and returns each one's thread,
// making and merging threads as needed. The threads it makes are stored by
// insertMade, which the caller calls once it has stored the messages: the
// transaction checks foreign keys at commit.
func (th *threader) placeAll(ctx context.Context, msgs []threadMsg) ([]int64, error) {
	if err := th.load(ctx, msgs); err != nil {
		return nil, err
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		id, err := th.place(ctx, m)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	// A later message may have merged an earlier one's thread away.
	for i := range ids {
		ids[i] = th.find(ids[i])
	}
	return ids, th.write(ctx)
}

// load reads the threads the messages could join that it does not know yet:
// those holding any of their Message-IDs, and those with their subject and
// customer.
func (th *threader) load(ctx context.Context, msgs []threadMsg) error {
	p := &th.p
	if p.keys == nil {
		*p = placed{keys: map[string]int64{}, threads: map[int64]*threadRow{}, bySubject: map[subjectOf][]int64{},
			subjects: map[subjectOf]bool{}, merged: map[int64]int64{}}
		if err := th.tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM thread`).Scan(&p.nextID); err != nil {
			return err
		}
		if _, err := th.tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil { // until the transaction ends
			return err
		}
	}
	var keys []string
	var subjects [][2]string
	for _, m := range msgs {
		for _, k := range m.keys {
			if _, ok := p.keys[k]; !ok {
				keys = append(keys, k)
			}
		}
		if s := (subjectOf{m.subjectKey, m.customer}); s.key != "" && s.customer != "" && !p.subjects[s] {
			p.subjects[s] = true
			subjects = append(subjects, [2]string{s.key, s.customer})
		}
	}
	if len(keys) > 0 {
		err := th.loadRows(ctx, `SELECT t.id, t.subject_key, t.customer, t.started_at, t.last_at, k.key
			FROM thread_key k JOIN thread t ON t.id = k.thread_id WHERE k.key IN (SELECT value FROM json_each(?))`, keys)
		if err != nil {
			return err
		}
	}
	if len(subjects) > 0 {
		return th.loadRows(ctx, `SELECT id, subject_key, customer, started_at, last_at, NULL FROM thread
			WHERE (subject_key, customer) IN (SELECT value->>0, value->>1 FROM json_each(?))`, subjects)
	}
	return nil
}

// loadRows reads threads, and the key that found each (or NULL).
func (th *threader) loadRows(ctx context.Context, q string, list any) error {
	arg, err := json.Marshal(list)
	if err != nil {
		return err
	}
	rows, err := th.query(ctx, q, string(arg))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key sql.NullString
		t := &threadRow{stored: true}
		if err := rows.Scan(&id, &t.subjectKey, &t.customer, &t.startedAt, &t.lastAt, &key); err != nil {
			return err
		}
		th.know(id, t)
		if key.Valid {
			th.p.keys[key.String] = id
		}
	}
	return rows.Err()
}

// know adds a thread to those placing knows, unless it knows it already.
func (th *threader) know(id int64, t *threadRow) {
	if _, ok := th.p.threads[id]; ok {
		return
	}
	th.p.threads[id] = t
	s := subjectOf{t.subjectKey, t.customer}
	th.p.bySubject[s] = append(th.p.bySubject[s], id)
}

// find is the thread that thread id is now, after merges.
func (th *threader) find(id int64) int64 {
	for {
		to, ok := th.p.merged[id]
		if !ok {
			return id
		}
		id = to
	}
}

// place finds a message's thread among the known ones, making or merging
// threads as needed.
func (th *threader) place(ctx context.Context, m threadMsg) (int64, error) {
	p := &th.p
	// Its own Message-ID ties it to its thread whoever wrote it (a reply
	// stored before it named it). What it references ties it only to a
	// conversation with the same customer: every customer who answers the
	// same newsletter or Bcc'd notice references that one message, and
	// they are as many conversations.
	refs := m.keys
	var ids []int64
	if m.own && len(m.keys) > 0 {
		if id, ok := p.keys[m.keys[0]]; ok {
			ids = append(ids, th.find(id))
		}
		refs = m.keys[1:]
	}
	for _, k := range refs {
		id, ok := p.keys[k]
		if !ok {
			continue
		}
		id = th.find(id)
		if owner := p.threads[id].customer; m.customer != "" && owner != "" && owner != m.customer {
			continue
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 && m.subjectKey != "" && m.customer != "" {
		if id, ok := th.bySubjectNear(m); ok {
			ids = append(ids, id)
		}
	}
	var id int64
	switch len(ids) {
	case 0:
		id = p.nextID
		p.nextID++
		th.know(id, &threadRow{subjectKey: m.subjectKey, customer: m.customer, startedAt: m.at, lastAt: m.at})
		p.made = append(p.made, id)
	default:
		id = ids[0]
		if err := th.merge(ctx, id, ids[1:]); err != nil {
			return 0, err
		}
	}
	th.touched[id] = true
	for _, k := range m.keys {
		if _, ok := p.keys[k]; !ok {
			p.keys[k] = id
			p.newKeys = append(p.newKeys, k)
		}
	}
	for _, n := range m.orders {
		p.orders = append(p.orders, [2]any{n, id})
	}
	if m.id != 0 {
		p.moves = append(p.moves, [2]int64{m.id, id})
	}
	return id, nil
}

// bySubjectNear is the thread with the message's subject and customer
// whose time is within fallbackWindow of it, the most recent first.
func (th *threader) bySubjectNear(m threadMsg) (int64, bool) {
	at, err := time.Parse(time.RFC3339, m.at)
	if err != nil {
		return 0, false
	}
	from, to := storedTime(at.Add(-fallbackWindow)), storedTime(at.Add(fallbackWindow))
	best, found := int64(0), false
	for _, id := range th.p.bySubject[subjectOf{m.subjectKey, m.customer}] {
		t := th.p.threads[id]
		if t.lastAt < from || t.startedAt > to {
			continue
		}
		if !found || t.lastAt > th.p.threads[best].lastAt {
			best, found = id, true
		}
	}
	return best, found
}

// merge moves everything of the other threads into thread id.
func (th *threader) merge(ctx context.Context, id int64, others []int64) error {
	p := &th.p
	for _, o := range others {
		t := p.threads[o]
		if t.stored {
			for _, q := range []string{
				`UPDATE message SET thread_id = ? WHERE thread_id = ?`,
				`UPDATE thread_key SET thread_id = ? WHERE thread_id = ?`,
				`UPDATE OR IGNORE thread_order SET thread_id = ? WHERE thread_id = ?`,
			} {
				if _, err := th.exec(ctx, q, id, o); err != nil {
					return err
				}
			}
			if _, err := th.exec(ctx, `DELETE FROM thread WHERE id = ?`, o); err != nil {
				return err
			}
		}
		p.merged[o] = id
		delete(p.threads, o)
		s := subjectOf{t.subjectKey, t.customer}
		p.bySubject[s] = slices.DeleteFunc(p.bySubject[s], func(x int64) bool { return x == o })
		delete(th.touched, o)
	}
	return nil
}

// write stores the keys and order numbers placing added, and the thread of
// messages stored already.
func (th *threader) write(ctx context.Context) error {
	p := &th.p
	keys := make([][2]any, len(p.newKeys))
	for i, k := range p.newKeys {
		keys[i] = [2]any{k, th.find(p.keys[k])}
	}
	for i := range p.orders {
		p.orders[i][1] = th.find(p.orders[i][1].(int64))
	}
	for i := range p.moves {
		p.moves[i][1] = th.find(p.moves[i][1])
	}
	for _, w := range []struct {
		q    string
		list any
		n    int
	}{
		{`INSERT OR IGNORE INTO thread_key(key, thread_id) SELECT value->>0, value->>1 FROM json_each(?)`, keys, len(keys)},
		{`INSERT OR IGNORE INTO thread_order(number, thread_id) SELECT value->>0, value->>1 FROM json_each(?)`,
			p.orders, len(p.orders)},
		{`UPDATE message SET thread_id = j.value->>1 FROM json_each(?) AS j WHERE message.id = j.value->>0`,
			p.moves, len(p.moves)},
	} {
		if err := th.execJSON(ctx, w.q, w.list, w.n); err != nil {
			return err
		}
	}
	p.newKeys, p.orders, p.moves = p.newKeys[:0], p.orders[:0], p.moves[:0]
	return nil
}

// insertMade stores the threads that placing made. One whose messages are
// all in msgs (the messages just stored, by thread) is stored with its
// summary, and needs no refresh: a first sync makes a thread for most
// messages, and reading each back costs as much as storing it. The others
// (their messages were stored already, by an interrupted run) are stored
// bare, for the refresh to fill in or delete.
func (th *threader) insertMade(ctx context.Context, msgs map[int64][]threadMessage) error {
	p := &th.p
	for _, id := range p.made {
		t, ok := p.threads[id]
		if !ok {
			continue // merged into another
		}
		t.stored = true
		if list := msgs[id]; len(list) > 0 {
			slices.SortFunc(list, func(a, b threadMessage) int {
				return cmp.Or(strings.Compare(a.at, b.at), cmp.Compare(a.id, b.id))
			})
			if _, err := th.exec(ctx, `INSERT INTO thread(id, `+summaryColumnNames+`)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{id}, summaryColumns(list)...)...); err != nil {
				return err
			}
			delete(th.touched, id)
			continue
		}
		if _, err := th.exec(ctx, `INSERT INTO thread(id, subject_key, customer, started_at, last_at) VALUES(?, ?, ?, ?, ?)`,
			id, t.subjectKey, t.customer, t.startedAt, t.lastAt); err != nil {
			return err
		}
	}
	p.made = p.made[:0]
	return nil
}
