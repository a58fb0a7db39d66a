package cli

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

func TestImportOrders(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"shopify_orders.csv")
	o.want(t, exitOK)
	want := "shopify_orders.csv: shopify format, utf-8, delimiter ',', 10 rows\n" +
		"New orders: 6 · updated: 0 · unchanged: 0\n" +
		"New customers: 5 · updated: 0\n" +
		"Note: columns not used: Paid at, "
	if !strings.HasPrefix(o.stdout, want) {
		t.Errorf("stdout:\n%s\nwant it to start with:\n%s", o.stdout, want)
	}
	if n := count(t, db, "orders"); n != 6 {
		t.Errorf("%d orders in the database, want 6", n)
	}
	// Flags may come before the file too.
	o = mostrador(t, "--db", db, "--lang", "es", "import", "orders", "--format", "shopify", formats+"shopify_orders.csv")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "shopify_orders.csv: formato shopify, utf-8, separador ',', 10 filas\nPedidos nuevos: 0 · actualizados: 0 · sin cambios: 6\n") {
		t.Errorf("stdout:\n%s", o.stdout)
	}
}

func TestImportRejectedRows(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"bad_rows.csv")
	o.want(t, exitRejected)
	want := `bad_rows.csv: generic format, utf-8, delimiter ',', 6 rows
New orders: 2 · updated: 0 · unchanged: 0
New customers: 2 · updated: 0
4 rows rejected:
  row 3, column "Total", value "abc": not an amount that can be read
  row 4, column "Date", value "31/02/2024": not a date that can be read
  row 5, column "Email", value "": order B-1004 has no email, name or phone: there is no telling whose it is
  row 6, column "Email", value "ana@": the email is not a valid address; correct it and import again
`
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if o.stderr != "" {
		t.Errorf("stderr: %s", o.stderr)
	}
	if n := count(t, db, "orders"); n != 2 {
		t.Errorf("%d orders in the database, want the 2 good ones", n)
	}

	// Every row rejected: nothing imported, and that is a failure.
	db2 := filepath.Join(t.TempDir(), "other.db")
	o = mostrador(t, "--db", db2, "--lang", "es", "import", "orders", "testdata/all_rejected.csv")
	if o.code != exitFailure {
		t.Fatalf("want exit 1, got %s", o)
	}
	want = `all_rejected.csv: formato generic, utf-8, separador ',', 2 filas
Pedidos nuevos: 0 · actualizados: 0 · sin cambios: 0
Clientes nuevos: 0 · actualizados: 0
2 filas rechazadas:
  fila 2, columna «Email», valor «ann.lee@»: el correo no es una dirección válida; corríjalo y vuelva a importar
  fila 3, columna «Date», valor «31/02/2024»: no es una fecha que se pueda leer
`
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if n := count(t, db2, "orders") + count(t, db2, "customer"); n != 0 {
		t.Errorf("%d rows written by an import that imported nothing", n)
	}
}

func TestImportNotAnExport(t *testing.T) {
	db := isolate(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "pedidos.csv")
	for _, tc := range []struct {
		args []string
		lang string
		msg  string // a regular expression for the whole message
	}{
		{[]string{formats + "not_orders.csv"}, "en", regexp.QuoteMeta(formats+"not_orders.csv") +
			` does not look like an orders export: no known header row in its first 30 rows\. Expected one of: shopify \(shopify\): name, financial status, .*; generic: an order number column .*`},
		{[]string{formats + "not_orders.csv"}, "es", regexp.QuoteMeta(formats+"not_orders.csv") +
			` no parece una exportación de pedidos: .* Se esperaba uno de estos: shopify .*`},
		{[]string{"--format", "woocommerce", formats + "shopify_orders.csv"}, "en", regexp.QuoteMeta(formats+"shopify_orders.csv") +
			` does not have the headers of a "woocommerce" export\. Expected: woocommerce \(woocommerce-analytics\): order #, .*`},
		{[]string{missing}, "en", regexp.QuoteMeta("there is no file " + missing + ": give the path of the CSV or XLSX file to import")},
		{[]string{missing}, "es", regexp.QuoteMeta("no existe el archivo " + missing + ": indique la ruta del archivo CSV o XLSX a importar")},
		{[]string{dir}, "en", regexp.QuoteMeta(dir + " is a folder, not a file: give the CSV or XLSX file to import")},
		{[]string{dir, "--json"}, "es", regexp.QuoteMeta(dir + " es una carpeta, no un archivo: indique el archivo CSV o XLSX a importar")},
	} {
		o := mostrador(t, append([]string{"--db", db, "--lang", tc.lang, "import", "orders"}, tc.args...)...)
		o.want(t, exitFailure)
		re := regexp.MustCompile(`^mostrador: ` + tc.msg + "\n$")
		if !re.MatchString(o.stderr) {
			t.Errorf("%v (%s): stderr\n%s\ndoes not match\n%s", tc.args, tc.lang, o.stderr, re)
		}
	}
	// Nothing was imported, and a wrong path did not even create the database.
	if _, err := os.Stat(db); err == nil && count(t, db, "orders") != 0 {
		t.Error("a failed import wrote orders")
	}
	o := mostrador(t, "--db", filepath.Join(dir, "new.db"), "import", "orders", missing)
	o.want(t, exitFailure)
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("importing a missing file created the database (%v)", err)
	}
}

