package reminders

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// mailboxHook runs before a Mailbox's Queue, inside the round's
// transaction: what another scheduler or a failing disk would do there.
type mailboxHook struct {
	Mailbox
	before func(call int, tx *sql.Tx) error
	calls  int
}

func (m *mailboxHook) Queue(ctx context.Context, tx *sql.Tx, e Email) (int64, error) {
	m.calls++
	id, err := m.Mailbox.Queue(ctx, tx, e)
	if err != nil {
		return id, err
	}
	return id, m.before(m.calls, tx)
}

// threeThankYous plans thank-you notes for three customers' orders, due
// an hour on, and returns their job ids in due order.
func threeThankYous(t *testing.T, s *shopEnv) []int64 {
	t.Helper()
	placed := s.now.Add(-10 * time.Minute)
	importOrders(t, s.db, s.now, ordersHeader+
		orderLine("P-1", placed, "ana@example.com", "Jabón", "Paid", "", "")+
		orderLine("P-2", placed.Add(time.Minute), "bea@example.com", "Jabón", "Paid", "", "")+
		orderLine("P-3", placed.Add(2*time.Minute), "carla@example.com", "Jabón", "Paid", "", ""))
	s.now = s.now.Add(time.Hour)
	ids := rowsOf(t, s.db, func(rows *sql.Rows, id *int64) error { return rows.Scan(id) },
		`SELECT id FROM job ORDER BY due_at, id`)
	if len(ids) != 3 {
		t.Fatalf("%d jobs", len(ids))
	}
	return ids
}

func jobState(t *testing.T, db *sql.DB, id int64) (state string, outbox sql.NullInt64) {
	t.Helper()
	if err := db.QueryRow(`SELECT state, outbox_id FROM job WHERE id = ?`, id).Scan(&state, &outbox); err != nil {
		t.Fatal(err)
	}
	return state, outbox
}

func outboxRows(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A round's jobs share a transaction: when writing one fails, what was
// decided before it stands, its own email is not queued, and the jobs
// after it wait for the next round.
func TestRoundKeepsJobsBeforeAFailure(t *testing.T) {
	s := newShop(t)
	ids := threeThankYous(t, s)
	sched := s.scheduler()
	sched.Mailbox = &mailboxHook{Mailbox: sched.Mailbox, before: func(call int, _ *sql.Tx) error {
		if call == 2 {
			return errors.New("disk full")
		}
		return nil
	}}
	rep, err := sched.RunOnce(context.Background())
	if err == nil || rep.Queued != 1 {
		t.Fatalf("round: %+v %v", rep, err)
	}
	if st, outbox := jobState(t, s.db, ids[0]); st != "queued" || !outbox.Valid {
		t.Errorf("the first job: %s %v", st, outbox)
	}
	for _, id := range ids[1:] {
		if st, outbox := jobState(t, s.db, id); st != "planned" || outbox.Valid {
			t.Errorf("job %d: %s %v", id, st, outbox)
		}
	}
	if n := outboxRows(t, s.db); n != 1 {
		t.Errorf("%d emails in the outbox, want 1", n)
	}
	// The next round queues the other two, and sends the three.
	if rep := s.run(t); rep.Queued != 2 || len(s.smtp.Messages()) != 3 {
		t.Errorf("next round: %+v, %d sent", rep, len(s.smtp.Messages()))
	}
}

// A job another scheduler took meanwhile is left to it: its email is not
// queued here, and the round's other jobs go.
func TestRoundLeavesAJobTakenMeanwhile(t *testing.T) {
	s := newShop(t)
	ids := threeThankYous(t, s)
	sched := s.scheduler()
	sched.Mailbox = &mailboxHook{Mailbox: sched.Mailbox, before: func(call int, tx *sql.Tx) error {
		if call == 1 { // the other scheduler takes the second job
			_, err := tx.Exec(`UPDATE job SET state = 'queued', reason = 'other' WHERE id = ?`, ids[1])
			return err
		}
		return nil
	}}
	rep, err := sched.RunOnce(context.Background())
	if err != nil || rep.Queued != 2 {
		t.Fatalf("round: %+v %v", rep, err)
	}
	for i, id := range ids {
		st, outbox := jobState(t, s.db, id)
		if st != "queued" || outbox.Valid == (i == 1) {
			t.Errorf("job %d: %s %v", i, st, outbox)
		}
	}
	if n := outboxRows(t, s.db); n != 2 || len(s.smtp.Messages()) != 2 {
		t.Errorf("%d emails in the outbox, %d sent; want 2", n, len(s.smtp.Messages()))
	}
}
