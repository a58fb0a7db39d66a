package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/emersion/go-imap/v2"

	"mostrador/assets"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
	"mostrador/orders"
)

const formats = "orders/testdata/formats/"

// isolate points HOME and the user's data folder at a temporary directory,
// so that no test can touch the real shop database, and clears the locale so
// that the default language (Spanish) applies unless --lang says otherwise.
// It returns a database path for --db.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("AppData", filepath.Join(dir, "appdata"))
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(k, "")
	}
	return filepath.Join(dir, "shop.db")
}

type outcome struct {
	code           int
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", o.code, o.stdout, o.stderr)
}

// mostrador runs the command line in-process.
func mostrador(t *testing.T, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

// want checks the exit status and that nothing went to the wrong stream: a
// failure writes nothing on stdout, a success nothing on stderr.
func (o outcome) want(t *testing.T, code int) {
	t.Helper()
	if o.code != code {
		t.Fatalf("want exit %d, got %s", code, o)
	}
	if code == exitOK && o.stderr != "" {
		t.Errorf("success with something on stderr: %s", o)
	}
	if (code == exitFailure || code == exitUsage) && o.stdout != "" {
		t.Errorf("failure with something on stdout: %s", o)
	}
}

// wantError checks a failure whose stderr is exactly "mostrador: MSG" and,
// for a usage error, the usage after it.
func (o outcome) wantError(t *testing.T, code int, lang, msg string) {
	t.Helper()
	o.want(t, code)
	want := "mostrador: " + msg + "\n"
	if code == exitUsage {
		want += assets.Translate(lang, "cli.usage", nil)
	}
	if o.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", o.stderr, want)
	}
}

func TestHelp(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args  []string
		lang  string
		first string
	}{
		{[]string{"--help"}, "es", "Uso:"},
		{[]string{"-h"}, "es", "Uso:"},
		{[]string{"help"}, "es", "Uso:"},
		{[]string{"--lang", "es", "--help"}, "es", "Uso:"},
		{[]string{"--lang", "en", "--help"}, "en", "Usage:"},
		{[]string{"--lang=en", "-h"}, "en", "Usage:"},
		{[]string{"--lang", "EN", "help"}, "en", "Usage:"},
		// After a command, --help shows the same usage.
		{[]string{"--lang", "en", "import", "orders", "--help"}, "en", "Usage:"},
		{[]string{"--lang", "en", "customer", "-h"}, "en", "Usage:"},
	} {
		o := mostrador(t, tc.args...)
		o.want(t, exitOK)
		if o.stdout != assets.Translate(tc.lang, "cli.usage", nil) {
			t.Errorf("%v: stdout is not the %s usage:\n%s", tc.args, tc.lang, o.stdout)
		}
		if first, _, _ := strings.Cut(o.stdout, "\n"); first != tc.first {
			t.Errorf("%v: first line %q, want %q", tc.args, first, tc.first)
		}
		for _, s := range []string{"mostrador import orders", "--dry-run", "--json", "mostrador customer EMAIL", "--version", "--db"} {
			if !strings.Contains(o.stdout, s) {
				t.Errorf("%v: usage does not mention %q", tc.args, s)
			}
		}
	}
	// With no --lang the environment decides.
	t.Setenv("LANG", "en_US.UTF-8")
	if o := mostrador(t, "--help"); !strings.HasPrefix(o.stdout, "Usage:\n") {
		t.Errorf("LANG=en_US.UTF-8: %s", o)
	}
	t.Setenv("LANG", "es_AR.UTF-8")
	if o := mostrador(t, "--help"); !strings.HasPrefix(o.stdout, "Uso:\n") {
		t.Errorf("LANG=es_AR.UTF-8: %s", o)
	}
}

func TestUsageErrors(t *testing.T) {
	db := isolate(t)
	for _, tc := range []struct {
		args []string
		lang string
		msg  string
	}{
		{[]string{"frobnicate"}, "en", `unknown command "frobnicate"`},
		{[]string{"frobnicate"}, "es", "comando desconocido «frobnicate»"},
		{[]string{"--bogus"}, "en", `unknown option "--bogus"`},
		{[]string{"-x"}, "es", "opción desconocida «--x»"},
		{[]string{"import", "orders", formats + "shopify_orders.csv", "--bogus"}, "en", `unknown option "--bogus"`},
		{[]string{"import", "orders", "--format"}, "en", `the option "--format" needs a value`},
		{[]string{"import", "orders", "--format"}, "es", "la opción «--format» necesita un valor"},
		{[]string{"customer", "--json=maybe", "ana@example.com"}, "en", `invalid value "maybe" for the option "--json"`},
		{[]string{"customer", "--nope", "ana@example.com"}, "es", "opción desconocida «--nope»"},
		{[]string{"--db"}, "en", `the option "--db" needs a value`},
		{[]string{"import"}, "en", `say what to import: "import orders FILE" or "import appointments FILE"`},
		{[]string{"import", "widgets", "f.csv"}, "es", "indique qué importar: «import orders ARCHIVO» o «import appointments ARCHIVO»"},
		{[]string{"import", "orders"}, "en", "give exactly one file to import"},
		{[]string{"import", "orders", "a.csv", "b.csv"}, "es", "indique un único archivo a importar"},
		{[]string{"customer"}, "en", `give the customer's email: "customer EMAIL"`},
		{[]string{"customer", "a@example.com", "b@example.com"}, "en", `give the customer's email: "customer EMAIL"`},
	} {
		args := append([]string{"--db", db, "--lang", tc.lang}, tc.args...)
		if tc.args[0] == "--db" {
			args = append([]string{"--lang", tc.lang}, tc.args...)
		}
		o := mostrador(t, args...)
		o.wantError(t, exitUsage, tc.lang, tc.msg)
	}
	// A usage error never gets as far as creating the database.
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a usage error created %s (%v)", db, err)
	}
}

// fyneVersion reads Version from FyneApp.toml's [Details], which the
// packaging tools put into the installed app.
func fyneVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && section == "[Details]" && strings.TrimSpace(k) == "Version" {
			s, err := strconv.Unquote(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("FyneApp.toml Version %s: %v", v, err)
			}
			return s
		}
	}
	t.Fatal("FyneApp.toml has no Version in [Details]")
	return ""
}

