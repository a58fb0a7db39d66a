package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mostrador/assets"
)

// TestBothLanguagesRender walks the whole window, a card with and one without
// email, and the import report, in each language: every text is translated.
func TestBothLanguagesRender(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		words []string
	}{
		{"es", []string{"Importar pedidos o citas…", "Buscar por nombre, correo o teléfono", "Sin correo: no se le puede escribir por email",
			"13/03/2024 · 24,00", "Pago pendiente", "Importación terminada", "Aceptar"}},
		{"en", []string{"Import orders or appointments…", "Search by name, email or phone", "No email: cannot be contacted by email",
			"Mar 13, 2024 · 24.00", "Payment pending", "Import finished", "OK"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			db := newShopDB(t)
			importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv", "woocommerce_plugin.csv", "square_items.csv")
			w, win := openWindow(t, db, tc.lang)
			for _, name := range []string{"Martina Gómez", "Ana Pérez", "María José García Núñez", "Laura Gómez"} {
				selectCustomer(t, w, name)
				mustBeTranslated(t, win)
			}
			importAndWait(t, w, fixtures+"generic_es.csv")
			selectCustomer(t, w, "Pedro Sánchez")
			mustShow(t, win, tc.words...)
			mustBeTranslated(t, win)
		})
	}
}

// keyCall finds the translation keys the window's code names literally.
var keyCall = regexp.MustCompile(`\bw\.tf?\("([^"]+)"[,)]`)

func TestEveryKeyTheWindowUsesIsInBothLanguages(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyCall.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	// Keys put together at run time.
	for _, s := range []string{"cancelled", "refunded", "delivered", "shipped", "partial", "paid", "pending", "failed", "voided", "open"} {
		used["status."+s] = true
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys; is the pattern still right?", len(used))
	}
	for _, lang := range assets.Languages {
		data, err := assets.Translations.ReadFile("translations/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var catalog map[string]json.RawMessage
		if err := json.Unmarshal(data, &catalog); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for k := range used {
			if _, ok := catalog[k]; !ok {
				t.Errorf("%s.json has no %q", lang, k)
			}
		}
	}
}

// uiCalls are methods that change widgets or the window: off the UI
// goroutine they must be wrapped in fyne.Do.
var uiCalls = map[string]bool{
	"SetText": true, "Show": true, "Hide": true, "Refresh": true, "Add": true, "Remove": true,
	"RemoveAll": true, "SetContent": true, "Resize": true, "Enable": true, "Disable": true,
	"Select": true, "UnselectAll": true, "SetValue": true, "Move": true, "SetPlaceHolder": true,
	// the window's own methods that touch widgets
	"reload": true, "show": true, "clearCard": true, "showImportResult": true, "showImportError": true,
}

// TestBackgroundWorkGoesThroughFyneDo reads the window's code: every
// goroutine it starts hands widget changes to fyne.Do (or DoAndWait) and
// calls nothing that touches a widget itself, also in callbacks such as an
// import's progress.
func TestBackgroundWorkGoesThroughFyneDo(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var goroutines int
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			g, ok := n.(*ast.GoStmt)
			if !ok {
				return true
			}
			goroutines++
			lit, ok := g.Call.Fun.(*ast.FuncLit)
			if !ok {
				t.Errorf("%s: go %s: start goroutines with a func literal so this test can read them",
					fset.Position(g.Pos()), exprString(g.Call.Fun))
				return false
			}
			var dos int
			checkOffUI(t, fset, lit.Body, &dos)
			if dos == 0 {
				t.Errorf("%s: a goroutine that never calls fyne.Do", fset.Position(g.Pos()))
			}
			return false
		})
	}
	if goroutines == 0 {
		t.Fatal("no goroutine found; the import is expected to run in one")
	}
}

// checkOffUI walks code that runs off the UI goroutine, skipping what is
// handed to fyne.Do.
func checkOffUI(t *testing.T, fset *token.FileSet, n ast.Node, dos *int) {
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		name := exprString(call.Fun)
		if name == "fyne.Do" || name == "fyne.DoAndWait" {
			*dos++
			return false // runs on the UI goroutine
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && uiCalls[sel.Sel.Name] {
			t.Errorf("%s: %s called off the UI goroutine; wrap it in fyne.Do", fset.Position(call.Pos()), name)
		}
		if strings.HasPrefix(name, "widget.") || strings.HasPrefix(name, "dialog.") || strings.HasPrefix(name, "container.") {
			t.Errorf("%s: %s called off the UI goroutine; wrap it in fyne.Do", fset.Position(call.Pos()), name)
		}
		return true
	})
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.FuncLit:
		return "func literal"
	case *ast.CallExpr:
		return exprString(x.Fun) + "()"
	}
	return strconv.Quote("?")
}
