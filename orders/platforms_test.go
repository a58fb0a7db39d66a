package orders

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestShopifyExport(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "shopify_orders.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 6, 0, 0)
	if res.Format != "shopify" || res.Rows != 10 || res.Dialect.Delimiter != "," || res.Dialect.Encoding != "utf-8" {
		t.Fatalf("format %q rows %d dialect %+v", res.Format, res.Rows, res.Dialect)
	}
	// " Ana.Perez@Example.com" and "ana.perez@example.com" are one customer.
	if res.Customers.Inserted != 5 {
		t.Fatalf("customers inserted = %d, want 5", res.Customers.Inserted)
	}
	ana := cardOf(t, db, "ANA.PEREZ@example.com ")
	if ana.Customer.Name != "Ana Pérez" || ana.Totals.OrderCount != 2 || !ana.Customer.Emailable {
		t.Fatalf("ana = %+v", ana)
	}
	o, _ := findOrder(t, db, "shopify", "#1001")
	if total(o) != 5945 || o.Currency != "USD" || o.Status != "shipped" || !sameTime(o.PlacedAt, "2024-03-05T19:07:00Z") ||
		!sameTime(o.ShippedAt, "2024-03-06T15:15:22Z") {
		t.Fatalf("#1001 = %+v", o)
	}
	if len(o.Items) != 3 || o.Items[0].Name != "Jabón de oliva - 100 g" || o.Items[0].Quantity != 2 ||
		price(o.Items[0].UnitPrice) != 450 || price(o.Items[0].LineTotal) != 900 || o.Items[0].SKU != "JAB-OLI-100" ||
		o.Items[2].Name != "Taza de cerámica - Azul cobalto" || price(o.Items[2].UnitPrice) != 2600 {
		t.Fatalf("#1001 items = %+v", o.Items)
	}
	var note string
	db.QueryRow(`SELECT note FROM orders WHERE number = '#1001'`).Scan(&note)
	if note != "Dejar en la portería, por favor.\nEl timbre dice \"Pérez 15D\", gracias." {
		t.Fatalf("note with embedded newline and quotes = %q", note)
	}
	for num, want := range map[string]string{"#1002": "pending", "#1003": "refunded", "#1004": "paid",
		"#1005": "cancelled", "#1006": "shipped"} {
		if o, _ := findOrder(t, db, "shopify", num); o.Status != want {
			t.Errorf("%s status = %q, want %q", num, o.Status, want)
		}
	}
	// Lifetime value leaves out what was refunded or cancelled.
	if jose := cardOf(t, db, "jose.nunez@example.es"); len(jose.Totals.LifetimeValue) != 0 {
		t.Errorf("refunded order counted in lifetime value: %+v", jose.Totals)
	}
	if want := []Money{{"USD", 5945 + 2521}}; !reflect.DeepEqual(ana.Totals.LifetimeValue, want) {
		t.Errorf("ana lifetime value = %+v, want %+v", ana.Totals.LifetimeValue, want)
	}
}

func TestReimportSameFileChangesNothing(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	before := dump(t, db)
	res := importFixture(t, db, "shopify_orders.csv", Options{})
	wantCounts(t, res, 0, 0, 6)
	if res.Customers != (struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	}{}) || len(res.Changes) != 0 {
		t.Fatalf("re-import changed something: customers %+v changes %+v", res.Customers, res.Changes)
	}
	if after := dump(t, db); after != before {
		t.Fatalf("database differs after re-import:\n%s\n---\n%s", before, after)
	}
}

// Orders are remembered by a 64-bit fingerprint of their number; two numbers
// with the same fingerprint must still be told apart. Here all collide.
func TestOrderNumbersWithTheSameFingerprint(t *testing.T) {
	later := func() string {
		db := newDB(t)
		importFixture(t, db, "shopify_orders.csv", Options{})
		again := importFixture(t, db, "shopify_orders.csv", Options{})
		if again.Orders.Inserted+again.Orders.Updated != 0 {
			t.Fatalf("re-import: %+v", again.Orders)
		}
		res := importFixture(t, db, "shopify_orders_later.csv", Options{})
		out, _ := json.Marshal(res)
		return string(out) + dump(t, db)
	}
	want := later()
	numberSum = func(string) uint64 { return 42 }
	defer func() { numberSum = textSum }()
	if got := later(); got != want {
		t.Fatalf("with colliding fingerprints:\n%s\nwithout:\n%s", got, want)
	}
}

