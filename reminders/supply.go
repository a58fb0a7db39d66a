package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Supply is how long a product lasts, for its reorder reminder.
type Supply struct {
	Product string `json:"product"` // SKU or name, as the orders write it (any case)
	Days    int    `json:"days"`
}

// ErrNoSupply: no such product in the list.
var ErrNoSupply = errors.New("no such product")

// Supplies lists the products that run out, by name.
func Supplies(ctx context.Context, db *sql.DB) ([]Supply, error) {
	rows, err := db.QueryContext(ctx, `SELECT product, days FROM supply ORDER BY product`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Supply{}
	for rows.Next() {
		var s Supply
		if err := rows.Scan(&s.Product, &s.Days); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetSupply says how many days a product lasts (1 to 365). Orders placed
// from now on plan its reorder reminder.
func SetSupply(ctx context.Context, db *sql.DB, product string, days int, now time.Time) error {
	product = strings.TrimSpace(product)
	if product == "" {
		return fmt.Errorf("supply: no product")
	}
	if days < 1 || days > 365 {
		return fmt.Errorf("supply of %s: %d days: between 1 and 365", product, days)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO supply(product, days, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(product) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at`, product, days, stamp(now))
	return err
}

// DeleteSupply forgets a product's supply; its planned reminders stay.
func DeleteSupply(ctx context.Context, db *sql.DB, product string) error {
	res, err := db.ExecContext(ctx, `DELETE FROM supply WHERE product = ?`, strings.TrimSpace(product))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %q", ErrNoSupply, product)
	}
	return nil
}
