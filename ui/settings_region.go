package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/internal/settings"
)

// shopZones are the time zones offered: where Mostrador's shops are, and
// a few the owner may sell to; the zone already set is offered too.
var shopZones = []string{"Europe/Madrid", "Atlantic/Canary", "America/Mexico_City", "America/Bogota",
	"America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires", "America/Montevideo",
	"America/Caracas", "America/New_York", "Europe/London", "UTC"}

// regionForm is the language and time zone sections. Both are stored as
// soon as they are picked; a select offers only values settings accepts,
// so neither can be refused.
type regionForm struct {
	v *settingsView

	language    *widget.Select
	langCodes   []string // shop.language of each option: "" follows the system
	langMessage *widget.Label

	zone        *widget.Select
	zones       []string // the IANA name of each option
	zoneMessage *widget.Label

	languageContent, zoneContent fyne.CanvasObject
}

func newRegionForm(v *settingsView) *regionForm {
	w := v.w
	f := &regionForm{v: v, langCodes: []string{"", "es", "en"}}
	f.language = widget.NewSelect([]string{w.t("ui.settings.langAuto"), w.t("ui.settings.langEs"),
		w.t("ui.settings.langEn")}, nil)
	f.langMessage = settingsMessage()
	f.languageContent = container.NewVBox(
		settingsHeading(w.t("ui.settings.langTitle")),
		autoCaption(w.t("ui.settings.langHelp")),
		container.NewHBox(container.New(fixedWidth{360}, f.language)),
		f.langMessage,
	)
	f.zone = widget.NewSelect(nil, nil)
	f.zone.PlaceHolder = w.t("ui.settings.zonePick")
	f.zoneMessage = settingsMessage()
	f.zoneContent = container.NewVBox(
		settingsHeading(w.t("ui.settings.zoneTitle")),
		autoCaption(w.t("ui.settings.zoneHelp")),
		container.NewHBox(container.New(fixedWidth{360}, f.zone)),
		f.zoneMessage,
	)
	return f
}

// load shows the stored language and zone; the zones' clocks are read
// again.
func (f *regionForm) load() {
	v := f.v
	f.language.OnChanged = nil
	if i := slices.Index(f.langCodes, v.setting(settings.ShopLanguage).Value); i >= 0 {
		f.language.SetSelectedIndex(i)
	}
	f.language.OnChanged = func(string) { f.setLanguage() }

	current := v.setting(settings.ShopTimezone).Value // the computer's while none is set
	f.zones = f.zones[:0]
	if current != "" && !slices.Contains(shopZones, current) {
		f.zones = append(f.zones, current)
	}
	f.zones = append(f.zones, shopZones...)
	// Only zones this computer knows: one it does not could not be used.
	f.zones = slices.DeleteFunc(f.zones, func(name string) bool {
		_, err := time.LoadLocation(name)
		return err != nil
	})
	options := make([]string, len(f.zones))
	for i, name := range f.zones {
		options[i] = f.zoneLabel(name)
	}
	f.zone.OnChanged = nil
	f.zone.Options = options
	f.zone.ClearSelected()
	if i := slices.Index(f.zones, current); i >= 0 {
		f.zone.SetSelectedIndex(i)
	}
	f.zone.Refresh()
	f.zone.OnChanged = func(string) { f.setZone() }
}

// zoneLabel is a zone with its clock now: "Europe/Madrid · 13:05".
func (f *regionForm) zoneLabel(name string) string {
	return f.v.w.tf("ui.settings.zoneOption", map[string]any{"Zone": name, "Time": f.zoneClock(name)})
}

func (f *regionForm) zoneClock(name string) string {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return ""
	}
	return f.v.w.now().In(loc).Format("15:04")
}

// setLanguage stores the language picked; it applies from the next start,
// when the window is built in it.
func (f *regionForm) setLanguage() {
	w := f.v.w
	i := f.language.SelectedIndex()
	if i < 0 {
		return
	}
	if _, err := settings.Set(context.Background(), w.db, settings.ShopLanguage, f.langCodes[i]); err != nil {
		tell(f.langMessage, f.v.refusal("ui.settings.langTitle", err), widget.DangerImportance)
		return
	}
	key := "ui.settings.langSaved"
	if f.langCodes[i] == "" {
		key = "ui.settings.langSavedAuto"
	}
	tell(f.langMessage, w.t(key), widget.MediumImportance)
}

// setZone stores the zone picked.
func (f *regionForm) setZone() {
	w := f.v.w
	i := f.zone.SelectedIndex()
	if i < 0 {
		return
	}
	s, err := settings.Set(context.Background(), w.db, settings.ShopTimezone, f.zones[i])
	if err != nil {
		tell(f.zoneMessage, f.v.refusal("ui.settings.zoneTitle", err), widget.DangerImportance)
		return
	}
	tell(f.zoneMessage, w.tf("ui.settings.zoneSaved", map[string]any{"Zone": s.Value, "Time": f.zoneClock(s.Value)}),
		widget.MediumImportance)
}
