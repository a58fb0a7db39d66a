package shop

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"mostrador/inbox"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
)

func shopDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func set(t *testing.T, db *sql.DB, key, value string) {
	t.Helper()
	if _, err := settings.Set(context.Background(), db, key, value); err != nil {
		t.Fatal(err)
	}
}

// The signature is signed with a name: the owner's, else the sender name
// of the account; the shop's name under it.
func TestSignature(t *testing.T) {
	db := shopDB(t)
	acct := &inbox.Account{FromName: "Lola", FromAddr: "tienda@example.com"}
	sig := func() string {
		s, err := Signature(context.Background(), db, acct)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := sig(); got != "Lola" {
		t.Errorf("nothing set: %q", got)
	}
	set(t, db, settings.ShopName, "Jabones Lola")
	if got := sig(); got != "Lola\nJabones Lola" {
		t.Errorf("shop name: %q", got)
	}
	set(t, db, settings.ShopOwner, "Dolores Martín")
	if got := sig(); got != "Dolores Martín\nJabones Lola" {
		t.Errorf("owner: %q", got)
	}
	set(t, db, settings.ShopName, "dolores martín")
	if got := sig(); got != "Dolores Martín" {
		t.Errorf("shop named as the owner: %q", got)
	}
	set(t, db, settings.ShopSignature, "Lola\nwww.jaboneslola.es")
	if got := sig(); got != "Lola\nwww.jaboneslola.es" {
		t.Errorf("own signature: %q", got)
	}
}

// A saved reply's values come from the latest order that was not
// cancelled.
func TestReplyValues(t *testing.T) {
	db := shopDB(t)
	csv := "Order,Date,Name,Email,Currency,Item,Qty,Price,Total,Status,Carrier,Tracking\n" +
		"1,2026-01-10,María José Núñez,mj@example.com,EUR,Jabón,1,4.50,4.50,Shipped,SEUR,S1\n" +
		"2,2026-02-10,María José Núñez,mj@example.com,EUR,Vela,1,9.00,9.00,Cancelled,,\n"
	if _, err := orders.ImportBytes(context.Background(), db, "o.csv", []byte(csv), orders.Options{}); err != nil {
		t.Fatal(err)
	}
	set(t, db, settings.ShopName, "Jabones Lola")
	v, err := ReplyValues(context.Background(), db, "MJ@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name": "María", "full_name": "María José Núñez", "order": "1", "carrier": "SEUR",
		"tracking": "S1", "tracking_link": "", "shop": "Jabones Lola"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	v, _ = ReplyValues(context.Background(), db, "nadie@example.com")
	if v["name"] != "" || v["shop"] != "Jabones Lola" {
		t.Errorf("unknown customer: %v", v)
	}
}
