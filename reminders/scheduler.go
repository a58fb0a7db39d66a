package reminders

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"mostrador/inbox"
	"mostrador/internal/database"
)

// The scheduler: at a job's due time the guards run (the rule still on,
// not too late, an address, no opt-out, not in the quiet hours, the
// frequency cap, no question of the customer's left unanswered), then the
// email is written from the rule's template and handed to the mailbox's
// outbox in the same transaction that marks the job queued. The outbox
// sends it exactly once, retries it, and files it in Sent.

// Email is an automated email ready to go, as the mailbox's outbox takes it.
type Email = inbox.AutoMail

// Mailbox is where the scheduler hands emails: the shop's outbox (see
// InboxMailbox), which sends each exactly once.
type Mailbox interface {
	// Queue writes the email into the outbox inside tx and returns its row.
	Queue(ctx context.Context, tx *sql.Tx, e Email) (int64, error)
	// SendDue sends what the outbox holds that is due.
	SendDue(ctx context.Context) error
}

// Scheduler sends the jobs that fall due.
type Scheduler struct {
	DB      *sql.DB
	Mailbox Mailbox          // nil: jobs are judged and written, nothing is queued (no account yet)
	Now     func() time.Time // nil: time.Now
	// Batch is how many due jobs one round takes (0: 200); the rest come in
	// the next round, at once.
	Batch int

	wakeOnce sync.Once
	wake     chan struct{}
	greeted  string // the shop's day whose anniversaries are planned, and whether the rule was on (see PlanAnniversaries)
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Report is what one round did.
type Report struct {
	Queued    int       `json:"queued"`
	Skipped   int       `json:"skipped"`
	Postponed int       `json:"postponed"`
	Cancelled int       `json:"cancelled"`
	Next      time.Time `json:"next,omitempty"` // the next planned job's due time; zero: none
	More      bool      `json:"more,omitempty"` // more jobs are due than one round takes
}

// dueJob is a job the round judges.
type dueJob struct {
	id, customer, order, appointment int64
	rule, step, about, data          string
	version                          int64
	transactional, critical, anytime bool
	due                              time.Time
	deadline                         *time.Time
}

// Wake makes a running scheduler look at its jobs now (after an import,
// an appointment change, a sync that answered a customer).
func (s *Scheduler) Wake() {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs rounds until ctx ends: at once, then when the next job falls due,
// when woken, and at least every maxSleep (the clock may jump: a laptop
// that slept). A round cut short by ctx leaves every job as it was or as
// the round recorded it.
func (s *Scheduler) Run(ctx context.Context, maxSleep time.Duration, onRound func(Report, error)) {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	for {
		rep, err := s.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if onRound != nil {
			onRound(rep, err)
		}
		sleep := maxSleep
		if rep.More {
			sleep = 0
		} else if !rep.Next.IsZero() && rep.Next.Sub(s.now()) < sleep {
			sleep = max(rep.Next.Sub(s.now()), 0)
		}
		if err != nil {
			sleep = min(maxSleep, time.Minute) // a database error: try again soon
		}
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RunOnce judges the jobs due now, queues those that may go, and has the
// mailbox send them.
func (s *Scheduler) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	now := s.now()
	env, err := loadEnv(ctx, s.DB, now)
	if err != nil {
		return rep, err
	}
	// Once a day, and again when the rule is switched on.
	if day := now.In(env.zone).Format(time.DateOnly) + fmt.Sprint(env.rules[Birthday].Enabled); day != s.greeted {
		if _, err := (&Planner{DB: s.DB, Now: func() time.Time { return now }}).PlanAnniversaries(ctx); err != nil {
			return rep, err
		}
		s.greeted = day
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 200
	}
	due, err := dueJobs(ctx, s.DB, now, batch+1)
	if err != nil {
		return rep, err
	}
	if len(due) > batch {
		due, rep.More = due[:batch], true
	}
	w := &jobWrites{db: s.DB, rep: &rep}
	for _, j := range due {
		if ctx.Err() != nil {
			break
		}
		if err := s.judge(ctx, env, j, w, &rep); err != nil {
			w.commit() // what the jobs before it decided stands
			return rep, fmt.Errorf("job %d (%s): %w", j.id, j.rule, err)
		}
	}
	if err := w.commit(); err != nil {
		return rep, err
	}
	// The outbox sends whatever is due, not only what this round queued:
	// emails a crashed run had queued, and retries whose wait is over.
	if s.Mailbox != nil && ctx.Err() == nil {
		if err := s.Mailbox.SendDue(ctx); err != nil {
			return rep, err
		}
		if err := markBadAddresses(ctx, s.DB, now); err != nil {
			return rep, err
		}
	}
	if rep.Next, err = nextDue(ctx, s.DB); err != nil || s.Mailbox == nil {
		return rep, err
	}
	// The outbox's own times count too: a retry whose wait ends, an email
	// queued to go later.
	outbox, err := inbox.NextAutoDue(ctx, s.DB)
	if err == nil && !outbox.IsZero() && (rep.Next.IsZero() || outbox.Before(rep.Next)) {
		rep.Next = outbox
	}
	return rep, err
}

// nextDue is the next planned job's due time; zero: none.
func nextDue(ctx context.Context, db *sql.DB) (time.Time, error) {
	var next sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT min(due_at) FROM job WHERE state = 'planned'`).Scan(&next); err != nil {
		return time.Time{}, err
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	t, _ := parseStamp(next.String)
	return t, nil
}

// dueJobs lists the planned jobs due by now, oldest first.
func dueJobs(ctx context.Context, db *sql.DB, now time.Time, limit int) ([]dueJob, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, customer_id, coalesce(order_id, 0), coalesce(appointment_id, 0),
		rule, step, about, data, version, transactional, critical, anytime, due_at, deadline
		FROM job WHERE state = 'planned' AND due_at <= ? ORDER BY due_at, id LIMIT ?`, stamp(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueJob
	for rows.Next() {
		var j dueJob
		var due string
		var deadline sql.NullString
		if err := rows.Scan(&j.id, &j.customer, &j.order, &j.appointment, &j.rule, &j.step, &j.about, &j.data,
			&j.version, &j.transactional, &j.critical, &j.anytime, &due, &deadline); err != nil {
			return nil, err
		}
		if j.due, err = parseStamp(due); err != nil {
			return nil, err
		}
		if deadline.Valid {
			d, err := parseStamp(deadline.String)
			if err != nil {
				return nil, err
			}
			j.deadline = &d
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// verdict is what the guards decide for a job.
type verdict struct {
	skip, cancel string    // a reason to skip or cancel it
	postpone     time.Time // a later time to look again
	why          string    // the postponement's reason
}

// judge runs the guards on one job and records what they decide in w; a
// job that may go is written and queued there.
func (s *Scheduler) judge(ctx context.Context, env *env, j dueJob, w *jobWrites, rep *Report) error {
	if w.customers[j.customer] {
		// The frequency cap reads what this round queued for the customer.
		if err := w.commit(); err != nil {
			return err
		}
	}
	v, mail, err := env.guard(ctx, j)
	if err != nil {
		return err
	}
	now := env.now
	switch {
	case v.cancel != "":
		rep.Cancelled++
		return s.record(ctx, w, j, `state = 'cancelled', reason = ?`, v.cancel)
	case v.skip != "":
		rep.Skipped++
		return s.record(ctx, w, j, `state = 'skipped', reason = ?`, v.skip)
	case !v.postpone.IsZero():
		if j.deadline != nil && v.postpone.After(*j.deadline) {
			rep.Skipped++
			return s.record(ctx, w, j, `state = 'skipped', reason = ?`, v.why)
		}
		rep.Postponed++
		return s.record(ctx, w, j, `due_at = ?, reason = ?`, stamp(v.postpone), v.why)
	}
	if s.Mailbox == nil || mail == nil {
		return nil // no mailbox (yet, or any more): the job waits
	}
	mail.SendAt = now
	if j.deadline != nil {
		mail.Expires = *j.deadline
	}
	err = w.job(ctx, j.customer, func(tx *sql.Tx) (bool, error) {
		id, err := s.Mailbox.Queue(ctx, tx, *mail)
		if err != nil {
			return false, err
		}
		res, err := w.stmts.Exec(ctx, `UPDATE job SET state = 'queued', reason = '', outbox_id = ?1, queued_at = ?2,
		updated_at = ?2, message_id = (SELECT message_id FROM outbox WHERE id = ?1) WHERE id = ?3 AND state = 'planned'`,
			id, stamp(now), j.id)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil // another scheduler took it: its email is not queued (rolled back)
		}
		w.queued++
		return true, nil
	})
	if errors.Is(err, inbox.ErrBadAutoMail) {
		// This email cannot be written (an address the mail library
		// refuses): skipped with the reason, and the others go on.
		rep.Skipped++
		return s.record(ctx, w, j, `state = 'skipped', reason = ?`, "job.badMessage")
	}
	return err
}

// record changes a planned job's row (still planned, or nothing happens).
func (s *Scheduler) record(ctx context.Context, w *jobWrites, j dueJob, set string, args ...any) error {
	args = append(args, stamp(s.now()), j.id)
	return w.job(ctx, j.customer, func(*sql.Tx) (bool, error) {
		_, err := w.stmts.Exec(ctx, `UPDATE job SET `+set+`, updated_at = ? WHERE id = ? AND state = 'planned'`, args...)
		return err == nil, err
	})
}

// jobWrites are a round's writes to its jobs (verdicts, queued emails) in
// one transaction, committed every jobBatch jobs and at the round's end,
// rather than a transaction each, which cost more than judging the job. A
// crash before a commit leaves its jobs planned, with no email in the
// outbox: the next round judges them again.
type jobWrites struct {
	db        *sql.DB
	rep       *Report // counts the queued emails once committed
	tx        *sql.Tx
	stmts     database.Stmts
	customers map[int64]bool // whose jobs the transaction holds writes for
	jobs      int
	queued    int
}

const jobBatch = 100

// job runs one job's writes inside the transaction, under a savepoint:
// when they fail, or decide against (keep false), what they wrote is
// undone and the other jobs' stays.
func (w *jobWrites) job(ctx context.Context, customer int64, writes func(*sql.Tx) (keep bool, err error)) error {
	if w.tx == nil {
		// Not ended with ctx: what the round judged before ctx ended is
		// committed (see RunOnce).
		tx, err := w.db.BeginTx(context.WithoutCancel(ctx), nil)
		if err != nil {
			return err
		}
		w.tx, w.stmts, w.customers = tx, database.Stmts{On: tx}, map[int64]bool{}
	}
	if _, err := w.stmts.Exec(ctx, `SAVEPOINT job`); err != nil {
		return err
	}
	keep, err := writes(w.tx)
	undo := context.WithoutCancel(ctx)
	if err != nil || !keep {
		if _, rerr := w.stmts.Exec(undo, `ROLLBACK TO job`); rerr != nil {
			return cmp.Or(err, rerr)
		}
	}
	if _, rerr := w.stmts.Exec(undo, `RELEASE job`); err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	w.customers[customer] = true
	if w.jobs++; w.jobs >= jobBatch {
		return w.commit()
	}
	return nil
}

// commit commits what the transaction holds, if anything.
func (w *jobWrites) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	if err == nil {
		w.rep.Queued += w.queued
	}
	w.tx, w.customers, w.jobs, w.queued = nil, nil, 0, 0
	return err
}

// markBadAddresses notes on the customer's preferences the addresses the
// mail server refused for good, in the last day's emails: later emails to
// them are skipped, and the card says so, until the owner clears it
// (ClearBadAddress). Only a refusal of
// the address itself counts (enhanced status 5.1.x: no such user, bad
// domain): "relay access denied" (5.7.1) is the shop's server's problem,
// not every customer's.
func markBadAddresses(ctx context.Context, db *sql.DB, now time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO contact_pref(customer_id, bad_address, updated_at)
		SELECT DISTINCT j.customer_id, ?, ? FROM job j JOIN outbox o ON o.id = j.outbox_id
		JOIN customer c ON c.id = j.customer_id
		WHERE j.queued_at >= ? AND o.state = 'failed' AND o.error_code = ? AND o.to_addr = c.email
		AND o.error LIKE '%5.1._%'
		ON CONFLICT(customer_id) DO UPDATE SET bad_address = coalesce(bad_address, excluded.bad_address),
		updated_at = excluded.updated_at`, stamp(now), stamp(now), stamp(now.Add(-24*time.Hour)), inbox.CodeRecipient)
	return err
}

// ErrNoMailbox: automated emails need the shop's mailbox set up.
var ErrNoMailbox = errors.New("no mailbox account: automated emails cannot be sent")
