package orders

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mostrador/internal/database"
)

// The fuzz targets (make fuzz runs a minute of each):
//
//	go test -tags ci -run '^$' -fuzz FuzzReadCSV -fuzztime 3m ./orders
//	go test -tags ci -run '^$' -fuzz FuzzImport -fuzztime 3m ./orders
//
// Their seeds are the format fixtures (added here) and testdata/fuzz/<target>,
// which also keeps every input that once failed. An import takes milliseconds,
// so the default minute of minimizing each new input is most of a FuzzImport
// run: -fuzzminimizetime 100x leaves far more time for fuzzing.

// fixtureInputs are the files of testdata/formats, by name.
func fixtureInputs(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "formats", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".md") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	if len(out) == 0 {
		tb.Fatal("no fixtures in testdata/formats")
	}
	return out
}

// FuzzReadCSV feeds arbitrary bytes through the text path of an import
// (decodeText, the delimiter sniffing on a peeked sample, csvSource) and
// checks that it never panics, ends, yields valid UTF-8, loses no byte to the
// peeking, numbers rows as a spreadsheet would, and fails only with an error
// that names a row.
func FuzzReadCSV(f *testing.F) {
	for _, b := range fixtureInputs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The whole decoded text, for reference.
		whole, _, err := decodeText(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decodeText of a byte slice: %v", err)
		}
		decoded, err := io.ReadAll(whole)
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if !utf8.Valid(decoded) {
			t.Fatalf("decoded text is not UTF-8: %q", decoded)
		}

		// The path an import takes (openText).
		text, enc, err := decodeText(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		switch enc {
		case "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252":
		default:
			t.Fatalf("encoding %q", enc)
		}
		pr := newPeekReader(text)
		sample, err := pr.peek(sniffSize)
		if err != nil {
			t.Fatalf("peek: %v", err)
		}
		if !bytes.HasPrefix(decoded, sample) || len(sample) > sniffSize && len(sample) != len(decoded) {
			t.Fatalf("peeked sample (%d bytes) is not the start of the text (%d bytes)", len(sample), len(decoded))
		}
		d := sniffDelimiter(sample)
		if !strings.ContainsRune(",;\t|", d) {
			t.Fatalf("delimiter %q", d)
		}
		src := newCSVSource(pr, d)

		want := referenceRows(t, decoded, d)
		lastRow := 0
		for i := 0; ; i++ {
			if i > len(decoded)+1 {
				t.Fatalf("more records than bytes: no end in sight")
			}
			row, fields, err := src.Next()
			if errors.Is(err, io.EOF) {
				if i != len(want) {
					t.Fatalf("%d records, want %d", i, len(want))
				}
				break
			}
			if err != nil {
				// feed turns this into import.malformed with the row: anything
				// else would be an error the owner cannot act on.
				if row <= lastRow || fields != nil {
					t.Fatalf("error without a row: row %d (previous %d), fields %q: %v", row, lastRow, fields, err)
				}
				if i < len(want) {
					t.Fatalf("error at record %d of %d: %v", i, len(want), err)
				}
				break
			}
			if row <= lastRow {
				t.Fatalf("row %d after row %d", row, lastRow)
			}
			lastRow = row
			if i >= len(want) {
				t.Fatalf("record %d beyond the %d encoding/csv reads: %q", i, len(want), fields)
			}
			if row != want[i].row || !reflect.DeepEqual(fields, want[i].fields) {
				t.Fatalf("record %d = row %d %q, want row %d %q", i, row, fields, want[i].row, want[i].fields)
			}
			for _, fl := range fields {
				if !utf8.ValidString(fl) {
					t.Fatalf("row %d: field is not UTF-8: %q", row, fl)
				}
			}
		}
	})
}

