package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// importAndWait runs the window's import, confirms its preview, and waits
// for its result.
func importAndWait(t *testing.T, w *Window, path string) {
	t.Helper()
	w.ImportFile(path)
	w.imports.Wait()
	if !previewShown(w) {
		return // the file could not be read: an error instead
	}
	tapButton(t, w.win, w.t("ui.import.confirm"))
	w.imports.Wait()
}

// previewShown says whether the import's preview is on top.
func previewShown(w *Window) bool {
	return has(screenTexts(w.win), w.t("ui.import.previewTitle"))
}

// closeDialog dismisses the dialog on top, as its button would.
func closeDialog(t *testing.T, w *Window) {
	t.Helper()
	c := w.win.Canvas()
	if c.Overlays().Top() == nil {
		t.Fatal("no dialog to close")
	}
	c.Overlays().Remove(c.Overlays().Top())
}

func TestImportFillsTheEmptyWindowAndReports(t *testing.T) {
	db := newShopDB(t)
	w, win := openWindow(t, db, "es")
	mustShow(t, win, "Bienvenido a Mostrador")

	importAndWait(t, w, fixtures+"bad_rows.csv")
	mustShow(t, win,
		"Importación terminada",
		"bad_rows.csv (hoja de cálculo): 6 filas",
		"Pedidos nuevos: 2 · actualizados: 0 · sin cambios: 0",
		"Clientes nuevos: 2 · actualizados: 0",
		"4 filas rechazadas:",
		"fila 3, columna «Total», valor «abc»: no es un importe que se pueda leer",
		"fila 4, columna «Date», valor «31/02/2024»: no es una fecha que se pueda leer",
		"fila 6, columna «Email», valor «ana@»: el correo no es una dirección válida; corríjalo y vuelva a importar",
		"Aceptar",
	)
	mustShow(t, win, "fila 5, columna «Email» (vacía): el pedido B-1004 no tiene correo, nombre ni teléfono: "+
		"no se sabe de qué cliente es")
	// Behind the report, the list now holds the two good rows' customers.
	mustShow(t, win, "2 clientes", "Oliver Hughes", "oliver.hughes@example.co.uk · 1 pedido", "George Evans")
	mustNotShow(t, win, "Bienvenido a Mostrador", "Importando bad_rows.csv…")
	mustBeTranslated(t, win)
	closeDialog(t, w)
	mustShow(t, win, "Importar pedidos o citas…") // back in the bar, now that the welcome is gone

	// The same file again changes nothing; a later export updates orders and
	// says which.
	importAndWait(t, w, fixtures+"bad_rows.csv")
	mustShow(t, win, "Pedidos nuevos: 0 · actualizados: 0 · sin cambios: 2")
	closeDialog(t, w)
	importAndWait(t, w, fixtures+"shopify_orders.csv")
	closeDialog(t, w)
	importAndWait(t, w, fixtures+"shopify_orders_later.csv")
	mustShow(t, win, "shopify_orders_later.csv (Shopify): 12 filas", "Cambios:", "Clientes nuevos: 1 · actualizados: 0")
	if !hasPrefix(screenTexts(win), "#1002: ") {
		t.Errorf("the changed order #1002 (now cancelled) is not listed")
	}
	mustShow(t, win, "8 clientes", "Carmen Ruiz")
	if hasPrefix(screenTexts(win), "Aviso: columnas que no se usan") {
		t.Errorf("Shopify's unused columns are listed, as noise")
	}
	mustBeTranslated(t, win)
}

func TestImportKeepsTheOpenCard(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv")
	w, win := openWindow(t, db, "en")
	selectCustomer(t, w, "José Núñez")
	importAndWait(t, w, fixtures+"tiendanube_es.csv")
	closeDialog(t, w)
	// New customers came first in the list; the owner still sees José.
	mustShow(t, win, "jose.nunez@example.es", "Refunded")
}

