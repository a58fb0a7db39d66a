package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The navigation column: one entry per room of the shop, with what waits
// in it (threads to answer, automated emails that need a look).

// room is one entry of the navigation.
type room struct {
	key     string // its name's translation key, ui.nav.*; also how the last view is remembered
	icon    fyne.Resource
	content fyne.CanvasObject
	count   func() int // what waits there, shown beside the name; nil: nothing to count
	shown   func()     // called when the room is opened; nil: nothing to do
	badge   int
}

// lastRoomPref is the preference that remembers the room open at closing.
const lastRoomPref = "lastRoom"

// newNav builds the column and the stack the rooms are shown in.
func (w *Window) newNav(rooms []*room) (nav *widget.List, body *fyne.Container) {
	objs := make([]fyne.CanvasObject, len(rooms))
	for i, r := range rooms {
		objs[i] = r.content
	}
	body = container.NewStack(objs...)
	nav = widget.NewList(
		func() int { return len(rooms) },
		func() fyne.CanvasObject {
			badge := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
			return container.NewBorder(nil, nil, widget.NewIcon(theme.MailComposeIcon()), badge, widget.NewLabel(""))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := rooms[id]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(w.t(r.key))
			c.Objects[1].(*widget.Icon).SetResource(r.icon)
			badge := c.Objects[2].(*widget.Label)
			if r.badge > 0 {
				badge.SetText(w.count(r.badge))
			} else {
				badge.SetText("")
			}
		})
	nav.OnSelected = func(id widget.ListItemID) { w.open(rooms, id) }
	return nav, body
}

// open shows room id and remembers it.
func (w *Window) open(rooms []*room, id int) {
	for i, r := range rooms {
		if i == id {
			r.content.Show()
		} else {
			r.content.Hide()
		}
	}
	w.room = rooms[id].key
	if app := fyne.CurrentApp(); app != nil {
		app.Preferences().SetString(lastRoomPref, w.room)
	}
	w.status.SetText("") // the room says its own, if anything
	if rooms[id].shown != nil {
		rooms[id].shown()
	}
}

// openRoom opens the room named key (ui.nav.*), as a click on it would.
func (w *Window) openRoom(key string) {
	for i, r := range w.rooms {
		if r.key == key {
			w.nav.Select(i)
			return
		}
	}
}

// refreshCounts reads again what waits in each room.
func (w *Window) refreshCounts() {
	for _, r := range w.rooms {
		if r.count != nil {
			r.badge = r.count()
		}
	}
	w.nav.Refresh()
	w.showWaiting(w.rooms[0].badge)
}
