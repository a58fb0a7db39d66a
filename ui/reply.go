package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// replyBox is where the owner answers the open thread in their own name:
// a saved reply to start from, the text, a hint when a phrase may read
// as cold, the signature that goes under it, and Send (Ctrl+Enter) or
// send later. What is typed is kept as the thread's draft at once, so
// that closing the window loses nothing.
type replyBox struct {
	w         *Window
	thread    *inbox.Thread
	to        *inbox.Message // the message answered
	entry     *replyEntry
	hint      *widget.Label
	saved     *widget.Select
	signature *widget.Label
	send      *widget.Button
	later     *widget.Select
	result    *widget.Label
	content   fyne.CanvasObject
	sent      func() // a reply went or was queued: the inbox reads itself again
	filling   bool   // the entry is being filled from the draft: nothing to keep
	// keepResult: the inbox reads itself again after a send; what the send
	// came to stays in view even when another thread opens.
	keepResult bool
	laterAt    []func(now time.Time) time.Time
}

func newReplyBox(w *Window, sent func()) *replyBox {
	b := &replyBox{w: w, sent: sent}
	b.entry = newReplyEntry(func() { b.sendAt(time.Time{}) }, w.shortcut)
	b.entry.SetPlaceHolder(w.t("ui.reply.placeholder"))
	b.entry.SetMinRowsVisible(5)
	b.entry.OnChanged = b.edited
	b.hint = widget.NewLabel("")
	b.hint.Wrapping = fyne.TextWrapWord
	b.hint.Importance = widget.WarningImportance
	b.hint.Hide()
	b.saved = widget.NewSelect(nil, b.useSaved)
	b.saved.PlaceHolder = w.t("ui.reply.saved")
	b.signature = widget.NewLabel("")
	b.signature.Importance = widget.LowImportance
	b.signature.Truncation = fyne.TextTruncateEllipsis
	b.send = widget.NewButtonWithIcon(w.t("ui.reply.send"), theme.MailSendIcon(), func() { b.sendAt(time.Time{}) })
	b.send.Importance = widget.HighImportance
	b.laterAt = []func(time.Time) time.Time{
		func(now time.Time) time.Time { return now.Add(time.Hour).Truncate(time.Minute) },
		func(now time.Time) time.Time { return nineOn(now, b.w.opts.Location, 1) },
		func(now time.Time) time.Time { return nextWeekday9(now, b.w.opts.Location, time.Monday) },
	}
	b.later = widget.NewSelect([]string{w.t("ui.reply.inAnHour"), w.t("ui.reply.tomorrow"), w.t("ui.reply.monday"),
		w.t("ui.reply.pick")},
		func(choice string) {
			if choice == "" {
				return
			}
			defer b.later.ClearSelected()
			for i, o := range b.later.Options {
				switch {
				case o != choice:
				case i < len(b.laterAt):
					b.sendAt(b.laterAt[i](b.w.now()))
				default: // a day and time of the owner's choosing
					b.w.pickMoment(b.w.t("ui.reply.pickTitle"), b.w.t("ui.reply.schedule"),
						nineOn(b.w.now(), b.w.opts.Location, 1), b.sendAt)
				}
			}
		})
	b.later.PlaceHolder = w.t("ui.reply.later")
	b.result = widget.NewLabel("")
	b.result.Wrapping = fyne.TextWrapWord
	b.result.Hide()
	buttons := container.NewBorder(nil, nil, b.saved, container.NewHBox(b.later, b.send))
	b.content = container.NewVBox(widget.NewSeparator(), b.entry, b.hint, b.signature, buttons, b.result)
	return b
}

// setThread points the box at a thread (nil: none), with its draft.
func (b *replyBox) setThread(t *inbox.Thread, to *inbox.Message) {
	b.thread, b.to = t, to
	if !b.keepResult {
		b.result.Hide()
	}
	b.filling = true
	defer func() { b.filling = false }()
	if t == nil {
		b.entry.SetText("")
		return
	}
	ctx := context.Background()
	draft, err := inbox.Draft(ctx, b.w.db, t.ID)
	if err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
	}
	b.entry.SetText(draft)
	b.showHints()
	b.loadSaved()
	b.showSignature()
}

