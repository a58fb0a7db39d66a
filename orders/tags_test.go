package orders

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Tags are kept as the owner typed them, once each whatever the case, on
// the card, and an import leaves them alone.
func TestSetTags(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	importFixture(t, db, "shopify_orders.csv", Options{})
	ana := cardOf(t, db, "ana.perez@example.com").Customer
	if ana.Tags != nil {
		t.Fatalf("tags before any: %q", ana.Tags)
	}
	if err := SetTags(ctx, db, ana.ID, []string{" VIP ", "#mayorista", "vip", "", "sin   gluten", "Mayorista"}, now); err != nil {
		t.Fatal(err)
	}
	importFixture(t, db, "shopify_orders.csv", Options{})
	want := []string{"VIP", "mayorista", "sin gluten"}
	if got := cardOf(t, db, "ana.perez@example.com").Customer.Tags; !reflect.DeepEqual(got, want) {
		t.Fatalf("tags %q, want %q", got, want)
	}
	if got, err := CardByID(ctx, db, ana.ID); err != nil || !reflect.DeepEqual(got.Customer.Tags, want) {
		t.Fatalf("card by id: tags %q (%v), want %q", got.Customer.Tags, err, want)
	}

	// Setting again replaces; an empty list clears.
	if err := SetTags(ctx, db, ana.ID, []string{"mayorista"}, now); err != nil {
		t.Fatal(err)
	}
	if got := cardOf(t, db, "ana.perez@example.com").Customer.Tags; !reflect.DeepEqual(got, []string{"mayorista"}) {
		t.Fatalf("tags after replacing: %q", got)
	}
	if err := SetTags(ctx, db, ana.ID, nil, now); err != nil {
		t.Fatal(err)
	}
	if got := cardOf(t, db, "ana.perez@example.com").Customer.Tags; got != nil {
		t.Fatalf("tags after clearing: %q", got)
	}
}

// What SetTags refuses names the customer and the tag, and stores nothing.
func TestSetTagsRefuses(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	importFixture(t, db, "shopify_orders.csv", Options{})
	ana := cardOf(t, db, "ana.perez@example.com").Customer
	if err := SetTags(ctx, db, ana.ID, []string{"vip"}, now); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("ñ", maxTagLength+1)
	many := make([]string, maxTags+1)
	for i := range many {
		many[i] = fmt.Sprintf("tag%d", i)
	}
	for _, c := range []struct {
		tags []string
		want string
	}{
		{[]string{"ok", long}, fmt.Sprintf("customer %d: invalid tag: %q has 33 characters, at most 32", ana.ID, long)},
		{many, fmt.Sprintf("customer %d: invalid tag: 21 tags, at most 20", ana.ID)},
	} {
		err := SetTags(ctx, db, ana.ID, c.tags, now)
		if !errors.Is(err, ErrTag) || err.Error() != c.want {
			t.Errorf("SetTags(%d tags): %v, want %q", len(c.tags), err, c.want)
		}
	}
	// Twenty, with repeats that fold away, are fine.
	if err := SetTags(ctx, db, ana.ID, append(many[:maxTags:maxTags], "TAG0", strings.Repeat("a", maxTagLength)), now); err == nil {
		t.Error("21 different tags were taken")
	}
	if err := SetTags(ctx, db, ana.ID, append(many[:maxTags:maxTags], "TAG0", "Tag1"), now); err != nil {
		t.Errorf("20 tags and two repeats: %v", err)
	}
	if err := SetTags(ctx, db, 999999, []string{"vip"}, now); !errors.Is(err, ErrNoCustomer) ||
		!strings.Contains(err.Error(), "customer 999999") {
		t.Errorf("tags for nobody: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM customer_tag WHERE customer_id = 999999`); n != 0 {
		t.Errorf("tags stored for nobody: %d", n)
	}
}

// "#vip" finds the customers tagged VIP, besides what it finds as text; a
// query without "#" finds what it always found.
func TestListCustomersByTag(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	importFixture(t, db, "shopify_orders.csv", Options{})
	ana := cardOf(t, db, "ana.perez@example.com").Customer
	if err := SetTags(ctx, db, ana.ID, []string{"VIP", "sin gluten"}, now); err != nil {
		t.Fatal(err)
	}
	ids := func(query string) []int64 {
		t.Helper()
		rows, err := ListCustomers(ctx, db, query, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, q := range []string{"#vip", " #VIP ", "#sin  gluten", "##vip"} {
		if got := ids(q); !reflect.DeepEqual(got, []int64{ana.ID}) {
			t.Errorf("ListCustomers(%q) = %v, want [%d]", q, got, ana.ID)
		}
	}
	if got := ids("#vi"); len(got) != 0 {
		t.Errorf("a tag's start found %v: tags match whole", got)
	}
	if got := ids("vip"); len(got) != 0 {
		t.Errorf("ListCustomers(vip) = %v: a query without # is the old text search", got)
	}
}
