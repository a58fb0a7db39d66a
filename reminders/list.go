package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job is an automated email as the owner sees it in the outbox: planned,
// sent, or why not.
type Job struct {
	ID        int64      `json:"id"`
	Rule      string     `json:"rule"`
	Step      string     `json:"step,omitempty"`
	Customer  string     `json:"customer"` // the address
	Name      string     `json:"name,omitempty"`
	About     string     `json:"about"`
	Due       time.Time  `json:"due"`
	State     string     `json:"state"`            // planned skipped cancelled, or the outbox's: queued sending sent failed uncertain expired
	Reason    string     `json:"reason,omitempty"` // skipped, cancelled, postponed: a translation key (job.*)
	ErrorCode string     `json:"errorCode,omitempty"`
	Error     string     `json:"error,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	OutboxID  int64      `json:"outboxId,omitempty"`
}

// States a list can be filtered by: a job's own, the outbox's, and
// "attention" (failed, uncertain, skipped: what the owner should look at).
var listStates = map[string]string{
	"planned":   `j.state = 'planned'`,
	"skipped":   `j.state = 'skipped'`,
	"cancelled": `j.state = 'cancelled'`,
	"queued":    `o.state = 'queued'`,
	"sending":   `o.state = 'sending'`,
	"sent":      `o.state = 'sent'`,
	"failed":    `o.state = 'failed'`,
	"uncertain": `o.state = 'uncertain'`,
	"expired":   `o.state = 'expired'`,
	"attention": `(j.state = 'skipped' OR o.state IN ('failed', 'uncertain'))`,
}

// ListStates names the filters List takes.
func ListStates() []string {
	return []string{"planned", "queued", "sending", "sent", "failed", "uncertain", "expired", "skipped", "cancelled", "attention"}
}

// List lists jobs, the next due first and then the latest; state "" lists
// all. At most limit (0: 500).
func List(ctx context.Context, db *sql.DB, state string, limit int) ([]Job, error) {
	where := "1"
	if state != "" {
		w, ok := listStates[state]
		if !ok {
			return nil, fmt.Errorf("unknown state %q", state)
		}
		where = w
	}
	if limit <= 0 {
		limit = 500
	}
	return list(ctx, db, where, nil, limit)
}

// list lists the jobs a condition selects (on job j and outbox o).
func list(ctx context.Context, db *sql.DB, where string, args []any, limit int) ([]Job, error) {
	rows, err := db.QueryContext(ctx, `SELECT j.id, j.rule, j.step, coalesce(c.email, ''), coalesce(c.name, ''), j.about,
		j.due_at, coalesce(o.state, j.state), j.reason, coalesce(o.error_code, ''), coalesce(o.error, ''), o.sent_at,
		coalesce(j.outbox_id, 0)
		FROM job j LEFT JOIN customer c ON c.id = j.customer_id LEFT JOIN outbox o ON o.id = j.outbox_id
		WHERE `+where+` ORDER BY j.state <> 'planned', CASE j.state WHEN 'planned' THEN j.due_at END,
		j.updated_at DESC, j.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		var j Job
		var due string
		var sent sql.NullString
		if err := rows.Scan(&j.ID, &j.Rule, &j.Step, &j.Customer, &j.Name, &j.About, &due, &j.State, &j.Reason,
			&j.ErrorCode, &j.Error, &sent, &j.OutboxID); err != nil {
			return nil, err
		}
		if j.Due, err = parseStamp(due); err != nil {
			return nil, err
		}
		if sent.Valid {
			if t, err := parseStamp(sent.String); err == nil {
				j.SentAt = &t
			}
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Automation is what the customer card shows of the automated emails: what
// the customer asked for, the emails planned and sent, and their answers.
type Automation struct {
	OptedOut             *time.Time `json:"optedOut,omitempty"`             // no automated email (appointments' still go)
	OptedOutAppointments *time.Time `json:"optedOutAppointments,omitempty"` // not even those
	OptOutSource         string     `json:"optOutSource,omitempty"`         // reply or owner
	BadAddress           *time.Time `json:"badAddress,omitempty"`           // the mail server refused the address
	Language             string     `json:"language,omitempty"`
	Jobs                 []Job      `json:"jobs"`
	Replies              []Reply    `json:"replies"`
}

// ForCustomer reads a customer's automation facts.
func ForCustomer(ctx context.Context, db *sql.DB, customer int64) (*Automation, error) {
	a := &Automation{Jobs: []Job{}, Replies: []Reply{}}
	var out, outAppt, bad sql.NullString
	err := db.QueryRowContext(ctx, `SELECT opted_out, opted_out_appointments, opt_out_source, bad_address, language
		FROM contact_pref WHERE customer_id = ?`, customer).Scan(&out, &outAppt, &a.OptOutSource, &bad, &a.Language)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	for _, f := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{out, &a.OptedOut}, {outAppt, &a.OptedOutAppointments}, {bad, &a.BadAddress}} {
		if f.s.Valid {
			if t, err := parseStamp(f.s.String); err == nil {
				*f.dst = &t
			}
		}
	}
	if a.Jobs, err = list(ctx, db, `j.customer_id = ?`, []any{customer}, 200); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT message_row, coalesce(customer_id, 0), coalesce(job_id, 0), kind,
		coalesce(value, 0), text, at FROM customer_reply WHERE customer_id = ? AND kind <> '' ORDER BY at DESC`, customer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Reply
		var at string
		if err := rows.Scan(&r.MessageRow, &r.CustomerID, &r.JobID, &r.Kind, &r.Value, &r.Text, &at); err != nil {
			return nil, err
		}
		r.At, _ = parseStamp(at)
		a.Replies = append(a.Replies, r)
	}
	return a, rows.Err()
}

// ErrNoJob: no automated email has that id, or it never reached the outbox.
var ErrNoJob = errors.New("no such automated email in the outbox")

// OutboxID is the outbox row of a job's email, for the owner's "send
// again" (inbox.SendAgain) and "mark as sent" (inbox.Sender.MarkSent) on an
// uncertain or failed one.
func OutboxID(ctx context.Context, db *sql.DB, job int64) (int64, error) {
	var id sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT outbox_id FROM job WHERE id = ?`, job).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !id.Valid) {
		return 0, fmt.Errorf("job %d: %w", job, ErrNoJob)
	}
	return id.Int64, err
}
