package orders

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// shopifyHeader is the real 2021 export's column set (see CSV-FORMATS.md).
const shopifyHeader = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency," +
	"Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity," +
	"Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable," +
	"Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company," +
	"Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street," +
	"Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province," +
	"Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference," +
	"Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source," +
	"Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name," +
	"Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name"

var products = []struct {
	name, sku string
	cents     int
}{
	{"Jabón de oliva - 100 g", "JAB-OLI-100", 450}, {"Vela de soja - Lavanda", "VEL-SOJ-LAV", 1500},
	{"Taza de cerámica - Azul cobalto", "CER-TAZ-AZU", 2600}, {"Café molido - Colombia 250 g", "CAF-COL-250", 1250},
	{"Jarrón de cerámica - Terracota", "CER-JAR-TER", 4200}, {"Molinillo de café manual", "CAF-MOL-01", 3500},
}

// writeShopifyExport writes a Shopify-shaped orders export of about rows
// line-item rows: orders of 1-4 items (2.5 on average), customers drawn from
// a pool of customers (about 15,000 for 100,000 rows), order-level columns on
// the first row only, as Shopify writes them. The same seed gives the same file.
func writeShopifyExport(w io.Writer, rows int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(seed, 7))
	customers := rows * 3 / 20
	if customers < 1 {
		customers = 1
	}
	fmt.Fprintln(bw, shopifyHeader)
	written := 0
	for n := 1001; written < rows; n++ {
		c := r.IntN(customers)
		items := 1 + r.IntN(4)
		if items > rows-written {
			items = rows - written
		}
		var subtotal int
		lines := make([]int, items)
		qty := make([]int, items)
		for i := range lines {
			lines[i] = r.IntN(len(products))
			qty[i] = 1 + r.IntN(3)
			subtotal += products[lines[i]].cents * qty[i]
		}
		day := 1 + n%28
		created := fmt.Sprintf("2024-%02d-%02d %02d:%02d:00 -0300", 1+n%12, day, n%24, n%60)
		fin, ful, fulAt := "paid", "fulfilled", created
		switch n % 5 {
		case 0:
			fin, ful, fulAt = "pending", "unfulfilled", ""
		case 1:
			ful, fulAt = "unfulfilled", ""
		}
		for i := 0; i < items; i++ {
			p := products[lines[i]]
			if i == 0 {
				fmt.Fprintf(bw, "#%d,customer%d@example.com,%s,%s,%s,%s,no,EUR,%d.%02d,4.95,0.00,%d.%02d,,0.00,Standard,%s,"+
					"%d,%s,%d.%02d,,%s,true,true,fulfilled,Cliente %d,Calle %d,Calle %d,,,Madrid,'28001,M,ES,+34 600 %06d,"+
					"Cliente %d,Calle %d,Calle %d,,,Madrid,'28001,M,ES,,\"Nota, con coma\",,,Tarjeta,,0.00,Tienda,0.00,,,,%d,,Low,web,"+
					"0.00,IVA 21%%,0.00,,,,,,,,,+34 600 %06d,,,Madrid,Madrid\n",
					n, c, fin, created, ful, fulAt, subtotal/100, subtotal%100, (subtotal+495)/100, (subtotal+495)%100,
					created, qty[i], p.name, p.cents/100, p.cents%100, p.sku, c, c, c, c, c, c, c, 5000000+n, c)
			} else {
				fmt.Fprintf(bw, "#%d,customer%d@example.com,,,,,,,,,,,,,,%s,%d,%s,%d.%02d,,%s,true,true,fulfilled,"+
					",,,,,,,,,,,,,,,,,,,,,,,,,,Tienda,,,,,,,,,0.00,,,,,,,,,,,,,,,\n",
					n, c, created, qty[i], p.name, p.cents/100, p.cents%100, p.sku)
			}
		}
		written += items
	}
	return bw.Flush()
}

func shopifyExportFile(t testing.TB, rows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("orders_export_%d.csv", rows))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeShopifyExport(f, rows, 1); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeneratedShopifyExportImports(t *testing.T) {
	db := newDB(t)
	path := shopifyExportFile(t, 5000)
	res, err := ImportFile(t.Context(), db, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoRejections(t, res)
	if res.Rows != 5000 || res.Format != "shopify" {
		t.Fatalf("rows %d format %s", res.Rows, res.Format)
	}
	if n := count(t, db, `SELECT count(*) FROM order_item`); n != 5000 {
		t.Fatalf("%d items, want 5000", n)
	}
	if n := count(t, db, `SELECT count(*) FROM orders`); n != res.Orders.Inserted || n < 1500 {
		t.Fatalf("%d orders stored, %d reported", n, res.Orders.Inserted)
	}
	// Every order's total is its lines plus shipping.
	bad := count(t, db, `SELECT count(*) FROM orders o WHERE total != 495 +
		(SELECT sum(line_total) FROM order_item i WHERE i.order_id = o.id)`)
	if bad != 0 {
		t.Fatalf("%d orders whose total is not lines + shipping", bad)
	}
	again, err := ImportFile(t.Context(), db, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, again, 0, 0, res.Orders.Inserted)
}