// TestClassicMacLineEnds: Excel for Mac's "CSV (Macintosh)" ends lines with
// a lone carriage return; they are rows like any others. Files whose first
// line ends otherwise are read byte for byte.
func TestClassicMacLineEnds(t *testing.T) {
	read := func(in string) string {
		text, _, err := decodeText(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(text)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		return string(b)
	}
	long := strings.Repeat("x", 4095)
	var mac strings.Builder
	for i := 0; i < 5000; i++ {
		mac.WriteString("1234,ana@example.com,Ana Pérez,12.50\r")
	}
	for in, want := range map[string]string{
		"a,b\rc,d\r":                             "a,b\nc,d\n",
		"a,b\r\rc,d":                             "a,b\n\nc,d",
		"a,b\r\nc\rd\r\n":                        "a,b\r\nc\rd\r\n", // CRLF: a lone CR is data
		"a,b\r\r\nc,d\r\r\n":                     "a,b\r\r\nc,d\r\r\n",
		"a,b\nc\rd":                              "a,b\nc\rd",
		"\"q\rq\"\r\nx":                          "\"q\nq\"\r\nx", // decided by the first CR: not followed by LF
		"a\r" + strings.Repeat("\r", 5000) + "b": "a\n" + strings.Repeat("\n", 5000) + "b",
		long + "\r\r\nb\r\r\n":                   long + "\r\r\nb\r\r\n",
		long + "\rb\r\nc\rd":                     long + "\nb\r\nc\nd",
		mac.String():                             strings.ReplaceAll(mac.String(), "\r", "\n"),
		"\xef\xbb\xbfa;b\r1;2":                   "a;b\n1;2",
		"\xff\xfea\x00;\x00b\x00\r\x001\x00":     "a;b\n1",
	} {
		if got := read(in); got != want {
			t.Errorf("%.40q...: got %.60q, want %.60q", in, got, want)
		}
	}

	data := "Pedido;Correo;Nombre;Total\r1;a@example.com;Ana;12,50\r\r2;b@;Bea;3,00\r3;c@example.com;Cy;1,00\r"
	db := newDB(t)
	res, err := ImportBytes(context.Background(), db, "mac.csv", []byte(data), Options{Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 || res.Dialect.Delimiter != ";" {
		t.Fatalf("rows %d dialect %+v", res.Rows, res.Dialect)
	}
	wantCounts(t, res, 2, 0, 0)
	if len(res.Rejected) != 1 || res.Rejected[0].Row != 4 || res.Rejected[0].Column != "Correo" {
		t.Fatalf("rejected = %+v", res.Rejected)
	}
}

type refRow struct {
	row    int
	fields []string
}

// referenceRows reads decoded text with encoding/csv directly, numbering the
// records independently of csvSource: a record's spreadsheet row is the
// physical line it starts on, less the extra lines that the quoted line
// breaks of earlier records took (blank lines count as rows, as in Excel).
func referenceRows(t *testing.T, decoded []byte, d rune) []refRow {
	r := csv.NewReader(bytes.NewReader(decoded))
	r.Comma = d
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var out []refRow
	extra := 0           // lines taken by earlier records beyond their first
	seen, breaks := 0, 0 // line breaks in decoded[:seen]
	for {
		rec, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var pe *csv.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("encoding/csv: %v", err)
				}
			}
			return out
		}
		start, _ := r.FieldPos(0)
		end := int(r.InputOffset())
		// The line of the record's last byte (its line break included).
		breaks += bytes.Count(decoded[seen:end], []byte("\n"))
		seen = end
		last := 1 + breaks
		if end > 0 && decoded[end-1] == '\n' {
			last--
		}
		out = append(out, refRow{row: start - extra, fields: rec})
		extra += last - start
	}
}

// fuzzNow is the clock of the fuzzed imports.
func fuzzNow() time.Time { return time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC) }

// fuzzTemplates are the database files every FuzzImport input starts from:
// one empty, one holding the fixtures (so that inputs update orders).
type fuzzTemplates struct{ empty, loaded string }

func makeFuzzTemplates(f testing.TB) fuzzTemplates {
	f.Helper()
	dir := f.TempDir()
	mk := func(name string, load bool) string {
		path := filepath.Join(dir, name)
		db, err := database.Open(path)
		if err != nil {
			f.Fatal(err)
		}
		defer db.Close()
		if err := database.Migrate(db, Migrations); err != nil {
			f.Fatal(err)
		}
		if load {
			for _, name := range []string{"shopify_orders.csv", "woocommerce_plugin.csv", "woocommerce_analytics.csv",
				"webtoffee_orders.csv", "etsy_sold_orders.csv", "etsy_sold_order_items.csv", "tiendanube_es.csv",
				"tiendanube_pt.csv", "square_items.csv", "prestashop_orders.csv", "squarespace_orders.csv",
				"generic_es.csv", "generic_en_tab.tsv", "bad_rows.csv"} {
				if _, err := ImportFile(context.Background(), db, fixture(name), Options{Location: madrid, Now: fuzzNow}); err != nil {
					f.Fatalf("preload %s: %v", name, err)
				}
			}
		}
		return path
	}
	return fuzzTemplates{empty: mk("empty.db", false), loaded: mk("loaded.db", true)}
}