func TestImportBadOptions(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "--lang", "en", "import", "orders", "--format", "nope", formats+"shopify_orders.csv").
		wantError(t, exitUsage, "en", `unknown format "nope"; known formats: auto, shopify, woocommerce, etsy, tiendanube, square, prestashop, squarespace, mercadolibre, generic`)
	mostrador(t, "--db", db, "--lang", "es", "import", "orders", formats+"shopify_orders.csv", "--format=tienda").
		wantError(t, exitUsage, "es", "formato desconocido «tienda»; se admiten: auto, shopify, woocommerce, etsy, tiendanube, square, prestashop, squarespace, mercadolibre, generic")
	mostrador(t, "--db", db, "--lang", "en", "import", "orders", "--date-order", "ymd", formats+"shopify_orders.csv").
		wantError(t, exitUsage, "en", `invalid --date-order value "ymd": use dmy (day/month/year) or mdy (month/day/year)`)
	if n := count(t, db, "orders"); n != 0 {
		t.Errorf("%d orders written despite a bad option", n)
	}
}

// importJSON is the documented shape of "import orders --json". Decoding
// refuses unknown fields, so a field added to the output must be added here
// (and to the README) on purpose.
type importJSON struct {
	File    string `json:"file"`
	Format  string `json:"format"`
	Source  string `json:"source"`
	Dialect struct {
		Encoding  string `json:"encoding"`
		Delimiter string `json:"delimiter"`
		Decimal   string `json:"decimal"`
		DateOrder string `json:"dateOrder"`
		HeaderRow int    `json:"headerRow"`
	} `json:"dialect"`
	Rows   int `json:"rows"`
	Orders struct {
		Inserted  int `json:"inserted"`
		Updated   int `json:"updated"`
		Unchanged int `json:"unchanged"`
	} `json:"orders"`
	Customers struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	} `json:"customers"`
	Changes   []changeJSON    `json:"changes"`
	DryRun    bool            `json:"dryRun"`
	Rejected  []rejectionJSON `json:"rejected"`
	Warnings  []string        `json:"warnings"`
	Reminders plannedJSON     `json:"reminders"`
}

// plannedJSON is what an import planned of the automated emails (or would
// plan, in a dry run).
type plannedJSON struct {
	Jobs      map[string]int `json:"jobs"`
	Cancelled int            `json:"cancelled"`
	TooOld    int            `json:"tooOld"`
	Off       int            `json:"off"`
	NoEmail   int            `json:"noEmail"`
}

type changeJSON struct {
	Kind          string     `json:"kind"`
	Platform      string     `json:"platform"`
	Order         string     `json:"order"`
	OrderID       int64      `json:"orderId"`
	CustomerID    int64      `json:"customerId"`
	CustomerEmail string     `json:"customerEmail"`
	PlacedAt      *time.Time `json:"placedAt"`
	At            *time.Time `json:"at"`
	Carrier       string     `json:"carrier"`
	Tracking      string     `json:"tracking"`
	TrackingURL   string     `json:"trackingUrl"`
	From          string     `json:"from"`
	To            string     `json:"to"`
	Fields        []string   `json:"fields"`
}

type rejectionJSON struct {
	Row    int            `json:"row"`
	Column string         `json:"column"`
	Value  string         `json:"value"`
	Code   string         `json:"code"`
	Args   map[string]any `json:"args"`
	Reason string         `json:"reason"`
}

