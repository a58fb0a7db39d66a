// Package assets holds the files embedded in the binary: the icon, the
// automated emails' default templates and the Spanish and English
// translations, which the window (through Fyne's lang
// package) and the command line (through Translate) share.
package assets

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"strings"
	"sync"
	"text/template"
	"time"
)

//go:embed icon.png
var Icon []byte

//go:embed translations
var Translations embed.FS

// Templates are the automated emails' default wording (package reminders),
// templates/<lang>/<rule>[-<step>].txt: a "Subject: " line, a blank line,
// the body; Go text/template.
//
//go:embed templates
var Templates embed.FS

// Languages are the languages Mostrador speaks, the first being the default.
var Languages = []string{"es", "en"}

var (
	loadOnce sync.Once
	catalogs map[string]map[string]json.RawMessage
	loadErr  error
)

func load() {
	catalogs = map[string]map[string]json.RawMessage{}
	for _, l := range Languages {
		data, err := Translations.ReadFile("translations/" + l + ".json")
		if err != nil {
			loadErr = err
			return
		}
		m := map[string]json.RawMessage{}
		if err := json.Unmarshal(data, &m); err != nil {
			loadErr = fmt.Errorf("translations/%s.json: %w", l, err)
			return
		}
		catalogs[l] = m
	}
}

// Lang picks a supported language: the one asked for, else the environment's
// (LANGUAGE, a colon-separated list in order of preference, then LC_ALL,
// LC_MESSAGES, LANG), else Spanish. A value that names neither language
// (C, fr_FR) gives way to the next one.
func Lang(asked string) string {
	tags := []string{asked}
	tags = append(tags, strings.Split(os.Getenv("LANGUAGE"), ":")...)
	tags = append(tags, os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG"))
	for _, s := range tags {
		// es, es_AR.UTF-8, es-419, en@euro: the language is the part before _-.@
		s = strings.ToLower(s)
		if i := strings.IndexAny(s, "_-.@"); i >= 0 {
			s = s[:i]
		}
		for _, l := range Languages {
			if s == l {
				return l
			}
		}
	}
	return Languages[0]
}

// Translate returns the message key in language lang, with data filled into
// its {{.Field}} placeholders. A count in data["Count"] picks the one/other
// plural form. An unknown key comes back as itself, so a missing translation
// shows up instead of vanishing; a placeholder missing from data is left empty.
func Translate(lang, key string, data map[string]any) string {
	loadOnce.Do(load)
	if loadErr != nil {
		return key
	}
	raw, ok := catalogs[lang][key]
	if !ok {
		raw, ok = catalogs[Languages[0]][key]
	}
	if !ok {
		return key
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		var plural map[string]string
		if json.Unmarshal(raw, &plural) != nil {
			return key
		}
		text = plural["other"]
		// Any number type: Args that went through JSON hold float64.
		if fmt.Sprint(data["Count"]) == "1" && plural["one"] != "" {
			text = plural["one"]
		}
	}
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.New(key).Parse(text)
	if err != nil {
		return text
	}
	// Without this a forgotten field prints as Go's "<no value>".
	filled := map[string]any{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		filled[m[1]] = ""
	}
	maps.Copy(filled, data)
	var b bytes.Buffer
	if err := t.Execute(&b, filled); err != nil {
		return text
	}
	return b.String()
}

// placeholder is a {{.Field}} in a message; the assets tests make sure the
// catalogs use no other kind of action.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// Keys lists the message keys of one language, for tests that check both
// languages say everything.
func Keys(lang string) []string {
	loadOnce.Do(load)
	var out []string
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	return out
}

// Duration says how long something took or has waited, the way people say
// it: "45 min", "3 h", "2 días". Under a minute is "1 min".
func Duration(lang string, d time.Duration) string {
	switch {
	case d < time.Hour:
		return Translate(lang, "time.minutes", map[string]any{"Count": max(1, int(d/time.Minute))})
	case d < 48*time.Hour:
		return Translate(lang, "time.hours", map[string]any{"Count": int(d / time.Hour)})
	}
	return Translate(lang, "time.days", map[string]any{"Count": int(d / (24 * time.Hour))})
}
