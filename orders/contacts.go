package orders

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mostrador/internal/address"
)

// Contact is someone the shop knows by email from elsewhere (the mailbox)
// rather than from an order.
type Contact struct {
	Email string
	Name  string
}

// AddContacts makes customers of the people who wrote to the shop without
// buying: a pre-sale question is the start of a sale, and the card is where
// the owner answers it. Customers already known are left as they are (the
// name on an order wins over the name in a mail header); invalid addresses
// are skipped. It returns how many customers were added.
func AddContacts(ctx context.Context, db *sql.DB, contacts []Contact) (int, error) {
	if len(contacts) == 0 {
		return 0, nil
	}
	known := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT email FROM customer WHERE email IS NOT NULL`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return 0, err
		}
		known[e] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var todo []Contact
	for _, c := range contacts {
		c.Email = address.Normalize(c.Email)
		if known[c.Email] || !address.Valid(c.Email) {
			continue
		}
		known[c.Email] = true
		c.Name = strings.TrimSpace(c.Name)
		todo = append(todo, c)
	}
	if len(todo) == 0 {
		return 0, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO customer(email, name, name_key, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	now := time.Now().UTC().Format(timeLayout)
	added := 0
	for _, c := range todo {
		res, err := ins.ExecContext(ctx, c.Email, c.Name, nameKey(c.Name), now, now)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	return added, tx.Commit()
}

// OrderHit is an order found by its number or tracking number.
type OrderHit struct {
	ID       int64      `json:"id"`
	Platform string     `json:"platform"`
	Number   string     `json:"number"`
	PlacedAt *time.Time `json:"placedAt,omitempty"`
	Status   string     `json:"status"`
	Tracking string     `json:"tracking,omitempty"`
	Customer Customer   `json:"customer"`
}

// FindOrders finds orders by number (with or without "#") or tracking
// number: exact matches first, then those starting with what was typed.
func FindOrders(ctx context.Context, db *sql.DB, query string, limit int) ([]OrderHit, error) {
	q := strings.TrimLeft(strings.TrimSpace(query), "#")
	out := []OrderHit{}
	if q == "" || strings.ContainsAny(q, " \t") {
		return out, nil
	}
	if limit <= 0 {
		limit = 20
	}
	// Numbers are stored as the platform writes them: "#1042" (Shopify)
	// or "1042".
	rows, err := db.QueryContext(ctx, `SELECT o.id, o.platform, o.number, o.placed_at, o.payment_status,
		o.fulfillment_status, o.cancelled, o.tracking, c.id, c.email, c.name, c.phone
		FROM orders o JOIN customer c ON c.id = o.customer_id
		WHERE o.number IN (?1, '#' || ?1) OR o.tracking = ?1 COLLATE NOCASE
		   OR o.number LIKE ?2 ESCAPE '\' OR o.number LIKE '#' || ?2 ESCAPE '\'
		   OR (length(?1) >= 4 AND o.tracking LIKE ?2 ESCAPE '\')
		ORDER BY (o.number IN (?1, '#' || ?1) OR o.tracking = ?1 COLLATE NOCASE) DESC, o.placed_at DESC
		LIMIT ?3`, q, likePrefix(q), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h OrderHit
		var placed, email sql.NullString
		var o Order
		if err := rows.Scan(&h.ID, &h.Platform, &h.Number, &placed, &o.PaymentStatus, &o.FulfillmentStatus,
			&o.Cancelled, &h.Tracking, &h.Customer.ID, &email, &h.Customer.Name, &h.Customer.Phone); err != nil {
			return nil, err
		}
		h.PlacedAt, h.Status = parseStored(placed), o.summary()
		h.Customer.Email, h.Customer.Emailable = email.String, email.Valid
		out = append(out, h)
	}
	return out, rows.Err()
}

// likePrefix is a LIKE pattern for values starting with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}