// copyDB opens a private copy of a template database.
func copyDB(t *testing.T, template string) *sql.DB {
	t.Helper()
	b, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shop.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fuzzOptions decodes the knobs byte of a FuzzImport input:
// bit 0 imports into the database holding the fixtures (else an empty one),
// bits 1-2 force the date order ("", dmy, mdy, ""), bit 3 runs a dry run
// first, bits 4-7 force a format (formatNames[n], auto when out of range).
func fuzzOptions(knobs uint8) (loaded bool, dryRunFirst bool, opts Options) {
	opts = Options{Location: madrid, Now: fuzzNow}
	opts.DateOrder = [4]string{"", "dmy", "mdy", ""}[knobs>>1&3]
	if n := int(knobs >> 4); n < len(formatNames) {
		opts.Format = formatNames[n]
	}
	return knobs&1 != 0, knobs&8 != 0, opts
}

// fileRow is a data row of a file as the import groups it: its spreadsheet
// row and order number ("" for none).
type fileRow struct {
	row    int
	key    string
	totals bool // a "Total" line under the data, which the import skips
}

// fileRows reads a file again the way the import does (same source, same
// header detection) and lists its data rows with their order numbers, and the
// platform the orders are stored under.
func fileRows(t *testing.T, data []byte, format string) (platform string, rows []fileRow) {
	t.Helper()
	open := func() rowSource {
		var src rowSource
		var err error
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			src, _, err = openXLSXReader(bytes.NewReader(data))
		} else {
			src, _, err = openText(io.NopCloser(bytes.NewReader(data)))
		}
		if err != nil {
			t.Fatalf("the import read this file but it cannot be opened again: %v", err)
		}
		return src
	}
	if format == "" {
		format = "auto"
	}
	src := open()
	sn, err := sniff(src, format, orderUnknown)
	closeSource(src)
	if err != nil {
		t.Fatalf("the import read this file but its header is not found again: %v", err)
	}
	p := &parser{l: sn.layout}
	src = open()
	defer closeSource(src)
	for {
		row, fields, err := src.Next()
		if err != nil {
			break
		}
		if row <= sn.layout.headerRow || blankRow(fields) {
			continue
		}
		key := p.orderKey(fields)
		rows = append(rows, fileRow{row: row, key: key, totals: key == "" && isTotalsRow(fields)})
	}
	return sn.layout.format.platform, rows
}

