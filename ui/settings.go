package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/internal/settings"
)

// The Settings room: a calm form in sections, one under the other. The
// shop's mailbox (settings_account.go); the shop's name, the owner's and
// the signature, with a preview of how a reply is signed
// (settings_shop.go); the language; and the time zone
// (settings_region.go). Every value goes through package settings, which
// refuses what cannot be used; the mail servers through package shop;
// passwords only to the keyring, through the window's inbox.Secrets.

// settingsView is the Settings room.
type settingsView struct {
	w       *Window
	content fyne.CanvasObject
	loaded  loaded

	account *accountForm
	shop    *shopForm
	region  *regionForm
}

// settingsWidth is the form's measure: wide enough for a server name and
// a signature, narrow enough to read as one column.
const settingsWidth = 720

// newSettingsView builds the room and reads it from the database.
func newSettingsView(w *Window) *settingsView {
	v := &settingsView{w: w, loaded: loaded{}}
	v.account = newAccountForm(v)
	v.shop = newShopForm(v)
	v.region = newRegionForm(v)
	column := container.New(columnLayout{width: settingsWidth},
		v.account.content,
		widget.NewSeparator(),
		v.shop.content,
		widget.NewSeparator(),
		v.region.languageContent,
		widget.NewSeparator(),
		v.region.zoneContent,
	)
	// At the top of a tall window, not floating in its middle.
	v.content = container.NewVScroll(container.NewPadded(container.NewVBox(column)))
	v.reload()
	return v
}

// reload reads the settings and the account again from the database.
// What the owner is typing and has not saved stays as typed. Call it on
// the UI goroutine.
func (v *settingsView) reload() {
	v.account.load()
	v.shop.load()
	v.region.load()
}

// heading is a section's title.
func settingsHeading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// message is a section's line that says what its last action did.
func settingsMessage() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// tell shows text on a section's message line, in the importance that
// says how it went: medium for news, success, danger for a refusal.
func tell(l *widget.Label, text string, imp widget.Importance) {
	l.Importance = imp
	l.SetText(text)
	l.Show()
}

// refusal says in the owner's words why a setting was not stored: the
// field, and what settings expects ("El nombre de la tienda: debe caber
// en una sola línea").
func (v *settingsView) refusal(fieldKey string, err error) string {
	var se *settings.Error
	if errors.As(err, &se) {
		return v.w.tf("ui.settings.refused", map[string]any{"Field": v.w.t(fieldKey), "Why": v.w.t(se.Code)})
	}
	return v.w.tf("ui.error", map[string]any{"Err": err.Error()})
}

// setting reads one setting's value ("" when it cannot be read: the form
// shows it empty, and saving says what is wrong).
func (v *settingsView) setting(key string) settings.Setting {
	s, err := settings.Get(context.Background(), v.w.db, key)
	if err != nil {
		return settings.Setting{Key: key}
	}
	return s
}

// loaded remembers what the database put in each entry of the room. A
// reload refreshes an entry unless the owner changed what it showed.
type loaded map[*widget.Entry]string

// fill shows value in e, unless the owner is changing e.
func (l loaded) fill(e *widget.Entry, value string) {
	if e.Text == l[e] {
		e.SetText(value)
	}
	l[e] = value
}

// edited reports whether the owner changed any of the entries.
func (l loaded) edited(entries ...*widget.Entry) bool {
	for _, e := range entries {
		if e.Text != l[e] {
			return true
		}
	}
	return false
}

// keep takes the entries' text as what the database now holds.
func (l loaded) keep(entries ...*widget.Entry) {
	for _, e := range entries {
		l[e] = e.Text
	}
}
