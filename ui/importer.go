package ui

import (
	"cmp"
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

// importPreview is what an import would do, read in a dry run: the file
// is an orders export or an appointments export, whichever reads.
type importPreview struct {
	orders  *orders.Result            // an orders export, or nil
	appts   *orders.AppointmentResult // an appointments export, or nil
	planned reminders.Planned
}

// ImportFile reads an export in the background without writing anything
// (a dry run that also counts the automated emails it would plan), shows
// what it found, and imports it once the owner confirms. The reading runs
// off the UI goroutine; everything it hands back goes through fyne.Do.
func (w *Window) ImportFile(path string) {
	w.inBackground(path, true, "ui.import.reading", func(p *importPreview) { w.showPreview(path, p) })
}

// inBackground reads (dryRun) or imports path off the UI goroutine behind
// a progress dialog titled with key, then hands the outcome to done, or
// the error to the owner, on the UI goroutine.
func (w *Window) inBackground(path string, dryRun bool, key string, done func(*importPreview)) {
	rows := widget.NewLabel("")
	content := container.NewVBox(widget.NewProgressBarInfinite(), rows)
	wait := dialog.NewCustomWithoutButtons(w.tf(key, map[string]any{"File": filepath.Base(path)}), content, w.win)
	wait.Resize(fyne.NewSize(420, 0))
	wait.Show()
	w.imports.Add(1)
	go func() {
		p, err := w.readImport(path, dryRun, func(n int) {
			fyne.Do(func() {
				rows.SetText(w.tf("ui.rowsRead", map[string]any{"Count": w.count(n)}))
			})
		})
		if err == nil && !dryRun && w.reminders != nil {
			w.reminders.Wake()
		}
		fyne.Do(func() {
			defer w.imports.Done()
			wait.Hide()
			if err != nil {
				w.showImportError(path, err)
				return
			}
			done(p)
		})
	}()
}

// readImport imports path (or, dryRun, only reads it): as orders, or, when
// it is no orders export, as appointments. The automated emails are
// planned in the import's transaction, as the command line plans them, so
// that they land with it; a dry run counts them and writes nothing.
func (w *Window) readImport(path string, dryRun bool, progress func(int)) (*importPreview, error) {
	ctx := context.Background()
	p := &importPreview{}
	opts := orders.Options{Location: w.opts.Location, DryRun: dryRun, Progress: progress}
	opts.WithinOrders = func(ctx context.Context, tx *sql.Tx, changes []orders.Change) (err error) {
		var plannable []orders.Change
		for _, c := range changes {
			if reminders.Plannable(c, w.now()) {
				plannable = append(plannable, c)
			}
		}
		p.planned, err = (&reminders.Planner{DB: w.db, Now: w.now}).OrdersIn(ctx, tx, plannable)
		return err
	}
	opts.WithinAppointments = func(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) (err error) {
		p.planned, err = (&reminders.Planner{DB: w.db, Now: w.now}).AppointmentsIn(ctx, tx, changes)
		return err
	}
	res, err := orders.ImportFile(ctx, w.db, path, opts)
	var fe *orders.FileError
	if errors.As(err, &fe) && fe.Code == "import.unknownFormat" {
		appts, aerr := orders.ImportAppointmentsFile(ctx, w.db, path, opts)
		if aerr == nil {
			p.appts = appts
			return p, nil
		}
		return nil, err // neither: say what an orders export needs
	}
	if err != nil {
		return nil, err
	}
	p.orders = res
	return p, nil
}

// showPreview shows what the import would do and asks to go on.
func (w *Window) showPreview(path string, p *importPreview) {
	content, size := w.importSummary(p, true)
	d := dialog.NewCustomConfirm(w.t("ui.import.previewTitle"), w.t("ui.import.confirm"), w.t("ui.import.cancel"),
		content, func(ok bool) {
			if ok {
				w.runImport(path)
			}
		}, w.win)
	d.Resize(size)
	d.Show()
}

// runImport imports path for good in the background, then shows what it
// did and has the rooms read again.
func (w *Window) runImport(path string) {
	w.inBackground(path, false, "ui.importing", func(p *importPreview) {
		w.changed()
		w.showImportResult(p)
	})
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

// maxPreviewRows is how many of the file's orders or appointments the
// preview shows as they will be read.
const maxPreviewRows = 8

// showImportResult reports what an import did.
func (w *Window) showImportResult(p *importPreview) {
	content, size := w.importSummary(p, false)
	d := dialog.NewCustom(w.t("ui.importResult"), w.t("ui.ok"), content, w.win)
	d.Resize(size)
	d.Show()
}

// importSummary words an import (preview: one to come): the file and what
// it is, the counts, the automated emails, then the first rows as they
// will be read (preview) or what changed (done), every row left out and
// why, and anything to double-check.
func (w *Window) importSummary(p *importPreview, preview bool) (fyne.CanvasObject, fyne.Size) {
	summary := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()))
	text := func(s string, bold bool) {
		l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: bold})
		l.Wrapping = fyne.TextWrapWord
		summary.Add(l)
	}
	var rejected []orders.Rejection
	var warnings []orders.Warning
	var format string
	var samples, changes []string
	switch {
	case p.orders != nil:
		res := p.orders
		format, rejected, warnings = res.Format, res.Rejected, res.Warnings
		text(w.tf("ui.importRead", map[string]any{"File": res.File, "Count": w.count(res.Rows),
			"Format": platformName(w, res.Format)}), true)
		if preview {
			text(w.dialect(res.Dialect), false)
		}
		text(w.tf("cli.importOrders", map[string]any{"Inserted": w.count(res.Orders.Inserted),
			"Updated": w.count(res.Orders.Updated), "Unchanged": w.count(res.Orders.Unchanged)}), false)
		text(w.tf("cli.importCustomers", map[string]any{"Inserted": w.count(res.Customers.Inserted),
			"Updated": w.count(res.Customers.Updated)}), false)
		for _, ch := range res.Changes {
			switch {
			case preview && len(samples) < maxPreviewRows:
				samples = append(samples, w.orderSample(ch))
			case !preview && ch.Kind != "new":
				changes = append(changes, w.tf("change."+ch.Kind, map[string]any{"Order": ch.Order, "Carrier": ch.Carrier,
					"Tracking": ch.Tracking, "Fields": strings.Join(ch.Fields, ", "), "Email": ch.CustomerEmail}))
			}
		}
	case p.appts != nil:
		res := p.appts
		format, rejected, warnings = res.Format, res.Rejected, res.Warnings
		text(w.tf("ui.import.apptsRead", map[string]any{"File": res.File, "Count": w.count(res.Rows),
			"Format": platformName(w, res.Format)}), true)
		if preview {
			text(w.dialect(res.Dialect), false)
		}
		text(w.tf("cli.importAppointments", map[string]any{"Inserted": w.count(res.Appointments.Inserted),
			"Updated": w.count(res.Appointments.Updated), "Unchanged": w.count(res.Appointments.Unchanged),
			"Zone": res.TimeZone}), false)
		text(w.tf("cli.importCustomers", map[string]any{"Inserted": w.count(res.Customers.Inserted),
			"Updated": w.count(res.Customers.Updated)}), false)
		for _, ch := range res.Changes {
			if preview && len(samples) < maxPreviewRows {
				samples = append(samples, w.appointmentSample(ch))
			}
		}
	}
	if n := p.planned.Total(); n > 0 {
		var detail []string
		for _, r := range reminders.RuleNames() {
			if c := p.planned.Jobs[r]; c > 0 {
				detail = append(detail, w.t(reminders.RuleKey(r))+" "+w.count(c))
			}
		}
		key := "cli.remindersPlanned"
		if preview {
			key = "cli.remindersWouldPlan"
		}
		text(w.tf(key, map[string]any{"Count": n, "Detail": strings.Join(detail, ", ")}), false)
	} else if preview {
		text(w.t("ui.import.noEmails"), false)
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
	if len(samples) > 0 {
		heading(w.t("ui.import.firstRows"), widget.MediumImportance)
		for _, s := range samples {
			add(s, widget.MediumImportance)
		}
	}
	for _, wn := range warnings {
		if wn.Code == "warn.unmapped" && format != "generic" {
			// A platform's export always has columns Mostrador has no use
			// for; only in a hand-made sheet may one be a misnamed email.
			continue
		}
		add(w.t("cli.warning")+" "+w.warning(wn), widget.WarningImportance)
	}
	if n := len(rejected); n > 0 {
		heading(w.tf("cli.rejected", map[string]any{"Count": n}), widget.DangerImportance)
		for i, r := range rejected {
			if i == maxReportLines {
				add(w.tf("cli.more", map[string]any{"Count": n - i}), widget.MediumImportance)
				break
			}
			add(w.rejection(r), widget.MediumImportance)
		}
	}
	if len(changes) > 0 {
		heading(w.t("cli.changes"), widget.MediumImportance)
		for i, ch := range changes {
			if i == maxReportLines {
				add(w.tf("cli.more", map[string]any{"Count": len(changes) - i}), widget.MediumImportance)
				break
			}
			add(ch, widget.MediumImportance)
		}
	}
	if len(details.Objects) == 0 {
		return summary, fyne.NewSize(560, 0)
	}
	return container.NewBorder(container.NewVBox(summary, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(details)), fyne.NewSize(700, 520)
}

// dialect says how the file was read: its encoding, separator, decimal
// mark and date order, for the owner to check before importing.
func (w *Window) dialect(d orders.Dialect) string {
	if d.Delimiter == "xlsx" {
		parts := []string{w.t("ui.import.xlsx")}
		if d.DateOrder != "" {
			parts = append(parts, w.tf("ui.import.dates", map[string]any{"Order": w.dateOrderWords(d.DateOrder)}))
		}
		return strings.Join(parts, " · ")
	}
	parts := []string{w.tf("ui.import.encoding", map[string]any{"Encoding": strings.ToUpper(d.Encoding)})}
	switch d.Delimiter {
	case "":
	case "\t":
		parts = append(parts, w.t("ui.import.tab"))
	default:
		parts = append(parts, w.tf("ui.import.delimiter", map[string]any{"Delimiter": d.Delimiter}))
	}
	if d.Decimal != "" {
		parts = append(parts, w.tf("ui.import.decimal", map[string]any{"Mark": d.Decimal}))
	}
	if d.DateOrder != "" {
		parts = append(parts, w.tf("ui.import.dates", map[string]any{"Order": w.dateOrderWords(d.DateOrder)}))
	}
	return strings.Join(parts, " · ")
}

// dateOrderWords names a date order in the owner's language.
func (w *Window) dateOrderWords(order string) string {
	switch order {
	case "day/month/year":
		return w.t("ui.dmy")
	case "month/day/year":
		return w.t("ui.mdy")
	}
	return order
}

// orderSample is one order of the file as it will be read.
func (w *Window) orderSample(ch orders.Change) string {
	parts := []string{ch.Order}
	if ch.CustomerEmail != "" {
		parts = append(parts, ch.CustomerEmail)
	}
	if ch.PlacedAt != nil {
		parts = append(parts, formatDateTime(ch.PlacedAt.In(w.opts.Location), w.opts.Lang))
	}
	parts = append(parts, w.t("ui.import.kind."+ch.Kind))
	return strings.Join(parts, " · ")
}

// appointmentSample is one appointment of the file as it will be read.
func (w *Window) appointmentSample(ch orders.AppointmentChange) string {
	var parts []string
	if !ch.StartsAt.IsZero() {
		at := ch.StartsAt.In(w.opts.Location)
		if zone, err := time.LoadLocation(ch.TimeZone); err == nil && ch.TimeZone != "" {
			at = ch.StartsAt.In(zone) // at the clock time it was booked in, as the card shows it
		}
		parts = append(parts, formatDateTime(at, w.opts.Lang))
	}
	parts = append(parts, cmp.Or(ch.CustomerName, ch.CustomerEmail))
	if ch.Service != "" {
		parts = append(parts, ch.Service)
	}
	return strings.Join(parts, " · ")
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
