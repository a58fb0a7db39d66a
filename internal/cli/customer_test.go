package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// cardJSON is the documented shape of "customer EMAIL --json".
type cardJSON struct {
	Customer struct {
		ID        int64    `json:"id"`
		Email     string   `json:"email"`
		Name      string   `json:"name"`
		Phone     string   `json:"phone"`
		Emailable bool     `json:"emailable"`
		Notes     string   `json:"notes"`
		Tags      []string `json:"tags"`
	} `json:"customer"`
	Orders []struct {
		ID                int64      `json:"id"`
		Platform          string     `json:"platform"`
		Number            string     `json:"number"`
		PlacedAt          *time.Time `json:"placedAt"`
		Currency          string     `json:"currency"`
		Total             *int64     `json:"total"`
		Refunded          *int64     `json:"refunded"`
		Status            string     `json:"status"`
		PaymentStatus     string     `json:"paymentStatus"`
		FulfillmentStatus string     `json:"fulfillmentStatus"`
		StatusText        string     `json:"statusText"`
		Cancelled         bool       `json:"cancelled"`
		Carrier           string     `json:"carrier"`
		Tracking          string     `json:"tracking"`
		TrackingURL       string     `json:"trackingUrl"`
		ShippedAt         *time.Time `json:"shippedAt"`
		DeliveredAt       *time.Time `json:"deliveredAt"`
		Items             []struct {
			Quantity  int    `json:"quantity"`
			Name      string `json:"name"`
			SKU       string `json:"sku"`
			Variant   string `json:"variant"`
			UnitPrice *int64 `json:"unitPrice"`
			LineTotal *int64 `json:"lineTotal"`
		} `json:"items"`
	} `json:"orders"`
	Totals struct {
		OrderCount    int `json:"orderCount"`
		LifetimeValue []struct {
			Currency string `json:"currency"`
			Minor    int64  `json:"minor"`
		} `json:"lifetimeValue"`
		FirstOrder *time.Time `json:"firstOrder"`
		LastOrder  *time.Time `json:"lastOrder"`
	} `json:"totals"`
	// Bookings have their own tests (orders); here only their place.
	Appointments []json.RawMessage `json:"appointments"`
	// The customers merged into this one (absent when none).
	Merged []struct {
		MergeID int64     `json:"mergeId"`
		ID      int64     `json:"id"`
		Email   string    `json:"email"`
		Name    string    `json:"name"`
		Phone   string    `json:"phone"`
		Into    int64     `json:"into"`
		At      time.Time `json:"at"`
	} `json:"merged"`
	Threads    []threadJSON `json:"threads"`
	Automation struct {
		OptedOut             *time.Time        `json:"optedOut"`
		OptedOutAppointments *time.Time        `json:"optedOutAppointments"`
		OptOutSource         string            `json:"optOutSource"`
		BadAddress           *time.Time        `json:"badAddress"`
		Language             string            `json:"language"`
		Jobs                 []jobJSON         `json:"jobs"`
		Replies              []json.RawMessage `json:"replies"`
	} `json:"automation"`
}

// threadJSON is a conversation on the card.
type threadJSON struct {
	ID                   int64      `json:"id"`
	Subject              string     `json:"subject"`
	Customer             string     `json:"customer"`
	CustomerName         string     `json:"customerName"`
	StartedAt            time.Time  `json:"startedAt"`
	LastAt               time.Time  `json:"lastAt"`
	Messages             int        `json:"messages"`
	Snippet              string     `json:"snippet"`
	WaitingSince         *time.Time `json:"waitingSince"`
	FirstResponseSeconds *int64     `json:"firstResponseSeconds"`
	Automatic            bool       `json:"automatic"`
	Orders               []string   `json:"orders"`
}

func customerCard(t *testing.T, db, email string) cardJSON {
	t.Helper()
	o := mostrador(t, "--db", db, "customer", email, "--json")
	o.want(t, exitOK)
	var card cardJSON
	decodeStrict(t, o.stdout, &card)
	top := requireKeys(t, "card", json.RawMessage(o.stdout), "customer", "orders[]", "totals")
	requireKeys(t, "totals", top["totals"], "orderCount", "lifetimeValue[]")
	var list []json.RawMessage
	json.Unmarshal(top["orders"], &list)
	for i, raw := range list {
		requireKeys(t, fmt.Sprintf("orders[%d]", i), raw, "number", "status", "items[]")
	}
	return card
}

