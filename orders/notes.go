package orders

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// maxNotes is how long the owner's notes on a customer may be.
const maxNotes = 10000

// SetNotes keeps the owner's notes on a customer's card.
func SetNotes(ctx context.Context, db *sql.DB, customerID int64, notes string, now time.Time) error {
	notes = strings.TrimSpace(strings.ReplaceAll(notes, "\r\n", "\n"))
	if n := len([]rune(notes)); n > maxNotes {
		return fmt.Errorf("customer %d: notes of %d characters, at most %d", customerID, n, maxNotes)
	}
	res, err := db.ExecContext(ctx, `UPDATE customer SET notes = ?, updated_at = ? WHERE id = ?`, notes,
		now.UTC().Format(time.RFC3339), customerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("customer %d: %w", customerID, ErrNoCustomer)
	}
	return nil
}