// edited keeps the draft and reads its tone again.
func (b *replyBox) edited(text string) {
	b.showHints()
	if b.filling || b.thread == nil {
		return
	}
	if err := inbox.SaveDraft(context.Background(), b.w.db, b.thread.ID, text, b.w.now()); err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
	}
}

// showHints shows, under the text, a softer way to say what may read as
// negative, or nothing.
func (b *replyBox) showHints() {
	hints := shop.ToneHints(b.entry.Text)
	if len(hints) == 0 {
		b.hint.Hide()
		return
	}
	var lines []string
	for _, h := range hints {
		lines = append(lines, b.w.tf(h.Key, map[string]any{"Phrase": h.Phrase}))
	}
	b.hint.SetText(strings.Join(lines, "\n"))
	b.hint.Show()
}

// loadSaved lists the saved replies in the picker.
func (b *replyBox) loadSaved() {
	list, err := inbox.SavedReplies(context.Background(), b.w.db)
	if err != nil {
		return
	}
	names := make([]string, len(list))
	for i, r := range list {
		names[i] = r.Name
	}
	b.saved.SetOptions(names)
	if len(names) == 0 {
		b.saved.Hide()
	} else {
		b.saved.Show()
	}
}

// useSaved puts a saved reply, filled for this customer and their latest
// order, where the owner writes; a field it cannot fill is said, not sent
// empty.
func (b *replyBox) useSaved(name string) {
	if name == "" || b.to == nil {
		return
	}
	defer b.saved.ClearSelected()
	text, missing, err := shop.FillReply(context.Background(), b.w.db, name, inbox.ReplyAddress(b.to).Addr)
	if err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		return
	}
	if len(missing) > 0 {
		var fields []string
		for _, k := range missing {
			fields = append(fields, "{"+b.w.t("reply.field."+k)+"}")
		}
		b.say(b.w.tf("ui.reply.missing", map[string]any{"Fields": strings.Join(fields, ", ")}), widget.WarningImportance)
	}
	if cur := strings.TrimSpace(b.entry.Text); cur != "" {
		text = cur + "\n\n" + text
	}
	b.entry.SetText(text)
	b.w.win.Canvas().Focus(b.entry)
}

// showSignature shows what goes under the reply.
func (b *replyBox) showSignature() {
	acct, _ := inbox.LoadAccount(context.Background(), b.w.db)
	sig, err := shop.Signature(context.Background(), b.w.db, acct)
	if err != nil || sig == "" {
		b.signature.SetText(b.w.t("ui.reply.noSignature"))
		return
	}
	b.signature.SetText(b.w.tf("ui.reply.signature", map[string]any{"Signature": strings.ReplaceAll(sig, "\n", " · ")}))
}

// focus puts the cursor in the reply, when a thread is open.
func (b *replyBox) focus() {
	if b.thread != nil {
		b.w.win.Canvas().Focus(b.entry)
	}
}

// say shows the outcome of the last action under the box.
func (b *replyBox) say(text string, imp widget.Importance) {
	b.result.SetText(text)
	b.result.Importance = imp
	b.result.Show()
	b.result.Refresh()
}

