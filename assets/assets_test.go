package assets_test

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
	"time"

	"mostrador/assets"
)

// message is one catalog entry: a plain template, or plural forms.
type message struct {
	text   string
	plural map[string]string
}

// forms are the templates of a message by form name ("" for a plain one).
func (m message) forms() map[string]string {
	if m.plural == nil {
		return map[string]string{"": m.text}
	}
	return m.plural
}

// readCatalog decodes translations/LANG.json token by token, so that a key
// written twice (JSON allows it, and the second silently wins) is an error.
func readCatalog(t *testing.T, lang string) map[string]message {
	t.Helper()
	data, err := assets.Translations.ReadFile("translations/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s.json: want a JSON object, got %v %v", lang, tok, err)
	}
	out := map[string]message{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		key := tok.(string)
		if _, dup := out[key]; dup {
			t.Errorf("%s.json: key %q appears twice; the second one silently wins", lang, key)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("%s.json: %s: %v", lang, key, err)
		}
		var m message
		if err := json.Unmarshal(raw, &m.text); err != nil {
			if err := json.Unmarshal(raw, &m.plural); err != nil {
				t.Errorf("%s.json: %s is neither a string nor an object of plural forms: %s", lang, key, raw)
				continue
			}
		}
		out[key] = m
	}
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s.json: trailing data after the object", lang)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	es, en := readCatalog(t, "es"), readCatalog(t, "en")
	if len(es) < 50 {
		t.Fatalf("es.json has only %d keys", len(es))
	}
	for _, k := range sortedKeys(es) {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in es.json but not in en.json", k)
		}
	}
	for _, k := range sortedKeys(en) {
		if _, ok := es[k]; !ok {
			t.Errorf("%q is in en.json but not in es.json", k)
		}
	}
	// Keys, which the other packages' tests use, sees the same catalogs.
	for _, lang := range assets.Languages {
		got := assets.Keys(lang)
		sort.Strings(got)
		if want := sortedKeys(readCatalog(t, lang)); !slices.Equal(got, want) {
			t.Errorf("Keys(%q) = %d keys, the file has %d", lang, len(got), len(want))
		}
	}
}

// placeholders parses a message template and returns the fields it uses. Only
// plain {{.Field}} actions are allowed: translators should not need to know
// more of text/template than that, and Translate fills exactly those.
func placeholders(t *testing.T, where, text string) []string {
	t.Helper()
	tmpl, err := template.New(where).Parse(text)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return nil
	}
	var fields []string
	if tmpl.Tree == nil {
		return nil
	}
	for _, n := range tmpl.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
		case *parse.ActionNode:
			cmds := n.Pipe.Cmds
			if len(n.Pipe.Decl) == 0 && len(cmds) == 1 && len(cmds[0].Args) == 1 {
				if f, ok := cmds[0].Args[0].(*parse.FieldNode); ok && len(f.Ident) == 1 {
					fields = append(fields, f.Ident[0])
					continue
				}
			}
			t.Errorf("%s: %s is not a plain {{.Field}} placeholder", where, n)
		default:
			t.Errorf("%s: %s is not a plain {{.Field}} placeholder", where, n)
		}
	}
	sort.Strings(fields)
	return slices.Compact(fields)
}

func TestPlaceholdersMatchAcrossLanguages(t *testing.T) {
	es, en := readCatalog(t, "es"), readCatalog(t, "en")
	for _, k := range sortedKeys(es) {
		e, ok := en[k]
		if !ok {
			continue // TestLanguagesHaveTheSameKeys reports it
		}
		s := es[k]
		for form, text := range s.forms() {
			if text == "" {
				t.Errorf("es.json: %s %s is empty", k, form)
			}
			enText, ok := e.forms()[form]
			if !ok {
				continue // TestPluralForms reports it
			}
			pe := placeholders(t, "es.json "+k+" "+form, text)
			pn := placeholders(t, "en.json "+k+" "+form, enText)
			if !slices.Equal(pe, pn) {
				t.Errorf("%s %s: es uses %v, en uses %v", k, form, pe, pn)
			}
		}
	}
}

func TestPluralForms(t *testing.T) {
	plural := 0
	for _, lang := range assets.Languages {
		for k, m := range readCatalog(t, lang) {
			if m.plural == nil {
				continue
			}
			plural++
			got := sortedKeys(m.plural)
			if !slices.Equal(got, []string{"one", "other"}) {
				t.Errorf("%s.json: %s has forms %v, want exactly one and other", lang, k, got)
			}
			if !strings.Contains(m.plural["other"], "{{.Count}}") {
				t.Errorf("%s.json: %s: the other form should show {{.Count}}: %q", lang, k, m.plural["other"])
			}
		}
	}
	if plural == 0 {
		t.Fatal("no plural messages found: has the catalog format changed?")
	}
	es, en := readCatalog(t, "es"), readCatalog(t, "en")
	for _, k := range sortedKeys(es) {
		if e, ok := en[k]; ok && (es[k].plural == nil) != (e.plural == nil) {
			t.Errorf("%s is plural in one language and not in the other", k)
		}
	}
}

func TestTranslatePlural(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		count any
		want  string
	}{
		{"es", 0, "0 filas rechazadas:"},
		{"es", 1, "1 fila rechazada:"},
		{"es", 2, "2 filas rechazadas:"},
		{"en", 0, "0 rows rejected:"},
		{"en", 1, "1 row rejected:"},
		{"en", 21, "21 rows rejected:"},
		// Counts also arrive as other integer types, and as float64 when
		// Args went through JSON.
		{"en", int64(1), "1 row rejected:"},
		{"en", float64(1), "1 row rejected:"},
		{"en", float64(3), "3 rows rejected:"},
	} {
		if got := assets.Translate(tc.lang, "cli.rejected", map[string]any{"Count": tc.count}); got != tc.want {
			t.Errorf("Translate(%s, cli.rejected, Count=%v %T) = %q, want %q", tc.lang, tc.count, tc.count, got, tc.want)
		}
	}
}