func TestLaterExportReportsEachChange(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	res := importFixture(t, db, "shopify_orders_later.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 1, 3, 3)
	got := changeKinds(res)
	want := map[string]bool{"#1002:cancelled": true, "#1004:shipped": true, "#1006:refunded": true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	var newOne Change
	for _, c := range res.Changes {
		if c.Kind == "new" {
			newOne = c
		}
		if c.Kind == "shipped" && (c.At == nil || !c.At.Equal(at("2024-03-14T14:00:37Z")) || c.CustomerEmail != "ana.perez@example.com") {
			t.Errorf("shipped change = %+v", c)
		}
	}
	if newOne.Order != "#1007" || newOne.CustomerEmail != "carmen.ruiz@example.com" || newOne.PlacedAt == nil {
		t.Fatalf("new order change = %+v", newOne)
	}
	if n := count(t, db, `SELECT count(*) FROM orders`); n != 7 {
		t.Fatalf("%d orders, want 7", n)
	}
	if n := count(t, db, `SELECT count(*) FROM customer`); n != 6 {
		t.Fatalf("%d customers, want 6", n)
	}
	if n := count(t, db, `SELECT count(*) FROM order_event WHERE kind IN ('cancelled','shipped','refunded')`); n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
	if o, _ := findOrder(t, db, "shopify", "#1006"); o.Status != "refunded" || price(o.Refunded) != 3745 {
		t.Fatalf("#1006 = %+v", o)
	}
	again := importFixture(t, db, "shopify_orders_later.csv", Options{})
	wantCounts(t, again, 0, 0, 7)
	if len(again.Changes) != 0 {
		t.Fatalf("second import of the later file reported %+v", again.Changes)
	}
}

func TestWooCommercePluginExport(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "woocommerce_plugin.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 5, 0, 0)
	if res.Format != "woocommerce" || res.Dialect.Encoding != "utf-8-bom" || res.Rows != 7 {
		t.Fatalf("format %q dialect %+v rows %d", res.Format, res.Dialect, res.Rows)
	}
	mj := cardOf(t, db, "mj.garcia@example.com")
	if mj.Customer.Name != "María José García Núñez" || mj.Totals.OrderCount != 2 {
		t.Fatalf("mj = %+v", mj.Customer)
	}
	o, _ := findOrder(t, db, "woocommerce", "2041")
	if total(o) != 3040 || o.Carrier != "Correos" || o.Tracking != "PQ4F6P0703526580108001X" || o.Status != "shipped" ||
		!sameTime(o.PlacedAt, "2024-03-05T13:07:00Z") {
		t.Fatalf("2041 = %+v", o)
	}
	if len(o.Items) != 2 || o.Items[1].Name != "Vela aromática" || o.Items[1].Variant != "Aroma: Citronela" ||
		o.Items[0].Quantity != 3 || price(o.Items[0].UnitPrice) != 450 {
		t.Fatalf("2041 items = %+v", o.Items)
	}
	for num, want := range map[string]string{"2042": "paid", "2043": "pending", "2044": "cancelled", "2045": "refunded"} {
		if o, _ := findOrder(t, db, "woocommerce", num); o.Status != want {
			t.Errorf("%s = %q, want %q", num, o.Status, want)
		}
	}
}

func TestWooCommerceAnalyticsThenPluginKeepsOnePerson(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "woocommerce_analytics.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	o, c := findOrder(t, db, "woocommerce", "2041")
	if c.Emailable || c.Name != "María José García Núñez" || len(o.Items) != 2 || o.Items[0].Quantity != 3 ||
		o.Items[0].Name != "Jabón de oliva" || o.Items[1].Name != "Vela aromática - Citronela" {
		t.Fatalf("2041 from analytics = %+v %+v", o, c)
	}
	if o.Total != nil {
		t.Fatalf("net sales taken as the order total: %d", *o.Total)
	}
	// The plugin export brings the email: the same customer gains it.
	importFixture(t, db, "woocommerce_plugin.csv", Options{})
	mj := cardOf(t, db, "mj.garcia@example.com")
	if mj.Totals.OrderCount != 2 {
		t.Fatalf("mj has %d orders, want 2", mj.Totals.OrderCount)
	}
	if n := count(t, db, `SELECT count(*) FROM customer WHERE name_key = 'maria jose garcia nunez'`); n != 1 {
		t.Fatalf("%d customers named María José, want 1", n)
	}
	o, _ = findOrder(t, db, "woocommerce", "2041")
	if total(o) != 3040 || len(o.Items) != 2 || o.Items[1].Name != "Vela aromática" ||
		o.Items[1].Variant != "Aroma: Citronela" || o.Items[1].SKU != "VEL-ARO-CIT" || price(o.Items[1].UnitPrice) != 1200 {
		t.Fatalf("2041 after the plugin export = %+v", o)
	}
}

// The other way round: a summary export after the detailed one adds what it
// knows and never wipes SKUs, variants and prices.
func TestWooCommercePluginThenAnalyticsKeepsItemDetails(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "woocommerce_plugin.csv", Options{})
	before, _ := findOrder(t, db, "woocommerce", "2041")
	importFixture(t, db, "woocommerce_analytics.csv", Options{})
	after, _ := findOrder(t, db, "woocommerce", "2041")
	if !reflect.DeepEqual(before.Items, after.Items) {
		t.Fatalf("items changed by the analytics export:\nbefore %+v\nafter  %+v", before.Items, after.Items)
	}
	if after.Items[0].SKU != "JAB-OLI" || price(after.Items[0].UnitPrice) != 450 {
		t.Fatalf("2041 items = %+v", after.Items)
	}
}

func TestWebToffeeExport(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "webtoffee_orders.csv", Options{Location: mustZone("America/Chicago")})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	if res.Dialect.DateOrder != "month/day/year" {
		t.Fatalf("date order %q", res.Dialect.DateOrder)
	}
	o, _ := findOrder(t, db, "woocommerce", "3101")
	// 3/4/2024 9:05 in Chicago (CST, -6).
	if !sameTime(o.PlacedAt, "2024-03-04T15:05:00Z") || total(o) != 4930 || o.Currency != "USD" || o.Status != "shipped" {
		t.Fatalf("3101 = %+v", o)
	}
	if len(o.Items) != 2 || price(o.Items[0].UnitPrice) != 450 || price(o.Items[0].LineTotal) != 900 || o.Items[1].SKU != "VEL-CAN-L" {
		t.Fatalf("3101 items = %+v", o.Items)
	}
	if c := cardOf(t, db, "grace.lee@example.com"); c.Orders[0].Number != "3103" || c.Orders[0].Status != "pending" {
		t.Fatalf("guest order from billing_email = %+v", c.Orders)
	}
	if o, _ := findOrder(t, db, "woocommerce", "3104"); o.Status != "cancelled" {
		t.Fatalf("3104 = %q", o.Status)
	}
}