func importAsJSON(t *testing.T, db, lang string, args ...string) (importJSON, outcome) {
	t.Helper()
	o := mostrador(t, append([]string{"--db", db, "--lang", lang, "import", "orders", "--json"}, args...)...)
	if o.code != exitOK && o.code != exitRejected {
		t.Fatalf("import %v: %s", args, o)
	}
	if o.stderr != "" {
		t.Errorf("--json import wrote on stderr: %s", o.stderr)
	}
	var res importJSON
	decodeStrict(t, o.stdout, &res)
	top := requireKeys(t, "result", json.RawMessage(o.stdout),
		"format", "dialect", "rows", "orders", "customers", "changes[]", "rejected[]", "warnings[]")
	requireKeys(t, "orders", top["orders"], "inserted", "updated", "unchanged")
	requireKeys(t, "customers", top["customers"], "inserted", "updated")
	requireKeys(t, "dialect", top["dialect"], "encoding", "delimiter", "headerRow")
	var rejected []json.RawMessage
	json.Unmarshal(top["rejected"], &rejected)
	for i, r := range rejected {
		requireKeys(t, fmt.Sprintf("rejected[%d]", i), r, "row", "column", "value", "reason")
	}
	return res, o
}

func TestImportJSON(t *testing.T) {
	db := isolate(t)
	res, o := importAsJSON(t, db, "en", formats+"bad_rows.csv")
	if o.code != exitRejected {
		t.Errorf("exit %d, want %d", o.code, exitRejected)
	}
	if res.File != "bad_rows.csv" || res.Format != "generic" || res.Rows != 6 || res.DryRun {
		t.Errorf("file %q format %q rows %d dryRun %v", res.File, res.Format, res.Rows, res.DryRun)
	}
	if d := res.Dialect; d.Encoding != "utf-8" || d.Delimiter != "," || d.Decimal != "." || d.DateOrder != "day/month/year" || d.HeaderRow != 1 {
		t.Errorf("dialect %+v", d)
	}
	if res.Orders.Inserted != 2 || res.Orders.Updated != 0 || res.Orders.Unchanged != 0 ||
		res.Customers.Inserted != 2 || res.Customers.Updated != 0 {
		t.Errorf("orders %+v customers %+v", res.Orders, res.Customers)
	}
	if len(res.Changes) != 2 || res.Changes[0].Kind != "new" || res.Changes[1].Kind != "new" {
		t.Errorf("changes %+v, want two new orders", res.Changes)
	}
	type rej struct {
		Row                         int
		Column, Value, Code, Reason string
	}
	var got []rej
	for _, r := range res.Rejected {
		got = append(got, rej{r.Row, r.Column, r.Value, r.Code, r.Reason})
	}
	wantEN := []rej{
		{3, "Total", "abc", "reject.amount", "not an amount that can be read"},
		{4, "Date", "31/02/2024", "reject.date", "not a date that can be read"},
		{5, "Email", "", "reject.noCustomer", "order B-1004 has no email, name or phone: there is no telling whose it is"},
		{6, "Email", "ana@", "reject.email", "the email is not a valid address; correct it and import again"},
	}
	if !slices.Equal(got, wantEN) {
		t.Errorf("rejected:\n%+v\nwant:\n%+v", got, wantEN)
	}

	// The same rows, in Spanish, into a fresh database.
	res, _ = importAsJSON(t, filepath.Join(t.TempDir(), "es.db"), "es", formats+"bad_rows.csv")
	var reasons []string
	for _, r := range res.Rejected {
		reasons = append(reasons, r.Reason)
	}
	wantES := []string{
		"no es un importe que se pueda leer",
		"no es una fecha que se pueda leer",
		"el pedido B-1004 no tiene correo, nombre ni teléfono: no se sabe de qué cliente es",
		"el correo no es una dirección válida; corríjalo y vuelva a importar",
	}
	if !slices.Equal(reasons, wantES) {
		t.Errorf("Spanish reasons:\n%q\nwant:\n%q", reasons, wantES)
	}
}

func TestImportJSONChanges(t *testing.T) {
	db := isolate(t)
	first, _ := importAsJSON(t, db, "en", formats+"shopify_orders.csv")
	if first.Orders.Inserted != 6 || len(first.Changes) != 6 {
		t.Fatalf("first import: %+v, %d changes", first.Orders, len(first.Changes))
	}
	if len(first.Warnings) != 1 || !strings.HasPrefix(first.Warnings[0], "columns not used: ") {
		t.Errorf("warnings %q", first.Warnings)
	}
	later, o := importAsJSON(t, db, "en", formats+"shopify_orders_later.csv")
	o.want(t, exitOK)
	if later.Orders.Inserted != 1 || later.Orders.Updated != 3 || later.Orders.Unchanged != 3 {
		t.Errorf("a week later: %+v", later.Orders)
	}
	kinds := map[string]string{}
	for _, c := range later.Changes {
		kinds[c.Order] = c.Kind
		if c.Platform != "shopify" || c.OrderID == 0 || c.CustomerID == 0 || c.CustomerEmail == "" || c.PlacedAt == nil {
			t.Errorf("change without its order and customer: %+v", c)
		}
	}
	want := map[string]string{"#1007": "new", "#1006": "refunded", "#1004": "shipped", "#1002": "cancelled"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("changes %v, want %v", kinds, want)
	}
}

