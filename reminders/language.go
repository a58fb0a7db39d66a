package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"mostrador/orders"
)

// ErrLanguage is a language the automated emails are not written in.
var ErrLanguage = errors.New("unknown language")

// SetLanguage sets the language a customer's automated emails are written
// in: "es", "en", or "" for the shop's (shop.language). The rest of what
// the customer asked for (an opt-out, a refused address) stays as it is.
// ForCustomer reads it back as Automation.Language.
func SetLanguage(ctx context.Context, db *sql.DB, customer int64, lang string, now time.Time) error {
	typed := lang
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang != "" && lang != "es" && lang != "en" {
		return fmt.Errorf("customer %d: %w %q: es, en, or empty for the shop's", customer, ErrLanguage, typed)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("customer %d: language: %w", customer, err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM customer WHERE id = ?`, customer).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("customer %d: %w", customer, orders.ErrNoCustomer)
	}
	if err != nil {
		return fmt.Errorf("customer %d: language: %w", customer, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO contact_pref(customer_id, language, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(customer_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`,
		customer, lang, stamp(now)); err != nil {
		return fmt.Errorf("customer %d: language: %w", customer, err)
	}
	return tx.Commit()
}
