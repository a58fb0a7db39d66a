package cli

import (
	"context"
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
)

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
	if kind == "appointments" {
		return c.importAppointments(pos[0], orders.Options{Format: *format, DryRun: *dry, DateOrder: *dateOrder}, *asJSON)
	}
	if code := c.checkImportFile(pos[0]); code != exitOK {
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
	var shown changeList
	if !*asJSON {
		// The text report lists a few changes: take them as they come rather
		// than holding every new order of a big file.
		opts.OnChange = shown.add
	}
	res, err := orders.ImportFile(ctx, db, pos[0], opts)
	if err != nil {
		var fe *orders.FileError
		if errors.As(err, &fe) {
			data := map[string]any{"File": pos[0]}
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
		return c.errorf("cli.importFailed", map[string]any{"File": pos[0], "Err": err.Error()})
	}
	if *asJSON {
		c.printJSON(c.localize(res))
	} else {
		c.printImport(res, &shown)
	}
	switch {
	case res.Imported() == 0 && len(res.Rejected) > 0:
		return exitFailure
	case len(res.Rejected) > 0:
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
	Rejected []jsonRejection `json:"rejected"`
	Warnings []string        `json:"warnings"`
}

type jsonRejection struct {
	orders.Rejection
	Reason string `json:"reason"`
}

func (c *cli) localize(res *orders.Result) jsonResult {
	out := jsonResult{Result: res, Rejected: []jsonRejection{}, Warnings: []string{}}
	for _, r := range res.Rejected {
		out.Rejected = append(out.Rejected, jsonRejection{r, c.t(r.Code, r.Args)})
	}
	for _, w := range res.Warnings {
		out.Warnings = append(out.Warnings, c.warning(w))
	}
	return out
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

func (c *cli) printImport(res *orders.Result, changes *changeList) {
	w := c.stdout
	key := "cli.importDone"
	if res.DryRun {
		key = "cli.importDry"
	}
	fmt.Fprintln(w, c.t(key, map[string]any{"File": res.File, "Format": res.Format, "Rows": res.Rows,
		"Encoding": res.Dialect.Encoding, "Delimiter": printableDelim(res.Dialect.Delimiter)}))
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
func (c *cli) importAppointments(path string, opts orders.Options, asJSON bool) int {
	if code := c.checkImportFile(path); code != exitOK {
		return code
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	opts.Location = c.loc
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := orders.ImportAppointmentsFile(ctx, db, path, opts)
	if err != nil {
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
	if asJSON {
		out := jsonAppointments{AppointmentResult: res, Rejected: []jsonRejection{}, Warnings: []string{}}
		for _, r := range res.Rejected {
			out.Rejected = append(out.Rejected, jsonRejection{r, c.t(r.Code, r.Args)})
		}
		for _, w := range res.Warnings {
			out.Warnings = append(out.Warnings, c.warning(w))
		}
		c.printJSON(out)
	} else {
		c.printAppointments(res)
	}
	switch {
	case res.Imported() == 0 && len(res.Rejected) > 0:
		return exitFailure
	case len(res.Rejected) > 0:
		return exitRejected
	}
	return exitOK
}

// jsonAppointments is the appointments import result with each rejection's
// reason in words.
type jsonAppointments struct {
	*orders.AppointmentResult
	Rejected []jsonRejection `json:"rejected"`
	Warnings []string        `json:"warnings"`
}

func (c *cli) printAppointments(res *orders.AppointmentResult) {
	w := c.stdout
	key := "cli.importDone"
	if res.DryRun {
		key = "cli.importDry"
	}
	fmt.Fprintln(w, c.t(key, map[string]any{"File": res.File, "Format": res.Format, "Rows": res.Rows,
		"Encoding": res.Dialect.Encoding, "Delimiter": printableDelim(res.Dialect.Delimiter)}))
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
		if shown++; shown > 50 {
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
	if shown > 50 {
		fmt.Fprintln(w, "  "+c.t("cli.more", map[string]any{"Count": shown - 50}))
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
