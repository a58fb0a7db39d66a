package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The inbox's filters.
const (
	FilterWaiting  = "waiting"  // the shop owes an answer
	FilterAll      = "all"      // every conversation
	FilterAnswered = "answered" // the shop has answered the customer's last message
)

// ListThreads lists the conversations the inbox shows under filter: those
// waiting for the shop first, the longest waiting first (who has waited
// most is answered first), then the others, the latest first. At most
// limit (0: all).
func ListThreads(ctx context.Context, db *sql.DB, filter string, limit int) ([]Thread, error) {
	var where string
	switch filter {
	case FilterWaiting:
		where = `t.waiting_since IS NOT NULL`
	case FilterAnswered:
		where = `t.waiting_since IS NULL AND t.first_response IS NOT NULL`
	case FilterAll, "":
		where = `1`
	default:
		return nil, fmt.Errorf("unknown inbox filter %q", filter)
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.QueryContext(ctx, `SELECT `+threadColumns+` FROM thread t WHERE `+where+`
		ORDER BY t.waiting_since IS NULL, t.waiting_since, t.last_at DESC, t.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return scanThreads(rows)
}

// CountWaiting counts the conversations waiting for the shop's answer.
func CountWaiting(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM thread WHERE waiting_since IS NOT NULL`).Scan(&n)
	return n, err
}

// SaveDraft keeps the reply being written in a thread; an empty one is
// forgotten.
func SaveDraft(ctx context.Context, db *sql.DB, thread int64, text string, now time.Time) error {
	if strings.TrimSpace(text) == "" {
		_, err := db.ExecContext(ctx, `DELETE FROM draft WHERE thread_id = ?`, thread)
		return err
	}
	_, err := db.ExecContext(ctx, `INSERT INTO draft(thread_id, text, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(thread_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
		thread, text, storedTime(now))
	return err
}

// Draft is the reply kept for a thread, or "".
func Draft(ctx context.Context, db *sql.DB, thread int64) (string, error) {
	var text string
	err := db.QueryRowContext(ctx, `SELECT text FROM draft WHERE thread_id = ?`, thread).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return text, err
}

// Contact is what the mailbox knows of one correspondent: when the last
// conversation with them moved, and since when they wait for an answer.
type Contact struct {
	LastAt       time.Time
	WaitingSince *time.Time
}

// Contacts looks up the correspondents with these (normalized) addresses,
// a few hundred at a time; an address never written with is left out.
func Contacts(ctx context.Context, db *sql.DB, addrs []string) (map[string]Contact, error) {
	out := map[string]Contact{}
	const batch = 500
	for start := 0; start < len(addrs); start += batch {
		part := addrs[start:min(start+batch, len(addrs))]
		args := make([]any, len(part))
		for i, a := range part {
			args[i] = a
		}
		rows, err := db.QueryContext(ctx, `SELECT customer, max(last_at), min(waiting_since) FROM thread
			WHERE customer IN (?`+strings.Repeat(", ?", len(part)-1)+`) GROUP BY customer`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var addr, last string
			var waiting sql.NullString
			if err := rows.Scan(&addr, &last, &waiting); err != nil {
				rows.Close()
				return nil, err
			}
			c := Contact{}
			c.LastAt, _ = time.Parse(time.RFC3339, last)
			if waiting.Valid {
				if w, err := time.Parse(time.RFC3339, waiting.String); err == nil {
					c.WaitingSince = &w
				}
			}
			out[addr] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