func versionLine(v string) string {
	return fmt.Sprintf("mostrador %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func TestVersion(t *testing.T) {
	db := isolate(t)
	v := fyneVersion(t)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("FyneApp.toml Version %q is not x.y.z", v)
	}
	for _, args := range [][]string{{"--version"}, {"--lang", "en", "--version"}, {"--db", db, "--version"}} {
		o := mostrador(t, args...)
		o.want(t, exitOK)
		if o.stdout != versionLine(v) {
			t.Errorf("%v: stdout %q, want %q (FyneApp.toml and main.go must agree)", args, o.stdout, versionLine(v))
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--version created the database")
	}
}

func TestUnknownLanguage(t *testing.T) {
	isolate(t)
	// The message is in the environment's language, as --lang is unusable.
	mostrador(t, "--lang", "xx").wantError(t, exitUsage, "es", "idioma desconocido «xx»: use es o en")
	mostrador(t, "--lang", "fr", "--version").wantError(t, exitUsage, "es", "idioma desconocido «fr»: use es o en")
	t.Setenv("LANG", "en_GB.UTF-8")
	mostrador(t, "--lang", "xx", "customer", "a@example.com").wantError(t, exitUsage, "en", `unknown language "xx": use es or en`)
}

func TestLaterCommands(t *testing.T) {
	db := isolate(t)
	for _, args := range [][]string{
		{"search", "jabón"},
		{"reply", "--to", "<a@b>", "--body-file", "x.txt"},
		{"reminders", "run"}, {"reminders", "list", "--json"},
	} {
		o := mostrador(t, append([]string{"--db", db, "--lang", "en"}, args...)...)
		o.wantError(t, exitFailure, "en", fmt.Sprintf(`the "%s" command comes in a later version of Mostrador`, args[0]))
		o = mostrador(t, append([]string{"--db", db, "--lang", "es"}, args...)...)
		o.wantError(t, exitFailure, "es", fmt.Sprintf("el comando «%s» llega en una próxima versión de Mostrador", args[0]))
	}
	mostrador(t, "--db", db, "--lang", "en", "--demo").wantError(t, exitFailure, "en",
		"the demo (--demo) does not exist in this version yet; open the window without --demo and import an orders file")
}

func TestSettingsCommand(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "settings")
	o.want(t, exitOK)
	for _, line := range []string{
		"reminders.quiet_hours     = 21:00-08:00  (default)\n    hours without automated emails, like 21:00-08:00, or off\n",
		"shop.name                 =   (default)\n    the shop's name\n",
	} {
		if !strings.Contains(o.stdout, line) {
			t.Errorf("listing lacks %q:\n%s", line, o.stdout)
		}
	}

	o = mostrador(t, "--db", db, "settings", "shop.name", "Jabones Lola")
	o.want(t, exitOK)
	if o.stdout != "shop.name                 = Jabones Lola\n" {
		t.Errorf("set: %q", o.stdout)
	}
	o = mostrador(t, "--db", db, "settings", "shop.name")
	if o.want(t, exitOK); o.stdout != "Jabones Lola\n" {
		t.Errorf("get: %q", o.stdout)
	}
	o = mostrador(t, "--db", db, "settings", "--json", "shop.timezone", "america/santiago")
	o.want(t, exitOK)
	var set struct {
		Key, Value, Default string
		Set                 bool
	}
	decodeStrict(t, o.stdout, &set)
	if set.Key != "shop.timezone" || set.Value != "America/Santiago" || !set.Set {
		t.Errorf("set --json: %+v", set)
	}
	o = mostrador(t, "--db", db, "settings", "--json")
	o.want(t, exitOK)
	var all []struct {
		Key, Value, Default string
		Set                 bool
	}
	decodeStrict(t, o.stdout, &all)
	if len(all) != 8 {
		t.Errorf("%d settings listed: %s", len(all), o.stdout)
	}

	mostrador(t, "--db", db, "settings", "reminders.test_mode", "quizás").wantError(t, exitFailure, "es",
		"el ajuste reminders.test_mode no admite «quizás»: escriba true o false (sí o no)")
	mostrador(t, "--db", db, "--lang", "en", "settings", "shop.timezone", "Mars/Olympus").wantError(t, exitFailure, "en",
		`setting shop.timezone cannot be "Mars/Olympus": not a time zone; write it like Europe/Madrid or America/Santiago`)
	mostrador(t, "--db", db, "--lang", "en", "settings", "shop.tz", "UTC").wantError(t, exitUsage, "en",
		`unknown setting "shop.tz"; the settings are: reminders.quiet_hours, reminders.rate_per_minute, `+
			`reminders.test_mode, shop.language, shop.name, shop.owner, shop.signature, shop.timezone`)
	mostrador(t, "--db", db, "--lang", "en", "settings", "a", "b", "c").wantError(t, exitUsage, "en",
		`give "settings", "settings KEY" or "settings KEY VALUE"`)
	if o := mostrador(t, "--db", db, "settings", "shop.timezone"); o.stdout != "America/Santiago\n" {
		t.Errorf("a refused value changed the stored one: %s", o)
	}

	// A signature opens with "-- ", which is no option.
	o = mostrador(t, "--db", db, "settings", "shop.signature", "-- \nLola Peña\nJabones Lola")
	o.want(t, exitOK)
	if o = mostrador(t, "--db", db, "settings", "shop.signature", "--json"); !strings.Contains(o.stdout, `"value": "-- \nLola Peña\nJabones Lola"`) {
		t.Errorf("signature: %s", o)
	}
	mostrador(t, "--db", db, "--lang", "en", "settings", "reminders.rate_per_minute", "-5").wantError(t, exitFailure, "en",
		`setting reminders.rate_per_minute cannot be "-5": a whole number of emails per minute, from 1 to 600`)
	mostrador(t, "--db", db, "settings", "--", "shop.name", "-Lola-").want(t, exitOK)

	// shop.language speaks for the shop unless --lang is given.
	mostrador(t, "--db", db, "settings", "shop.language", "en").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "en",
		"no customer has the email nadie@example.com")
	mostrador(t, "--db", db, "--lang", "es", "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")
	// An empty value goes back to the default.
	mostrador(t, "--db", db, "settings", "shop.language", "").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")

	// A zone stored where it existed, read where it does not: commands that
	// need the zone say so; the settings command still opens, to fix it.
	sqldb, err := database.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Exec(`UPDATE setting SET value = 'Pacific/Atlantis' WHERE key = 'shop.timezone'`); err != nil {
		t.Fatal(err)
	}
	sqldb.Close()
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"el ajuste shop.timezone no admite «Pacific/Atlantis»: no es una zona horaria; escríbala como Europe/Madrid o America/Santiago")
	mostrador(t, "--db", db, "settings", "shop.timezone", "Europe/Madrid").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")
}

// shop.timezone is the zone of the times an export writes without one;
// without it, the computer's zone.
func TestShopTimezoneGovernsImport(t *testing.T) {
	t.Setenv("TZ", "UTC")
	db := isolate(t)
	file := filepath.Join(t.TempDir(), "pedidos.csv")
	write := func(number string) {
		data := "Pedido,Correo,Nombre,Fecha,Total\n" + number + ",ana@example.com,Ana,2024-03-05 10:00,10.00\n"
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("1001")
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)
	mostrador(t, "--db", db, "settings", "shop.timezone", "America/Santiago").want(t, exitOK)
	write("1002")
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)
	data := "Pedido,Correo,Nombre,Fecha,Total\n1003,ana@example.com,Ana,2024-03-05 23:30,10.00\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)

	placed := map[string]string{}
	for _, o := range customerCard(t, db, "ana@example.com").Orders {
		placed[o.Number] = o.PlacedAt.UTC().Format(time.RFC3339)
	}
	// 10:00 in UTC; 10:00 in Santiago's summer time (UTC-3).
	if placed["1001"] != "2024-03-05T10:00:00Z" || placed["1002"] != "2024-03-05T13:00:00Z" ||
		placed["1003"] != "2024-03-06T02:30:00Z" {
		t.Errorf("placed at %v", placed)
	}
	// The card's text shows the shop's dates: 1003 is the 5th in Santiago.
	o := mostrador(t, "--db", db, "customer", "ana@example.com")
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "  2024-03-05  1003 ") {
		t.Errorf("card text:\n%s", o.stdout)
	}

	// Bookings too: 10:00 in Madrid is 09:00 UTC in March, and the card
	// shows the shop's clock time.
	mostrador(t, "--db", db, "settings", "shop.timezone", "Europe/Madrid").want(t, exitOK)
	o = mostrador(t, "--db", db, "--lang", "en", "import", "appointments", filepath.Join("orders", "testdata", "formats", "appointments_es.csv"))
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "(times in Europe/Madrid)") {
		t.Errorf("import report:\n%s", o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "customer", "lucia.fernandez@example.com")
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "Appointments:\n  2024-03-14 10:00  Taller de cerámica (iniciación) (Marta)  Booked\n") || !strings.Contains(o.stdout, "No orders yet\n") {
		t.Errorf("card text:\n%s", o.stdout)
	}
	o = mostrador(t, "--db", db, "customer", "lucia.fernandez@example.com", "--json")
	if !strings.Contains(o.stdout, `"startsAt": "2024-03-14T09:00:00Z"`) {
		t.Errorf("card json:\n%s", o.stdout)
	}
}

