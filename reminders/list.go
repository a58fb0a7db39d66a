package reminders

import (
	"context"
	"database/sql"
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
	rows, err := db.QueryContext(ctx, `SELECT j.id, j.rule, j.step, coalesce(c.email, ''), coalesce(c.name, ''), j.about,
		j.due_at, coalesce(o.state, j.state), j.reason, coalesce(o.error_code, ''), coalesce(o.error, ''), o.sent_at,
		coalesce(j.outbox_id, 0)
		FROM job j LEFT JOIN customer c ON c.id = j.customer_id LEFT JOIN outbox o ON o.id = j.outbox_id
		WHERE `+where+` ORDER BY j.state <> 'planned', CASE j.state WHEN 'planned' THEN j.due_at END,
		j.updated_at DESC, j.id DESC LIMIT ?`, limit)
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
