// Command mostrador is the shop counter: one window for a small shop's
// mailbox, order log and customer follow-up, and the same jobs headless.
// Run "mostrador --help" for the command line.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones by name on any computer, for shop.timezone

	"golang.org/x/term"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/ui"
)

// version is the release; FyneApp.toml carries the same number.
var version = "0.1.0"

// Exit statuses. An import with rejected rows is not a failure, but scripts
// must be able to tell.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitRejected = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is one invocation: the global flags and where output goes.
type cli struct {
	dbPath    string
	lang      string
	langGiven bool           // --lang was given: it wins over shop.language
	loc       *time.Location // the shop's time zone, once the database is open
	anyZone   bool           // open the database even if shop.timezone is unknown here
	zoneErr   error          // why, then, the computer's zone stands in
	stdout    io.Writer
	stderr    io.Writer
}

func (c *cli) t(key string, data map[string]any) string { return assets.Translate(c.lang, key, data) }

func (c *cli) errorf(key string, data map[string]any) int {
	fmt.Fprintln(c.stderr, "mostrador: "+c.t(key, data))
	return exitFailure
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("mostrador", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&c.dbPath, "db", "", "")
	langFlag := global.String("lang", "", "")
	demo := global.Bool("demo", false, "")
	showVersion := global.Bool("version", false, "")
	help := global.Bool("help", false, "")
	global.BoolVar(help, "h", false, "")
	err := global.Parse(args)
	c.lang, c.langGiven = assets.Lang(*langFlag), *langFlag != ""
	if err != nil {
		return c.flagError(err)
	}
	if *langFlag != "" && !validLang(*langFlag) {
		return c.usage(c.t("cli.badLang", map[string]any{"Lang": *langFlag}))
	}
	switch {
	case *help:
		fmt.Fprint(stdout, c.t("cli.usage", nil))
		return exitOK
	case *showVersion:
		fmt.Fprintf(stdout, "mostrador %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case *demo:
		return c.errorf("cli.demoLater", nil)
	}
	if c.dbPath == "" {
		p, err := defaultDBPath()
		if err != nil {
			return c.errorf("cli.noDataDir", map[string]any{"Err": err.Error()})
		}
		c.dbPath = p
	}
	rest := global.Args()
	if len(rest) == 0 {
		return c.window()
	}
	switch rest[0] {
	case "import":
		return c.importCmd(rest[1:])
	case "customer":
		return c.customerCmd(rest[1:])
	case "settings":
		return c.settingsCmd(rest[1:])
	case "account":
		return c.accountCmd(rest[1:])
	case "sync":
		return c.syncCmd(rest[1:])
	case "search", "reply", "reminders":
		return c.errorf("cli.later", map[string]any{"Command": rest[0]})
	case "help":
		fmt.Fprint(stdout, c.t("cli.usage", nil))
		return exitOK
	}
	return c.usage(c.t("cli.unknownCommand", map[string]any{"Command": rest[0]}))
}

func validLang(l string) bool {
	for _, x := range assets.Languages {
		if strings.EqualFold(l, x) {
			return true
		}
	}
	return false
}

func (c *cli) usage(msg string) int {
	fmt.Fprintln(c.stderr, "mostrador: "+msg)
	fmt.Fprint(c.stderr, c.t("cli.usage", nil))
	return exitUsage
}

// badFlagValue matches the flag package's two "invalid value" messages.
var badFlagValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-(\S+): `)

// flagError reports a flag the flag package refused, in the user's language.
// "--help" or "-h" after a command shows the usage, as it does before one.
func (c *cli) flagError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, c.t("cli.usage", nil))
		return exitOK
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = c.t("cli.unknownFlag", map[string]any{"Flag": "--" + name})
	} else if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		msg = c.t("cli.flagNeedsValue", map[string]any{"Flag": "--" + name})
	} else if m := badFlagValue.FindStringSubmatch(msg); m != nil {
		msg = c.t("cli.flagBadValue", map[string]any{"Flag": "--" + m[2], "Value": m[1]})
	}
	return c.usage(msg)
}

// defaultDBPath is mostrador.db in the user's data folder:
// $XDG_DATA_HOME/mostrador (~/.local/share/mostrador) on Linux, the
// application-support folder on macOS and %AppData% on Windows.
func defaultDBPath() (string, error) {
	var dir string
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		dir = os.Getenv("XDG_DATA_HOME")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			dir = filepath.Join(home, ".local", "share")
		}
	default:
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, "mostrador", "mostrador.db"), nil
}

// openDB opens the shop's database and brings its schema up to date.
func (c *cli) openDB() (*sql.DB, int) {
	db, err := database.Open(c.dbPath)
	if err != nil {
		return nil, c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations); err != nil {
		db.Close()
		var newer *database.NewerError
		if errors.As(err, &newer) {
			return nil, c.errorf("cli.dbNewer", map[string]any{"Path": c.dbPath, "Package": newer.Package,
				"Have": newer.Have, "Known": newer.Known})
		}
		return nil, c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	ctx := context.Background()
	if !c.langGiven {
		if s, err := settings.Get(ctx, db, settings.ShopLanguage); err == nil && s.Value != "" {
			c.lang = assets.Lang(s.Value)
		}
	}
	loc, err := settings.Location(ctx, db)
	switch {
	case err == nil:
		c.loc = loc
	case c.anyZone:
		c.loc, c.zoneErr = time.Local, err
	default:
		db.Close()
		return nil, c.settingError(err)
	}
	return db, exitOK
}

func (c *cli) window() int {
	// A shop.timezone this computer does not know opens the window in the
	// computer's zone (said on stderr) rather than not at all.
	c.anyZone = true
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	if c.zoneErr != nil {
		fmt.Fprintln(c.stderr, "mostrador: "+c.settingText(c.zoneErr))
	}
	ui.Run(db, ui.Options{Lang: c.lang, Version: version, Location: c.loc})
	return exitOK
}

// parseInterspersed lets flags come before or after the positional
// arguments ("import orders FILE --json" as well as "import orders --json FILE").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

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

func (c *cli) printJSON(v any) { c.printJSONTo(c.stdout, v) }

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

func (c *cli) customerCmd(args []string) int {
	fs := flag.NewFlagSet("customer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) != 1 {
		return c.usage(c.t("cli.customerWho", nil))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	card, err := orders.CardByEmail(context.Background(), db, pos[0])
	if errors.Is(err, orders.ErrNoCustomer) {
		return c.errorf("cli.noCustomer", map[string]any{"Email": pos[0]})
	}
	if err != nil {
		return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	if *asJSON {
		c.printJSON(card)
		return exitOK
	}
	c.printCard(card)
	return exitOK
}

func (c *cli) printCard(card *orders.Card) {
	w := c.stdout
	cu := card.Customer
	fmt.Fprintf(w, "%s <%s>\n", cu.Name, cu.Email)
	if cu.Phone != "" {
		fmt.Fprintln(w, c.t("card.phone", map[string]any{"Phone": cu.Phone}))
	}
	var ltv []string
	for _, m := range card.Totals.LifetimeValue {
		ltv = append(ltv, orders.FormatMoney(m.Minor, m.Currency, c.lang))
	}
	if card.Totals.OrderCount == 0 {
		fmt.Fprintln(w, c.t("card.noOrders", nil))
	} else {
		fmt.Fprintln(w, c.t("card.totals", map[string]any{"Count": card.Totals.OrderCount, "Value": strings.Join(ltv, " + ")}))
	}
	for _, o := range card.Orders {
		when := ""
		if o.PlacedAt != nil {
			when = o.PlacedAt.In(c.loc).Format("2006-01-02")
		}
		total := ""
		if o.Total != nil {
			total = orders.FormatMoney(*o.Total, o.Currency, c.lang)
		}
		line := fmt.Sprintf("  %s  %-10s %s  %s  %s", when, o.Number, total, c.t("status."+o.Status, nil), trackingText(o))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		for _, it := range o.Items {
			fmt.Fprintf(w, "      %d × %s\n", it.Quantity, it.Name)
		}
	}
	if len(card.Appointments) > 0 {
		fmt.Fprintln(w, c.t("card.appointments", nil)+":")
	}
	for _, a := range card.Appointments {
		what := a.Service
		if a.Staff != "" {
			what = strings.TrimSpace(what + " (" + a.Staff + ")")
		}
		line := fmt.Sprintf("  %s  %s  %s", a.Local().Format("2006-01-02 15:04"), what, c.t("appt.status."+a.Status, nil))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func trackingText(o orders.Order) string {
	return strings.TrimSpace(o.Carrier + " " + o.Tracking)
}

// settingsCmd reads or sets the shop's settings:
//
//	mostrador settings                 every setting with its value
//	mostrador settings KEY             one value
//	mostrador settings KEY VALUE       set it ("" resets it to its default)
func (c *cli) settingsCmd(args []string) int {
	// Not the flag package: a value may well start with a dash (a signature
	// opens with "-- "), so only --json and --help are options here, and
	// "--" ends them.
	var pos []string
	asJSON := new(bool)
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--json", "-json":
			*asJSON = true
		case "--help", "-help", "-h":
			fmt.Fprint(c.stdout, c.t("cli.usage", nil))
			return exitOK
		case "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) > 2 {
		return c.usage(c.t("cli.settingsArgs", nil))
	}
	// A shop.timezone this computer does not know must not lock the owner
	// out of the command that fixes it.
	c.anyZone = true
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	switch len(pos) {
	case 0:
		all, err := settings.All(ctx, db)
		if err != nil {
			return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
		}
		if *asJSON {
			c.printJSON(all)
			return exitOK
		}
		for _, s := range all {
			c.printSetting(s, true)
		}
		return exitOK
	case 1:
		s, err := settings.Get(ctx, db, pos[0])
		if err != nil {
			return c.settingError(err)
		}
		if *asJSON {
			c.printJSON(s)
		} else {
			fmt.Fprintln(c.stdout, s.Value)
		}
		return exitOK
	}
	s, err := settings.Set(ctx, db, pos[0], pos[1])
	if err != nil {
		return c.settingError(err)
	}
	if *asJSON {
		c.printJSON(s)
	} else {
		c.printSetting(s, false)
	}
	return exitOK
}

// printSetting prints "key = value", marked when it is the default, and
// with what the setting is for when listing them all.
func (c *cli) printSetting(s settings.Setting, describe bool) {
	v := s.Value
	if strings.Contains(v, "\n") {
		v = strings.ReplaceAll(v, "\n", "\n"+strings.Repeat(" ", 28))
	}
	line := fmt.Sprintf("%-25s = %s", s.Key, v)
	if !s.IsSet {
		line += "  " + c.t("cli.settingDefault", nil)
	}
	fmt.Fprintln(c.stdout, line)
	if describe {
		fmt.Fprintln(c.stdout, "    "+c.t("setting."+s.Key, nil))
	}
}

// settingError words a refused setting; an unknown key is a usage error.
func (c *cli) settingError(err error) int {
	var se *settings.Error
	if !errors.As(err, &se) {
		return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	if se.Code == "settings.unknownKey" {
		return c.usage(c.settingText(err))
	}
	fmt.Fprintln(c.stderr, "mostrador: "+c.settingText(err))
	return exitFailure
}

// settingText words a *settings.Error (any other error as itself).
func (c *cli) settingText(err error) string {
	var se *settings.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	data := map[string]any{"Key": se.Key, "Value": se.Value, "Keys": strings.Join(settings.Keys(), ", "),
		"Reason": c.t(se.Code, nil)}
	if se.Code == "settings.unknownKey" {
		return c.t("cli.unknownSetting", data)
	}
	return c.t("cli.badSetting", data)
}

// accountCmd sets up the shop's mailbox, or shows and tests it:
//
//	mostrador account                       the account, and a connection test
//	mostrador account --imap URL --smtp URL --from "Name <addr>" [--trust-fingerprint SHA256]
//
// A changed account is tested before it is saved: nothing is saved when a
// server cannot be used, and the message says why in plain words.
func (c *cli) accountCmd(args []string) int {
	fs := flag.NewFlagSet("account", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	imapURL := fs.String("imap", "", "")
	smtpURL := fs.String("smtp", "", "")
	from := fs.String("from", "", "")
	trust := fs.String("trust-fingerprint", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.accountArgs", map[string]any{"Arg": pos[0]}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()

	acct, err := inbox.LoadAccount(ctx, db)
	switch {
	case errors.Is(err, inbox.ErrNoAccount):
		acct = nil
	case err != nil:
		return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	changed := *imapURL != "" || *smtpURL != "" || *from != "" || *trust != ""
	if acct == nil {
		if !changed {
			return c.errorf("cli.noAccount", nil)
		}
		var missing []string
		for name, v := range map[string]string{"--imap": *imapURL, "--smtp": *smtpURL, "--from": *from} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return c.usage(c.t("cli.accountMissing", map[string]any{"Flags": strings.Join(missing, ", ")}))
		}
		acct = &inbox.Account{}
	}
	next := *acct
	next.Trusted = append([]string(nil), acct.Trusted...)
	if *imapURL != "" {
		if next.IMAP, err = inbox.ParseEndpoint("imap", *imapURL); err != nil {
			return c.accountError(err)
		}
	}
	if *smtpURL != "" {
		if next.SMTP, err = inbox.ParseEndpoint("smtp", *smtpURL); err != nil {
			return c.accountError(err)
		}
	}
	if *from != "" {
		if next.FromName, next.FromAddr, err = inbox.ParseFrom(*from); err != nil {
			return c.accountError(err)
		}
	}
	if *trust != "" {
		fp, err := inbox.NormalizeFingerprint(*trust)
		if err != nil {
			return c.accountError(err)
		}
		if !slices.Contains(next.Trusted, fp) {
			next.Trusted = append(next.Trusted, fp)
		}
	}

	report := accountReport{From: next.From(), IMAP: imapReport{URL: next.IMAP.String()},
		SMTP: smtpReport{URL: next.SMTP.String()}}
	secrets := &inbox.Secrets{Prompt: c.askPassword}
	dialer := &inbox.Dialer{Trusted: next.Trusted}
	imapPass, imapSrc, imapErr := secrets.Password(next.IMAP, "IMAP")
	if imapErr == nil {
		var info *inbox.IMAPInfo
		if info, imapErr = dialer.TestIMAP(next.IMAP, imapPass); imapErr == nil {
			report.IMAP.OK, report.IMAP.Sent, report.IMAP.Messages = true, info.Sent, int(info.Messages)
			report.IMAP.Idle, report.IMAP.CondStore = info.Idle, info.CondStore
		}
	}
	var smtpPass, smtpSrc string
	var smtpErr error
	if next.SMTP.User != "" {
		smtpPass, smtpSrc, smtpErr = secrets.Password(next.SMTP, "SMTP")
	}
	if smtpErr == nil {
		if smtpErr = dialer.TestSMTP(ctx, next.SMTP, smtpPass); smtpErr == nil {
			report.SMTP.OK = true
		}
	}
	report.IMAP.Error = c.connProblem(next.IMAP, imapErr)
	report.SMTP.Error = c.connProblem(next.SMTP, smtpErr)

	ok := imapErr == nil && smtpErr == nil
	if ok && changed {
		if err := inbox.SaveAccount(ctx, db, &next); err != nil {
			return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
		}
		report.Saved = true
		// Passwords typed now go to the keyring; ones from the environment
		// stay there (that is the keyring of a headless machine).
		for _, p := range []struct {
			ep       inbox.Endpoint
			pw, from string
		}{{next.IMAP, imapPass, imapSrc}, {next.SMTP, smtpPass, smtpSrc}} {
			if p.from == inbox.FromPrompt {
				if err := secrets.Save(p.ep, p.pw); err != nil {
					report.Notes = append(report.Notes, c.t("cli.noKeyring", map[string]any{"Var": inbox.EnvVar(p.ep),
						"Err": err.Error()}))
				}
			}
		}
	}
	if *asJSON {
		if !ok {
			c.printJSONTo(c.stderr, report)
			return exitFailure
		}
		c.printJSON(report)
		return exitOK
	}
	if !ok {
		for _, p := range []string{report.IMAP.Error, report.SMTP.Error} {
			if p != "" {
				fmt.Fprintln(c.stderr, "mostrador: "+p)
			}
		}
		if changed {
			fmt.Fprintln(c.stderr, "mostrador: "+c.t("cli.accountNotSaved", nil))
		}
		return exitFailure
	}
	sent := report.IMAP.Sent
	if sent == "" {
		sent = c.t("cli.noSentFolder", nil)
	}
	fmt.Fprintln(c.stdout, c.t("cli.imapOK", map[string]any{"URL": report.IMAP.URL, "Messages": report.IMAP.Messages,
		"Sent": sent}))
	fmt.Fprintln(c.stdout, c.t("cli.smtpOK", map[string]any{"URL": report.SMTP.URL}))
	fmt.Fprintln(c.stdout, c.t("cli.accountFrom", map[string]any{"From": report.From}))
	if report.Saved {
		fmt.Fprintln(c.stdout, c.t("cli.accountSaved", nil))
	}
	for _, n := range report.Notes {
		fmt.Fprintln(c.stdout, n)
	}
	return exitOK
}

type accountReport struct {
	From  string     `json:"from"`
	IMAP  imapReport `json:"imap"`
	SMTP  smtpReport `json:"smtp"`
	Saved bool       `json:"saved"`
	Notes []string   `json:"notes,omitempty"`
}

type smtpReport struct {
	URL   string `json:"url"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type imapReport struct {
	URL       string `json:"url"`
	OK        bool   `json:"ok"`
	Messages  int    `json:"messages"`
	Sent      string `json:"sent,omitempty"`
	Idle      bool   `json:"idle,omitempty"`
	CondStore bool   `json:"condstore,omitempty"`
	Error     string `json:"error,omitempty"`
}

// printJSONTo writes one indented JSON document, with <, > and & as they
// are ("Lola <hola@...>" reads better than \u003c).
func (c *cli) printJSONTo(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// accountError words a refused account setting; it is a usage error.
func (c *cli) accountError(err error) int {
	var ae *inbox.AccountError
	if !errors.As(err, &ae) {
		return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	data := map[string]any{"Flag": "--" + ae.Field, "Value": ae.Value}
	for k, v := range ae.Args {
		data[k] = v
	}
	return c.usage(c.t(ae.Code, data))
}

// connProblem words why a server could not be used ("" when it could).
func (c *cli) connProblem(ep inbox.Endpoint, err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, inbox.ErrNoPassword) {
		return c.t("cli.noPassword", map[string]any{"Server": strings.ToUpper(ep.Proto), "User": ep.User,
			"Var": inbox.EnvVar(ep)})
	}
	var ce *inbox.ConnError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	data := map[string]any{"Server": strings.ToUpper(ce.Server), "Addr": ce.Addr, "Host": ep.Host, "User": ep.User,
		"Fingerprint": ce.Fingerprint, "Err": ""}
	if ce.Err != nil {
		data["Err"] = ce.Err.Error()
	}
	return c.t(ce.Code, data)
}

// askPassword asks on the terminal, without echo; with no terminal there
// is no one to ask.
func (c *cli) askPassword(label string) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", nil
	}
	fmt.Fprint(c.stderr, c.t("cli.passwordPrompt", map[string]any{"Server": label}))
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	return string(b), err
}

