package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The owner's tags on a customer: short words typed on the card ("vip",
// "mayorista", "sin gluten") to recognize and find customers. They are the
// owner's, like the notes: an import never touches them.

const (
	maxTagLength = 32 // characters in one tag
	maxTags      = 20 // tags on one customer
)

// ErrTag is a tag list SetTags refuses; the error says which tag and why.
var ErrTag = errors.New("invalid tag")

// SetTags replaces a customer's tags with tags, in their order. Each tag is
// trimmed, a leading "#" dropped (the owner may type "#vip" as they search
// for it) and inner spaces collapsed; empty ones are left out, and so is a
// tag that repeats another but for case ("VIP" after "vip"). A tag may have
// at most 32 characters, a customer at most 20 tags.
func SetTags(ctx context.Context, db *sql.DB, customerID int64, tags []string, now time.Time) error {
	clean, err := cleanTags(tags)
	if err != nil {
		return fmt.Errorf("customer %d: %w", customerID, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("customer %d: tags: %w", customerID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE customer SET updated_at = ? WHERE id = ?`, timeText(now), customerID)
	if err != nil {
		return fmt.Errorf("customer %d: tags: %w", customerID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("customer %d: %w", customerID, ErrNoCustomer)
	}
	if err := writeTags(ctx, tx, customerID, clean); err != nil {
		return fmt.Errorf("customer %d: tags: %w", customerID, err)
	}
	return tx.Commit()
}

// cleanTags is the list SetTags stores, or why it cannot.
func cleanTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.Join(strings.Fields(strings.TrimLeft(strings.TrimSpace(t), "#")), " ")
		if t == "" || seen[tagKey(t)] {
			continue
		}
		if n := utf8.RuneCountInString(t); n > maxTagLength {
			return nil, fmt.Errorf("%w: %q has %d characters, at most %d", ErrTag, t, n, maxTagLength)
		}
		seen[tagKey(t)] = true
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, fmt.Errorf("%w: %d tags, at most %d", ErrTag, len(out), maxTags)
	}
	return out, nil
}

// tagKey is what makes two tags the same: their lower-cased spelling.
func tagKey(tag string) string { return strings.ToLower(tag) }

// writeTags replaces a customer's stored tags.
func writeTags(ctx context.Context, tx *sql.Tx, customerID int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_tag WHERE customer_id = ?`, customerID); err != nil {
		return err
	}
	for i, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_tag(customer_id, tag_key, tag, position)
			VALUES(?, ?, ?, ?)`, customerID, tagKey(t), t, i+1); err != nil {
			return err
		}
	}
	return nil
}

// tagsOf lists a customer's tags in the owner's order; nil: none.
func tagsOf(ctx context.Context, q Querier, customerID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT tag FROM customer_tag WHERE customer_id = ? ORDER BY position, tag_key`,
		customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Querier is the database or a transaction: what the reads take that run
// on either.
type Querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}
