package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"mostrador/inbox"
	"mostrador/internal/settings"
	"mostrador/internal/tmpl"
	"mostrador/orders"
)

// ReplyFields are the fields a saved reply may use, in Spanish and English.
var ReplyFields = []tmpl.Field{
	{Key: "name", Names: tmpl.Names("nombre", "name", "first name")},
	{Key: "full_name", Names: tmpl.Names("nombre completo", "full name")},
	{Key: "order", Names: tmpl.Names("pedido", "número de pedido", "order", "order number")},
	{Key: "carrier", Names: tmpl.Names("transportista", "carrier")},
	{Key: "tracking", Names: tmpl.Names("seguimiento", "número de seguimiento", "tracking", "tracking number")},
	{Key: "tracking_link", Names: tmpl.Names("enlace de seguimiento", "enlace seguimiento", "tracking link")},
	{Key: "shop", Names: tmpl.Names("tienda", "shop")},
}

// NameError says which saved reply is wrong.
type NameError struct {
	Name string
	Err  error
}

func (e *NameError) Error() string { return fmt.Sprintf("saved reply %q: %v", e.Name, e.Err) }
func (e *NameError) Unwrap() error { return e.Err }

// ErrNoName: a saved reply needs a name.
var ErrNoName = errors.New("a saved reply needs a name")

// SaveReply checks a saved reply's fields and stores it. A wrong field is
// a *tmpl.Error (line, column, field) inside a *NameError.
func SaveReply(ctx context.Context, db *sql.DB, name, body string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return ErrNoName
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if _, err := tmpl.Parse(body, ReplyFields); err != nil {
		return &NameError{Name: name, Err: err}
	}
	return inbox.PutSavedReply(ctx, db, name, body)
}

// ReplyValues are the fields' values for one customer: their name, and
// their latest order that was not cancelled.
func ReplyValues(ctx context.Context, db *sql.DB, email string) (map[string]string, error) {
	v := map[string]string{}
	name, err := settings.Get(ctx, db, settings.ShopName)
	if err != nil {
		return nil, err
	}
	v["shop"] = name.Value
	card, err := orders.CardByEmail(ctx, db, email)
	if errors.Is(err, orders.ErrNoCustomer) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	full := strings.TrimSpace(card.Customer.Name)
	v["full_name"] = full
	if f := strings.Fields(full); len(f) > 0 {
		v["name"] = f[0]
	}
	for _, o := range card.Orders { // newest first
		if o.Cancelled {
			continue
		}
		v["order"], v["carrier"], v["tracking"], v["tracking_link"] = o.Number, o.Carrier, o.Tracking, o.TrackingURL
		break
	}
	return v, nil
}

// FillReply renders a saved reply for a customer. missing lists the fields
// that had no value (a customer without orders and {pedido}), by key.
func FillReply(ctx context.Context, db *sql.DB, savedName, email string) (text string, missing []string, err error) {
	r, err := inbox.SavedReplyByName(ctx, db, savedName)
	if err != nil {
		return "", nil, err
	}
	t, err := tmpl.Parse(r.Body, ReplyFields)
	if err != nil {
		return "", nil, &NameError{Name: r.Name, Err: err}
	}
	values, err := ReplyValues(ctx, db, email)
	if err != nil {
		return "", nil, err
	}
	text, missing = t.Render(values)
	return text, missing, nil
}