// TestAccountCommand sets up a mailbox against real IMAP and SMTP servers
// on 127.0.0.1 whose certificate is self-signed, as a small host's may be.
func TestAccountCommand(t *testing.T) {
	db := isolate(t)
	cert, fp := inboxtest.Issue(t, nil, time.Now().Add(time.Hour), "127.0.0.1")
	imapSrv := inboxtest.StartIMAP(t, inboxtest.TLS, &cert)
	if err := imapSrv.User.Create("Enviados", nil); err != nil {
		t.Fatal(err)
	}
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.StartTLS, &cert)
	imapURL := "imaps://tienda%40example.com@" + imapSrv.Addr
	smtpURL := "smtp+starttls://tienda%40example.com@" + smtpSrv.Addr
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	accounts := func() int { return count(t, db, "account") }

	mostrador(t, "--db", db, "account").wantError(t, exitFailure, "es",
		`todavía no hay buzón configurado; configúrelo con: mostrador account --imap imaps://usuario@servidor:993 `+
			`--smtp smtp+starttls://usuario@servidor:587 --from "Su nombre <correo@tienda>"`)
	mostrador(t, "--db", db, "--lang", "en", "account", "--imap", imapURL).wantError(t, exitUsage, "en",
		"to set up the mailbox, give also --from, --smtp")
	mostrador(t, "--db", db, "--lang", "en", "account", "--imap", "imap://tienda@mail.example.com", "--smtp", smtpURL,
		"--from", "Lola <hola@jaboneslola.es>").wantError(t, exitUsage, "en",
		`--imap "imap://tienda@mail.example.com": unencrypted connections are only allowed to this computer; use imaps://tienda@mail.example.com`)
	mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "hola@jaboneslola.es").wantError(t,
		exitUsage, "es", `--from «hola@jaboneslola.es» necesita su nombre delante del correo, como "Lola Peña <hola@jaboneslola.es>": `+
			`un correo firmado por una persona inspira más confianza`)

	// The self-signed certificate is refused with its fingerprint, and
	// nothing is saved.
	o := mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "Lola Peña <hola@jaboneslola.es>")
	o.want(t, exitFailure)
	for _, want := range []string{
		"mostrador: el certificado del servidor IMAP " + imapSrv.Addr + " no es de confianza (autofirmado o de una autoridad " +
			"desconocida). Si es su servidor y reconoce esta huella, confíe en él con --trust-fingerprint " + fp + "\n",
		"mostrador: el certificado del servidor SMTP " + smtpSrv.Addr + " no es de confianza",
		"mostrador: la cuenta no se ha guardado\n",
	} {
		if !strings.Contains(o.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, o.stderr)
		}
	}
	if n := accounts(); n != 0 {
		t.Fatalf("%d accounts saved after a failed test", n)
	}

	// Trusted by its fingerprint (as openssl prints it): tested and saved.
	colons := strings.ToUpper(fp[0:2])
	for i := 2; i < len(fp); i += 2 {
		colons += ":" + strings.ToUpper(fp[i:i+2])
	}
	o = mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "Lola Peña <Hola@JabonesLola.es>",
		"--trust-fingerprint", colons)
	o.want(t, exitOK)
	want := "IMAP " + imapURL + ": conectado · 0 mensajes en la bandeja de entrada · enviados en: Enviados\n" +
		"SMTP " + smtpURL + ": conectado\nRemitente: Lola Peña <hola@jaboneslola.es>\nCuenta guardada.\n"
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if n := accounts(); n != 1 {
		t.Fatalf("%d accounts", n)
	}
	if len(smtpSrv.Messages()) != 0 {
		t.Error("testing the account sent mail")
	}

	// Shown and tested again; nothing changes.
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--json")
	o.want(t, exitOK)
	var rep struct {
		From string
		IMAP struct {
			URL, Sent, Error string
			OK, Idle         bool
			CondStore        bool
			Messages         int
		}
		SMTP struct {
			URL, Error string
			OK         bool
		}
		Saved bool
	}
	decodeStrict(t, o.stdout, &rep)
	if rep.From != "Lola Peña <hola@jaboneslola.es>" || !rep.IMAP.OK || rep.IMAP.Sent != "Enviados" || !rep.SMTP.OK ||
		rep.Saved || rep.IMAP.URL != imapURL {
		t.Errorf("json: %+v", rep)
	}

	// A wrong password: the plain words, and the saved account stays.
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", "otra")
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--from", "Lola <lola@jaboneslola.es>")
	o.wantError(t, exitFailure, "en", `the SMTP server `+smtpSrv.Addr+` does not accept the user "tienda@example.com" with that `+
		`password. Gmail and Outlook want an "app password", not the usual one`+"\nmostrador: the account was not saved")
	if o := mostrador(t, "--db", db, "account", "--json"); !strings.Contains(o.stderr, `"from": "Lola Peña <hola@jaboneslola.es>"`) {
		t.Errorf("the refused change was saved: %s", o)
	}

	// Nothing listening: said so.
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--imap", "imaps://tienda%40example.com@"+inboxtest.DeadPort(t))
	if o.want(t, exitFailure); !strings.Contains(o.stderr, "refuses the connection: nothing listens on that port") {
		t.Errorf("stderr: %s", o.stderr)
	}
}

