// Package cli is Mostrador's command line: the global flags and the
// headless subcommands (import, customer, settings, account, sync), each in
// its own file. It knows nothing of the window: main hands Run a function
// that opens one, so that only main and ui import Fyne.
package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
	_ "time/tzdata" // time zones by name on any computer, for shop.timezone

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// Exit statuses. An import with rejected rows is not a failure, but scripts
// must be able to tell.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitRejected = 3
)

// Options is what the command line needs from the program around it.
type Options struct {
	// Version is the release, for --version.
	Version string
	// Window opens the window on the shop's database, open and up to date,
	// in the language and time zone the command line settled on, and returns
	// when the owner closes it. Running with no subcommand calls it.
	Window func(db *sql.DB, lang string, loc *time.Location)
}

// cli is one invocation: the global flags and where output goes.
type cli struct {
	opts      Options
	dbPath    string
	lang      string
	langGiven bool           // --lang was given: it wins over shop.language
	loc       *time.Location // the shop's time zone, once the database is open
	anyZone   bool           // open the database even if shop.timezone is unknown here
	zoneErr   error          // why, then, the computer's zone stands in
	stdout    io.Writer
	stderr    io.Writer
	acct      *inbox.Account // the mail account, once loaded (for plain-words errors)
	secrets   *inbox.Secrets // the passwords of this run: typed once, see passwords
}

func (c *cli) t(key string, data map[string]any) string { return assets.Translate(c.lang, key, data) }

// say writes one line on stderr, after "mostrador: " as every error is.
func (c *cli) say(msg string) { fmt.Fprintln(c.stderr, "mostrador: "+msg) }

// fail says msg and returns the status of a failure.
func (c *cli) fail(msg string) int {
	c.say(msg)
	return exitFailure
}

// errorf is fail with a message from the translations.
func (c *cli) errorf(key string, data map[string]any) int { return c.fail(c.t(key, data)) }

// passwords finds the account's passwords for this run: the environment,
// the keyring, else asked once on the terminal.
func (c *cli) passwords() *inbox.Secrets {
	if c.secrets == nil {
		c.secrets = &inbox.Secrets{Prompt: c.askPassword}
	}
	return c.secrets
}

// dbError reports that the shop's database could not be opened, read or
// written.
func (c *cli) dbError(err error) int {
	return c.errorf("cli.dbOpen", map[string]any{"Path": c.dbPath, "Err": err.Error()})
}

// Run runs one invocation of mostrador with args (without the program name)
// and returns its exit status: 0 done, 1 failed, 2 a usage error, 3 an
// import that left rows out.
func Run(args []string, stdout, stderr io.Writer, opts Options) int {
	c := &cli{opts: opts, stdout: stdout, stderr: stderr}
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
		fmt.Fprintf(stdout, "mostrador %s (%s, %s/%s)\n", c.opts.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
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
	case "search":
		return c.searchCmd(rest[1:])
	case "reply":
		return c.replyCmd(rest[1:])
	case "saved":
		return c.savedCmd(rest[1:])
	case "reminders":
		return c.remindersCmd(rest[1:])
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
	c.say(msg)
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
		return nil, c.dbError(err)
	}
	if err := database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, reminders.Migrations); err != nil {
		db.Close()
		var newer *database.NewerError
		if errors.As(err, &newer) {
			return nil, c.errorf("cli.dbNewer", map[string]any{"Path": c.dbPath, "Package": newer.Package,
				"Have": newer.Have, "Known": newer.Known})
		}
		return nil, c.dbError(err)
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
		c.say(c.settingText(c.zoneErr))
	}
	c.opts.Window(db, c.lang, c.loc)
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

func (c *cli) printJSON(v any) { c.printJSONTo(c.stdout, v) }

// printJSONTo writes one indented JSON document, with <, > and & as they
// are ("Lola <hola@...>" reads better than \u003c).
func (c *cli) printJSONTo(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