func TestEtsyTwoFilesInEitherOrder(t *testing.T) {
	state := func(first, second string) map[string]string {
		db := newDB(t)
		r1 := importFixture(t, db, first, Options{})
		r2 := importFixture(t, db, second, Options{})
		wantNoRejections(t, r1)
		wantNoRejections(t, r2)
		if n := count(t, db, `SELECT count(*) FROM orders`); n != 3 {
			t.Fatalf("%s then %s: %d orders, want 3", first, second, n)
		}
		out := map[string]string{}
		for _, num := range []string{"3210987733", "3210987702", "3210987654"} {
			o, c := findOrder(t, db, "etsy", num)
			var items []string
			for _, it := range o.Items {
				items = append(items, strings.Join([]string{it.Name, it.SKU}, "|"))
			}
			out[num] = strings.Join([]string{c.Name, o.Status, o.Currency, strings.Join(items, ";")}, " / ") +
				" / " + string(rune('0'+len(o.Items))) + " / " + itoa(total(o))
			if c.Emailable {
				t.Fatalf("Etsy customer %s has an email", c.Name)
			}
		}
		return out
	}
	a := state("etsy_sold_orders.csv", "etsy_sold_order_items.csv")
	b := state("etsy_sold_order_items.csv", "etsy_sold_orders.csv")
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("order of import matters:\n%v\n%v", a, b)
	}
	want := "Jennifer Walsh / shipped / USD / Handmade Ceramic Mug, Speckled White Glaze, 12 oz|MUG-SPK-WHT;Ceramic Spoon Rest - Sage Green|SPN-RST-SAG / 2 / 6175"
	if a["3210987654"] != want {
		t.Fatalf("3210987654 = %q\nwant %q", a["3210987654"], want)
	}
	if !strings.HasPrefix(a["3210987733"], "Sarah O'Neil / ") || !strings.HasSuffix(a["3210987733"], "/ 4899") {
		t.Fatalf("3210987733 = %q", a["3210987733"])
	}
}

