package tmpl

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var fields = []Field{
	{Key: "name", Names: Names("nombre", "name")},
	{Key: "order", Names: Names("pedido", "order", "número de pedido")},
	{Key: "tracking_link", Names: Names("enlace seguimiento", "tracking link")},
}

func TestRender(t *testing.T) {
	values := map[string]string{"name": "Ana", "order": "#1042", "tracking_link": "https://t.example/1"}
	for in, want := range map[string]string{
		"Hola {nombre}, tu pedido {pedido} ya salió: {enlace_seguimiento}": "Hola Ana, tu pedido #1042 ya salió: https://t.example/1",
		"Hi {Name}! Order {ORDER}.":                                        "Hi Ana! Order #1042.",
		"{Número de pedido} · {Tracking Link}":                             "#1042 · https://t.example/1",
		"Sin campos.\nDos líneas.":                                         "Sin campos.\nDos líneas.",
		"Llaves: {{ y }} y } sola":                                         "Llaves: { y } y } sola",
		"":                                                                 "",
	} {
		tp, err := Parse(in, fields)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got, missing := tp.Render(values); got != want || len(missing) != 0 {
			t.Errorf("Render(%q) = %q %v, want %q", in, got, missing, want)
		}
	}
}

func TestMissingValues(t *testing.T) {
	tp, err := Parse("Hola {nombre}, tu pedido {pedido} ({pedido})", fields)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tp.Fields(), []string{"name", "order"}) {
		t.Errorf("fields %v", tp.Fields())
	}
	got, missing := tp.Render(map[string]string{"name": "Ana"})
	if got != "Hola Ana, tu pedido  ()" || !slices.Equal(missing, []string{"order"}) {
		t.Errorf("%q %v", got, missing)
	}
}

func TestErrorsSayWhere(t *testing.T) {
	for in, want := range map[string]Error{
		"Hola {nombr}":                        {Line: 1, Column: 6, Code: "unknown", Field: "{nombr}"},
		"Hola\nañá {pedido":                   {Line: 2, Column: 5, Code: "unclosed"},
		"Hola {nombre\n}":                     {Line: 1, Column: 6, Code: "unclosed"},
		"Hola {}":                             {Line: 1, Column: 6, Code: "empty", Field: "{}"},
		"{nombre} y {a {b}":                   {Line: 1, Column: 12, Code: "unclosed"},
		"x {" + strings.Repeat("a", 50) + "}": {Line: 1, Column: 3, Code: "unclosed"},
	} {
		_, err := Parse(in, fields)
		var e *Error
		if !errors.As(err, &e) || *e != want {
			t.Errorf("Parse(%q) = %v, want %+v", in, err, want)
		}
	}
	_, err := Parse("Hola {nombr}", fields)
	if err == nil || err.Error() != "line 1, column 6: unknown field {nombr}" {
		t.Errorf("message: %v", err)
	}
}

// FuzzParse: any text either parses or says where it is wrong, within the
// text; escaped text reads back as itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Hola {nombre}", "{{}}", "{", "}", "a\n{pedido}\n{x}", "{Número de pedido}", "\xff{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := Parse(s, fields)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			lines := strings.Split(s, "\n")
			if e.Line < 1 || e.Line > len(lines) || e.Column < 1 || e.Column > utf8.RuneCountInString(lines[e.Line-1]) {
				t.Fatalf("%q: error at %d:%d is outside the text", s, e.Line, e.Column)
			}
		} else {
			tp.Render(map[string]string{"name": "x"})
		}
		if !utf8.ValidString(s) {
			return
		}
		back, err := Parse(Escape(s), fields)
		if err != nil {
			t.Fatalf("escaped %q does not parse: %v", s, err)
		}
		if got, _ := back.Render(nil); got != s {
			t.Fatalf("escaped %q renders as %q", s, got)
		}
	})
}