// syncCmd syncs the mailbox once: INBOX and Sent into the database.
func (c *cli) syncCmd(args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.syncArgs", map[string]any{"Arg": pos[0]}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	acct, err := inbox.LoadAccount(ctx, db)
	if errors.Is(err, inbox.ErrNoAccount) {
		return c.errorf("cli.noAccount", nil)
	}
	if err != nil {
		return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
	}
	pw, _, err := (&inbox.Secrets{Prompt: c.askPassword}).Password(acct.IMAP, "IMAP")
	if err != nil {
		fmt.Fprintln(c.stderr, "mostrador: "+c.connProblem(acct.IMAP, err))
		return exitFailure
	}
	client, err := (&inbox.Dialer{Trusted: acct.Trusted}).DialIMAP(acct.IMAP, pw, nil)
	if err != nil {
		fmt.Fprintln(c.stderr, "mostrador: "+c.connProblem(acct.IMAP, err))
		return exitFailure
	}
	defer client.Close()
	reps, err := (&inbox.Syncer{DB: db, Client: client, ShopAddr: acct.FromAddr}).Sync(ctx, inbox.SyncOptions{})
	if err != nil {
		// What was stored stays; the next sync goes on from there.
		fmt.Fprintln(c.stderr, "mostrador: "+c.t("cli.syncFailed", map[string]any{"Err": c.connProblem(acct.IMAP, err)}))
		return exitFailure
	}
	client.Logout().Wait()
	if *asJSON {
		c.printJSON(map[string]any{"folders": reps})
		return exitOK
	}
	for _, r := range reps {
		fmt.Fprintln(c.stdout, c.t("cli.syncFolder", map[string]any{"Folder": r.Folder, "New": r.New, "Updated": r.Updated,
			"Expunged": r.Expunged, "Seconds": fmt.Sprintf("%.1f", r.Seconds)}))
	}
	return exitOK
}