// TestSyncCommand mirrors a mailbox on a loopback server into the database.
func TestSyncCommand(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "sync").want(t, exitFailure)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := imapSrv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	for i, folder := range []string{"INBOX", "INBOX", "Sent"} {
		raw := fmt.Sprintf("From: Ana <ana@example.com>\r\nTo: tienda@example.com\r\nSubject: Pedido %d\r\n"+
			"Message-ID: <s%d@example.com>\r\n\r\nHola\r\n", i, i)
		if _, err := imapSrv.User.Append(folder, bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	mostrador(t, "--db", db, "account", "--imap", "imap://tienda%40example.com@"+imapSrv.Addr,
		"--smtp", "smtp://tienda%40example.com@"+smtpSrv.Addr, "--from", "Lola <tienda@example.com>").want(t, exitOK)

	o := mostrador(t, "--db", db, "sync", "--json")
	o.want(t, exitOK)
	var rep struct {
		Folders []struct {
			Folder, Role           string
			New, Updated, Expunged int
			Reset, Complete        bool
			Seconds                float64
		}
	}
	decodeStrict(t, o.stdout, &rep)
	if len(rep.Folders) != 2 || rep.Folders[0].Folder != "INBOX" || rep.Folders[0].New != 2 ||
		rep.Folders[1].Role != "sent" || rep.Folders[1].New != 1 || !rep.Folders[0].Complete {
		t.Errorf("sync --json: %s", o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "sync")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "INBOX: 0 new · 0 changed · 0 deleted (") {
		t.Errorf("second sync:\n%s", o.stdout)
	}
	if n := count(t, db, "message"); n != 3 {
		t.Errorf("%d messages stored", n)
	}
	// The password refused: plain words, exit 1.
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", "otra")
	o = mostrador(t, "--db", db, "--lang", "en", "sync")
	if o.want(t, exitFailure); !strings.Contains(o.stderr, `does not accept the user "tienda@example.com"`) {
		t.Errorf("stderr: %s", o.stderr)
	}
}

// The default database is in the user's data folder, which isolate moved.
func TestDefaultDatabasePath(t *testing.T) {
	isolate(t)
	o := mostrador(t, "--lang", "en", "customer", "nobody@example.com")
	o.wantError(t, exitFailure, "en", "no customer has the email nobody@example.com")
	want := filepath.Join(os.Getenv("XDG_DATA_HOME"), "mostrador", "mostrador.db")
	if runtime.GOOS != "linux" {
		t.Skip("the data folder is only under XDG_DATA_HOME on Linux and the BSDs")
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("the default database is not at %s: %v", want, err)
	}
}

func count(t *testing.T, dbPath, table string) int {
	t.Helper()
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportOrders(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"shopify_orders.csv")
	o.want(t, exitOK)
	want := "shopify_orders.csv: shopify format, utf-8, delimiter ',', 10 rows\n" +
		"New orders: 6 · updated: 0 · unchanged: 0\n" +
		"New customers: 5 · updated: 0\n" +
		"Note: columns not used: Paid at, "
	if !strings.HasPrefix(o.stdout, want) {
		t.Errorf("stdout:\n%s\nwant it to start with:\n%s", o.stdout, want)
	}
	if n := count(t, db, "orders"); n != 6 {
		t.Errorf("%d orders in the database, want 6", n)
	}
	// Flags may come before the file too.
	o = mostrador(t, "--db", db, "--lang", "es", "import", "orders", "--format", "shopify", formats+"shopify_orders.csv")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "shopify_orders.csv: formato shopify, utf-8, separador ',', 10 filas\nPedidos nuevos: 0 · actualizados: 0 · sin cambios: 6\n") {
		t.Errorf("stdout:\n%s", o.stdout)
	}
}

func TestImportRejectedRows(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"bad_rows.csv")
	o.want(t, exitRejected)
	want := `bad_rows.csv: generic format, utf-8, delimiter ',', 6 rows
New orders: 2 · updated: 0 · unchanged: 0
New customers: 2 · updated: 0
4 rows rejected:
  row 3, column "Total", value "abc": not an amount that can be read
  row 4, column "Date", value "31/02/2024": not a date that can be read
  row 5, column "Email", value "": order B-1004 has no email, name or phone: there is no telling whose it is
  row 6, column "Email", value "ana@": the email is not a valid address; correct it and import again
`
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if o.stderr != "" {
		t.Errorf("stderr: %s", o.stderr)
	}
	if n := count(t, db, "orders"); n != 2 {
		t.Errorf("%d orders in the database, want the 2 good ones", n)
	}

	// Every row rejected: nothing imported, and that is a failure.
	db2 := filepath.Join(t.TempDir(), "other.db")
	o = mostrador(t, "--db", db2, "--lang", "es", "import", "orders", "testdata/all_rejected.csv")
	if o.code != exitFailure {
		t.Fatalf("want exit 1, got %s", o)
	}
	want = `all_rejected.csv: formato generic, utf-8, separador ',', 2 filas
Pedidos nuevos: 0 · actualizados: 0 · sin cambios: 0
Clientes nuevos: 0 · actualizados: 0
2 filas rechazadas:
  fila 2, columna «Email», valor «ann.lee@»: el correo no es una dirección válida; corríjalo y vuelva a importar
  fila 3, columna «Date», valor «31/02/2024»: no es una fecha que se pueda leer
`
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if n := count(t, db2, "orders") + count(t, db2, "customer"); n != 0 {
		t.Errorf("%d rows written by an import that imported nothing", n)
	}
}

func TestImportNotAnExport(t *testing.T) {
	db := isolate(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "pedidos.csv")
	for _, tc := range []struct {
		args []string
		lang string
		msg  string // a regular expression for the whole message
	}{
		{[]string{formats + "not_orders.csv"}, "en", regexp.QuoteMeta(formats+"not_orders.csv") +
			` does not look like an orders export: no known header row in its first 30 rows\. Expected one of: shopify \(shopify\): name, financial status, .*; generic: an order number column .*`},
		{[]string{formats + "not_orders.csv"}, "es", regexp.QuoteMeta(formats+"not_orders.csv") +
			` no parece una exportación de pedidos: .* Se esperaba uno de estos: shopify .*`},
		{[]string{"--format", "woocommerce", formats + "shopify_orders.csv"}, "en", regexp.QuoteMeta(formats+"shopify_orders.csv") +
			` does not have the headers of a "woocommerce" export\. Expected: woocommerce \(woocommerce-analytics\): order #, .*`},
		{[]string{missing}, "en", regexp.QuoteMeta("there is no file " + missing + ": give the path of the CSV or XLSX file to import")},
		{[]string{missing}, "es", regexp.QuoteMeta("no existe el archivo " + missing + ": indique la ruta del archivo CSV o XLSX a importar")},
		{[]string{dir}, "en", regexp.QuoteMeta(dir + " is a folder, not a file: give the CSV or XLSX file to import")},
		{[]string{dir, "--json"}, "es", regexp.QuoteMeta(dir + " es una carpeta, no un archivo: indique el archivo CSV o XLSX a importar")},
	} {
		o := mostrador(t, append([]string{"--db", db, "--lang", tc.lang, "import", "orders"}, tc.args...)...)
		o.want(t, exitFailure)
		re := regexp.MustCompile(`^mostrador: ` + tc.msg + "\n$")
		if !re.MatchString(o.stderr) {
			t.Errorf("%v (%s): stderr\n%s\ndoes not match\n%s", tc.args, tc.lang, o.stderr, re)
		}
	}
	// Nothing was imported, and a wrong path did not even create the database.
	if _, err := os.Stat(db); err == nil && count(t, db, "orders") != 0 {
		t.Error("a failed import wrote orders")
	}
	o := mostrador(t, "--db", filepath.Join(dir, "new.db"), "import", "orders", missing)
	o.want(t, exitFailure)
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("importing a missing file created the database (%v)", err)
	}
}

