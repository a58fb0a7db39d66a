package ui

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// maxReportLines caps the rejected rows and changes listed after an import;
// the counts above the list stay exact.
const maxReportLines = 200

func importIcon() fyne.Resource { return theme.UploadIcon() }

// chooseImport asks for an export file and imports it.
func (w *Window) chooseImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			w.showImportError("", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		w.ImportFile(path)
	}, w.win)
	// Fyne reopens the folder of the last file chosen (app preferences).
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".tsv", ".txt", ".xlsx"}))
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// ImportFile imports an order export in the background, then shows what
// happened and refreshes the list. The import runs off the UI goroutine;
// everything it hands back to the window goes through fyne.Do.
func (w *Window) ImportFile(path string) {
	rows := widget.NewLabel("")
	content := container.NewVBox(widget.NewProgressBarInfinite(), rows)
	wait := dialog.NewCustomWithoutButtons(w.tf("ui.importing", map[string]any{"File": filepath.Base(path)}), content, w.win)
	wait.Resize(fyne.NewSize(420, 0))
	wait.Show()
	w.imports.Add(1)
	go func() {
		opts := orders.Options{Location: w.opts.Location, Progress: func(n int) {
			fyne.Do(func() {
				rows.SetText(w.tf("ui.rowsRead", map[string]any{"Count": w.count(n)}))
			})
		}}
		// The automated emails of what changed, planned as the command line
		// plans them: in the import's transaction, so they land with it.
		var planned reminders.Planned
		opts.WithinOrders = func(ctx context.Context, tx *sql.Tx, changes []orders.Change) (err error) {
			var plannable []orders.Change
			for _, c := range changes {
				if reminders.Plannable(c, time.Now()) {
					plannable = append(plannable, c)
				}
			}
			planned, err = (&reminders.Planner{DB: w.db}).OrdersIn(ctx, tx, plannable)
			return err
		}
		res, err := orders.ImportFile(context.Background(), w.db, path, opts)
		if err == nil && w.reminders != nil {
			w.reminders.Wake()
		}
		fyne.Do(func() {
			defer w.imports.Done()
			wait.Hide()
			if err != nil {
				w.showImportError(path, err)
				return
			}
			w.changed()
			w.showImportResult(res, planned)
		})
	}()
}

