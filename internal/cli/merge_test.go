package cli

import (
	"context"
	"reflect"
	"testing"
	"time"

	"mostrador/internal/database"
	"mostrador/orders"
	"mostrador/reminders"
)

// A customer merged into another (as the window merges them) has that
// one's card under either address: the merged customer listed, its
// conversations among the kept one's, the tags and language set on it.
// Unmerged, each has its own card again.
func TestCardOfMergedCustomers(t *testing.T) {
	dbPath := mailShop(t)
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	ana, err := orders.CustomerByEmail(ctx, db, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	marta, err := orders.CustomerByEmail(ctx, db, "marta@example.com")
	if err != nil {
		t.Fatal(err)
	}
	merge, err := orders.MergeCustomers(ctx, db, ana, marta, now, reminders.MergeCustomers)
	if err != nil {
		t.Fatal(err)
	}
	if err := orders.SetTags(ctx, db, ana, []string{"vip", "Canarias"}, now); err != nil {
		t.Fatal(err)
	}
	if err := reminders.SetLanguage(ctx, db, ana, "en", now); err != nil {
		t.Fatal(err)
	}

	card := customerCard(t, dbPath, "marta@example.com")
	if card.Customer.ID != ana || card.Customer.Email != "ana@example.com" ||
		!reflect.DeepEqual(card.Customer.Tags, []string{"vip", "Canarias"}) || card.Automation.Language != "en" {
		t.Errorf("card by the merged address: %+v, language %q", card.Customer, card.Automation.Language)
	}
	if len(card.Merged) != 1 || card.Merged[0].MergeID != merge || card.Merged[0].ID != marta ||
		card.Merged[0].Email != "marta@example.com" || card.Merged[0].Name != "Marta Ruiz" || card.Merged[0].Into != ana {
		t.Errorf("merged: %+v", card.Merged)
	}
	subjects := map[string]bool{}
	for _, th := range card.Threads {
		subjects[th.Subject] = true
	}
	if len(card.Threads) != 3 || !subjects["Envíos a Canarias"] {
		t.Errorf("threads of the merged card: %+v", card.Threads)
	}

	if err := orders.UnmergeCustomers(ctx, db, merge, now, reminders.UnmergeCustomers); err != nil {
		t.Fatal(err)
	}
	if card := customerCard(t, dbPath, "marta@example.com"); card.Customer.ID != marta || len(card.Threads) != 1 ||
		card.Merged != nil || card.Customer.Tags != nil {
		t.Errorf("Marta's card after unmerge: %+v, %d threads, merged %+v", card.Customer, len(card.Threads), card.Merged)
	}
	if card := customerCard(t, dbPath, "ana@example.com"); len(card.Threads) != 2 || card.Merged != nil {
		t.Errorf("Ana's card after unmerge: %d threads, merged %+v", len(card.Threads), card.Merged)
	}
}