func TestCustomerCard(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	card := customerCard(t, db, "rosa.diaz@example.com")

	cu := card.Customer
	if cu.Email != "rosa.diaz@example.com" || cu.Name != "Rosa Díaz" || cu.Phone != "+34 600 111 222" || !cu.Emailable {
		t.Errorf("customer %+v", cu)
	}
	day := func(d int) time.Time { return time.Date(2024, 4, d, 0, 0, 0, 0, time.Local) }
	type item struct {
		qty        int
		name       string
		unit, line int64
	}
	type order struct {
		number, currency  string
		total             int64
		status            string
		cancelled         bool
		carrier, tracking string
		placed            time.Time
		items             []item
	}
	want := []order{ // newest first
		{"T-3", "EUR", 1250, "cancelled", true, "", "", day(12), []item{{1, "Café en grano", 1250, 1250}}},
		{"T-2", "USD", 2600, "paid", false, "", "", day(10), []item{{1, "Ceramic mug", 2600, 2600}}},
		{"T-1", "EUR", 2400, "shipped", false, "Correos", "PQ0001ES", day(2),
			[]item{{2, "Jabón de oliva", 450, 900}, {1, "Vela de soja", 1500, 1500}}},
	}
	var got []order
	for _, o := range card.Orders {
		g := order{number: o.Number, currency: o.Currency, status: o.Status, cancelled: o.Cancelled,
			carrier: o.Carrier, tracking: o.Tracking}
		if o.Total != nil {
			g.total = *o.Total
		}
		if o.PlacedAt != nil {
			g.placed = o.PlacedAt.In(time.Local)
		}
		for _, it := range o.Items {
			i := item{qty: it.Quantity, name: it.Name}
			if it.UnitPrice != nil {
				i.unit = *it.UnitPrice
			}
			if it.LineTotal != nil {
				i.line = *it.LineTotal
			}
			g.items = append(g.items, i)
		}
		if o.Platform != "generic" {
			t.Errorf("%s platform %q", o.Number, o.Platform)
		}
		got = append(got, g)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("orders:\n%v\nwant:\n%v", got, want)
	}
	// Totals per currency; the cancelled order is counted but not valued.
	tot := card.Totals
	if tot.OrderCount != 3 || fmt.Sprint(tot.LifetimeValue) != "[{EUR 2400} {USD 2600}]" {
		t.Errorf("totals %+v", tot)
	}
	if tot.FirstOrder == nil || !tot.FirstOrder.Equal(day(2)) || tot.LastOrder == nil || !tot.LastOrder.Equal(day(12)) {
		t.Errorf("first %v last %v", tot.FirstOrder, tot.LastOrder)
	}

	// The card as text.
	o := mostrador(t, "--db", db, "--lang", "en", "customer", "rosa.diaz@example.com")
	o.want(t, exitOK)
	text := "Rosa Díaz <rosa.diaz@example.com>\n" +
		"Phone: +34 600 111 222\n" +
		"3 orders · lifetime value 24.00 EUR + 26.00 USD\n" +
		"  2024-04-12  T-3        12.50 EUR  Cancelled\n" +
		"      1 × Café en grano\n" +
		"  2024-04-10  T-2        26.00 USD  Paid\n" +
		"      1 × Ceramic mug\n" +
		"  2024-04-02  T-1        24.00 EUR  Shipped  Correos PQ0001ES\n" +
		"      2 × Jabón de oliva\n" +
		"      1 × Vela de soja\n"
	if o.stdout != text {
		t.Errorf("card:\n%s\nwant:\n%s", o.stdout, text)
	}
	o = mostrador(t, "--db", db, "--lang", "es", "customer", "ivan.soto@example.com")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "Iván Soto <ivan.soto@example.com>\n1 pedido · valor total 15,00 EUR\n") {
		t.Errorf("Spanish card:\n%s", o.stdout)
	}
}

func TestCustomerFromShopify(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", formats+"shopify_orders.csv").want(t, exitOK)
	card := customerCard(t, db, "ana.perez@example.com")
	if card.Customer.Name != "Ana Pérez" || card.Totals.OrderCount != 2 || len(card.Orders) != 2 {
		t.Fatalf("card %+v", card)
	}
	if o := card.Orders[1]; o.Number != "#1001" || len(o.Items) != 3 || o.Status != "shipped" {
		t.Errorf("#1001: %+v", o)
	}
	if fmt.Sprint(card.Totals.LifetimeValue) != "[{USD 8466}]" {
		t.Errorf("lifetime value %v, want 59.45 + 25.21 USD", card.Totals.LifetimeValue)
	}
}

func TestCustomerEmailCase(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	want := customerCard(t, db, "rosa.diaz@example.com")
	for _, email := range []string{"Rosa.Diaz@Example.com", "ROSA.DIAZ@EXAMPLE.COM", " rosa.diaz@example.com "} {
		got := customerCard(t, db, email)
		if got.Customer.ID != want.Customer.ID || got.Customer.Email != "rosa.diaz@example.com" || len(got.Orders) != len(want.Orders) {
			t.Errorf("customer %q: %+v, want the same person as rosa.diaz@example.com", email, got.Customer)
		}
	}
}

func TestCustomerUnknown(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	mostrador(t, "--db", db, "--lang", "en", "customer", "nobody@example.com").
		wantError(t, exitFailure, "en", "no customer has the email nobody@example.com")
	mostrador(t, "--db", db, "--lang", "es", "customer", "--json", "Nadie@Example.com").
		wantError(t, exitFailure, "es", "no hay ningún cliente con el correo Nadie@Example.com")
}
