package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"mostrador/assets"
	"mostrador/internal/database"
	"mostrador/orders"
)

// root is the module's folder, seen from this package's.
const root = "../../"

// formats holds the sample exports of every platform, which the orders
// package tests too.
const formats = root + "orders/testdata/formats/"

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

// testVersion stands for the release main passes in.
const testVersion = "0.0.0-test"

// mostrador runs the command line in-process, as main does (no test opens
// the window).
func mostrador(t *testing.T, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(args, &stdout, &stderr, Options{Version: testVersion})
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
	mostrador(t, "--db", db, "--lang", "en", "--demo").wantError(t, exitFailure, "en",
		"the demo (--demo) does not exist in this version yet; open the window without --demo and import an orders file")
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
