package ui

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

const fixtures = "../orders/testdata/formats/"

// newShopDB is an empty shop: a real SQLite file with every package's
// schema, as the command line opens it.
func newShopDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, reminders.Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// importFixtures imports order exports the way the command line does.
func importFixtures(t *testing.T, db *sql.DB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := orders.ImportFile(context.Background(), db, fixtures+name,
			orders.Options{Location: time.UTC}); err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
	}
}

// openWindow builds the window on db in a test window of the real size.
func openWindow(t *testing.T, db *sql.DB, lang string) (*Window, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	w := New(db, win, Options{Lang: lang, Location: time.UTC})
	win.SetContent(w.Content())
	win.Resize(fyne.NewSize(1100, 720))
	return w, win
}

// visibleTexts is every piece of text a user can see in o: labels, buttons,
// entries (their text, else their placeholder), links and plain canvas
// text, skipping whatever is hidden.
func visibleTexts(o fyne.CanvasObject) []string {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *widget.Label:
		return []string{x.Text}
	case *widget.Button:
		return []string{x.Text}
	case *widget.Hyperlink:
		return []string{x.Text}
	case *widget.Entry:
		if x.Text == "" {
			return []string{x.PlaceHolder}
		}
		return []string{x.Text}
	case *canvas.Text:
		return []string{x.Text}
	case *fyne.Container:
		var out []string
		for _, c := range x.Objects {
			out = append(out, visibleTexts(c)...)
		}
		return out
	case fyne.Widget:
		var out []string
		if c, ok := x.(*widget.Card); ok {
			out = append(out, c.Title, c.Subtitle)
		}
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, visibleTexts(c)...)
		}
		return out
	}
	return nil
}

// screenTexts is what the window shows, dialogs included.
func screenTexts(win fyne.Window) []string {
	out := visibleTexts(win.Canvas().Content())
	for _, o := range win.Canvas().Overlays().List() {
		out = append(out, visibleTexts(o)...)
	}
	return out
}

func has(texts []string, want string) bool {
	for _, s := range texts {
		if s == want {
			return true
		}
	}
	return false
}

func hasPrefix(texts []string, prefix string) bool {
	for _, s := range texts {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// mustShow fails unless each text is on screen, exactly.
func mustShow(t *testing.T, win fyne.Window, want ...string) {
	t.Helper()
	texts := screenTexts(win)
	for _, w := range want {
		if !has(texts, w) {
			t.Errorf("the window does not show %q; it shows:\n%s", w, strings.Join(texts, "\n"))
		}
	}
}

// mustNotShow fails if any text is on screen.
func mustNotShow(t *testing.T, win fyne.Window, unwanted ...string) {
	t.Helper()
	texts := screenTexts(win)
	for _, u := range unwanted {
		if has(texts, u) {
			t.Errorf("the window shows %q, and should not", u)
		}
	}
}

// rawKey looks like a translation key that slipped through untranslated.
var rawKey = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+)+$`)

// mustBeTranslated fails on any visible text that is a raw translation key
// or a template left unfilled.
func mustBeTranslated(t *testing.T, win fyne.Window) {
	t.Helper()
	for _, s := range screenTexts(win) {
		if rawKey.MatchString(strings.TrimSpace(s)) || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
			t.Errorf("untranslated text on screen: %q", s)
		}
	}
}

// selectCustomer selects the list row with this name, as a click would.
func selectCustomer(t *testing.T, w *Window, name string) {
	t.Helper()
	for i, r := range w.customers.rows {
		if r.Name == name {
			w.customers.list.Select(i)
			return
		}
	}
	t.Fatalf("no customer %q in the list", name)
}

// visible lists the visible objects of type T under root, the insides
// of widgets included, in drawing order.
func visible[T fyne.CanvasObject](root fyne.CanvasObject) []T {
	var out []T
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if x, ok := o.(T); ok {
			out = append(out, x)
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// onScreen lists the visible objects of type T of the window, dialogs
// included.
func onScreen[T fyne.CanvasObject](win fyne.Window) []T {
	out := visible[T](win.Canvas().Content())
	for _, o := range win.Canvas().Overlays().List() {
		out = append(out, visible[T](o)...)
	}
	return out
}

// tapButton taps the visible button with this text, failing if none.
func tapButton(t *testing.T, win fyne.Window, text string) {
	t.Helper()
	for _, b := range onScreen[*widget.Button](win) {
		if b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no button %q on the window", text)
}
