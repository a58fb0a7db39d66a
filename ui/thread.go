package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// maxThreadMessages caps the messages drawn in one thread, the latest
// kept: a year-long conversation still opens at once.
const maxThreadMessages = 200

// threadPane is an open conversation: its messages in the order they were
// written, and under them the reply box.
type threadPane struct {
	w        *Window
	subject  *widget.Label
	messages *fyne.Container
	scroll   *container.Scroll
	reply    *replyBox
	content  fyne.CanvasObject
	thread   *inbox.Thread
}

func newThreadPane(w *Window, sent func()) *threadPane {
	p := &threadPane{w: w}
	p.subject = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.subject.SizeName = theme.SizeNameSubHeadingText
	p.subject.Wrapping = fyne.TextWrapWord
	p.messages = container.NewVBox()
	p.scroll = container.NewVScroll(container.NewPadded(p.messages))
	p.reply = newReplyBox(w, sent)
	p.content = container.NewBorder(p.subject, p.reply.content, nil, nil, p.scroll)
	p.clear()
	return p
}

// clear shows no thread.
func (p *threadPane) clear() {
	p.thread = nil
	p.subject.SetText("")
	p.messages.RemoveAll()
	p.reply.setThread(nil, nil)
	p.reply.content.Hide()
}

// show opens a thread: its messages, the latest at the bottom beside the
// reply box, and the draft kept for it.
func (p *threadPane) show(t inbox.Thread) {
	p.thread = &t
	subject := t.Subject
	if subject == "" {
		subject = p.w.t("card.noSubject")
	}
	p.subject.SetText(subject)
	msgs, err := inbox.ThreadMessages(context.Background(), p.w.db, t.ID)
	p.messages.RemoveAll()
	if err != nil {
		p.messages.Add(widget.NewLabel(p.w.tf("ui.error", map[string]any{"Err": err.Error()})))
		return
	}
	if len(msgs) > maxThreadMessages {
		p.messages.Add(widget.NewLabel(p.w.tf("cli.more", map[string]any{"Count": len(msgs) - maxThreadMessages})))
		msgs = msgs[len(msgs)-maxThreadMessages:]
	}
	for i := range msgs {
		p.messages.Add(p.messageBlock(&msgs[i]))
	}
	p.messages.Refresh()
	p.scroll.ScrollToBottom()
	p.reply.setThread(&t, answered(msgs))
	p.reply.content.Show()
}

// answered is the message a reply answers: the customer's latest, else
// the thread's latest.
func answered(msgs []inbox.Message) *inbox.Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if !msgs[i].Outgoing && msgs[i].Kind == "" {
			return &msgs[i]
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &msgs[len(msgs)-1]
}

// messageBlock is one message: who wrote and when, and what, readable and
// selectable; the shop's own are marked as such.
func (p *threadPane) messageBlock(m *inbox.Message) fyne.CanvasObject {
	who := m.From.Name
	if who == "" {
		who = m.From.Addr
	}
	if m.Outgoing {
		who = p.w.tf("ui.thread.fromShop", map[string]any{"Name": who})
	}
	head := widget.NewLabelWithStyle(who, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Truncation = fyne.TextTruncateEllipsis
	when := widget.NewLabel(formatDateTime(m.At.In(p.w.opts.Location), p.w.opts.Lang))
	when.Importance = widget.LowImportance
	when.SizeName = theme.SizeNameCaptionText
	body := widget.NewLabel(strings.TrimSpace(m.Body))
	body.Wrapping = fyne.TextWrapWord
	body.Selectable = true
	top := tightBox()
	top.Add(head)
	top.Add(when)
	parts := []fyne.CanvasObject{top}
	if m.Kind != "" {
		kind := widget.NewLabelWithStyle(p.w.t("ui.thread.kind."+m.Kind), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		kind.Importance = widget.WarningImportance
		parts = append(parts, kind)
	}
	parts = append(parts, body)
	for _, a := range m.Attachments {
		if a.Inline {
			continue // an image of the HTML body, not a file the customer sent
		}
		att := widget.NewButtonWithIcon(a.Name, theme.MailAttachmentIcon(), nil)
		att.Alignment = widget.ButtonAlignLeading
		att.Importance = widget.LowImportance
		att.OnTapped = p.opener(m.ID, a, att)
		parts = append(parts, att)
	}
	card := widget.NewCard("", "", container.NewVBox(parts...))
	if m.Outgoing {
		// The shop's messages sit indented, as in any chat the owner knows.
		return container.NewBorder(nil, nil, spacer(48), nil, card)
	}
	return container.NewBorder(nil, nil, nil, spacer(48), card)
}

// spacer is empty room of a width.
func spacer(width float32) fyne.CanvasObject {
	return container.New(fixedWidth{width})
}

// opener opens an attachment with the system's viewer: fetched from the
// server (a sync stores only the text) off the window's goroutine, saved in
// the user's cache, then handed to the desktop.
func (p *threadPane) opener(message int64, a inbox.Attachment, btn *widget.Button) func() {
	w := p.w
	return func() {
		acct, err := inbox.LoadAccount(context.Background(), w.db)
		if err != nil {
			w.status.SetText(w.tf("ui.thread.attachmentFailed", map[string]any{"Name": a.Name, "Err": err.Error()}))
			return
		}
		dir := filepath.Join(os.TempDir(), "mostrador-attachments")
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "mostrador", "attachments")
		}
		btn.Disable()
		w.status.SetText(w.tf("ui.thread.opening", map[string]any{"Name": a.Name}))
		go func() {
			path, err := shop.SaveAttachment(context.Background(), w.db, acct, w.secrets, message, a.Part, dir)
			fyne.Do(func() {
				btn.Enable()
				if err != nil {
					w.status.SetText(w.tf("ui.thread.attachmentFailed", map[string]any{"Name": a.Name,
						"Err": w.problem(acct.IMAP, err)}))
					return
				}
				w.status.SetText("")
				w.openFile(path)
			})
		}()
	}
}