func TestImportBadOptions(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "--lang", "en", "import", "orders", "--format", "nope", formats+"shopify_orders.csv").
		wantError(t, exitUsage, "en", `unknown format "nope"; known formats: auto, shopify, woocommerce, etsy, tiendanube, square, prestashop, squarespace, mercadolibre, generic`)
	mostrador(t, "--db", db, "--lang", "es", "import", "orders", formats+"shopify_orders.csv", "--format=tienda").
		wantError(t, exitUsage, "es", "formato desconocido «tienda»; se admiten: auto, shopify, woocommerce, etsy, tiendanube, square, prestashop, squarespace, mercadolibre, generic")
	mostrador(t, "--db", db, "--lang", "en", "import", "orders", "--date-order", "ymd", formats+"shopify_orders.csv").
		wantError(t, exitUsage, "en", `invalid --date-order value "ymd": use dmy (day/month/year) or mdy (month/day/year)`)
	if n := count(t, db, "orders"); n != 0 {
		t.Errorf("%d orders written despite a bad option", n)
	}
}

// importJSON is the documented shape of "import orders --json". Decoding
// refuses unknown fields, so a field added to the output must be added here
// (and to the README) on purpose.
type importJSON struct {
	File    string `json:"file"`
	Format  string `json:"format"`
	Source  string `json:"source"`
	Dialect struct {
		Encoding  string `json:"encoding"`
		Delimiter string `json:"delimiter"`
		Decimal   string `json:"decimal"`
		DateOrder string `json:"dateOrder"`
		HeaderRow int    `json:"headerRow"`
	} `json:"dialect"`
	Rows   int `json:"rows"`
	Orders struct {
		Inserted  int `json:"inserted"`
		Updated   int `json:"updated"`
		Unchanged int `json:"unchanged"`
	} `json:"orders"`
	Customers struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	} `json:"customers"`
	Changes  []changeJSON    `json:"changes"`
	DryRun   bool            `json:"dryRun"`
	Rejected []rejectionJSON `json:"rejected"`
	Warnings []string        `json:"warnings"`
}

type changeJSON struct {
	Kind          string     `json:"kind"`
	Platform      string     `json:"platform"`
	Order         string     `json:"order"`
	OrderID       int64      `json:"orderId"`
	CustomerID    int64      `json:"customerId"`
	CustomerEmail string     `json:"customerEmail"`
	PlacedAt      *time.Time `json:"placedAt"`
	At            *time.Time `json:"at"`
	Carrier       string     `json:"carrier"`
	Tracking      string     `json:"tracking"`
	TrackingURL   string     `json:"trackingUrl"`
	From          string     `json:"from"`
	To            string     `json:"to"`
	Fields        []string   `json:"fields"`
}

type rejectionJSON struct {
	Row    int            `json:"row"`
	Column string         `json:"column"`
	Value  string         `json:"value"`
	Code   string         `json:"code"`
	Args   map[string]any `json:"args"`
	Reason string         `json:"reason"`
}

// decodeStrict decodes exactly one JSON document, refusing unknown fields.
func decodeStrict(t *testing.T, text string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not the documented JSON: %v\n%s", err, text)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document on stdout:\n%s", text)
	}
}

// requireKeys checks that the JSON object has these keys (present, even when
// zero or empty), and that the listed arrays are arrays, never null.
func requireKeys(t *testing.T, where string, raw json.RawMessage, keys ...string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, k := range keys {
		name, isArray := strings.CutSuffix(k, "[]")
		v, ok := m[name]
		if !ok {
			t.Errorf("%s: no %q", where, name)
			continue
		}
		if isArray && !bytes.HasPrefix(v, []byte("[")) {
			t.Errorf("%s: %q is %s, want an array", where, name, v)
		}
	}
	return m
}

func importAsJSON(t *testing.T, db, lang string, args ...string) (importJSON, outcome) {
	t.Helper()
	o := mostrador(t, append([]string{"--db", db, "--lang", lang, "import", "orders", "--json"}, args...)...)
	if o.code != exitOK && o.code != exitRejected {
		t.Fatalf("import %v: %s", args, o)
	}
	if o.stderr != "" {
		t.Errorf("--json import wrote on stderr: %s", o.stderr)
	}
	var res importJSON
	decodeStrict(t, o.stdout, &res)
	top := requireKeys(t, "result", json.RawMessage(o.stdout),
		"format", "dialect", "rows", "orders", "customers", "changes[]", "rejected[]", "warnings[]")
	requireKeys(t, "orders", top["orders"], "inserted", "updated", "unchanged")
	requireKeys(t, "customers", top["customers"], "inserted", "updated")
	requireKeys(t, "dialect", top["dialect"], "encoding", "delimiter", "headerRow")
	var rejected []json.RawMessage
	json.Unmarshal(top["rejected"], &rejected)
	for i, r := range rejected {
		requireKeys(t, fmt.Sprintf("rejected[%d]", i), r, "row", "column", "value", "reason")
	}
	return res, o
}

func TestImportJSON(t *testing.T) {
	db := isolate(t)
	res, o := importAsJSON(t, db, "en", formats+"bad_rows.csv")
	if o.code != exitRejected {
		t.Errorf("exit %d, want %d", o.code, exitRejected)
	}
	if res.File != "bad_rows.csv" || res.Format != "generic" || res.Rows != 6 || res.DryRun {
		t.Errorf("file %q format %q rows %d dryRun %v", res.File, res.Format, res.Rows, res.DryRun)
	}
	if d := res.Dialect; d.Encoding != "utf-8" || d.Delimiter != "," || d.Decimal != "." || d.DateOrder != "day/month/year" || d.HeaderRow != 1 {
		t.Errorf("dialect %+v", d)
	}
	if res.Orders.Inserted != 2 || res.Orders.Updated != 0 || res.Orders.Unchanged != 0 ||
		res.Customers.Inserted != 2 || res.Customers.Updated != 0 {
		t.Errorf("orders %+v customers %+v", res.Orders, res.Customers)
	}
	if len(res.Changes) != 2 || res.Changes[0].Kind != "new" || res.Changes[1].Kind != "new" {
		t.Errorf("changes %+v, want two new orders", res.Changes)
	}
	type rej struct {
		Row                         int
		Column, Value, Code, Reason string
	}
	var got []rej
	for _, r := range res.Rejected {
		got = append(got, rej{r.Row, r.Column, r.Value, r.Code, r.Reason})
	}
	wantEN := []rej{
		{3, "Total", "abc", "reject.amount", "not an amount that can be read"},
		{4, "Date", "31/02/2024", "reject.date", "not a date that can be read"},
		{5, "Email", "", "reject.noCustomer", "order B-1004 has no email, name or phone: there is no telling whose it is"},
		{6, "Email", "ana@", "reject.email", "the email is not a valid address; correct it and import again"},
	}
	if !slices.Equal(got, wantEN) {
		t.Errorf("rejected:\n%+v\nwant:\n%+v", got, wantEN)
	}

	// The same rows, in Spanish, into a fresh database.
	res, _ = importAsJSON(t, filepath.Join(t.TempDir(), "es.db"), "es", formats+"bad_rows.csv")
	var reasons []string
	for _, r := range res.Rejected {
		reasons = append(reasons, r.Reason)
	}
	wantES := []string{
		"no es un importe que se pueda leer",
		"no es una fecha que se pueda leer",
		"el pedido B-1004 no tiene correo, nombre ni teléfono: no se sabe de qué cliente es",
		"el correo no es una dirección válida; corríjalo y vuelva a importar",
	}
	if !slices.Equal(reasons, wantES) {
		t.Errorf("Spanish reasons:\n%q\nwant:\n%q", reasons, wantES)
	}
}

