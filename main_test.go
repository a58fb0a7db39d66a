package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"mostrador/assets"
)

// The command line itself is tested in internal/cli; here, what main adds to
// it: this release's version, and the window's translations.

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

// TestVersion runs the command line as main does: --version says the
// release FyneApp.toml carries, and opens no database.
func TestVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shop.db")
	v := fyneVersion(t)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("FyneApp.toml Version %q is not x.y.z", v)
	}
	for _, args := range [][]string{{"--version"}, {"--lang", "en", "--version"}, {"--db", db, "--version"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 0 || stderr.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
		if stdout.String() != versionLine(v) {
			t.Errorf("%v: stdout %q, want %q (FyneApp.toml and main.go must agree)", args, stdout.String(), versionLine(v))
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--version created the database")
	}
}

// The window hands the same catalogs to Fyne (for its own words); Fyne's
// go-i18n must accept them.
func TestFyneAcceptsTranslations(t *testing.T) {
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
}
