// Package tmpl reads the texts the owner writes with fields in them: saved
// replies now, the automated emails' templates later. A field is a name in
// braces, in Spanish or English: "Hola {nombre}, tu pedido {pedido} ya
// salió" or "Hi {name}, order {order} is on its way". Names ignore case,
// accents and spaces ("{Número de pedido}" is "{numero_de_pedido}"). "{{"
// and "}}" write a brace. Text/template's syntax is not used on purpose:
// an owner must be able to write these without learning a language, and a
// mistake must say where it is in their words.
package tmpl

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Field is one field the texts may use: its key (what the values are
// keyed by) and the names it is written with.
type Field struct {
	Key   string
	Names []string // normalized (see key): "nombre", "name"
}

// Template is a parsed text.
type Template struct {
	parts []part
}

type part struct {
	text  string // literal text, or
	field string // a field's key
}

// Error says where a text is wrong: line and column (in characters, from
// 1), the field as written, and what is wrong (Code: "unclosed", "unknown",
// "empty").
type Error struct {
	Line, Column int
	Code         string
	Field        string // as written, with its braces
}

func (e *Error) Error() string {
	switch e.Code {
	case "unclosed":
		return fmt.Sprintf("line %d, column %d: a { is not closed on its line", e.Line, e.Column)
	case "empty":
		return fmt.Sprintf("line %d, column %d: {} names no field", e.Line, e.Column)
	}
	return fmt.Sprintf("line %d, column %d: unknown field %s", e.Line, e.Column, e.Field)
}

// maxField is the longest field name; a longer "{...}" is text with a
// brace in it, not a mistyped field.
const maxField = 40

// Parse reads a text against the fields it may use.
func Parse(text string, fields []Field) (*Template, error) {
	byName := map[string]string{}
	for _, f := range fields {
		for _, n := range f.Names {
			byName[n] = f.Key
		}
	}
	t := &Template{}
	var lit strings.Builder
	line, col := 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '{' && strings.HasPrefix(text[i:], "{{"), r == '}' && strings.HasPrefix(text[i:], "}}"):
			lit.WriteRune(r)
			i, col = i+2, col+2
			continue
		case r == '{':
			end := strings.IndexAny(text[i+1:], "}\n{")
			if end < 0 || text[i+1+end] != '}' {
				return nil, &Error{Line: line, Column: col, Code: "unclosed"}
			}
			raw := text[i+1 : i+1+end]
			if utf8.RuneCountInString(raw) > maxField {
				return nil, &Error{Line: line, Column: col, Code: "unclosed"}
			}
			name := key(raw)
			if name == "" {
				return nil, &Error{Line: line, Column: col, Code: "empty", Field: "{" + raw + "}"}
			}
			k, ok := byName[name]
			if !ok {
				return nil, &Error{Line: line, Column: col, Code: "unknown", Field: "{" + raw + "}"}
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, part{text: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part{field: k})
			col += utf8.RuneCountInString(raw) + 2
			i += end + 2
			continue
		case r == '\n':
			line, col = line+1, 0
		}
		lit.WriteString(text[i : i+size])
		i += size
		col++
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{text: lit.String()})
	}
	return t, nil
}

// Fields lists the keys the text uses, once each, in order.
func (t *Template) Fields() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.field != "" && !seen[p.field] {
			seen[p.field] = true
			out = append(out, p.field)
		}
	}
	return out
}

// Render fills the fields. A field without a value is left out, and listed
// in missing, so that the owner can be told before anything is sent ("Ana
// has no order: {pedido} would be empty").
func (t *Template) Render(values map[string]string) (text string, missing []string) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.field == "" {
			b.WriteString(p.text)
			continue
		}
		v := values[p.field]
		if v == "" && !seen[p.field] {
			missing = append(missing, p.field)
		}
		seen[p.field] = true
		b.WriteString(v)
	}
	return b.String(), missing
}

// Escape writes text so that it parses back to itself.
func Escape(text string) string {
	return strings.NewReplacer("{", "{{", "}", "}}").Replace(text)
}

// key is a field name as compared: lower case, without accents, words
// joined by "_".
func key(name string) string {
	s, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), name)
	if err != nil {
		s = name
	}
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' }), "_")
}

// Names normalizes the names of a field, for building Field values.
func Names(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = key(n)
	}
	return out
}