func itoa(v int64) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

func TestTiendanubeSpanishWindows1252(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "tiendanube_es.csv", Options{Location: mustZone("America/Argentina/Buenos_Aires")})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	if res.Dialect.Encoding != "windows-1252" || res.Dialect.Delimiter != ";" || res.Format != "tiendanube" {
		t.Fatalf("dialect %+v format %s", res.Dialect, res.Format)
	}
	m := cardOf(t, db, "martina.gomez@example.com.ar")
	if m.Customer.Name != "Martina Gómez" || m.Totals.OrderCount != 2 {
		t.Fatalf("martina = %+v", m.Customer)
	}
	o, _ := findOrder(t, db, "tiendanube", "512")
	if total(o) != 2470000 || o.Currency != "ARS" || o.Tracking != "TN123456789AR" || o.Status != "delivered" ||
		!sameTime(o.PlacedAt, "2025-12-20T13:00:00Z") {
		t.Fatalf("512 = %+v", o)
	}
	if len(o.Items) != 2 || o.Items[0].Name != "Vela de soja Ámbar 200 g" || price(o.Items[0].UnitPrice) != 850000 {
		t.Fatalf("512 items = %+v", o.Items)
	}
	if o, _ := findOrder(t, db, "tiendanube", "514"); !o.Cancelled || o.PaymentStatus != "refunded" {
		t.Fatalf("514 = %+v", o)
	}
	if o, _ := findOrder(t, db, "tiendanube", "513"); o.Status != "paid" || o.Items[0].Name != "Taza de cerámica Ñandú" {
		t.Fatalf("513 = %+v", o)
	}
	if o, _ := findOrder(t, db, "tiendanube", "515"); o.Status != "pending" {
		t.Fatalf("515 = %q", o.Status)
	}
}

func TestNuvemshopPortuguese(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "tiendanube_pt.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 3, 0, 0)
	o, c := findOrder(t, db, "tiendanube", "1201")
	if total(o) != 10520 || o.Status != "delivered" || o.Tracking != "QB123456789BR" || c.Name != "Beatriz Souza" {
		t.Fatalf("1201 = %+v %+v", o, c)
	}
	if o, _ := findOrder(t, db, "tiendanube", "1203"); !o.Cancelled || o.PaymentStatus != "refunded" {
		t.Fatalf("1203 = %+v", o)
	}
	if o, _ := findOrder(t, db, "tiendanube", "1202"); total(o) != 7191 || o.Status != "paid" {
		t.Fatalf("1202 = %+v", o)
	}
}

func TestSquareItems(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "square_items.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 3, 0, 0)
	if len(res.Warnings) == 0 || res.Warnings[len(res.Warnings)-1].Code != "warn.anonymous" {
		t.Fatalf("walk-in sale not reported: %+v", res.Warnings)
	}
	o, c := findOrder(t, db, "square", "bH5jK8lZ2xC4vN7mQ1wE3rT6yU9iO")
	if c.Name != "Daniel Brooks" || len(o.Items) != 2 || price(o.Items[0].LineTotal) != 114900 || price(o.Items[1].UnitPrice) != 1800 {
		t.Fatalf("square order = %+v", o)
	}
	var laura int64
	db.QueryRow(`SELECT id FROM customer WHERE name = 'Laura Gómez'`).Scan(&laura)
	card, _ := CardByID(t.Context(), db, laura)
	if card.Totals.OrderCount != 2 {
		t.Fatalf("Laura has %d orders, want 2", card.Totals.OrderCount)
	}
}