// sendAt writes the reply to the outbox and sends it, at once (zero at)
// or at its time. The sending runs off the window's goroutine.
func (b *replyBox) sendAt(at time.Time) {
	if b.thread == nil || b.to == nil {
		return
	}
	ctx := context.Background()
	acct, err := inbox.LoadAccount(ctx, b.w.db)
	if errors.Is(err, inbox.ErrNoAccount) {
		b.say(b.w.t("ui.reply.noAccount"), widget.WarningImportance)
		return
	}
	if err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		return
	}
	sig, err := shop.Signature(ctx, b.w.db, acct)
	if err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		return
	}
	out, err := inbox.Reply(ctx, b.w.db, acct, b.to, inbox.ReplyOptions{Text: b.entry.Text, Signature: sig,
		Lang: b.w.opts.Lang, Loc: b.w.opts.Location, SendAt: at, Now: b.w.now()})
	if errors.Is(err, inbox.ErrEmptyReply) {
		b.say(b.w.t("ui.reply.empty"), widget.WarningImportance)
		return
	}
	if err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		return
	}
	// In the outbox now: the draft has done its work.
	thread := b.thread.ID
	b.filling = true
	b.entry.SetText("")
	b.filling = false
	if err := inbox.SaveDraft(ctx, b.w.db, thread, "", b.w.now()); err != nil {
		b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
	}
	to := out.To.Addr
	if out.To.Name != "" {
		to = out.To.Name
	}
	if out.SendAt.After(b.w.now()) {
		b.say(b.w.tf("ui.reply.queued", map[string]any{"To": to,
			"At": formatDateTime(out.SendAt.In(b.w.opts.Location), b.w.opts.Lang)}), widget.MediumImportance)
		b.afterSend()
		return
	}
	b.send.Disable()
	b.say(b.w.tf("ui.reply.sending", map[string]any{"To": to}), widget.MediumImportance)
	b.w.sending.Add(1) // closing the window waits for it
	w := b.w
	go func() {
		defer w.handedOver()
		sender, err := shop.NewSender(ctx, b.w.db, acct, b.w.secrets)
		if err == nil {
			out, err = sender.Send(ctx, out.ID)
		}
		fyne.Do(func() {
			b.send.Enable()
			switch {
			case err != nil:
				b.say(b.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
			case out.State == "sent":
				b.say(b.w.tf("ui.reply.sent", map[string]any{"To": to}), widget.SuccessImportance)
			case out.Permanent:
				b.say(b.w.tf("ui.reply.refused", map[string]any{"To": to,
					"Err": shop.SendWords(b.w.opts.Lang, acct, out)}), widget.DangerImportance)
			default:
				b.say(b.w.tf("ui.reply.failed", map[string]any{"To": to,
					"Err": shop.SendWords(b.w.opts.Lang, acct, out)}), widget.WarningImportance)
			}
			b.afterSend()
		})
	}()
}

// afterSend has the inbox read itself again, keeping the outcome in view.
func (b *replyBox) afterSend() {
	b.keepResult = true
	defer func() { b.keepResult = false }()
	b.sent()
}

// nineOn is 9:00 in the shop's zone, days after now's day.
func nineOn(now time.Time, loc *time.Location, days int) time.Time {
	y, m, d := now.In(loc).AddDate(0, 0, days).Date()
	return time.Date(y, m, d, 9, 0, 0, 0, loc)
}

// nextWeekday9 is the next 9:00 on a weekday (today's, if it is still to
// come).
func nextWeekday9(now time.Time, loc *time.Location, day time.Weekday) time.Time {
	days := (int(day) - int(now.In(loc).Weekday()) + 7) % 7
	if t := nineOn(now, loc, days); t.After(now) {
		return t
	}
	return nineOn(now, loc, days+7)
}

// replyEntry is the reply's text: Ctrl+Enter (Cmd+Enter on a Mac) sends.
type replyEntry struct {
	widget.Entry
	send   func()
	window func(fyne.Shortcut) bool // the window's shortcuts, which the entry would otherwise swallow
}

func newReplyEntry(send func(), window func(fyne.Shortcut) bool) *replyEntry {
	e := &replyEntry{send: send, window: window}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut sends on Ctrl+Enter and leaves every other shortcut to
// the entry.
func (e *replyEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok && cs.Modifier == fyne.KeyModifierShortcutDefault &&
		(cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) {
		e.send()
		return
	}
	if e.window(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}
