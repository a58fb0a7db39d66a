package orders

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Cells of the test workbooks: a string is a text cell (numbers stored as
// text included), an int or float64 a number cell, a time.Time a real date
// (a serial number with a date format, its wall clock as written), an
// xlsxFormula a formula with the value Excel cached for it, nil an empty cell.
// A nil row is not written at all.
type xlsxFormula struct {
	formula string
	cached  any
}

type xlsxSheet struct {
	name   string
	stream bool // write with the streaming writer (inline strings) rather than cell by cell (shared strings)
	rows   [][]any
}

// writeWorkbook saves sheets, in order, with sheets[active] as the active one.
func writeWorkbook(t *testing.T, path string, active int, sheets ...xlsxSheet) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("d/m/yyyy h:mm")})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		if s.stream {
			sw, err := f.NewStreamWriter(s.name)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range s.rows {
				if row == nil {
					continue
				}
				cells := make([]any, len(row))
				for c, v := range row {
					switch v := v.(type) {
					case time.Time:
						cells[c] = excelize.Cell{StyleID: dateStyle, Value: v}
					case xlsxFormula:
						cells[c] = excelize.Cell{Formula: v.formula, Value: v.cached}
					default:
						cells[c] = v
					}
				}
				cell, _ := excelize.CoordinatesToCellName(1, r+1)
				if err := sw.SetRow(cell, cells); err != nil {
					t.Fatal(err)
				}
			}
			if err := sw.Flush(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for r, row := range s.rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				switch v := v.(type) {
				case xlsxFormula:
					err = f.SetCellValue(s.name, cell, v.cached)
					if err == nil {
						err = f.SetCellFormula(s.name, cell, v.formula)
					}
				case time.Time:
					err = f.SetCellValue(s.name, cell, v)
					if err == nil {
						err = f.SetCellStyle(s.name, cell, cell, dateStyle)
					}
				default:
					err = f.SetCellValue(s.name, cell, v)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	f.SetActiveSheet(active)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// excelNumbers rewrites number cells of a saved workbook the way Excel
// stores them, with 17 significant digits: "<v>59.45</v>" becomes
// "<v>59.450000000000003</v>".
func excelNumbers(t *testing.T, path string, values map[string]string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	replaced := 0
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			for from, to := range values {
				n := bytes.Count(b, []byte("<v>"+from+"</v>"))
				b = bytes.ReplaceAll(b, []byte("<v>"+from+"</v>"), []byte("<v>"+to+"</v>"))
				replaced += n
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if replaced == 0 {
		t.Fatal("excelNumbers: no value replaced")
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// csvTwin writes a sheet's content as the CSV a spreadsheet would save:
// dates in the layout given, numbers plainly, formulas as their value, empty
// rows as empty lines.
func csvTwin(t *testing.T, s xlsxSheet, comma rune, dateLayout string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	for _, row := range s.rows {
		rec := make([]string, len(row))
		for i, v := range row {
			if f, ok := v.(xlsxFormula); ok {
				v = f.cached
			}
			switch v := v.(type) {
			case nil:
			case string:
				rec[i] = v
			case int:
				rec[i] = strconv.Itoa(v)
			case float64:
				rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
			case time.Time:
				rec[i] = v.Format(dateLayout)
			default:
				t.Fatalf("csvTwin: cell %T", v)
			}
		}
		if len(rec) == 0 {
			rec = []string{""}
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return b.Bytes()
}

// importBoth imports a workbook with ImportFile and, into another database,
// with ImportBytes, and requires both to agree.
func importBoth(t *testing.T, path string, opts Options) (*Result, *sql.DB) {
	t.Helper()
	dbFile, dbBytes := newDB(t), newDB(t)
	ctx := context.Background()
	fromFile, err := ImportFile(ctx, dbFile, path, opts)
	if err != nil {
		t.Fatalf("ImportFile %s: %v", filepath.Base(path), err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fromBytes, err := ImportBytes(ctx, dbBytes, filepath.Base(path), data, opts)
	if err != nil {
		t.Fatalf("ImportBytes %s: %v", filepath.Base(path), err)
	}
	if !reflect.DeepEqual(fromFile, fromBytes) {
		t.Fatalf("ImportFile and ImportBytes differ:\n%+v\n%+v", fromFile, fromBytes)
	}
	if a, b := dump(t, dbFile), dump(t, dbBytes); a != b {
		t.Fatalf("ImportFile and ImportBytes stored different data:\n%s\n---\n%s", a, b)
	}
	if fromFile.Dialect.Encoding != "xlsx" || fromFile.Dialect.Delimiter != "xlsx" {
		t.Fatalf("dialect of a workbook = %+v", fromFile.Dialect)
	}
	return fromFile, dbFile
}

// sameAsCSV requires a workbook's import to store exactly what its CSV twin's
// does, and to report the same rows, counts and rejections.
func sameAsCSV(t *testing.T, xres *Result, xdb *sql.DB, twin []byte, opts Options) {
	t.Helper()
	cdb := newDB(t)
	cres, err := ImportBytes(context.Background(), cdb, "twin.csv", twin, opts)
	if err != nil {
		t.Fatalf("CSV twin: %v\n%s", err, twin)
	}
	if xres.Format != cres.Format || xres.Source != cres.Source || xres.Rows != cres.Rows ||
		xres.Dialect.HeaderRow != cres.Dialect.HeaderRow || xres.Orders != cres.Orders || xres.Customers != cres.Customers {
		t.Fatalf("xlsx: format %s/%s rows %d header row %d orders %+v customers %+v\n"+
			"csv:  format %s/%s rows %d header row %d orders %+v customers %+v",
			xres.Format, xres.Source, xres.Rows, xres.Dialect.HeaderRow, xres.Orders, xres.Customers,
			cres.Format, cres.Source, cres.Rows, cres.Dialect.HeaderRow, cres.Orders, cres.Customers)
	}
	if a, b := rejections(xres), rejections(cres); !reflect.DeepEqual(a, b) {
		t.Fatalf("rejected rows: xlsx %v, csv %v", a, b)
	}
	if a, b := dump(t, xdb), dump(t, cdb); a != b {
		t.Fatalf("the workbook and its CSV twin stored different data:\n%s\n--- csv:\n%s", a, b)
	}
}

// rejections lists "row column code" of a result's rejected rows.
func rejections(res *Result) []string {
	out := []string{}
	for _, r := range res.Rejected {
		out = append(out, strconv.Itoa(r.Row)+" "+r.Column+" "+r.Code)
	}
	return out
}

func wantRejections(t *testing.T, res *Result, want ...string) {
	t.Helper()
	if got := rejections(res); !reflect.DeepEqual(got, append([]string{}, want...)) {
		t.Fatalf("rejected = %q, want %q (%+v)", got, want, res.Rejected)
	}
}

// mercadoLibreHeader is the "Ventas" report's header row (a subset of its
// columns, in its order; "Estado" is there twice: the sale's and, further
// on, the buyer's state).
func mercadoLibreHeader(cur string) []any {
	return []any{"# de venta", "Fecha de venta", "Estado", "Descripción del estado", "Paquete de varios productos",
		"Unidades", "Ingresos por productos (" + cur + ")", "Cargo por venta e impuestos (" + cur + ")",
		"Ingresos por envío (" + cur + ")", "Costos de envío (" + cur + ")", "Anulaciones y reembolsos (" + cur + ")", "Total (" + cur + ")", "SKU",
		"# de publicación", "Título de la publicación", "Variante", "Precio unitario de venta de la publicación (" + cur + ")",
		"Comprador", "Tipo y número de documento", "Dirección", "Estado", "Forma de entrega", "Fecha en camino",
		"Fecha entregado", "Transportista", "Número de seguimiento", "URL de seguimiento"}
}

// mercadoLibreTitle is what the report has above its header (on row 6): a
// title, the period, blank rows and a row of column groups.
func mercadoLibreTitle() [][]any {
	return [][]any{
		{"Ventas"},
		{"Desde el 1 de marzo de 2024 hasta el 30 de abril de 2024"},
		nil,
		nil,
		{"Ventas", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "Publicaciones", nil, nil, nil, nil, "Compradores",
			nil, nil, nil, "Envíos"},
	}
}

// TestXLSXMercadoLibreVentasCLP reads a Chilean "Ventas" report as Mercado
// Libre writes it: the header on row 6 under title rows, dates as Spanish
// text, money as number cells in pesos without decimals, no email.
func TestXLSXMercadoLibreVentasCLP(t *testing.T) {
	sheet := xlsxSheet{name: "Ventas CL", rows: append(mercadoLibreTitle(),
		mercadoLibreHeader("CLP"),
		// row 7
		[]any{2000007700111222, "5 de marzo de 2024 14:07 hs.", "Entregado", "Llegó el 8 de marzo", "No", 1, 15990, -2399,
			nil, -3190, nil, 10401, "JAB-OLI", "MLC1234567", "Jabón de oliva artesanal", "Aroma: Lavanda", 15990, "Ana Pérez",
			"RUT 12.345.678-5", "Av. Providencia 1234", "Región Metropolitana", "Mercado Envíos",
			"6 de marzo de 2024 09:10 hs.", "8 de marzo de 2024 12:00 hs.", "Chilexpress", "99887766554",
			"https://www.chilexpress.cl/seguimiento?n=99887766554"},
		// row 8
		[]any{2000007700222333, "12 de marzo de 2024 20:45 hs.", "Cancelada por el comprador", "Cancelaste la venta", "No",
			2, 25980, 0, nil, 0, -25980, 0, "VEL-SOJ", "MLC7654321", "Vela de soja", nil, 12990, "Bruno Díaz",
			"RUT 9.876.543-2", "Calle Larga 5", "Valparaíso", "Mercado Envíos"},
		// row 9: the buyer paid the shipping
		[]any{2000007700333444, "18 de marzo de 2024 10:02 hs.", "En camino", "Está en camino", "No", 1, 8990, -1349, 3990,
			-3990, nil, 7641, "TAZ-AZU", "MLC5550001", "Taza de cerámica", "Color: Azul", 8990, "Camila Rojas",
			"RUT 11.111.111-1", "Los Leones 20", "Región Metropolitana", "Mercado Envíos",
			"19 de marzo de 2024 08:00 hs.", nil, "Starken", "ST123456789CL"},
		// row 10: 31 February
		[]any{2000007700444555, "31 de febrero de 2024 10:00 hs.", "Entregado", "", "No", 1, 4990, -749, nil, 0, nil, 4241,
			"JAB-LAV", "MLC1234568", "Jabón de lavanda", nil, 4990, "Diego Soto"},
		// row 11 empty
		nil,
		// row 12: Ana again, found by her name
		[]any{2000007700555666, "2 de abril de 2024 9:15 hs.", "Entregado", "", "No", 3, 47970, -7196, nil, 0, nil, 40774,
			"JAB-OLI", "MLC1234567", "Jabón de oliva artesanal", "Aroma: Romero", 15990, "Ana Pérez",
			"RUT 12.345.678-5", "Av. Providencia 1234", "Región Metropolitana", "Mercado Envíos",
			"3 de abril de 2024 10:00 hs.", "4 de abril de 2024 18:30 hs.", "Chilexpress", "99887766560"},
	)}
	path := filepath.Join(t.TempDir(), "Ventas_CL_2024-04.xlsx")
	writeWorkbook(t, path, 0, sheet)
	opts := Options{Location: mustZone("America/Santiago")}
	res, db := importBoth(t, path, opts)

	if res.Format != "mercadolibre" || res.Dialect.HeaderRow != 6 || res.Rows != 5 {
		t.Fatalf("format %q header row %d rows %d", res.Format, res.Dialect.HeaderRow, res.Rows)
	}
	wantCounts(t, res, 4, 0, 0)
	wantRejections(t, res, "10 Fecha de venta reject.date")
	if res.Customers.Inserted != 3 {
		t.Fatalf("customers inserted = %d, want 3 (Ana twice, Bruno, Camila)", res.Customers.Inserted)
	}

	o, ana := findOrder(t, db, "mercadolibre", "2000007700111222")
	// The order's total is what the buyer paid (Ingresos por productos),
	// not what Mercado Libre pays the shop after its fees (Total).
	if total(o) != 15990 || o.Status != "delivered" || !sameTime(o.PlacedAt, "2024-03-05T17:07:00Z") ||
		!sameTime(o.ShippedAt, "2024-03-06T12:10:00Z") || !sameTime(o.DeliveredAt, "2024-03-08T15:00:00Z") ||
		o.Carrier != "Chilexpress" || o.Tracking != "99887766554" ||
		o.TrackingURL != "https://www.chilexpress.cl/seguimiento?n=99887766554" {
		t.Fatalf("2000007700111222 = %+v", o)
	}
	if len(o.Items) != 1 || o.Items[0].Name != "Jabón de oliva artesanal" || o.Items[0].SKU != "JAB-OLI" ||
		o.Items[0].Variant != "Aroma: Lavanda" || o.Items[0].Quantity != 1 || price(o.Items[0].UnitPrice) != 15990 {
		t.Fatalf("items = %+v", o.Items)
	}
	if ana.Name != "Ana Pérez" || ana.Emailable {
		t.Fatalf("customer = %+v", ana)
	}
	if o, c := findOrder(t, db, "mercadolibre", "2000007700555666"); c.ID != ana.ID || total(o) != 47970 ||
		o.Items[0].Quantity != 3 || !sameTime(o.PlacedAt, "2024-04-02T12:15:00Z") {
		t.Fatalf("Ana's second sale = %+v, customer %+v", o, c)
	}
	if o, c := findOrder(t, db, "mercadolibre", "2000007700222333"); o.Status != "cancelled" || c.Name != "Bruno Díaz" {
		t.Fatalf("cancelled sale = %+v, customer %+v", o, c)
	}
	if o, _ := findOrder(t, db, "mercadolibre", "2000007700333444"); o.Status != "shipped" || o.Tracking != "ST123456789CL" ||
		o.Carrier != "Starken" || total(o) != 8990 {
		t.Fatalf("sale on its way = %+v", o)
	}
	if n := count(t, db, `SELECT shipping FROM orders WHERE number = '2000007700333444'`); n != 3990 {
		t.Fatalf("shipping the buyer paid = %d, want 3990 (Ingresos por envío)", n)
	}
	// Pesos have no cents: the header's (CLP) says so, and is the currency.
	if n := count(t, db, `SELECT count(*) FROM orders WHERE currency = 'CLP'`); n != 4 {
		t.Errorf("%d orders in CLP, want 4: the currency the headers name (\"Total (CLP)\") is not stored "+
			"on the orders (record.go uses parser.currency for decimals only)", n)
	}
	sameAsCSV(t, res, db, csvTwin(t, sheet, ',', ""), opts)
}

// TestXLSXMercadoLibreVentasARS: an Argentine report whose sale dates are
// real date cells and whose money has cents, some stored the way Excel
// stores binary fractions (12345.670000000001).
func TestXLSXMercadoLibreVentasARS(t *testing.T) {
	wall := func(s string) time.Time { // a date cell's wall clock
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sheet := xlsxSheet{name: "Ventas AR", rows: append(mercadoLibreTitle(),
		mercadoLibreHeader("ARS"),
		[]any{2000008800111222, wall("2024-03-05 14:07"), "Entregado", "", "No", 2, 24700.5, -3705.08, nil, -2100, nil, 18895.42,
			"MAT-CAL", "MLA111", "Mate de calabaza", nil, 12350.25, "Lucía Gómez", "DNI 30111222", "Corrientes 1234",
			"Buenos Aires", "Mercado Envíos", "6 de marzo de 2024 09:10 hs.", "8 de marzo de 2024 12:00 hs.", "Correo Argentino",
			"000123456789"},
		[]any{"2000008800222333", wall("2024-03-31 23:59"), "Cancelada por el comprador", "", "No", 1, 12345.67, 0, nil, 0,
			-12345.67, 0,
			"BOM-ACE", "MLA222", "Bombilla de acero", nil, 12345.67, "Martín Ruiz"},
		[]any{2000008800333444, "45383.5", "Entregado", "", "No", 1, 59.45, 0, nil, 0, nil, 59.45, "YER-500", "MLA333",
			"Yerba 500 g", nil, 59.45, "Lucía Gómez"},
	)}
	path := filepath.Join(t.TempDir(), "Ventas_AR.xlsx")
	writeWorkbook(t, path, 0, sheet)
	excelNumbers(t, path, map[string]string{"12345.67": "12345.670000000001", "59.45": "59.450000000000003",
		"18895.42": "18895.419999999998"})
	opts := Options{Location: mustZone("America/Argentina/Buenos_Aires")}
	res, db := importBoth(t, path, opts)
	if res.Format != "mercadolibre" || res.Dialect.HeaderRow != 6 || res.Rows != 3 {
		t.Fatalf("format %q header row %d rows %d", res.Format, res.Dialect.HeaderRow, res.Rows)
	}
	wantNoRejections(t, res)
	wantCounts(t, res, 3, 0, 0)
	o, c := findOrder(t, db, "mercadolibre", "2000008800111222")
	if total(o) != 2470050 || !sameTime(o.PlacedAt, "2024-03-05T17:07:00Z") || o.Status != "delivered" ||
		o.Tracking != "000123456789" || price(o.Items[0].UnitPrice) != 1235025 || o.Items[0].Quantity != 2 {
		t.Fatalf("2000008800111222 = %+v", o)
	}
	if c.Name != "Lucía Gómez" || len(cardByID(t, db, c.ID).Orders) != 2 {
		t.Fatalf("customer %+v", c)
	}
	if o, _ := findOrder(t, db, "mercadolibre", "2000008800222333"); total(o) != 1234567 || o.Status != "cancelled" ||
		price(o.Items[0].UnitPrice) != 1234567 || !sameTime(o.PlacedAt, "2024-04-01T02:59:00Z") {
		t.Fatalf("cancelled sale = %+v", o)
	}
	// A serial typed as text is still a date; 59.450000000000003 is 59,45.
	if o, _ := findOrder(t, db, "mercadolibre", "2000008800333444"); total(o) != 5945 ||
		!sameTime(o.PlacedAt, "2024-04-01T15:00:00Z") {
		t.Fatalf("third sale = %+v", o)
	}
	if n := count(t, db, `SELECT count(*) FROM orders WHERE currency = 'ARS'`); n != 3 {
		t.Errorf("%d orders in ARS, want 3: the currency the headers name (\"Total (ARS)\") is not stored "+
			"on the orders (record.go uses parser.currency for decimals only)", n)
	}
	sameAsCSV(t, res, db, csvTwin(t, sheet, ';', "2006-01-02 15:04"), opts)
}

func cardByID(t *testing.T, db *sql.DB, id int64) *Card {
	t.Helper()
	c, err := CardByID(context.Background(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestXLSXWooCommercePlugin: the "Advanced Order Export For WooCommerce"
// plugin writes XLSX by default, with the CSV's column names, numbers as
// number cells and dates as date cells. The workbook made from
// woocommerce_plugin.csv must import exactly as that file does.
func TestXLSXWooCommercePlugin(t *testing.T) {
	raw, err := os.ReadFile(fixture("woocommerce_plugin.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff"))))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	numeric := map[string]bool{"Order Number": true, "Item #": true, "Quantity": true, "Item Cost": true,
		"Cart Discount Amount": true, "Order Shipping Amount": true, "Order Refund Amount": true, "Order Total Amount": true}
	sheet := xlsxSheet{name: "Orders", stream: true}
	for i, rec := range recs {
		row := make([]any, len(rec))
		for j, v := range rec {
			switch {
			case v == "":
				row[j] = nil
			case i == 0:
				row[j] = v
			case header[j] == "Order Date":
				d, err := time.Parse("2006-01-02 15:04", v)
				if err != nil {
					t.Fatal(err)
				}
				row[j] = d
			case numeric[header[j]]:
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				row[j] = n
			default:
				row[j] = v // postcodes like 08012 stay text
			}
		}
		sheet.rows = append(sheet.rows, row)
	}
	path := filepath.Join(t.TempDir(), "orders-2024-03.xlsx")
	writeWorkbook(t, path, 0, sheet)
	res, db := importBoth(t, path, Options{Location: madrid})
	if res.Format != "woocommerce" || res.Source != "woocommerce" || res.Rows != 7 {
		t.Fatalf("format %s/%s rows %d", res.Format, res.Source, res.Rows)
	}
	wantNoRejections(t, res)
	wantCounts(t, res, 5, 0, 0)
	mj := cardOf(t, db, "mj.garcia@example.com")
	if mj.Customer.Name != "María José García Núñez" || mj.Totals.OrderCount != 2 {
		t.Fatalf("card = %+v", mj)
	}
	o, _ := findOrder(t, db, "woocommerce", "2041")
	if total(o) != 3040 || !sameTime(o.PlacedAt, "2024-03-05T13:07:00Z") || len(o.Items) != 2 ||
		o.Items[0].Quantity != 3 || price(o.Items[0].UnitPrice) != 450 || o.Tracking != "PQ4F6P0703526580108001X" {
		t.Fatalf("2041 = %+v", o)
	}
	if o, _ := findOrder(t, db, "woocommerce", "2045"); total(o) != 4250 || price(o.Refunded) != 4250 || o.Status != "refunded" {
		t.Fatalf("2045 = %+v", o)
	}
	sameAsCSV(t, res, db, raw, Options{Location: madrid})
}

// TestXLSXNumbersAsTextFormulaEmptyRowSecondSheet: a hand-made workbook
// whose orders are on its second sheet, the active one (the first is a
// summary that looks like orders too); numbers stored as text, a total that
// is a formula, an empty row in the middle and a bad row after it.
func TestXLSXNumbersAsTextFormulaEmptyRowSecondSheet(t *testing.T) {
	decoy := xlsxSheet{name: "Resumen", rows: [][]any{
		{"Pedido", "Correo", "Total"},
		{"X-1", "decoy@example.com", 999},
	}}
	orders := xlsxSheet{name: "Pedidos", stream: true, rows: [][]any{
		{"Pedido", "Fecha", "Nombre", "Correo", "Producto", "Cantidad", "Precio", "Total"},
		{"0012", "05/03/2024", "Lucía Fernández", "lucia.fernandez@example.com", "Jabón de oliva", "3", 4.5,
			xlsxFormula{"F2*G2", 13.5}},
		{"0013", time.Date(2024, 3, 13, 0, 0, 0, 0, time.UTC), "Pedro Sánchez", "pedro@example.com", "Vela de soja", 2,
			"12.00", "24"},
		nil,
		{"0014", "15/03/2024", "Jordi Puig", "jordi.puig@", "Taza", 1, 18, 18},
		{"0015", "21/03/2024", "Carmen Ruiz", "carmen.ruiz@example.com", "Vajilla (12 piezas)", 1, "1.150,00",
			xlsxFormula{"F6*1150", 1150}},
	}}
	dir := t.TempDir()
	path := filepath.Join(dir, "pedidos.xlsx")
	writeWorkbook(t, path, 1, decoy, orders)
	opts := Options{Location: madrid}
	res, db := importBoth(t, path, opts)
	if res.Format != "generic" || res.Rows != 4 || res.Dialect.HeaderRow != 1 {
		t.Fatalf("format %s rows %d header row %d", res.Format, res.Rows, res.Dialect.HeaderRow)
	}
	wantCounts(t, res, 3, 0, 0)
	wantRejections(t, res, "5 Correo reject.email")
	if n := count(t, db, `SELECT count(*) FROM orders WHERE number = 'X-1'`); n != 0 {
		t.Fatal("the first sheet was read, not the active one")
	}
	o, c := findOrder(t, db, "generic", "0012")
	if c.Email != "lucia.fernandez@example.com" || total(o) != 1350 || !sameTime(o.PlacedAt, "2024-03-04T23:00:00Z") ||
		len(o.Items) != 1 || o.Items[0].Quantity != 3 || price(o.Items[0].UnitPrice) != 450 {
		t.Fatalf("0012 = %+v (customer %+v)", o, c)
	}
	if o, _ := findOrder(t, db, "generic", "0013"); total(o) != 2400 || !sameTime(o.PlacedAt, "2024-03-12T23:00:00Z") ||
		o.Items[0].Quantity != 2 || price(o.Items[0].UnitPrice) != 1200 {
		t.Fatalf("0013 = %+v", o)
	}
	if o, _ := findOrder(t, db, "generic", "0015"); total(o) != 115000 || price(o.Items[0].UnitPrice) != 115000 {
		t.Fatalf("0015 = %+v", o)
	}
	sameAsCSV(t, res, db, csvTwin(t, orders, ';', "02/01/2006"), opts)

	// The same workbook with the summary active: the summary is what is read.
	other := filepath.Join(dir, "resumen.xlsx")
	writeWorkbook(t, other, 0, decoy, orders)
	res, db = importBoth(t, other, opts)
	if res.Orders.Inserted != 1 || count(t, db, `SELECT count(*) FROM orders WHERE number = 'X-1'`) != 1 {
		t.Fatalf("with the first sheet active: orders %+v", res.Orders)
	}
}

// TestXLSXNotAWorkbook: a file that starts like a zip but is none is an
// unreadable file, not a crash, and writes nothing.
func TestXLSXNotAWorkbook(t *testing.T) {
	db := newDB(t)
	for _, data := range [][]byte{[]byte("PK\x03\x04garbage"), []byte("PK\x03\x04")} {
		_, err := ImportBytes(context.Background(), db, "x.xlsx", data, Options{})
		if fe := fileError(t, err); fe.Code != "import.unreadable" {
			t.Fatalf("code %q", fe.Code)
		}
	}
	// A zip that is not a workbook.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("hola"))
	zw.Close()
	_, err := ImportBytes(context.Background(), db, "x.xlsx", buf.Bytes(), Options{})
	fileError(t, err)
	if n := count(t, db, `SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders", n)
	}
}

// TestBracketedWordIsNotACurrency: "Precio (IVA)" names a tax, not a
// currency; it must not give the column two decimals in a peso sheet.
func TestBracketedWordIsNotACurrency(t *testing.T) {
	data := "Pedido;Correo;Moneda;Producto;Precio (IVA);Total (CLP)\n1;ana@example.com;CLP;Jabón;15990;15990\n"
	db := newDB(t)
	res, err := ImportBytes(context.Background(), db, "ventas.csv", []byte(data), Options{Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	wantNoRejections(t, res)
	o, _ := findOrder(t, db, "generic", "1")
	if total(o) != 15990 || o.Currency != "CLP" || len(o.Items) != 1 || price(o.Items[0].UnitPrice) != 15990 {
		t.Fatalf("order = %+v, items %+v", o, o.Items)
	}
	for in, want := range map[string][2]string{"Precio (IVA)": {"precio", ""}, "Código (SKU)": {"codigo", ""},
		"Total (clp)": {"total", "CLP"}, "Email (Billing)": {"email (billing)", ""}} {
		if k, cur := headerKey(in); k != want[0] || cur != want[1] {
			t.Errorf("headerKey(%q) = %q %q, want %q %q", in, k, cur, want[0], want[1])
		}
	}
}

// TestXLSXActiveSheetIsAChartOrEmpty: a workbook saved with a chart or an
// empty sheet in front is read from its first sheet that has rows.
func TestXLSXActiveSheetIsAChartOrEmpty(t *testing.T) {
	for _, front := range []string{"chart", "empty"} {
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", "Notas")
		f.NewSheet("Pedidos")
		f.SetSheetRow("Pedidos", "A1", &[]any{"Pedido", "Correo", "Total"})
		f.SetSheetRow("Pedidos", "A2", &[]any{"1", "ana@example.com", 10})
		if front == "chart" {
			err := f.AddChartSheet("Gráfico", &excelize.Chart{Type: excelize.Col, Series: []excelize.ChartSeries{
				{Name: "Pedidos!$C$1", Categories: "Pedidos!$A$2:$A$2", Values: "Pedidos!$C$2:$C$2"}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		active := map[string]string{"chart": "Gráfico", "empty": "Notas"}[front]
		idx, err := f.GetSheetIndex(active)
		if err != nil || idx < 0 {
			t.Fatalf("%s: index %d %v", active, idx, err)
		}
		f.SetActiveSheet(idx)
		path := filepath.Join(t.TempDir(), front+".xlsx")
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		f.Close()
		res, db := importBoth(t, path, Options{Location: madrid})
		if res.Orders.Inserted != 1 || count(t, db, `SELECT count(*) FROM orders WHERE number = '1'`) != 1 {
			t.Fatalf("%s in front: orders %+v", front, res.Orders)
		}
	}
}
