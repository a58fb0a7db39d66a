package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// searchLimit is how many of each kind the search shows.
const searchLimit = 8

// The global search (Ctrl+K or Ctrl+F): one box over customers, orders and
// messages; Enter opens the first result, a click any of them, Esc closes.

// searchHit is one line of the results: a heading, or something to open.
type searchHit struct {
	heading string // a section's name; the rest is empty
	title   string
	detail  string
	open    func()
}

type searchBox struct {
	w     *Window
	entry *searchEntry
	list  *widget.List
	hits  []searchHit
	none  *widget.Label
	popup *widget.PopUp
}

// showSearch opens the search over the window.
func (w *Window) showSearch() {
	if w.search != nil && w.search.popup.Visible() {
		w.win.Canvas().Focus(w.search.entry)
		return
	}
	s := &searchBox{w: w}
	s.entry = newSearchEntry(s)
	s.entry.SetPlaceHolder(w.t("ui.search.placeholder"))
	s.entry.OnChanged = s.find
	s.entry.OnSubmitted = func(string) { s.openFirst() }
	s.list = widget.NewList(
		func() int { return len(s.hits) },
		func() fyne.CanvasObject {
			title := widget.NewLabel("")
			title.Truncation = fyne.TextTruncateEllipsis
			detail := widget.NewLabel("")
			detail.Truncation = fyne.TextTruncateEllipsis
			detail.Importance = widget.LowImportance
			detail.SizeName = theme.SizeNameCaptionText
			box := tightBox()
			box.Add(title)
			box.Add(detail)
			return box
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.hits) {
				return
			}
			h := s.hits[id]
			box := o.(*fyne.Container)
			title, detail := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
			if h.heading != "" {
				title.TextStyle = fyne.TextStyle{Bold: true}
				title.Importance = widget.LowImportance
				title.SetText(h.heading)
				detail.Hide()
				return
			}
			title.TextStyle = fyne.TextStyle{}
			title.Importance = widget.MediumImportance
			title.SetText(h.title)
			detail.SetText(h.detail)
			detail.Show()
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.hits) && s.hits[id].open != nil {
			s.close()
			s.hits[id].open()
		}
		s.list.UnselectAll()
	}
	s.none = widget.NewLabel(w.t("ui.search.none"))
	s.none.Hide()
	body := container.NewBorder(s.entry, nil, nil, nil, container.NewStack(s.list, container.NewVBox(s.none)))
	s.popup = widget.NewModalPopUp(container.New(fixedSize{fyne.NewSize(620, 440)}, body), w.win.Canvas())
	w.search = s
	s.popup.Show()
	w.win.Canvas().Focus(s.entry)
}

func (s *searchBox) close() {
	s.popup.Hide()
	s.w.search = nil
}

// find searches as the owner types.
func (s *searchBox) find(query string) {
	w := s.w
	s.hits = nil
	res, err := shop.Search(context.Background(), w.db, query, searchLimit)
	if err != nil {
		s.hits = append(s.hits, searchHit{heading: w.tf("ui.error", map[string]any{"Err": err.Error()})})
	}
	if res != nil {
		if len(res.Customers) > 0 {
			s.hits = append(s.hits, searchHit{heading: w.t("ui.nav.customers")})
		}
		for _, c := range res.Customers {
			id, email := c.ID, c.Email
			s.hits = append(s.hits, searchHit{title: displayName(c.Customer, w), detail: c.Email,
				open: func() { w.showCustomer(id, email) }})
		}
		if len(res.Orders) > 0 {
			s.hits = append(s.hits, searchHit{heading: w.t("ui.search.orders")})
		}
		for _, o := range res.Orders {
			parts := []string{displayName(o.Customer, w), w.t("status." + o.Status)}
			if o.PlacedAt != nil {
				parts = append(parts, formatDate(*o.PlacedAt, w.opts.Location, w.opts.Lang))
			}
			id, email := o.Customer.ID, o.Customer.Email
			s.hits = append(s.hits, searchHit{title: w.tf("card.orderRef", map[string]any{"Number": o.Number,
				"Platform": platformName(w, o.Platform)}), detail: strings.Join(parts, " · "),
				open: func() { w.showCustomer(id, email) }})
		}
		if len(res.Messages) > 0 {
			s.hits = append(s.hits, searchHit{heading: w.t("ui.search.messages")})
		}
		for _, m := range res.Messages {
			thread := m.ThreadID
			from := m.From.Name
			if from == "" {
				from = m.From.Addr
			}
			snippet := strings.ReplaceAll(m.Snippet, inbox.SnippetMark, "")
			s.hits = append(s.hits, searchHit{title: m.Subject, detail: from + " · " + snippet,
				open: func() { w.inbox.showThread(thread); w.openRoom("ui.nav.inbox") }})
		}
	}
	if len(s.hits) == 0 && strings.TrimSpace(query) != "" {
		s.none.Show()
	} else {
		s.none.Hide()
	}
	s.list.Refresh()
	s.list.ScrollToTop()
}

// openFirst opens the first result (Enter in the box).
func (s *searchBox) openFirst() {
	for _, h := range s.hits {
		if h.open != nil {
			s.close()
			h.open()
			return
		}
	}
}

// fixedSize gives its objects one size, for a pop-up that does not
// shrink to its contents.
type fixedSize struct{ size fyne.Size }

func (f fixedSize) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (f fixedSize) MinSize([]fyne.CanvasObject) fyne.Size { return f.size }

// searchEntry is the search's box: Esc closes the search, the down arrow
// goes to the results (then the arrows move and Space opens).
type searchEntry struct {
	widget.Entry
	s *searchBox
}

func newSearchEntry(s *searchBox) *searchEntry {
	e := &searchEntry{s: s}
	e.ExtendBaseWidget(e)
	return e
}

func (e *searchEntry) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		e.s.close()
	case fyne.KeyDown:
		if len(e.s.hits) > 0 {
			e.s.w.win.Canvas().Focus(e.s.list)
		}
	default:
		e.Entry.TypedKey(ev)
	}
}