func TestImportJSONChanges(t *testing.T) {
	db := isolate(t)
	first, _ := importAsJSON(t, db, "en", formats+"shopify_orders.csv")
	if first.Orders.Inserted != 6 || len(first.Changes) != 6 {
		t.Fatalf("first import: %+v, %d changes", first.Orders, len(first.Changes))
	}
	if len(first.Warnings) != 1 || !strings.HasPrefix(first.Warnings[0], "columns not used: ") {
		t.Errorf("warnings %q", first.Warnings)
	}
	later, o := importAsJSON(t, db, "en", formats+"shopify_orders_later.csv")
	o.want(t, exitOK)
	if later.Orders.Inserted != 1 || later.Orders.Updated != 3 || later.Orders.Unchanged != 3 {
		t.Errorf("a week later: %+v", later.Orders)
	}
	kinds := map[string]string{}
	for _, c := range later.Changes {
		kinds[c.Order] = c.Kind
		if c.Platform != "shopify" || c.OrderID == 0 || c.CustomerID == 0 || c.CustomerEmail == "" || c.PlacedAt == nil {
			t.Errorf("change without its order and customer: %+v", c)
		}
	}
	want := map[string]string{"#1007": "new", "#1006": "refunded", "#1004": "shipped", "#1002": "cancelled"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("changes %v, want %v", kinds, want)
	}
}

func TestImportChangesText(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", formats+"shopify_orders.csv").want(t, exitOK)
	for _, tc := range []struct{ lang, args, want string }{
		{"es", "--dry-run", "Pedidos nuevos: 1 · actualizados: 3 · sin cambios: 3\nClientes nuevos: 1 · actualizados: 0\n" +
			"Cambios:\n  #1006: reembolsado\n  #1004: enviado\n  #1002: cancelado\n"},
		{"en", "", "New orders: 1 · updated: 3 · unchanged: 3\nNew customers: 1 · updated: 0\n" +
			"Changes:\n  #1006: refunded\n  #1004: shipped\n  #1002: cancelled\n"},
	} {
		args := []string{"--db", db, "--lang", tc.lang, "import", "orders", formats + "shopify_orders_later.csv"}
		if tc.args != "" {
			args = append(args, tc.args)
		}
		o := mostrador(t, args...)
		o.want(t, exitOK)
		if _, rest, _ := strings.Cut(o.stdout, "\n"); !strings.HasPrefix(rest, tc.want) {
			t.Errorf("%s: stdout:\n%s\nwant after the first line:\n%s", tc.lang, o.stdout, tc.want)
		}
	}
}

func TestReimportIsUnchanged(t *testing.T) {
	db := isolate(t)
	for _, f := range []string{formats + "shopify_orders.csv", formats + "generic_es.csv", "testdata/two_currencies.csv"} {
		importAsJSON(t, db, "en", f)
		res, o := importAsJSON(t, db, "en", f)
		o.want(t, exitOK)
		if res.Orders.Inserted != 0 || res.Orders.Updated != 0 || res.Orders.Unchanged == 0 ||
			res.Customers.Inserted != 0 || res.Customers.Updated != 0 || len(res.Changes) != 0 || len(res.Rejected) != 0 {
			t.Errorf("%s imported again: orders %+v customers %+v changes %+v", f, res.Orders, res.Customers, res.Changes)
		}
	}
}