func TestImportChangesText(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", formats+"shopify_orders.csv").want(t, exitOK)
	for _, tc := range []struct{ lang, args, want string }{
		{"es", "--dry-run", "Pedidos nuevos: 1 · actualizados: 3 · sin cambios: 3\nClientes nuevos: 1 · actualizados: 0\n" +
			"Cambios:\n  #1006: reembolsado\n  #1004: enviado\n  #1002: cancelado\n"},
		{"en", "", "New orders: 1 · updated: 3 · unchanged: 3\nNew customers: 1 · updated: 0\n" +
			"Changes:\n  #1006: refunded\n  #1004: shipped\n  #1002: cancelled\n"},
	} {
		args := []string{"--db", db, "--lang", tc.lang, "import", "orders", formats + "shopify_orders_later.csv"}
		if tc.args != "" {
			args = append(args, tc.args)
		}
		o := mostrador(t, args...)
		o.want(t, exitOK)
		if _, rest, _ := strings.Cut(o.stdout, "\n"); !strings.HasPrefix(rest, tc.want) {
			t.Errorf("%s: stdout:\n%s\nwant after the first line:\n%s", tc.lang, o.stdout, tc.want)
		}
	}
}

func TestReimportIsUnchanged(t *testing.T) {
	db := isolate(t)
	for _, f := range []string{formats + "shopify_orders.csv", formats + "generic_es.csv", "testdata/two_currencies.csv"} {
		importAsJSON(t, db, "en", f)
		res, o := importAsJSON(t, db, "en", f)
		o.want(t, exitOK)
		if res.Orders.Inserted != 0 || res.Orders.Updated != 0 || res.Orders.Unchanged == 0 ||
			res.Customers.Inserted != 0 || res.Customers.Updated != 0 || len(res.Changes) != 0 || len(res.Rejected) != 0 {
			t.Errorf("%s imported again: orders %+v customers %+v changes %+v", f, res.Orders, res.Customers, res.Changes)
		}
	}
}

// snapshot is every order's number and state, to compare a database before
// and after.
func snapshot(t *testing.T, dbPath string) string {
	t.Helper()
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT number || '|' || COALESCE(payment_status,'') || '|' || COALESCE(fulfillment_status,'') || '|' || cancelled || '|' || COALESCE(tracking,'') FROM orders ORDER BY number`,
		`SELECT COALESCE(email,'') || '|' || name FROM customer ORDER BY id`,
		`SELECT count(*) FROM order_item`,
		`SELECT count(*) FROM order_event`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s.String + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestDryRunWritesNothing(t *testing.T) {
	db := isolate(t)
	res, _ := importAsJSON(t, db, "en", "--dry-run", formats+"shopify_orders.csv")
	if !res.DryRun || res.Orders.Inserted != 6 || res.Customers.Inserted != 5 {
		t.Errorf("dry run reported %+v %+v dryRun=%v", res.Orders, res.Customers, res.DryRun)
	}
	for _, table := range []string{"orders", "customer", "order_item", "order_event"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("dry run wrote %d rows into %s", n, table)
		}
	}
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"shopify_orders.csv", "--dry-run")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "shopify_orders.csv (dry run, nothing saved): shopify format") {
		t.Errorf("stdout:\n%s", o.stdout)
	}

	// Over real data: the changes are reported, and not made.
	importAsJSON(t, db, "en", formats+"shopify_orders.csv")
	before := snapshot(t, db)
	res, _ = importAsJSON(t, db, "en", formats+"shopify_orders_later.csv", "--dry-run")
	if res.Orders.Inserted != 1 || res.Orders.Updated != 3 || len(res.Changes) != 4 {
		t.Errorf("dry run a week later reported %+v and %d changes", res.Orders, len(res.Changes))
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("dry run changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// And the real import afterwards still sees every change.
	res, _ = importAsJSON(t, db, "en", formats+"shopify_orders_later.csv")
	if len(res.Changes) != 4 {
		t.Errorf("real import after a dry run: %d changes, want 4", len(res.Changes))
	}
}