func TestPrestaShopOrders(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "prestashop_orders.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	for num, want := range map[string]struct {
		total  int64
		status string
	}{"UOYEVOLIN": {795, "pending"}, "FFATNOMMJ": {3890, "cancelled"}, "OHSATSERP": {123450, "shipped"}, "XKBKNABJK": {1250, "delivered"}} {
		o, _ := findOrder(t, db, "prestashop", num)
		if total(o) != want.total || o.Currency != "EUR" || o.Status != want.status {
			t.Errorf("%s = total %d %s status %s, want %+v", num, total(o), o.Currency, o.Status, want)
		}
	}
}

func TestSquarespaceOrders(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "squarespace_orders.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 3, 0, 0)
	o, c := findOrder(t, db, "squarespace", "1042")
	if c.Email != "emma.wilson@example.com" || total(o) != 5200 || len(o.Items) != 2 || o.Status != "shipped" ||
		o.PlacedAt == nil || o.PlacedAt.In(madrid).Format("2006-01-02") != "2024-03-04" {
		t.Fatalf("1042 = %+v %+v", o, c)
	}
	if o, _ := findOrder(t, db, "squarespace", "1044"); !o.Cancelled || o.PaymentStatus != "refunded" || len(o.Items) != 3 {
		t.Fatalf("1044 = %+v", o)
	}
}

func TestGenericSpanishSheet(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "generic_es.csv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	if res.Format != "generic" || res.Dialect.Encoding != "utf-8-bom" || res.Dialect.Delimiter != ";" ||
		res.Dialect.Decimal != "," || res.Dialect.DateOrder != "day/month/year" {
		t.Fatalf("dialect = %+v", res.Dialect)
	}
	o, _ := findOrder(t, db, "generic", "P-003")
	if total(o) != 3750 || o.Carrier != "SEUR" || o.Tracking != "0082736451" || o.Status != "shipped" || len(o.Items) != 2 ||
		!sameTime(o.PlacedAt, "2024-03-14T23:00:00Z") {
		t.Fatalf("P-003 = %+v", o)
	}
	o, c := findOrder(t, db, "generic", "P-002")
	if c.Emailable || c.Name != "Pedro Sánchez" || c.Phone != "699 888 777" || total(o) != 2400 {
		t.Fatalf("P-002 = %+v %+v", o, c)
	}
	// "Pagado" with a tracking number: the parcel has left.
	if o, _ := findOrder(t, db, "generic", "P-004"); total(o) != 115000 || o.Status != "shipped" || o.PaymentStatus != "paid" {
		t.Fatalf("P-004 = %+v", o)
	}
}

func TestGenericEnglishTabWithNewlinesAndBlankTail(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "generic_en_tab.tsv", Options{})
	wantNoRejections(t, res)
	wantCounts(t, res, 4, 0, 0)
	if res.Rows != 4 || res.Dialect.Delimiter != "\t" || res.Dialect.DateOrder != "month/day/year" {
		t.Fatalf("rows %d dialect %+v", res.Rows, res.Dialect)
	}
	o, _ := findOrder(t, db, "generic", "1002")
	if o.Items[0].Name != "Ceramic Mug\nSpeckled Blue" || o.Status != "delivered" || o.Tracking != "1Z999AA10123456784" {
		t.Fatalf("1002 = %+v", o)
	}
	if o, _ := findOrder(t, db, "generic", "1004"); o.PlacedAt.In(madrid).Format("2006-01-02") != "2024-04-01" || !o.Cancelled {
		t.Fatalf("1004 = %+v", o)
	}
}

