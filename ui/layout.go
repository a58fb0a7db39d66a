package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// columnLayout centres its objects, stacked, in a column at most width wide.
// Fyne's centre layout shrinks a wrapping label to its narrowest (one letter
// a line); this one gives the text a readable measure instead.
type columnLayout struct{ width float32 }

func (c columnLayout) place(objects []fyne.CanvasObject, width float32) (heights []float32, total float32) {
	pad := theme.Padding()
	for i, o := range objects {
		if !o.Visible() {
			heights = append(heights, 0)
			continue
		}
		o.Resize(fyne.NewSize(width, o.MinSize().Height))
		h := o.MinSize().Height // a wrapping label knows its height once it has a width
		heights = append(heights, h)
		total += h
		if i > 0 {
			total += pad
		}
	}
	return heights, total
}

func (c columnLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	width := min(size.Width, c.width)
	heights, total := c.place(objects, width)
	pad := theme.Padding()
	x := (size.Width - width) / 2
	y := max(0, (size.Height-total)/2)
	for i, o := range objects {
		if !o.Visible() {
			continue
		}
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(width, heights[i]))
		y += heights[i] + pad
	}
}

func (c columnLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		h += m.Height
		if i > 0 {
			h += theme.Padding()
		}
	}
	return fyne.NewSize(w, h)
}

// fixedWidth gives its object a set width and the height it is given.
type fixedWidth struct{ width float32 }

func (f fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (f fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.width, h)
}

// keptRow is the row to select after a list is read again: the one that
// was open, else the first.
func keptRow[T any](rows []T, id func(T) int64, open int64) int {
	for i, r := range rows {
		if id(r) == open {
			return i
		}
	}
	return 0
}
