package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/settings"
	"mostrador/internal/shop"
)

// shopForm is the shop's section: its name, the owner's, and the
// signature under the replies, with a preview of how a reply is signed
// that follows the typing.
type shopForm struct {
	v                *settingsView
	name, owner, sig *widget.Entry
	preview          *widget.Label
	save             *widget.Button
	message          *widget.Label
	// fromName is the account's sender name: the signature's name when
	// the owner's is not set (see shop.Signature).
	fromName string
	content  fyne.CanvasObject
}

func newShopForm(v *settingsView) *shopForm {
	w := v.w
	f := &shopForm{v: v}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder(w.t("ui.settings.shopNameHint"))
	f.owner = widget.NewEntry()
	f.owner.SetPlaceHolder(w.t("ui.settings.ownerHint"))
	f.sig = widget.NewMultiLineEntry()
	f.sig.SetPlaceHolder(w.t("ui.settings.signatureHint"))
	f.sig.SetMinRowsVisible(4)
	f.sig.Wrapping = fyne.TextWrapWord
	for _, e := range []*widget.Entry{f.name, f.owner, f.sig} {
		e.OnChanged = func(string) { f.showPreview() }
	}
	f.name.OnSubmitted = func(string) { f.store() }
	f.owner.OnSubmitted = func(string) { f.store() }
	f.preview = widget.NewLabel("")
	f.preview.Wrapping = fyne.TextWrapWord
	f.preview.TextStyle = fyne.TextStyle{Italic: true}
	f.save = widget.NewButton(w.t("ui.settings.save"), f.store)
	f.save.Importance = widget.HighImportance
	f.message = settingsMessage()

	form := widget.NewForm(
		widget.NewFormItem(w.t("ui.settings.shopName"), f.name),
		widget.NewFormItem(w.t("ui.settings.owner"), f.owner),
		widget.NewFormItem(w.t("ui.settings.signature"), f.sig),
	)
	f.content = container.NewVBox(
		settingsHeading(w.t("ui.settings.shopTitle")),
		autoCaption(w.t("ui.settings.shopHelp")),
		form,
		widget.NewLabel(w.t("ui.settings.previewTitle")),
		container.NewPadded(f.preview),
		container.NewHBox(f.save),
		f.message,
	)
	return f
}

// load reads the three settings, and the sender name the preview falls
// back on.
func (f *shopForm) load() {
	v := f.v
	f.fromName = ""
	if acct, err := inbox.LoadAccount(context.Background(), v.w.db); err == nil {
		f.fromName = acct.FromName
	}
	v.loaded.fill(f.name, v.setting(settings.ShopName).Value)
	v.loaded.fill(f.owner, v.setting(settings.ShopOwner).Value)
	v.loaded.fill(f.sig, v.setting(settings.ShopSignature).Value)
	f.showPreview()
}

// showPreview signs a reply with what the form says now, as
// shop.Signature will once it is saved.
func (f *shopForm) showPreview() {
	sig := shop.SignatureOf(f.sig.Text, f.owner.Text, f.name.Text, f.fromName)
	if sig == "" {
		f.preview.SetText(f.v.w.t("ui.settings.previewNone"))
		return
	}
	f.preview.SetText(sig)
}

// store saves the section: each value is checked first, so that one the
// settings refuse leaves the others as they were too.
func (f *shopForm) store() {
	w := f.v.w
	fields := []struct {
		key, label string
		e          *widget.Entry
	}{
		{settings.ShopName, "ui.settings.shopName", f.name},
		{settings.ShopOwner, "ui.settings.owner", f.owner},
		{settings.ShopSignature, "ui.settings.signature", f.sig},
	}
	for _, fl := range fields {
		if _, err := settings.Check(fl.key, fl.e.Text); err != nil {
			tell(f.message, f.v.refusal(fl.label, err), widget.DangerImportance)
			return
		}
	}
	ctx := context.Background()
	for _, fl := range fields {
		s, err := settings.Set(ctx, w.db, fl.key, fl.e.Text)
		if err != nil {
			tell(f.message, f.v.refusal(fl.label, err), widget.DangerImportance)
			return
		}
		fl.e.SetText(s.Value) // as stored: trimmed, the signature's lines tidied
		f.v.loaded.keep(fl.e)
	}
	f.showPreview()
	tell(f.message, w.t("ui.settings.shopSaved"), widget.MediumImportance)
}