func TestTranslateFillsPlaceholders(t *testing.T) {
	got := assets.Translate("en", "cli.rejectedCell", map[string]any{"Row": 7, "Column": "Email", "Value": "ana@", "Reason": "bad"})
	if want := `row 7, column "Email", value "ana@": bad`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = assets.Translate("es", "cli.rejectedCell", map[string]any{"Row": 7, "Column": "Email", "Value": "ana@", "Reason": "mal"})
	if want := "fila 7, columna «Email», valor «ana@»: mal"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Text that looks like a template in the data is not executed.
	got = assets.Translate("en", "cli.noCustomer", map[string]any{"Email": "{{.Email}}"})
	if want := "no customer has the email {{.Email}}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A field the caller forgot is left empty rather than shown as Go's
// "<no value>", which means nothing to a shop owner.
func TestTranslateMissingData(t *testing.T) {
	for _, data := range []map[string]any{nil, {}, {"Other": 1}} {
		got := assets.Translate("en", "cli.noCustomer", data)
		if want := "no customer has the email "; got != want {
			t.Errorf("data %v: got %q, want %q", data, got, want)
		}
	}
	got := assets.Translate("en", "cli.rejectedRow", map[string]any{"Row": 3})
	if want := "row 3: "; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTranslateFallbacks(t *testing.T) {
	es := assets.Translate("es", "cli.changes", nil)
	if es != "Cambios:" {
		t.Fatalf("es cli.changes = %q", es)
	}
	if en := assets.Translate("en", "cli.changes", nil); en != "Changes:" {
		t.Errorf("en cli.changes = %q", en)
	}
	// A language Mostrador does not speak gets the default, Spanish.
	for _, lang := range []string{"fr", "", "EN-gb", "xx"} {
		if got := assets.Translate(lang, "cli.changes", nil); got != es {
			t.Errorf("Translate(%q, cli.changes) = %q, want the Spanish %q", lang, got, es)
		}
	}
	// A key nobody translated comes back as itself, so it shows up.
	for _, lang := range []string{"es", "en", "fr"} {
		if got := assets.Translate(lang, "no.such.key", map[string]any{"Count": 1}); got != "no.such.key" {
			t.Errorf("Translate(%q, no.such.key) = %q, want the key itself", lang, got)
		}
	}
}

func TestLang(t *testing.T) {
	env := []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}
	for _, tc := range []struct {
		asked string
		env   map[string]string
		want  string
	}{
		{"", map[string]string{"LANG": "es_AR.UTF-8"}, "es"},
		{"", map[string]string{"LANG": "es_ES"}, "es"},
		{"", map[string]string{"LANG": "es"}, "es"},
		{"", map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "en_GB"}, "en"},
		{"", map[string]string{"LANG": "EN_us.utf8"}, "en"},
		// Nothing Mostrador speaks: the default, Spanish.
		{"", map[string]string{}, "es"},
		{"", map[string]string{"LANG": "C.UTF-8"}, "es"},
		{"", map[string]string{"LANG": "fr_FR.UTF-8"}, "es"},
		// --lang wins over the environment.
		{"en", map[string]string{"LANG": "es_AR.UTF-8"}, "en"},
		{"es", map[string]string{"LANG": "en_US.UTF-8"}, "es"},
		{"EN", map[string]string{}, "en"},
		// The usual precedence: LANGUAGE, LC_ALL, LC_MESSAGES, LANG; a value
		// that is not es or en (C, fr) gives way to the next one.
		{"", map[string]string{"LANGUAGE": "en_US", "LANG": "es_ES.UTF-8"}, "en"},
		{"", map[string]string{"LC_ALL": "es_MX.UTF-8", "LANG": "en_US.UTF-8"}, "es"},
		{"", map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "es_ES.UTF-8"}, "en"},
		{"", map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "en"},
		// LANGUAGE is a list in order of preference.
		{"", map[string]string{"LANGUAGE": "fr:en", "LANG": "fr_FR.UTF-8"}, "en"},
		{"", map[string]string{"LANGUAGE": "fr_FR:es_ES:en", "LANG": "en_US.UTF-8"}, "es"},
	} {
		for _, k := range env {
			t.Setenv(k, tc.env[k])
		}
		if got := assets.Lang(tc.asked); got != tc.want {
			t.Errorf("Lang(%q) with %v = %q, want %q", tc.asked, tc.env, got, tc.want)
		}
	}
}

func TestIconEmbedded(t *testing.T) {
	if !strings.HasPrefix(string(assets.Icon), "\x89PNG\r\n\x1a\n") {
		t.Error("assets.Icon is not a PNG")
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"es", 20 * time.Second, "1 min"}, {"es", 45 * time.Minute, "45 min"}, {"es", 3*time.Hour + 59*time.Minute, "3 h"},
		{"es", 47 * time.Hour, "47 h"}, {"es", 49 * time.Hour, "2 días"}, {"en", 24 * 30 * time.Hour, "30 days"},
		{"en", 90 * time.Minute, "1 h"},
	} {
		if got := assets.Duration(c.lang, c.d); got != c.want {
			t.Errorf("Duration(%s, %v) = %q, want %q", c.lang, c.d, got, c.want)
		}
	}
}
