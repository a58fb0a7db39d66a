package reminders

import (
	"context"
	"errors"
	"mime"
	"testing"
	"time"

	"mostrador/orders"
)

// The language set on the card is the one the card shows and the one the
// customer's emails are written in; it leaves an opt-out alone, and ""
// gives the customer back the shop's language.
func TestSetLanguage(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	card, err := orders.CardByEmail(ctx, s.db, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ana := card.Customer.ID
	if err := SetLanguage(ctx, s.db, ana, " EN ", s.now); err != nil {
		t.Fatal(err)
	}
	if a, err := ForCustomer(ctx, s.db, ana); err != nil || a.Language != "en" {
		t.Fatalf("language on the card %q (%v), want en", a.Language, err)
	}
	s.now = s.now.Add(time.Hour)
	if rep := s.run(t); rep.Queued != 1 {
		t.Fatalf("thank-you: %+v", rep)
	}
	got := s.received(t)
	if len(got) != 1 {
		t.Fatalf("%d emails sent, want 1", len(got))
	}
	if subject, _ := new(mime.WordDecoder).DecodeHeader(got[0].Header.Get("Subject")); subject != "Thank you for your order P-1" {
		t.Errorf("subject %q, want the English one", subject)
	}

	if err := SetOptOut(ctx, s.db, ana, OptOut{All: true}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	if err := SetLanguage(ctx, s.db, ana, "", s.now); err != nil {
		t.Fatal(err)
	}
	a, err := ForCustomer(ctx, s.db, ana)
	if err != nil || a.Language != "" || a.OptedOut == nil || a.OptOutSource != "owner" {
		t.Fatalf("after clearing the language: %+v (%v), want no language and the opt-out kept", a, err)
	}
}

// A language the emails are not written in, or a customer nobody is, is
// refused by name, and nothing is stored.
func TestSetLanguageRefuses(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	now := tuesday
	importOrders(t, db, now, ordersHeader+orderLine("P-1", now, "ana@example.com", "Jabón", "Paid", "", ""))
	card, err := orders.CardByEmail(ctx, db, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	err = SetLanguage(ctx, db, card.Customer.ID, "Français", now)
	if !errors.Is(err, ErrLanguage) || err.Error() != `customer 1: unknown language "Français": es, en, or empty for the shop's` {
		t.Errorf("SetLanguage(Français): %v", err)
	}
	if err := SetLanguage(ctx, db, 404, "en", now); !errors.Is(err, orders.ErrNoCustomer) || err.Error() != "customer 404: no such customer" {
		t.Errorf("SetLanguage(customer 404): %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM contact_pref`); n != 0 {
		t.Errorf("%d preferences stored by refused calls", n)
	}
}