// showImportError says in the owner's words why nothing was imported.
func (w *Window) showImportError(path string, err error) {
	msg := w.tf("ui.error", map[string]any{"Err": err.Error()})
	if path != "" {
		msg = w.tf("cli.importFailed", map[string]any{"File": filepath.Base(path), "Err": err.Error()})
	}
	var fe *orders.FileError
	if errors.As(err, &fe) {
		data := map[string]any{"File": fe.File}
		for k, v := range fe.Args {
			data[k] = v
		}
		if fe.Err != nil {
			data["Err"] = fe.Err.Error()
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			msg = w.tf("ui.fileMissing", data)
		case errors.Is(err, fs.ErrPermission):
			msg = w.tf("ui.fileForbidden", data)
		case fe.Code == "import.unreadable":
			msg = w.tf("ui.unreadable", data)
		case fe.Code == "import.unknownFormat":
			// The command line lists every header it knows; the owner
			// needs to know which file to export instead.
			msg = w.tf("ui.unknownFormat", data)
		default:
			msg = w.tf(fe.Code, data)
		}
	}
	body := widget.NewLabel(msg)
	body.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(w.t("ui.importFailed"), w.t("ui.ok"), body, w.win)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// showImportResult reports what an import did: the counts, then every row
// that was left out and why, what changed, and anything to double-check.
func (w *Window) showImportResult(res *orders.Result, planned reminders.Planned) {
	summary := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()),
		widget.NewLabelWithStyle(w.tf("ui.importRead", map[string]any{"File": res.File,
			"Count": w.count(res.Rows), "Format": platformName(w, res.Format)}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(w.tf("cli.importOrders", map[string]any{"Inserted": w.count(res.Orders.Inserted),
			"Updated": w.count(res.Orders.Updated), "Unchanged": w.count(res.Orders.Unchanged)})),
		widget.NewLabel(w.tf("cli.importCustomers", map[string]any{"Inserted": w.count(res.Customers.Inserted),
			"Updated": w.count(res.Customers.Updated)})),
	)
	if n := planned.Total(); n > 0 {
		var detail []string
		for _, r := range reminders.RuleNames() {
			if c := planned.Jobs[r]; c > 0 {
				detail = append(detail, w.t(reminders.RuleKey(r))+" "+w.count(c))
			}
		}
		summary.Add(widget.NewLabel(w.tf("cli.remindersPlanned", map[string]any{"Count": n,
			"Detail": strings.Join(detail, ", ")})))
	}
	details := container.NewVBox()
	line := func(text string, importance widget.Importance, bold bool) {
		l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: bold})
		l.Wrapping = fyne.TextWrapWord
		l.Importance = importance
		details.Add(l)
	}
	add := func(text string, importance widget.Importance) { line(text, importance, false) }
	heading := func(text string, importance widget.Importance) { line(text, importance, true) }
	for _, wn := range res.Warnings {
		if wn.Code == "warn.unmapped" && res.Format != "generic" {
			// A platform's export always has columns Mostrador has no use
			// for; only in a hand-made sheet may one be a misnamed email.
			continue
		}
		add(w.t("cli.warning")+" "+w.warning(wn), widget.WarningImportance)
	}
	if n := len(res.Rejected); n > 0 {
		heading(w.tf("cli.rejected", map[string]any{"Count": n}), widget.DangerImportance)
		for i, r := range res.Rejected {
			if i == maxReportLines {
				add(w.tf("cli.more", map[string]any{"Count": n - i}), widget.MediumImportance)
				break
			}
			add(w.rejection(r), widget.MediumImportance)
		}
	}
	var changes []orders.Change
	for _, ch := range res.Changes {
		if ch.Kind != "new" {
			changes = append(changes, ch)
		}
	}
	if len(changes) > 0 {
		heading(w.t("cli.changes"), widget.MediumImportance)
		for i, ch := range changes {
			if i == maxReportLines {
				add(w.tf("cli.more", map[string]any{"Count": len(changes) - i}), widget.MediumImportance)
				break
			}
			add(w.tf("change."+ch.Kind, map[string]any{"Order": ch.Order, "Carrier": ch.Carrier,
				"Tracking": ch.Tracking, "Fields": strings.Join(ch.Fields, ", "), "Email": ch.CustomerEmail}),
				widget.MediumImportance)
		}
	}
	var content fyne.CanvasObject = summary
	size := fyne.NewSize(560, 0)
	if len(details.Objects) > 0 {
		content = container.NewBorder(container.NewVBox(summary, widget.NewSeparator()), nil, nil, nil,
			container.NewVScroll(details))
		size = fyne.NewSize(700, 520)
	}
	d := dialog.NewCustom(w.t("ui.importResult"), w.t("ui.ok"), content, w.win)
	d.Resize(size)
	d.Show()
}

// rejection is one left-out row: where it is in the file and why.
func (w *Window) rejection(r orders.Rejection) string {
	reason := w.tf(r.Code, r.Args)
	switch {
	case r.Column == "":
		return w.tf("cli.rejectedRow", map[string]any{"Row": r.Row, "Reason": reason})
	case r.Value == "":
		return w.tf("ui.rejectedEmpty", map[string]any{"Row": r.Row, "Column": r.Column, "Reason": reason})
	}
	return w.tf("cli.rejectedCell", map[string]any{"Row": r.Row, "Column": r.Column, "Value": r.Value,
		"Reason": reason})
}

// warning words an import warning for the window, where the command line's
// advice (a --date-order flag) does not apply.
func (w *Window) warning(wn orders.Warning) string {
	if wn.Code != "warn.dateOrder" {
		return w.tf(wn.Code, wn.Args)
	}
	data := map[string]any{}
	for k, v := range wn.Args {
		data[k] = v
	}
	switch wn.Args["Order"] {
	case "day/month/year":
		data["Order"] = w.t("ui.dmy")
	case "month/day/year":
		data["Order"] = w.t("ui.mdy")
	}
	return w.tf("ui.warnDateOrder", data)
}
