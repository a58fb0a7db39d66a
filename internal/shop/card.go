// Package shop puts together everything the shop knows about one customer:
// what the order log knows (orders, bookings, totals) and what the mailbox
// knows (the conversations). orders and inbox know nothing of each other;
// this is where they meet, for the command line and the window alike.
package shop

import (
	"context"
	"database/sql"
	"errors"

	"mostrador/inbox"
	"mostrador/internal/address"
	"mostrador/orders"
)

// Card is a customer's whole story.
type Card struct {
	*orders.Card
	// Threads are the customer's conversations, newest first: those with
	// their address (or the address of a customer merged into them), and
	// those naming one of their order numbers.
	Threads []inbox.Thread `json:"threads"`
}

// ErrNoCustomer: nobody with that address bought, booked or wrote.
var ErrNoCustomer = orders.ErrNoCustomer

// ByEmail loads the card of the customer with this address. Someone who
// only wrote to the shop has a card too, with their conversations.
func ByEmail(ctx context.Context, db *sql.DB, email string) (*Card, error) {
	email = address.Normalize(email)
	oc, err := orders.CardByEmail(ctx, db, email)
	switch {
	case errors.Is(err, orders.ErrNoCustomer):
		oc = &orders.Card{Customer: orders.Customer{Email: email, Emailable: true}, Orders: []orders.Order{},
			Totals: orders.Totals{LifetimeValue: []orders.Money{}}, Appointments: []orders.Appointment{}}
	case err != nil:
		return nil, err
	}
	return withThreads(ctx, db, oc, email)
}

// ByID loads the card of a customer of the order log, one without an
// address too.
func ByID(ctx context.Context, db *sql.DB, id int64) (*Card, error) {
	oc, err := orders.CardByID(ctx, db, id)
	if err != nil {
		return nil, err
	}
	return withThreads(ctx, db, oc, oc.Customer.Email)
}

// withThreads adds the customer's conversations to what the order log
// knows of them.
func withThreads(ctx context.Context, db *sql.DB, oc *orders.Card, email string) (*Card, error) {
	numbers := make([]string, 0, len(oc.Orders))
	for _, o := range oc.Orders {
		numbers = append(numbers, o.Number)
	}
	addrs := []string{}
	if oc.Customer.Email != "" {
		addrs = append(addrs, oc.Customer.Email)
	}
	for _, m := range oc.Merged {
		if m.Email != "" && m.Email != oc.Customer.Email {
			addrs = append(addrs, m.Email)
		}
	}
	threads, err := inbox.ThreadsWith(ctx, db, addrs, numbers)
	if err != nil {
		return nil, err
	}
	if oc.Customer.ID == 0 {
		if len(threads) == 0 {
			return nil, ErrNoCustomer
		}
		for _, t := range threads {
			if t.Customer == email && t.CustomerName != "" {
				oc.Customer.Name = t.CustomerName
				break
			}
		}
	}
	return &Card{Card: oc, Threads: threads}, nil
}

// AddCorrespondents makes customers of the people who wrote to the shop
// without buying, after a sync: a pre-sale question is the start of a sale.
// It returns how many were added.
func AddCorrespondents(ctx context.Context, db *sql.DB) (int, error) {
	people, err := inbox.Correspondents(ctx, db)
	if err != nil {
		return 0, err
	}
	contacts := make([]orders.Contact, len(people))
	for i, p := range people {
		contacts[i] = orders.Contact{Email: p.Addr, Name: p.Name}
	}
	return orders.AddContacts(ctx, db, contacts)
}
