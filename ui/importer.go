package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
)

func importIcon() fyne.Resource { return theme.UploadIcon() }

// chooseImport asks for an export file and imports it.
func (w *Window) chooseImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		w.ImportFile(path)
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".tsv", ".txt", ".xlsx"}))
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// ImportFile imports an order export in the background, then shows what
// happened and refreshes the list.
func (w *Window) ImportFile(path string) {
	bar := widget.NewProgressBarInfinite()
	wait := dialog.NewCustomWithoutButtons(w.t("ui.importing"), bar, w.win)
	wait.Show()
	go func() {
		res, err := orders.ImportFile(context.Background(), w.db, path, orders.Options{Location: w.opts.Location})
		fyne.Do(func() {
			wait.Hide()
			w.showImportResult(res, err)
			w.customers.reload()
		})
	}()
}

func (w *Window) showImportResult(res *orders.Result, err error) {
	if err != nil {
		msg := err.Error()
		var fe *orders.FileError
		if errors.As(err, &fe) {
			data := map[string]any{"File": fe.File}
			for k, v := range fe.Args {
				data[k] = v
			}
			if fe.Err != nil {
				data["Err"] = fe.Err.Error()
			}
			msg = w.tf(fe.Code, data)
		}
		dialog.ShowError(errors.New(msg), w.win)
		return
	}
	lines := []string{
		w.tf("cli.importDone", map[string]any{"File": res.File, "Format": res.Format, "Rows": res.Rows,
			"Encoding": res.Dialect.Encoding, "Delimiter": res.Dialect.Delimiter}),
		w.tf("cli.importOrders", map[string]any{"Inserted": res.Orders.Inserted, "Updated": res.Orders.Updated,
			"Unchanged": res.Orders.Unchanged}),
		w.tf("cli.importCustomers", map[string]any{"Inserted": res.Customers.Inserted, "Updated": res.Customers.Updated}),
	}
	if n := len(res.Rejected); n > 0 {
		lines = append(lines, w.tf("cli.rejected", map[string]any{"Count": n}))
		for i, r := range res.Rejected {
			if i == 8 {
				lines = append(lines, w.tf("cli.more", map[string]any{"Count": n - 8}))
				break
			}
			lines = append(lines, "  "+w.tf("cli.rejectedCell", map[string]any{"Row": r.Row, "Column": r.Column,
				"Value": r.Value, "Reason": w.tf(r.Code, r.Args)}))
		}
	}
	for _, wn := range res.Warnings {
		lines = append(lines, w.tf(wn.Code, wn.Args))
	}
	body := widget.NewLabel(strings.Join(lines, "\n"))
	body.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(w.t("ui.importResult"), w.t("ui.ok"), body, w.win)
	d.Resize(fyne.NewSize(560, 320))
	d.Show()
}
