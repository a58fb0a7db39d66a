package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"time"

	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// importCmd is "import orders FILE" and "import appointments FILE": an
// export into the database, reported in words or, with --json, as one JSON
// document.
func (c *cli) importCmd(args []string) int {
	if len(args) == 0 || (args[0] != "orders" && args[0] != "appointments") {
		return c.usage(c.t("cli.importWhat", nil))
	}
	kind := args[0]
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "auto", "")
	dateOrder := fs.String("date-order", "", "")
	dry := fs.Bool("dry-run", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) != 1 {
		return c.usage(c.t("cli.importFile", nil))
	}
	path := pos[0]
	if code := c.checkImportFile(path); code != exitOK {
		return code
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := orders.Options{Format: *format, DryRun: *dry, DateOrder: *dateOrder, Location: c.loc}
	if kind == "appointments" {
		return c.importAppointments(ctx, db, path, opts, *asJSON)
	}
	return c.importOrders(ctx, db, path, opts, *asJSON)
}

// importOrders is "import orders FILE": a shop platform's orders export
// into the order log.
func (c *cli) importOrders(ctx context.Context, db *sql.DB, path string, opts orders.Options, asJSON bool) int {
	var shown changeList
	var plannable []orders.Change
	now := time.Now()
	if !asJSON {
		// The text report lists a few changes: take them as they come rather
		// than holding every new order of a big file, and keep for the
		// automated emails only the changes that can plan one.
		opts.OnChange = func(ch orders.Change) {
			shown.add(ch)
			if ch.Kind == "reset" {
				plannable = plannable[:0]
			} else if reminders.Plannable(ch, now) {
				plannable = append(plannable, ch)
			}
		}
	}
	// The automated emails are planned in the import's transaction: they
	// land with the orders, and a dry run counts them all.
	var planned reminders.Planned
	opts.WithinOrders = func(ctx context.Context, tx *sql.Tx, changes []orders.Change) (err error) {
		if asJSON {
			plannable = changes
		}
		planned, err = (&reminders.Planner{DB: db}).OrdersIn(ctx, tx, plannable)
		return err
	}
	res, err := orders.ImportFile(ctx, db, path, opts)
	if err != nil {
		return c.importError(path, err)
	}
	if asJSON {
		out := c.localize(res)
		out.Reminders = &planned
		c.printJSON(out)
	} else {
		c.printImport(res, &shown)
		c.printPlanned(planned, opts.DryRun)
	}
	return importStatus(res.Imported(), len(res.Rejected))
}

// printPlanned says how many automated emails an import planned (or, in a
// dry run, would plan), by rule.
func (c *cli) printPlanned(p reminders.Planned, dryRun bool) {
	if p.Total() == 0 {
		return
	}
	var detail []string
	for _, r := range reminders.RuleNames() {
		if n := p.Jobs[r]; n > 0 {
			detail = append(detail, fmt.Sprintf("%s %d", c.t(reminders.RuleKey(r), nil), n))
		}
	}
	key := "cli.remindersPlanned"
	if dryRun {
		key = "cli.remindersWouldPlan"
	}
	fmt.Fprintln(c.stdout, c.t(key, map[string]any{"Count": p.Total(), "Detail": strings.Join(detail, ", ")}))
}

// importError words why a file could not be imported at all; a bad
// --format or --date-order is a usage error.
func (c *cli) importError(path string, err error) int {
	var fe *orders.FileError
	if !errors.As(err, &fe) {
		return c.errorf("cli.importFailed", map[string]any{"File": path, "Err": err.Error()})
	}
	data := map[string]any{"File": path}
	for k, v := range fe.Args {
		data[k] = v
	}
	if fe.Err != nil {
		data["Err"] = fe.Err.Error()
	}
	if fe.Code == "import.unknownFormatFlag" || fe.Code == "import.badDateOrder" {
		return c.usage(c.t(fe.Code, data))
	}
	return c.errorf(fe.Code, data)
}

// importStatus is an import's exit status: rejected rows are not a failure
// unless nothing else was imported, but scripts must be able to tell.
func importStatus(imported, rejected int) int {
	switch {
	case imported == 0 && rejected > 0:
		return exitFailure
	case rejected > 0:
		return exitRejected
	}
	return exitOK
}

