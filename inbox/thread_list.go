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