func TestImportErrorsAreClear(t *testing.T) {
	dir := t.TempDir()
	garbled := filepath.Join(dir, "pedidos.xlsx")
	if err := os.WriteFile(garbled, []byte("PK\x03\x04 not really a spreadsheet"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, path, title, starts string
	}{
		{"es", filepath.Join(dir, "no-existe.csv"), "No se pudo importar", "El archivo no-existe.csv ya no está donde estaba"},
		{"en", filepath.Join(dir, "missing.csv"), "Could not import", "The file missing.csv is no longer where it was"},
		{"es", fixtures + "not_orders.csv", "No se pudo importar", "not_orders.csv no parece una exportación de pedidos"},
		{"en", fixtures + "not_orders.csv", "Could not import", "not_orders.csv does not look like an orders export"},
		{"es", garbled, "No se pudo importar", "No se puede leer pedidos.xlsx: puede que esté dañado"},
	} {
		t.Run(tc.lang+"/"+filepath.Base(tc.path), func(t *testing.T) {
			db := newShopDB(t)
			w, win := openWindow(t, db, tc.lang)
			importAndWait(t, w, tc.path)
			texts := screenTexts(win)
			mustShow(t, win, tc.title)
			if !hasPrefix(texts, tc.starts) {
				t.Errorf("no message starting %q in:\n%s", tc.starts, strings.Join(texts, "\n"))
			}
			for _, s := range texts {
				// Go's and the importer's own words are not for the owner.
				if strings.Contains(s, "no such file") || strings.Contains(s, "shopify (shopify)") {
					t.Errorf("technical message shown: %q", s)
				}
			}
			mustNotShow(t, win, w.t("ui.importResult"))
			// Nothing was imported: the welcome is still there behind it.
			mustShow(t, win, w.t("ui.welcome"))
			mustBeTranslated(t, win)
		})
	}
}

func TestImportWarningsSpeakToTheWindow(t *testing.T) {
	db := newShopDB(t)
	w, win := openWindow(t, db, "es")
	importAndWait(t, w, fixtures+"generic_ambiguous_dates.csv")
	var warning string
	for _, s := range screenTexts(win) {
		if strings.HasPrefix(s, "Aviso: las fechas como") {
			warning = s
		}
	}
	if warning == "" {
		t.Fatalf("no warning about ambiguous dates")
	}
	// The command line's advice (--date-order) means nothing in a window,
	// and the date order is said in Spanish.
	if strings.Contains(warning, "--") || !strings.Contains(warning, "día/mes/año") && !strings.Contains(warning, "mes/día/año") {
		t.Errorf("warning not fit for the window: %q", warning)
	}
}

func TestManyCustomers(t *testing.T) {
	var b strings.Builder
	b.WriteString("Order,Date,Customer Name,Email,Item,Qty,Unit Price,Total,Status\n")
	for i := 1; i <= 1200; i++ {
		fmt.Fprintf(&b, "M-%d,2024-03-%02d,Cliente %d,cliente%d@example.com,Jabón,1,4.50,4.50,Paid\n", i, i%28+1, i, i)
	}
	path := filepath.Join(t.TempDir(), "muchos.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	w, win := openWindow(t, newShopDB(t), "es")
	importAndWait(t, w, path)
	mustShow(t, win, "muchos.csv (hoja de cálculo): 1200 filas", "Pedidos nuevos: 1200 · actualizados: 0 · sin cambios: 0",
		"1200 clientes")
	closeDialog(t, w)
	// The list reads a page of listLimit, and the next as it scrolls to
	// the end of it.
	if n := len(w.customers.rows); n < listLimit || n >= 1200 {
		t.Fatalf("the list read %d customers at first, want a page of %d", n, listLimit)
	}
	w.customers.list.ScrollToBottom()
	eventually(t, "the rest of the customers is read", func() bool { return len(w.customers.rows) == 1200 })
	seen := map[int64]bool{}
	for _, r := range w.customers.rows {
		if seen[r.ID] {
			t.Fatalf("%s is listed twice", r.Name)
		}
		seen[r.ID] = true
	}
	// A search, or another order, lists at most listLimit, and says so.
	w.customers.sortBy.SetSelected("Nombre")
	mustShow(t, win, "Se muestran los 1000 clientes más recientes: busque para encontrar a los demás")
	w.customers.search.SetText("cliente1199@")
	mustShow(t, win, "1 cliente", "Cliente 1199")
}

func TestFormatCount(t *testing.T) {
	for _, tc := range []struct {
		n        int
		lang, is string
	}{
		{0, "es", "0"}, {999, "en", "999"}, {2024, "es", "2024"}, {2024, "en", "2,024"},
		{20480, "es", "20.480"}, {1234567, "en", "1,234,567"}, {-5, "es", "-5"},
	} {
		if got := formatCount(tc.n, tc.lang); got != tc.is {
			t.Errorf("formatCount(%d, %s) = %q, want %q", tc.n, tc.lang, got, tc.is)
		}
	}
}

func TestWrittenCountsPickThePluralForm(t *testing.T) {
	w, _ := openWindow(t, newShopDB(t), "es")
	for n, want := range map[int]string{1: "1 fila leída", 2: "2 filas leídas", 20480: "20.480 filas leídas"} {
		if got := w.tf("ui.rowsRead", map[string]any{"Count": w.count(n)}); got != want {
			t.Errorf("%d rows: %q, want %q", n, got, want)
		}
	}
}

// An import of recent orders plans their automated emails and says so.
func TestImportReportsPlannedEmails(t *testing.T) {
	db := newShopDB(t)
	w, win := openWindow(t, db, "es")
	placed := time.Now().UTC().Add(-30 * time.Minute).Format("2006-01-02 15:04")
	csv := filepath.Join(t.TempDir(), "hoy.csv")
	if err := os.WriteFile(csv, []byte("Order,Date,Customer,Email,Item,Qty,Price,Total,Status\n"+
		"N-1,"+placed+",Ana Pérez,ana@example.com,Jabón,1,5.00,5.00,Paid\n"+
		"N-2,"+placed+",Iñaki Ruiz,inaki@example.com,Vela,2,6.00,12.00,Paid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	importAndWait(t, w, csv)
	mustShow(t, win, "Pedidos nuevos: 2 · actualizados: 0 · sin cambios: 0",
		"Correos automáticos planificados: 2 (agradecimiento 2)")
	if os.Getenv("MOSTRADOR_SHOT") != "" {
		img := win.Canvas().Capture()
		f, err := os.Create(os.Getenv("MOSTRADOR_SHOT"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
}

// Before anything is written the owner sees how the file was read (its
// dialect, its first orders), how many automated emails it would plan,
// and the rows it leaves out; Cancel writes nothing, Import writes it all.
func TestImportPreviewThenConfirm(t *testing.T) {
	db := newShopDB(t)
	w, win := openWindow(t, db, "es")
	placed := time.Now().UTC().Add(-30 * time.Minute)
	csv := filepath.Join(t.TempDir(), "hoy.csv")
	if err := os.WriteFile(csv, []byte("\ufeffPedido;Fecha;Nombre;Correo;Producto;Cantidad;Precio;Total;Estado\n"+
		"N-1;"+placed.Format("02/01/2006 15:04")+";Ana Pérez;ana@example.com;Jabón;1;5,00;5,00;Pagado\n"+
		"N-2;"+placed.Format("02/01/2006 15:04")+";Iñaki Ruiz;inaki@;Vela;2;6,00;12,00;Pagado\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.ImportFile(csv)
	w.imports.Wait()
	mustShow(t, win, "Antes de importar", "hoy.csv (hoja de cálculo): 2 filas",
		"Codificación UTF-8-BOM · separador «;» · decimales con «,» · fechas día/mes/año",
		"Pedidos nuevos: 1 · actualizados: 0 · sin cambios: 0",
		"Esta importación planificaría 1 correo automático (agradecimiento 1)",
		"Así se leerán las primeras filas:",
		"N-1 · ana@example.com · "+formatDateTime(placed.Truncate(time.Minute), "es")+" · nuevo",
		"1 fila rechazada:")
	var n int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM job)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the preview wrote %d orders and jobs (%v)", n, err)
	}
	tapButton(t, win, "Cancelar")
	mustNotShow(t, win, "Antes de importar")
	if err := db.QueryRow(`SELECT count(*) FROM orders`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a cancelled import wrote %d orders", n)
	}

	importAndWait(t, w, csv)
	mustShow(t, win, "Importación terminada", "Pedidos nuevos: 1 · actualizados: 0 · sin cambios: 0",
		"Correos automáticos planificados: 1 (agradecimiento 1)")
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM job)`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("after importing: %d orders and jobs, want the order and its thank-you", n)
	}
	mustBeTranslated(t, win)
}

// A booking export is recognized as such and imported as appointments.
func TestImportRecognizesAppointments(t *testing.T) {
	db := newShopDB(t)
	w, win := openWindow(t, db, "es")
	w.ImportFile(fixtures + "appointments_es.csv")
	w.imports.Wait()
	mustShow(t, win, "Antes de importar", "Así se leerán las primeras filas:")
	if !hasPrefix(screenTexts(win), "appointments_es.csv (citas, ") {
		t.Fatalf("the preview does not say it is a booking export: %q", screenTexts(win))
	}
	if !hasPrefix(screenTexts(win), "14/03/2024 10:00 · Lucía Fernández · Taller de cerámica (iniciación)") {
		t.Errorf("Lucía's booking is not previewed at its clock time: %q", screenTexts(win))
	}
	tapButton(t, win, "Importar")
	w.imports.Wait()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM appointment`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("%d appointments imported (%v)", n, err)
	}
	if !hasPrefix(screenTexts(win), "Citas nuevas: ") {
		t.Errorf("the report does not count the appointments: %q", screenTexts(win))
	}
}