// checkImportFile catches a mistyped path or a folder before the database is
// opened (and perhaps created), with a message that says what was expected.
func (c *cli) checkImportFile(path string) int {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c.errorf("cli.fileMissing", map[string]any{"File": path})
	case err == nil && st.IsDir():
		return c.errorf("cli.fileIsDir", map[string]any{"File": path})
	}
	return exitOK // other problems are reported by the import, with their cause
}

// jsonResult is the import result with each rejection's reason in words.
type jsonResult struct {
	*orders.Result
	Rejected  []jsonRejection    `json:"rejected"`
	Warnings  []string           `json:"warnings"`
	Reminders *reminders.Planned `json:"reminders,omitempty"` // the automated emails it planned (would plan, in a dry run)
}

type jsonRejection struct {
	orders.Rejection
	Reason string `json:"reason"`
}

func (c *cli) localize(res *orders.Result) jsonResult {
	out := jsonResult{Result: res}
	out.Rejected, out.Warnings = c.reasons(res.Rejected, res.Warnings)
	return out
}

// reasons words an import's rejected rows and warnings for --json: lists,
// empty rather than null.
func (c *cli) reasons(rejected []orders.Rejection, warnings []orders.Warning) ([]jsonRejection, []string) {
	rs, ws := []jsonRejection{}, []string{}
	for _, r := range rejected {
		rs = append(rs, jsonRejection{r, c.t(r.Code, r.Args)})
	}
	for _, w := range warnings {
		ws = append(ws, c.warning(w))
	}
	return rs, ws
}

// warning words an import warning; a date order is named in the user's
// language.
func (c *cli) warning(w orders.Warning) string {
	data := map[string]any{}
	for k, v := range w.Args {
		data[k] = v
	}
	switch w.Args["Order"] {
	case "day/month/year":
		data["Order"] = c.t("ui.dmy", nil)
	case "month/day/year":
		data["Order"] = c.t("ui.mdy", nil)
	}
	return c.t(w.Code, data)
}

// changeList keeps the first changes worth listing (not "new": those are
// counted above them) and counts the rest.
type changeList struct {
	first []orders.Change
	more  int
}

// changesShown is how many changes an import report lists, of orders or of
// appointments.
const changesShown = 50

func (l *changeList) add(ch orders.Change) {
	switch {
	case ch.Kind == "reset": // the import started over
		*l = changeList{}
	case ch.Kind == "new":
	case len(l.first) < changesShown:
		l.first = append(l.first, ch)
	default:
		l.more++
	}
}

// printImportHeading is an import report's first line: the file, what it
// was read as, and whether anything was saved.
func (c *cli) printImportHeading(dryRun bool, file, format string, rows int, d orders.Dialect) {
	key := "cli.importDone"
	if dryRun {
		key = "cli.importDry"
	}
	fmt.Fprintln(c.stdout, c.t(key, map[string]any{"File": file, "Format": format, "Rows": rows,
		"Encoding": d.Encoding, "Delimiter": printableDelim(d.Delimiter)}))
}

func (c *cli) printImport(res *orders.Result, changes *changeList) {
	w := c.stdout
	c.printImportHeading(res.DryRun, res.File, res.Format, res.Rows, res.Dialect)
	fmt.Fprintln(w, c.t("cli.importOrders", map[string]any{"Inserted": res.Orders.Inserted,
		"Updated": res.Orders.Updated, "Unchanged": res.Orders.Unchanged}))
	fmt.Fprintln(w, c.t("cli.importCustomers", map[string]any{"Inserted": res.Customers.Inserted,
		"Updated": res.Customers.Updated}))
	if len(changes.first) > 0 {
		fmt.Fprintln(w, c.t("cli.changes", nil))
	}
	for _, ch := range changes.first {
		fields := make([]string, len(ch.Fields))
		for i, f := range ch.Fields {
			fields[i] = c.t("field."+f, nil)
		}
		line := c.t("change."+ch.Kind, map[string]any{"Order": ch.Order, "Carrier": ch.Carrier,
			"Tracking": ch.Tracking, "Fields": strings.Join(fields, ", "), "Email": ch.CustomerEmail})
		fmt.Fprintln(w, "  "+strings.TrimRight(line, " ")) // no carrier or tracking: no trailing blanks
	}
	if changes.more > 0 {
		fmt.Fprintln(w, "  "+c.t("cli.more", map[string]any{"Count": changes.more}))
	}
	c.printRejected(res.Rejected, res.Warnings)
}

