// Package assets holds the files embedded in the binary: the icon and the
// Spanish and English translations, which the window (through Fyne's lang
// package) and the command line (through Translate) share.
package assets

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/template"
)

//go:embed icon.png
var Icon []byte

//go:embed translations
var Translations embed.FS

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
// (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else Spanish.
func Lang(asked string) string {
	for _, s := range []string{asked, os.Getenv("LANGUAGE"), os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG")} {
		s = strings.ToLower(s)
		for _, l := range Languages {
			if strings.HasPrefix(s, l) {
				return l
			}
		}
	}
	return Languages[0]
}

// Translate returns the message key in language lang, with data filled into
// its {{.Field}} placeholders. A count in data["Count"] picks the one/other
// plural form. An unknown key comes back as itself, so a missing translation
// shows up instead of vanishing.
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
		if n, ok := data["Count"].(int); ok && n == 1 && plural["one"] != "" {
			text = plural["one"]
		}
	}
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.New(key).Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return text
	}
	return b.String()
}

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
