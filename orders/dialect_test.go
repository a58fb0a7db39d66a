package orders

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestParseMoney(t *testing.T) {
	for _, c := range []struct {
		in, fallback string
		mark         decimalMark
		want         int64
		code         string
	}{
		{"12.50", "", 0, 1250, ""},
		{"12,50", "", 0, 1250, ""},
		{"1.234,56", "", 0, 123456, ""},
		{"1,234.56", "", 0, 123456, ""},
		{"$1,149.00 ", "", 0, 114900, ""},
		{"-$0.95", "", 0, -95, ""},
		{"($33.62)", "", 0, -3362, ""},
		{"12,50\u00a0€", "", 0, 1250, "EUR"},
		{"EUR 12.5", "", 0, 1250, "EUR"},
		{"R$ 79,90", "", 0, 7990, "BRL"},
		{"ARS $ 24.700,00", "", 0, 2470000, "ARS"},
		{"79.90 USD", "", 0, 7990, "USD"},
		{"15.990", "CLP", 0, 15990, ""},
		{"1.234", "", markComma, 123400, ""},
		{"1.234", "", markDot, 123, ""}, // 1.234 units, rounded to cents
		{"1,234", "", 0, 123400, ""},
		{"1,234", "", markComma, 123, ""},
		{"1.234.567", "", 0, 123456700, ""},
		{`="79.90"`, "", 0, 7990, ""},
		{"0", "", 0, 0, ""},
		{"12", "JPY", 0, 12, ""},
		{"4.125", "USD", markDot, 413, ""}, // rounded half away from zero
	} {
		got, code, err := parseMoney(c.in, c.fallback, c.mark)
		if err != nil || got != c.want || code != c.code {
			t.Errorf("parseMoney(%q, %q, %q) = %d %q %v; want %d %q", c.in, c.fallback, c.mark, got, code, err, c.want, c.code)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3,4,5", "12,34,56.7.8", "--5", "1,23,4", "$", "1e5"} {
		if v, _, err := parseMoney(bad, "", 0); err == nil {
			t.Errorf("parseMoney(%q) = %d, want an error", bad, v)
		}
	}
}

func TestParseDate(t *testing.T) {
	ba := mustZone("America/Argentina/Buenos_Aires")
	for _, c := range []struct {
		in    string
		order dateOrder
		want  string
	}{
		{"2024-03-05 14:07:00 -0300", 0, "2024-03-05T17:07:00Z"},
		{"2024-03-05T14:07:00Z", 0, "2024-03-05T14:07:00Z"},
		{"2024-03-05T14:07:00-03:00", 0, "2024-03-05T17:07:00Z"},
		{"2024-03-05", 0, "2024-03-05T03:00:00Z"},
		{"2024-03-05 14:07", 0, "2024-03-05T17:07:00Z"},
		{"05/03/2024", orderDMY, "2024-03-05T03:00:00Z"},
		{"03/05/2024", orderMDY, "2024-03-05T03:00:00Z"},
		{"25/03/2024", orderMDY, "2024-03-25T03:00:00Z"}, // the value settles it whatever the file guess
		{"3/15/24 6:29 PM", 0, "2024-03-15T21:29:00Z"},
		{"12/31/21", orderMDY, "2021-12-31T03:00:00Z"},
		{"2025-03-03 11:00 am", 0, "2025-03-03T14:00:00Z"},
		{"2025-03-03 12:00 pm", 0, "2025-03-03T15:00:00Z"},
		{"2025-03-03 12:30 am", 0, "2025-03-03T03:30:00Z"},
		{"30 de septiembre de 2025 19:29 hs.", 0, "2025-09-30T22:29:00Z"},
		{"Mar 5, 2024", 0, "2024-03-05T03:00:00Z"},
		{"05.03.2024 10:00", orderDMY, "2024-03-05T13:00:00Z"},
		{"45356", 0, "2024-03-05T03:00:00Z"},
		{"45356.5", 0, "2024-03-05T15:00:00Z"},
		{`="2024-03-05"`, 0, "2024-03-05T03:00:00Z"},
	} {
		got, err := parseDate(c.in, c.order, ba, true)
		if err != nil || !got.Equal(at(c.want)) {
			t.Errorf("parseDate(%q) = %v %v; want %s", c.in, got.UTC(), err, c.want)
		}
	}
	for _, bad := range []string{"", "31/02/2024", "2024-13-01", "not a date", "12/12", "2024-03-05 25:00", "99/99/9999", "5", "2024-03-05 14:07 +9999"} {
		if got, err := parseDate(bad, orderDMY, ba, true); err == nil {
			t.Errorf("parseDate(%q) = %v, want an error", bad, got)
		}
	}
}

func importBytes(t *testing.T, name string, data []byte, opts Options) *Result {
	t.Helper()
	db := newDB(t)
	if opts.Location == nil {
		opts.Location = madrid
	}
	res, err := ImportBytes(t.Context(), db, name, data, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func TestWindows1252SemicolonDecimalComma(t *testing.T) {
	text := "Pedido;Fecha;Nombre;Correo;Producto;Cantidad;Precio;Total\r\n" +
		"1001;05/03/2024;José Muñoz;jose@example.es;Jabón «artesano»;2;4,50;9,00\r\n" +
		"1002;15/03/2024;Íñigo Peña;inigo@example.es;Cerámica €;1;1.234,56;1.234,56\r\n"
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	db := newDB(t)
	res, err := ImportBytes(t.Context(), db, "ventas.csv", data, Options{Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	wantNoRejections(t, res)
	if res.Dialect.Encoding != "windows-1252" || res.Dialect.Delimiter != ";" || res.Dialect.Decimal != "," {
		t.Fatalf("dialect = %+v", res.Dialect)
	}
	o, c := findOrder(t, db, "generic", "1002")
	if c.Name != "Íñigo Peña" || total(o) != 123456 || o.Items[0].Name != "Cerámica €" {
		t.Fatalf("1002 = %+v %+v", o, c)
	}
	if o, _ := findOrder(t, db, "generic", "1001"); o.Items[0].Name != "Jabón «artesano»" || !sameTime(o.PlacedAt, "2024-03-04T23:00:00Z") {
		t.Fatalf("1001 = %+v", o)
	}
}

func TestUTF16TabTitleRowsAndBlankLines(t *testing.T) {
	// Excel's "Unicode text": UTF-16LE with BOM, tab-separated; a report
	// title above the header and blank lines that still count as rows.
	text := "Ventas de marzo\r\n\r\n" +
		"Order\tDate\tName\tEmail\tTotal\r\n" +
		"A1\t2024-03-05\tAna\tana@example.com\t10.00\r\n" +
		"\r\n" +
		"A2\t2024-03-06\tBea\tbea@example\t12.00\r\n"
	data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	res := importBytes(t, "ventas.txt", data, Options{})
	if res.Dialect.Encoding != "utf-16le" || res.Dialect.Delimiter != "\t" || res.Dialect.HeaderRow != 3 {
		t.Fatalf("dialect = %+v", res.Dialect)
	}
	wantCounts(t, res, 1, 0, 0)
	// Row 6: title, blank, header, A1, blank, A2.
	if len(res.Rejected) != 1 || res.Rejected[0].Row != 6 || res.Rejected[0].Column != "Email" {
		t.Fatalf("rejected = %+v", res.Rejected)
	}
}

func TestQuotedFieldsAndStrayWindows1252ByteInUTF8(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("order,email,name,notes,total\n")
	b.WriteString("1,a@example.com,\"Pérez, Ana\",\"line one\nline \"\"two\"\"\",5.00\n")
	b.WriteString("2,b@example.com,Jos")
	b.WriteByte(0xE9) // é in Windows-1252, in an otherwise UTF-8 file
	b.WriteString(",,6.00\n\n\n")
	db := newDB(t)
	res, err := ImportBytes(t.Context(), db, "x.csv", b.Bytes(), Options{Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	wantNoRejections(t, res)
	wantCounts(t, res, 2, 0, 0)
	if _, c := findOrder(t, db, "generic", "1"); c.Name != "Pérez, Ana" {
		t.Fatalf("name = %q", c.Name)
	}
	if _, c := findOrder(t, db, "generic", "2"); c.Name != "José" {
		t.Fatalf("stray byte name = %q", c.Name)
	}
	var note string
	db.QueryRow(`SELECT note FROM orders WHERE number = '1'`).Scan(&note)
	if note != "line one\nline \"two\"" {
		t.Fatalf("note = %q", note)
	}
}

func TestEmptyCellNeverErasesAndLaterRowUpdates(t *testing.T) {
	db := newDB(t)
	first := "order,email,name,phone,total\n1,ana@example.com,Ana,+34 600 111 222,10\n"
	later := "order,email,name,phone,total\n2,ANA@example.com,Ana Pérez,,20\n"
	if _, err := ImportBytes(t.Context(), db, "a.csv", []byte(first), Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := ImportBytes(t.Context(), db, "b.csv", []byte(later), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Customers.Inserted != 0 || res.Customers.Updated != 1 {
		t.Fatalf("customers = %+v", res.Customers)
	}
	c := cardOf(t, db, "ana@example.com")
	if c.Customer.Name != "Ana Pérez" || c.Customer.Phone != "+34 600 111 222" || c.Totals.OrderCount != 2 {
		t.Fatalf("card = %+v", c.Customer)
	}
	// An order without email finds her by phone, written another way.
	third := "order,name,phone,total\n3,A. P.,600111222,5\n"
	if _, err := ImportBytes(t.Context(), db, "c.csv", []byte(third), Options{}); err != nil {
		t.Fatal(err)
	}
	if c := cardOf(t, db, "ana@example.com"); c.Totals.OrderCount != 3 {
		t.Fatalf("order by phone not joined: %d orders", c.Totals.OrderCount)
	}
}

func TestScatteredRowsOfOneOrderAreGathered(t *testing.T) {
	data := "order,email,item,qty,price\n7,a@example.com,Jabón,1,2.00\n8,b@example.com,Vela,1,3.00\n7,a@example.com,Taza,2,4.00\n"
	db := newDB(t)
	res, err := ImportBytes(t.Context(), db, "x.csv", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, 2, 0, 0)
	if o, _ := findOrder(t, db, "generic", "7"); len(o.Items) != 2 || o.Items[1].Name != "Taza" {
		t.Fatalf("order 7 items = %+v", o.Items)
	}
	again, _ := ImportBytes(t.Context(), db, "x.csv", []byte(data), Options{})
	wantCounts(t, again, 0, 0, 2)
}

// A caller that streams the changes hears each one once, even when the import
// has to start over for scattered rows; Result.Changes then stays empty.
func TestOnChangeStreamsChangesAndResets(t *testing.T) {
	data := "order,email,item,qty,price\n7,a@example.com,Jabón,1,2.00\n8,b@example.com,Vela,1,3.00\n7,a@example.com,Taza,2,4.00\n"
	var got []string
	resets := 0
	res, err := ImportBytes(t.Context(), newDB(t), "x.csv", []byte(data), Options{OnChange: func(c Change) {
		if c.Kind == "reset" {
			got, resets = nil, resets+1
			return
		}
		got = append(got, c.Kind+" "+c.Order+" "+c.CustomerEmail)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if resets != 1 || strings.Join(got, ",") != "new 7 a@example.com,new 8 b@example.com" || len(res.Changes) != 0 {
		t.Fatalf("resets %d, streamed %q, Result.Changes %d", resets, got, len(res.Changes))
	}

	// The same changes, streamed or gathered, for a later export.
	db1, db2 := newDB(t), newDB(t)
	importFixture(t, db1, "shopify_orders.csv", Options{})
	importFixture(t, db2, "shopify_orders.csv", Options{})
	gathered := importFixture(t, db1, "shopify_orders_later.csv", Options{})
	var streamed []Change
	importFixture(t, db2, "shopify_orders_later.csv", Options{OnChange: func(c Change) { streamed = append(streamed, c) }})
	g, _ := json.Marshal(gathered.Changes)
	st, _ := json.Marshal(streamed)
	if len(gathered.Changes) == 0 || string(g) != string(st) {
		t.Fatalf("gathered %s\nstreamed %s", g, st)
	}
}

// Dates are read as the shop's clocks show them, also on the days clocks
// change: Chile skips midnight, Madrid 02:00.
func TestDatesOnClockChangeDays(t *testing.T) {
	santiago, madrid := mustZone("America/Santiago"), mustZone("Europe/Madrid")
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"08/09/2024", santiago, "2024-09-08T01:00:00-03:00"}, // midnight does not exist: the first instant after
		{"08/09/2024 10:30", santiago, "2024-09-08T10:30:00-03:00"},
		{"2025-03-30 02:30", madrid, "2025-03-30T03:30:00+02:00"},
		{"2025-03-30 10:00", madrid, "2025-03-30T10:00:00+02:00"},
		{"2025-10-26 10:00", madrid, "2025-10-26T10:00:00+01:00"},
	} {
		got, err := parseDate(c.in, orderDMY, c.loc, false)
		if err != nil || got.Format(time.RFC3339) != c.want {
			t.Errorf("parseDate(%q, %s) = %v, %v; want %s", c.in, c.loc, got.Format(time.RFC3339), err, c.want)
		}
	}
	// Excel serial 45746.41666 is 30/03/2025 10:00, the day Madrid moves to summer time.
	if got, ok := excelSerial("45746.4166666667", madrid); !ok || got.Format(time.RFC3339) != "2025-03-30T10:00:00+02:00" {
		t.Errorf("excelSerial = %v, %v", got.Format(time.RFC3339), ok)
	}
}

func TestSniffDelimiter(t *testing.T) {
	for want, sample := range map[rune]string{
		',':  "a,b,c\n1,2,3\n",
		';':  "a;b;c\n1,5;2,5;3\n",
		'\t': "a\tb, c\tc\n1\t2\t3\n",
		'|':  "a|b|c\n1|2|3\n",
	} {
		if got := sniffDelimiter([]byte(sample)); got != want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", sample, got, want)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	for in, want := range map[string][2]string{
		"Número de orden":   {"numero de orden", ""},
		"\ufeffOrder #":     {"order #", ""},
		"Total (CLP)":       {"total", "CLP"},
		"Email (Billing)":   {"email (billing)", ""},
		"  customer_email ": {"customer email", ""},
		"Nº de pedido":      {"n de pedido", ""},
	} {
		k, cur := headerKey(in)
		if k != want[0] || cur != want[1] {
			t.Errorf("headerKey(%q) = %q %q, want %q %q", in, k, cur, want[0], want[1])
		}
	}
}

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		minor     int64
		cur, lang string
		want      string
	}{
		{123456, "EUR", "es", "1.234,56 EUR"},
		{123456, "EUR", "en", "1,234.56 EUR"},
		{15990, "CLP", "es", "15.990 CLP"},
		{-95, "", "en", "-0.95"},
	} {
		if got := FormatMoney(c.minor, c.cur, c.lang); got != c.want {
			t.Errorf("FormatMoney(%d, %s, %s) = %q, want %q", c.minor, c.cur, c.lang, got, c.want)
		}
	}
}

func TestStatusWordsDependOnTheColumn(t *testing.T) {
	var r record
	r.applyStatus("Recibido", fPaymentStatus)
	r.applyStatus("No enviado", fFulfillmentStatus)
	if r.payment != "paid" || r.fulfillment != "unfulfilled" {
		t.Fatalf("payment %q fulfillment %q", r.payment, r.fulfillment)
	}
	var s record
	s.applyStatus("Recibido", fOrderStatus)
	if s.fulfillment != "delivered" || s.payment != "" {
		t.Fatalf("order-status Recibido: %+v", s)
	}
	var u record
	u.applyStatus("wc-cancelled", fOrderStatus)
	if !u.cancelled || len(u.statusText) != 1 {
		t.Fatalf("wc-cancelled: %+v", u)
	}
}
