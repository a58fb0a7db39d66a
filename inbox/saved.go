package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// SavedReply is an answer the owner keeps for reuse. Its body may hold
// fields ({nombre}, {pedido}...), filled per customer when it is used.
type SavedReply struct {
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ErrNoSavedReply: no saved reply has that name.
var ErrNoSavedReply = errors.New("no such saved reply")

// SavedReplies lists the saved replies by name.
func SavedReplies(ctx context.Context, db *sql.DB) ([]SavedReply, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, body, updated_at FROM saved_reply ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SavedReply{}
	for rows.Next() {
		var r SavedReply
		var at string
		if err := rows.Scan(&r.Name, &r.Body, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt, _ = time.Parse(time.RFC3339, at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SavedReplyByName finds a saved reply, whatever the case of its name
// ("ENVÍO" is "envío": SQLite's NOCASE folds only ASCII).
func SavedReplyByName(ctx context.Context, db *sql.DB, name string) (*SavedReply, error) {
	all, err := SavedReplies(ctx, db)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	for _, r := range all {
		if strings.EqualFold(r.Name, name) {
			return &r, nil
		}
	}
	return nil, ErrNoSavedReply
}

// PutSavedReply stores a saved reply, replacing one of the same name.
func PutSavedReply(ctx context.Context, db *sql.DB, name, body string) error {
	name = strings.TrimSpace(name)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if old, err := SavedReplyByName(ctx, db, name); err == nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM saved_reply WHERE name = ?`, old.Name); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO saved_reply(name, body, updated_at) VALUES(?, ?, ?)`,
		name, body, storedTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteSavedReply removes a saved reply.
func DeleteSavedReply(ctx context.Context, db *sql.DB, name string) error {
	r, err := SavedReplyByName(ctx, db, name)
	if err != nil {
		return err
	}
	res, err := db.ExecContext(ctx, `DELETE FROM saved_reply WHERE name = ?`, r.Name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoSavedReply
	}
	return nil
}