func TestAmbiguousDatesAreReportedAndCanBeSettled(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "generic_ambiguous_dates.csv", Options{DryRun: true})
	var warned bool
	for _, w := range res.Warnings {
		if w.Code == "warn.dateOrder" && w.Args["Example"] == "03/05/2024" {
			warned = true
		}
	}
	if !warned {
		t.Fatalf("no date-order warning: %+v", res.Warnings)
	}
	res = importFixture(t, db, "generic_ambiguous_dates.csv", Options{DateOrder: "mdy"})
	for _, w := range res.Warnings {
		if w.Code == "warn.dateOrder" {
			t.Fatalf("warned although --date-order was given")
		}
	}
	if o, _ := findOrder(t, db, "generic", "A-101"); o.PlacedAt.In(madrid).Format("2006-01-02") != "2024-03-05" {
		t.Fatalf("A-101 = %v", o.PlacedAt)
	}
	if _, err := ImportFile(t.Context(), db, fixture("generic_ambiguous_dates.csv"), Options{DateOrder: "ymd"}); fileError(t, err).Code != "import.badDateOrder" {
		t.Fatal("bad --date-order accepted")
	}
}

func TestBadRowsAreRejectedWithRowColumnAndReason(t *testing.T) {
	db := newDB(t)
	res := importFixture(t, db, "bad_rows.csv", Options{})
	wantCounts(t, res, 2, 0, 0)
	type rj struct {
		Row           int
		Column, Value string
		Code          string
	}
	var got []rj
	for _, r := range res.Rejected {
		got = append(got, rj{r.Row, r.Column, r.Value, r.Code})
	}
	want := []rj{
		{3, "Total", "abc", "reject.amount"},
		{4, "Date", "31/02/2024", "reject.date"},
		{5, "Email", "", "reject.noCustomer"},
		{6, "Email", "ana@", "reject.email"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected =\n%+v\nwant\n%+v", got, want)
	}
	if n := count(t, db, `SELECT count(*) FROM orders`); n != 2 {
		t.Fatalf("%d orders stored, want 2", n)
	}
}

func TestNotAnOrderExport(t *testing.T) {
	db := newDB(t)
	_, err := ImportFile(t.Context(), db, fixture("not_orders.csv"), Options{})
	if fe := fileError(t, err); fe.Code != "import.unknownFormat" || !strings.Contains(fe.Args["Expected"].(string), "shopify") {
		t.Fatalf("err = %+v", fe)
	}
	_, err = ImportFile(t.Context(), db, fixture("woocommerce_plugin.csv"), Options{Format: "shopify"})
	if fe := fileError(t, err); fe.Code != "import.notThisFormat" {
		t.Fatalf("forced wrong format: %+v", fe)
	}
	_, err = ImportFile(t.Context(), db, fixture("woocommerce_plugin.csv"), Options{Format: "amazon"})
	if fe := fileError(t, err); fe.Code != "import.unknownFormatFlag" {
		t.Fatalf("unknown --format: %+v", fe)
	}
	_, err = ImportFile(t.Context(), db, fixture("missing.csv"), Options{})
	if fe := fileError(t, err); fe.Code != "import.unreadable" {
		t.Fatalf("missing file: %+v", fe)
	}
	if n := count(t, db, `SELECT count(*) FROM orders`) + count(t, db, `SELECT count(*) FROM customer`); n != 0 {
		t.Fatalf("%d rows written by failed imports", n)
	}
}

func TestDryRunReportsTheSameAndWritesNothing(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	dry := importFixture(t, db, "shopify_orders_later.csv", Options{DryRun: true})
	if !dry.DryRun {
		t.Fatal("result does not say dry run")
	}
	if n := count(t, db, `SELECT count(*) FROM orders`); n != 6 {
		t.Fatalf("dry run wrote: %d orders", n)
	}
	if o, _ := findOrder(t, db, "shopify", "#1004"); o.Status != "paid" {
		t.Fatalf("dry run changed #1004 to %s", o.Status)
	}
	real := importFixture(t, db, "shopify_orders_later.csv", Options{})
	if dry.Orders != real.Orders || dry.Customers != real.Customers || !reflect.DeepEqual(changeKinds(dry), changeKinds(real)) {
		t.Fatalf("dry run %+v %+v differs from the import %+v %+v", dry.Orders, dry.Customers, real.Orders, real.Customers)
	}
}
