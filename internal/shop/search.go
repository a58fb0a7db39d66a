package shop

import (
	"context"
	"database/sql"
	"strings"

	"mostrador/inbox"
	"mostrador/orders"
)

// Results is what one search finds: customers by name, email or phone,
// orders by number or tracking number, and messages by their words.
type Results struct {
	Customers []orders.CustomerRow `json:"customers"`
	Orders    []orders.OrderHit    `json:"orders"`
	Messages  []inbox.Hit          `json:"messages"`
}

// Search looks for query everywhere, at most limit of each kind.
func Search(ctx context.Context, db *sql.DB, query string, limit int) (*Results, error) {
	r := Results{Customers: []orders.CustomerRow{}, Orders: []orders.OrderHit{}, Messages: []inbox.Hit{}}
	if strings.TrimSpace(query) == "" {
		return &r, nil
	}
	var err error
	if r.Customers, err = orders.ListCustomers(ctx, db, query, limit); err != nil {
		return nil, err
	}
	if r.Orders, err = orders.FindOrders(ctx, db, query, limit); err != nil {
		return nil, err
	}
	if r.Messages, err = inbox.SearchMessages(ctx, db, query, limit); err != nil {
		return nil, err
	}
	return &r, nil
}
