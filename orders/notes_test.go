package orders

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The owner's notes are kept on the card, trimmed, and an import of the
// customer's orders leaves them alone.
func TestNotes(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if _, err := ImportFile(ctx, db, "testdata/formats/shopify_orders.csv", Options{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	card, err := CardByEmail(ctx, db, "ana.perez@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := SetNotes(ctx, db, card.Customer.ID, "  Prefiere jabones sin perfume.\r\nPaga por transferencia. \n", now); err != nil {
		t.Fatal(err)
	}
	if _, err := ImportFile(ctx, db, "testdata/formats/shopify_orders.csv", Options{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	card, err = CardByID(ctx, db, card.Customer.ID)
	if err != nil || card.Customer.Notes != "Prefiere jabones sin perfume.\nPaga por transferencia." {
		t.Fatalf("notes %q (%v)", card.Customer.Notes, err)
	}
	if err := SetNotes(ctx, db, 999999, "x", now); !errors.Is(err, ErrNoCustomer) {
		t.Errorf("notes for nobody: %v", err)
	}
	if err := SetNotes(ctx, db, card.Customer.ID, strings.Repeat("é", maxNotes+1), now); err == nil ||
		!strings.Contains(err.Error(), "at most 10000") {
		t.Errorf("notes too long: %v", err)
	}
}