func tableCounts(t *testing.T, db *sql.DB) (orders, customers int) {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM orders`), count(t, db, `SELECT count(*) FROM customer`)
}

// FuzzImport imports arbitrary bytes into a real SQLite file and checks that
// an import never panics; that a failed one leaves the database exactly as
// it was; that a successful one accounts for what it did (the orders and
// customers it reports inserted are the new rows of their tables, rejected
// rows are data rows of the file, rows that imported nothing are all
// rejected); that a dry run reports the same and writes nothing; and that
// importing the same bytes again changes nothing.
func FuzzImport(f *testing.F) {
	for _, b := range fixtureInputs(f) {
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
	}
	tmpl := makeFuzzTemplates(f)
	f.Fuzz(func(t *testing.T, data []byte, knobs uint8) { checkImport(t, tmpl, data, knobs) })
}

// checkImport is FuzzImport's check of one input.
func checkImport(t *testing.T, tmpl fuzzTemplates, data []byte, knobs uint8) {

	loaded, dryRunFirst, opts := fuzzOptions(knobs)
	template := tmpl.empty
	if loaded {
		template = tmpl.loaded
	}
	db := copyDB(t, template)
	ctx := context.Background()
	before := dump(t, db)
	ordersBefore, custsBefore := tableCounts(t, db)

	var dry *Result
	if dryRunFirst {
		o := opts
		o.DryRun = true
		var err error
		dry, err = ImportBytes(ctx, db, "fuzz.csv", data, o)
		if after := dump(t, db); after != before {
			t.Fatalf("a dry run (err %v) changed the database", err)
		}
		if err != nil {
			dry = nil
		}
	}

	res, err := ImportBytes(ctx, db, "fuzz.csv", data, opts)
	if err != nil {
		if after := dump(t, db); after != before {
			t.Fatalf("a failed import changed the database: %v", err)
		}
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("import failed with an internal error: %v", err)
		}
		if dry != nil {
			t.Fatalf("the dry run succeeded (%+v) but the import failed: %v", dry.Orders, err)
		}
		return
	}
	after := dump(t, db)
	ordersAfter, custsAfter := tableCounts(t, db)

	if res.Rows < 0 || res.Imported() > res.Rows {
		t.Fatalf("%d orders imported from %d rows", res.Imported(), res.Rows)
	}
	if res.Imported() == 0 && after != before {
		t.Fatalf("an import that imported nothing (%+v) changed the database", res.Orders)
	}
	if got := ordersAfter - ordersBefore; got != res.Orders.Inserted {
		t.Fatalf("%d orders reported inserted, %d new in the database", res.Orders.Inserted, got)
	}
	if got := custsAfter - custsBefore; got != res.Customers.Inserted {
		t.Fatalf("%d customers reported inserted, %d new in the database", res.Customers.Inserted, got)
	}
	if !loaded && (res.Orders.Updated != 0 || res.Orders.Unchanged != 0 || res.Customers.Updated != 0) {
		t.Fatalf("an import into an empty database updated: orders %+v customers %+v", res.Orders, res.Customers)
	}

	// Every data row is accounted for: it is rejected, or its order is in
	// the database, or it was a walk-in sale (no customer, reported as a
	// count). A row without an order number is rejected unless it is a
	// totals line; rejected rows are data rows.
	platform, rows := fileRows(t, data, opts.Format)
	isData := map[int]bool{}
	counted := 0
	for _, r := range rows {
		isData[r.row] = true
		if !r.totals {
			counted++
		}
	}
	if counted != res.Rows {
		t.Fatalf("%d data rows reported, the file has %d (and %d totals lines)", res.Rows, counted, len(rows)-counted)
	}
	rejected := map[int]bool{}
	for _, r := range res.Rejected {
		if !isData[r.Row] {
			t.Fatalf("rejected row %d is not a data row (header row %d): %+v", r.Row, res.Dialect.HeaderRow, r)
		}
		if r.Code == "" {
			t.Fatalf("rejection without a reason: %+v", r)
		}
		rejected[r.Row] = true
	}
	anonymous := false
	for _, w := range res.Warnings {
		anonymous = anonymous || w.Code == "warn.anonymous"
	}
	keys := map[string]bool{}
	for _, r := range rows {
		switch {
		case r.totals || rejected[r.row]:
		case r.key == "":
			t.Fatalf("row %d has no order number and is not rejected", r.row)
		case !anonymous && count(t, db, `SELECT count(*) FROM orders WHERE platform = ? AND number = ?`, platform, r.key) != 1:
			t.Fatalf("row %d (order %q) is neither rejected nor in the database: result %+v, rejected %+v",
				r.row, r.key, res.Orders, res.Rejected)
		}
		if r.key != "" {
			keys[r.key] = true
		}
	}
	if res.Imported() > len(keys) {
		t.Fatalf("%d orders imported from a file with %d order numbers", res.Imported(), len(keys))
	}

	if dry != nil {
		if dry.Orders != res.Orders || dry.Customers != res.Customers || dry.Rows != res.Rows ||
			len(dry.Rejected) != len(res.Rejected) || len(dry.Changes) != len(res.Changes) {
			t.Fatalf("dry run: orders %+v customers %+v rows %d rejected %d changes %d; import: %+v %+v %d %d %d",
				dry.Orders, dry.Customers, dry.Rows, len(dry.Rejected), len(dry.Changes),
				res.Orders, res.Customers, res.Rows, len(res.Rejected), len(res.Changes))
		}
	}

	// The same bytes again: nothing new, nothing changed.
	again, err := ImportBytes(ctx, db, "fuzz.csv", data, opts)
	if err != nil {
		t.Fatalf("first import succeeded (%+v), the same bytes again failed: %v", res.Orders, err)
	}
	if again.Orders != (OrderCounts{Unchanged: res.Imported()}) || again.Customers.Inserted != 0 ||
		again.Customers.Updated != 0 || len(again.Changes) != 0 {
		t.Fatalf("re-import: orders %+v customers %+v changes %+v; first: orders %+v",
			again.Orders, again.Customers, again.Changes, res.Orders)
	}
	if again.Rows != res.Rows || !reflect.DeepEqual(again.Rejected, res.Rejected) {
		t.Fatalf("re-import read differently: rows %d→%d rejected %+v → %+v", res.Rows, again.Rows, res.Rejected, again.Rejected)
	}
	if final := dump(t, db); final != after {
		t.Fatalf("re-importing the same bytes changed the database:\n%s\n---\n%s", after, final)
	}
}