// snapshot is every order's number and state, to compare a database before
// and after.
func snapshot(t *testing.T, dbPath string) string {
	t.Helper()
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT number || '|' || COALESCE(payment_status,'') || '|' || COALESCE(fulfillment_status,'') || '|' || cancelled || '|' || COALESCE(tracking,'') FROM orders ORDER BY number`,
		`SELECT COALESCE(email,'') || '|' || name FROM customer ORDER BY id`,
		`SELECT count(*) FROM order_item`,
		`SELECT count(*) FROM order_event`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s.String + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestDryRunWritesNothing(t *testing.T) {
	db := isolate(t)
	res, _ := importAsJSON(t, db, "en", "--dry-run", formats+"shopify_orders.csv")
	if !res.DryRun || res.Orders.Inserted != 6 || res.Customers.Inserted != 5 {
		t.Errorf("dry run reported %+v %+v dryRun=%v", res.Orders, res.Customers, res.DryRun)
	}
	for _, table := range []string{"orders", "customer", "order_item", "order_event"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("dry run wrote %d rows into %s", n, table)
		}
	}
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", formats+"shopify_orders.csv", "--dry-run")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "shopify_orders.csv (dry run, nothing saved): shopify format") {
		t.Errorf("stdout:\n%s", o.stdout)
	}

	// Over real data: the changes are reported, and not made.
	importAsJSON(t, db, "en", formats+"shopify_orders.csv")
	before := snapshot(t, db)
	res, _ = importAsJSON(t, db, "en", formats+"shopify_orders_later.csv", "--dry-run")
	if res.Orders.Inserted != 1 || res.Orders.Updated != 3 || len(res.Changes) != 4 {
		t.Errorf("dry run a week later reported %+v and %d changes", res.Orders, len(res.Changes))
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("dry run changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// And the real import afterwards still sees every change.
	res, _ = importAsJSON(t, db, "en", formats+"shopify_orders_later.csv")
	if len(res.Changes) != 4 {
		t.Errorf("real import after a dry run: %d changes, want 4", len(res.Changes))
	}
}

// cardJSON is the documented shape of "customer EMAIL --json".
type cardJSON struct {
	Customer struct {
		ID        int64  `json:"id"`
		Email     string `json:"email"`
		Name      string `json:"name"`
		Phone     string `json:"phone"`
		Emailable bool   `json:"emailable"`
	} `json:"customer"`
	Orders []struct {
		ID                int64      `json:"id"`
		Platform          string     `json:"platform"`
		Number            string     `json:"number"`
		PlacedAt          *time.Time `json:"placedAt"`
		Currency          string     `json:"currency"`
		Total             *int64     `json:"total"`
		Refunded          *int64     `json:"refunded"`
		Status            string     `json:"status"`
		PaymentStatus     string     `json:"paymentStatus"`
		FulfillmentStatus string     `json:"fulfillmentStatus"`
		StatusText        string     `json:"statusText"`
		Cancelled         bool       `json:"cancelled"`
		Carrier           string     `json:"carrier"`
		Tracking          string     `json:"tracking"`
		TrackingURL       string     `json:"trackingUrl"`
		ShippedAt         *time.Time `json:"shippedAt"`
		DeliveredAt       *time.Time `json:"deliveredAt"`
		Items             []struct {
			Quantity  int    `json:"quantity"`
			Name      string `json:"name"`
			SKU       string `json:"sku"`
			Variant   string `json:"variant"`
			UnitPrice *int64 `json:"unitPrice"`
			LineTotal *int64 `json:"lineTotal"`
		} `json:"items"`
	} `json:"orders"`
	Totals struct {
		OrderCount    int `json:"orderCount"`
		LifetimeValue []struct {
			Currency string `json:"currency"`
			Minor    int64  `json:"minor"`
		} `json:"lifetimeValue"`
		FirstOrder *time.Time `json:"firstOrder"`
		LastOrder  *time.Time `json:"lastOrder"`
	} `json:"totals"`
	// Bookings have their own tests (orders); here only their place.
	Appointments []json.RawMessage `json:"appointments"`
}

func customerCard(t *testing.T, db, email string) cardJSON {
	t.Helper()
	o := mostrador(t, "--db", db, "customer", email, "--json")
	o.want(t, exitOK)
	var card cardJSON
	decodeStrict(t, o.stdout, &card)
	top := requireKeys(t, "card", json.RawMessage(o.stdout), "customer", "orders[]", "totals")
	requireKeys(t, "totals", top["totals"], "orderCount", "lifetimeValue[]")
	var list []json.RawMessage
	json.Unmarshal(top["orders"], &list)
	for i, raw := range list {
		requireKeys(t, fmt.Sprintf("orders[%d]", i), raw, "number", "status", "items[]")
	}
	return card
}

func TestCustomerCard(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	card := customerCard(t, db, "rosa.diaz@example.com")

	cu := card.Customer
	if cu.Email != "rosa.diaz@example.com" || cu.Name != "Rosa Díaz" || cu.Phone != "+34 600 111 222" || !cu.Emailable {
		t.Errorf("customer %+v", cu)
	}
	day := func(d int) time.Time { return time.Date(2024, 4, d, 0, 0, 0, 0, time.Local) }
	type item struct {
		qty        int
		name       string
		unit, line int64
	}
	type order struct {
		number, currency  string
		total             int64
		status            string
		cancelled         bool
		carrier, tracking string
		placed            time.Time
		items             []item
	}
	want := []order{ // newest first
		{"T-3", "EUR", 1250, "cancelled", true, "", "", day(12), []item{{1, "Café en grano", 1250, 1250}}},
		{"T-2", "USD", 2600, "paid", false, "", "", day(10), []item{{1, "Ceramic mug", 2600, 2600}}},
		{"T-1", "EUR", 2400, "shipped", false, "Correos", "PQ0001ES", day(2),
			[]item{{2, "Jabón de oliva", 450, 900}, {1, "Vela de soja", 1500, 1500}}},
	}
	var got []order
	for _, o := range card.Orders {
		g := order{number: o.Number, currency: o.Currency, status: o.Status, cancelled: o.Cancelled,
			carrier: o.Carrier, tracking: o.Tracking}
		if o.Total != nil {
			g.total = *o.Total
		}
		if o.PlacedAt != nil {
			g.placed = o.PlacedAt.In(time.Local)
		}
		for _, it := range o.Items {
			i := item{qty: it.Quantity, name: it.Name}
			if it.UnitPrice != nil {
				i.unit = *it.UnitPrice
			}
			if it.LineTotal != nil {
				i.line = *it.LineTotal
			}
			g.items = append(g.items, i)
		}
		if o.Platform != "generic" {
			t.Errorf("%s platform %q", o.Number, o.Platform)
		}
		got = append(got, g)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("orders:\n%v\nwant:\n%v", got, want)
	}
	// Totals per currency; the cancelled order is counted but not valued.
	tot := card.Totals
	if tot.OrderCount != 3 || fmt.Sprint(tot.LifetimeValue) != "[{EUR 2400} {USD 2600}]" {
		t.Errorf("totals %+v", tot)
	}
	if tot.FirstOrder == nil || !tot.FirstOrder.Equal(day(2)) || tot.LastOrder == nil || !tot.LastOrder.Equal(day(12)) {
		t.Errorf("first %v last %v", tot.FirstOrder, tot.LastOrder)
	}

	// The card as text.
	o := mostrador(t, "--db", db, "--lang", "en", "customer", "rosa.diaz@example.com")
	o.want(t, exitOK)
	text := "Rosa Díaz <rosa.diaz@example.com>\n" +
		"Phone: +34 600 111 222\n" +
		"3 orders · lifetime value 24.00 EUR + 26.00 USD\n" +
		"  2024-04-12  T-3        12.50 EUR  Cancelled\n" +
		"      1 × Café en grano\n" +
		"  2024-04-10  T-2        26.00 USD  Paid\n" +
		"      1 × Ceramic mug\n" +
		"  2024-04-02  T-1        24.00 EUR  Shipped  Correos PQ0001ES\n" +
		"      2 × Jabón de oliva\n" +
		"      1 × Vela de soja\n"
	if o.stdout != text {
		t.Errorf("card:\n%s\nwant:\n%s", o.stdout, text)
	}
	o = mostrador(t, "--db", db, "--lang", "es", "customer", "ivan.soto@example.com")
	o.want(t, exitOK)
	if !strings.HasPrefix(o.stdout, "Iván Soto <ivan.soto@example.com>\n1 pedido · valor total 15,00 EUR\n") {
		t.Errorf("Spanish card:\n%s", o.stdout)
	}
}

func TestCustomerFromShopify(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", formats+"shopify_orders.csv").want(t, exitOK)
	card := customerCard(t, db, "ana.perez@example.com")
	if card.Customer.Name != "Ana Pérez" || card.Totals.OrderCount != 2 || len(card.Orders) != 2 {
		t.Fatalf("card %+v", card)
	}
	if o := card.Orders[1]; o.Number != "#1001" || len(o.Items) != 3 || o.Status != "shipped" {
		t.Errorf("#1001: %+v", o)
	}
	if fmt.Sprint(card.Totals.LifetimeValue) != "[{USD 8466}]" {
		t.Errorf("lifetime value %v, want 59.45 + 25.21 USD", card.Totals.LifetimeValue)
	}
}

func TestCustomerEmailCase(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	want := customerCard(t, db, "rosa.diaz@example.com")
	for _, email := range []string{"Rosa.Diaz@Example.com", "ROSA.DIAZ@EXAMPLE.COM", " rosa.diaz@example.com "} {
		got := customerCard(t, db, email)
		if got.Customer.ID != want.Customer.ID || got.Customer.Email != "rosa.diaz@example.com" || len(got.Orders) != len(want.Orders) {
			t.Errorf("customer %q: %+v, want the same person as rosa.diaz@example.com", email, got.Customer)
		}
	}
}

func TestCustomerUnknown(t *testing.T) {
	db := isolate(t)
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	mostrador(t, "--db", db, "--lang", "en", "customer", "nobody@example.com").
		wantError(t, exitFailure, "en", "no customer has the email nobody@example.com")
	mostrador(t, "--db", db, "--lang", "es", "customer", "--json", "Nadie@Example.com").
		wantError(t, exitFailure, "es", "no hay ningún cliente con el correo Nadie@Example.com")
}

func TestDatabaseErrors(t *testing.T) {
	db := isolate(t)
	// A path under a file cannot be created.
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(blocker, "shop.db")
	o := mostrador(t, "--db", bad, "--lang", "en", "customer", "ana@example.com")
	o.want(t, exitFailure)
	if want := "mostrador: cannot open the database " + bad + ": "; !strings.HasPrefix(o.stderr, want) || strings.Count(o.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting %q", o.stderr, want)
	}

	// A database from a newer Mostrador is left alone.
	mostrador(t, "--db", db, "import", "orders", "testdata/two_currencies.csv").want(t, exitOK)
	sdb, err := database.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	pkg := orders.Migrations.Package
	var have int
	if err := sdb.QueryRow(`UPDATE schema_version SET version = version + 5 WHERE package = ? RETURNING version`, pkg).Scan(&have); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	before := snapshot(t, db)
	for _, args := range [][]string{{"customer", "rosa.diaz@example.com"}, {"import", "orders", "testdata/two_currencies.csv"}} {
		o = mostrador(t, append([]string{"--db", db, "--lang", "en"}, args...)...)
		o.want(t, exitFailure)
		want := fmt.Sprintf("mostrador: the database %s was written by a newer version of Mostrador (%s schema version %d; this version knows up to %d). "+
			"Update Mostrador to open it; the database was not changed.\n", db, pkg, have, have-5)
		if o.stderr != want {
			t.Errorf("%v: stderr\n%s\nwant\n%s", args, o.stderr, want)
		}
	}
	if after := snapshot(t, db); after != before {
		t.Error("a newer database was changed")
	}
}

// translationKey is what a message key looks like: a prefix (cli, import,
// reject, appt, ...), then dot-separated names (cli.usage, appt.status.no_show).
var translationKey = regexp.MustCompile(`^([a-z]+)(\.[a-z][A-Za-z0-9_]*)+$`)

// dynamicKeys are the keys the code builds as prefix + value; every value the
// code can produce must have a message.
var dynamicKeys = map[string][]string{
	// "status." + Order.Status (orders/card.go, Order.summary)
	"status.": {"cancelled", "refunded", "delivered", "shipped", "partial", "paid", "pending", "failed", "voided", "open"},
	// "change." + Change.Kind (orders/store.go, diff; orders/writer.go)
	"change.": {"new", "shipped", "delivered", "cancelled", "refunded", "tracking", "updated"},
	// "field." + Change.Fields (orders/store.go, diff; "items" from orders/writer.go)
	"field.": {"email", "name", "phone", "placedAt", "currency", "subtotal", "shipping", "tax", "discount", "total",
		"refunded", "paymentStatus", "fulfillmentStatus", "status", "carrier", "trackingUrl", "shippingMethod",
		"shippedAt", "deliveredAt", "cancelledAt", "note", "items"},
	// "appt." + appointment change kind (orders/appointments_store.go, apptDiff)
	"appt.": {"new", "cancelled", "moved", "updated"},
	// "appt.status." + Appointment.Status (orders/appointments_parse.go, apptStatus)
	"appt.status.": {"booked", "cancelled", "completed", "no_show"},
	// "setting." + a settings key (main.go, printSetting)
	"setting.": {"shop.name", "shop.owner", "shop.signature", "shop.timezone", "shop.language",
		"reminders.quiet_hours", "reminders.rate_per_minute", "reminders.test_mode"},
}

// TestTranslationKeysExist finds every string literal in the Go code that
// looks like a message key (its prefix is one the catalogs use: cli., import.,
// reject., warn., ...) and checks that both languages have it. Keys built at
// run time are listed in dynamicKeys.
func TestTranslationKeysExist(t *testing.T) {
	catalogs := map[string]map[string]bool{}
	prefixes := map[string]bool{}
	for _, lang := range assets.Languages {
		catalogs[lang] = map[string]bool{}
		for _, k := range assets.Keys(lang) {
			catalogs[lang][k] = true
			if m := translationKey.FindStringSubmatch(k); m != nil {
				prefixes[m[1]] = true
			} else {
				t.Errorf("%s: key %q does not look like prefix.name", lang, k)
			}
		}
	}
	used := map[string][]string{} // key -> where
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			where := fset.Position(lit.Pos()).String()
			if m := translationKey.FindStringSubmatch(s); m != nil && prefixes[m[1]] {
				used[s] = append(used[s], where)
			} else if p, _, _ := strings.Cut(s, "."); strings.HasSuffix(s, ".") && prefixes[p] {
				if _, listed := dynamicKeys[s]; !listed {
					t.Errorf("%s: key prefix %q is completed at run time; list its values in dynamicKeys", where, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, values := range dynamicKeys {
		for _, v := range values {
			used[prefix+v] = append(used[prefix+v], "dynamicKeys")
		}
	}
	for _, must := range []string{"cli.usage", "import.unreadable", "reject.date", "warn.dateOrder", "status.open", "change.shipped"} {
		if _, ok := used[must]; !ok {
			t.Errorf("the scan did not find %q: is it still looking in the right places?", must)
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, lang := range assets.Languages {
			if !catalogs[lang][k] {
				t.Errorf("%s.json has no %q, used at %s", lang, k, strings.Join(used[k], ", "))
			}
		}
	}
	var unused []string
	for k := range catalogs[assets.Languages[0]] {
		if _, ok := used[k]; !ok {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Logf("keys no Go literal names (used elsewhere, or left over): %v", unused)
	}
}

// The black-box test: the real binary, as a script would run it.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mostrador-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mostrador")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		// go test puts its own GOROOT/bin first on PATH.
		cmd := exec.Command("go", "build", "-tags", "ci", "-o", binPath, ".")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("running the binary: %v", err)
	return -1
}

func TestBinary(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		// A real locale: under LANG=C Fyne logs a locale warning on stderr
		// at start-up (fyne-io/fyne#5271), before any of our code runs.
		"LANGUAGE=", "LC_ALL=", "LC_MESSAGES=", "LANG=en_US.UTF-8")
	runBin := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return exitCode(t, err), stdout.String(), stderr.String()
	}

	code, stdout, stderr := runBin("--version")
	if code != 0 || stdout != versionLine(fyneVersion(t)) || stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	db := filepath.Join(home, "shop.db")
	code, stdout, stderr = runBin("--db", db, "import", "orders", formats+"bad_rows.csv", "--json")
	if code != exitRejected {
		t.Errorf("import with rejected rows: exit %d, want %d; stderr %s", code, exitRejected, stderr)
	}
	if stderr != "" {
		t.Errorf("--json import wrote on stderr: %q", stderr)
	}
	var res importJSON
	decodeStrict(t, stdout, &res)
	if res.Orders.Inserted != 2 || len(res.Rejected) != 4 {
		t.Errorf("result %+v", res)
	}

	// An error: nothing on stdout, one line on stderr, status 1.
	code, stdout, stderr = runBin("--db", db, "import", "orders", formats+"not_orders.csv", "--json")
	if code != exitFailure || stdout != "" || !strings.HasPrefix(stderr, "mostrador: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("not an export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// The window hands the same catalogs to Fyne (for its own words); Fyne's
// go-i18n must accept them.
func TestFyneAcceptsTranslations(t *testing.T) {
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
}