// importAppointments is "import appointments FILE": a booking export into
// the appointment table, reported as orders are. Exit status as for orders.
func (c *cli) importAppointments(ctx context.Context, db *sql.DB, path string, opts orders.Options, asJSON bool) int {
	var planned reminders.Planned
	opts.WithinAppointments = func(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) (err error) {
		planned, err = (&reminders.Planner{DB: db}).AppointmentsIn(ctx, tx, changes)
		return err
	}
	res, err := orders.ImportAppointmentsFile(ctx, db, path, opts)
	if err != nil {
		return c.importError(path, err)
	}
	if asJSON {
		out := jsonAppointments{AppointmentResult: res, Reminders: &planned}
		out.Rejected, out.Warnings = c.reasons(res.Rejected, res.Warnings)
		c.printJSON(out)
	} else {
		c.printAppointments(res)
		c.printPlanned(planned, opts.DryRun)
	}
	return importStatus(res.Imported(), len(res.Rejected))
}

// jsonAppointments is the appointments import result with each rejection's
// reason in words.
type jsonAppointments struct {
	*orders.AppointmentResult
	Rejected  []jsonRejection    `json:"rejected"`
	Warnings  []string           `json:"warnings"`
	Reminders *reminders.Planned `json:"reminders,omitempty"`
}

func (c *cli) printAppointments(res *orders.AppointmentResult) {
	w := c.stdout
	c.printImportHeading(res.DryRun, res.File, res.Format, res.Rows, res.Dialect)
	zone := res.TimeZone
	if zone == "" {
		zone = settings.ZoneName(c.loc)
	}
	fmt.Fprintln(w, c.t("cli.importAppointments", map[string]any{"Inserted": res.Appointments.Inserted,
		"Updated": res.Appointments.Updated, "Unchanged": res.Appointments.Unchanged, "Zone": zone}))
	fmt.Fprintln(w, c.t("cli.importCustomers", map[string]any{"Inserted": res.Customers.Inserted,
		"Updated": res.Customers.Updated}))
	when := func(t time.Time, tz string) string {
		if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
			t = t.In(loc)
		} else {
			t = t.In(c.loc)
		}
		return t.Format("2006-01-02 15:04")
	}
	var shown int
	for _, ch := range res.Changes {
		if ch.Kind == "new" {
			continue
		}
		if shown == 0 {
			fmt.Fprintln(w, c.t("cli.changes", nil))
		}
		if shown++; shown > changesShown {
			continue
		}
		name := ch.CustomerName
		if name == "" {
			name = ch.CustomerEmail
		}
		data := map[string]any{"Name": name, "Service": ch.Service, "When": when(ch.StartsAt, ch.TimeZone),
			"Fields": strings.Join(ch.Fields, ", ")}
		if ch.From != nil {
			data["From"] = when(*ch.From, ch.TimeZone)
		}
		fmt.Fprintln(w, "  "+strings.ReplaceAll(c.t("appt."+ch.Kind, data), " ()", ""))
	}
	if shown > changesShown {
		fmt.Fprintln(w, "  "+c.t("cli.more", map[string]any{"Count": shown - changesShown}))
	}
	c.printRejected(res.Rejected, res.Warnings)
}

// printRejected lists an import's rejected rows and its warnings.
func (c *cli) printRejected(rejected []orders.Rejection, warnings []orders.Warning) {
	w := c.stdout
	if len(rejected) > 0 {
		fmt.Fprintln(w, c.t("cli.rejected", map[string]any{"Count": len(rejected)}))
		for _, r := range rejected {
			reason := c.t(r.Code, r.Args)
			if r.Column != "" {
				fmt.Fprintln(w, "  "+c.t("cli.rejectedCell", map[string]any{"Row": r.Row, "Column": r.Column,
					"Value": r.Value, "Reason": reason}))
			} else {
				fmt.Fprintln(w, "  "+c.t("cli.rejectedRow", map[string]any{"Row": r.Row, "Reason": reason}))
			}
		}
	}
	for _, wn := range warnings {
		fmt.Fprintln(w, c.t("cli.warning", nil)+" "+c.warning(wn))
	}
}

func printableDelim(d string) string {
	switch d {
	case "\t":
		return "tab"
	case "xlsx":
		return "xlsx"
	}
	return "'" + d + "'"
}
