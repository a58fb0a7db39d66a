package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := database.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDefaultsUntilSet(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := context.Background()
	all, err := All(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(specs) {
		t.Fatalf("%d settings listed, %d known", len(all), len(specs))
	}
	want := map[string]string{ShopTimezone: SystemZone(), QuietHours: "21:00-08:00", RatePerMinute: "30",
		TestMode: "false", ShopName: "", ShopLanguage: ""}
	for i, s := range all {
		if i > 0 && all[i-1].Key >= s.Key {
			t.Errorf("not sorted: %s after %s", s.Key, all[i-1].Key)
		}
		if s.IsSet || s.Value != s.Default {
			t.Errorf("%+v: set in an empty database", s)
		}
		if v, ok := want[s.Key]; ok && s.Value != v {
			t.Errorf("%s = %q, want default %q", s.Key, s.Value, v)
		}
	}
}

// Values are stored in their normal form and survive a reopening of the
// file; an empty value goes back to the default.
func TestSetNormalizesAndPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	db := openDB(t, path)
	ctx := context.Background()
	for _, tc := range []struct{ key, in, want string }{
		{ShopName, "  Jabones Lola  ", "Jabones Lola"},
		{ShopOwner, "Lola Peña", "Lola Peña"},
		{ShopSignature, "--\nLola", "-- \nLola"},
		{ShopSignature, "\r\nLola Peña  \r\nJabones Lola · Valparaíso\r\n\r\n", "Lola Peña\nJabones Lola · Valparaíso"},
		{ShopTimezone, "america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"},
		{ShopTimezone, " Europe/Madrid ", "Europe/Madrid"},
		{ShopLanguage, "EN", "en"},
		{QuietHours, "22-7:30", "22:00-07:30"},
		{QuietHours, "21:00 - 08:00", "21:00-08:00"},
		{QuietHours, "OFF", "off"},
		{QuietHours, "21:00-08:00\n", "21:00-08:00"},
		{RatePerMinute, " 12 ", "12"},
		{TestMode, "sí", "true"},
		{TestMode, "No", "false"},
	} {
		s, err := Set(ctx, db, tc.key, tc.in)
		if err != nil {
			t.Fatalf("Set(%s, %q): %v", tc.key, tc.in, err)
		}
		if s.Value != tc.want || !s.IsSet {
			t.Errorf("Set(%s, %q) = %+v, want %q", tc.key, tc.in, s, tc.want)
		}
		if got, _ := Get(ctx, db, tc.key); got.Value != tc.want {
			t.Errorf("Get(%s) = %q after setting %q", tc.key, got.Value, tc.want)
		}
	}
	db.Close()

	db = openDB(t, path)
	got, err := Get(ctx, db, ShopSignature)
	if err != nil || got.Value != "Lola Peña\nJabones Lola · Valparaíso" {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
	loc, err := Location(ctx, db)
	if err != nil || loc.String() != "Europe/Madrid" {
		t.Fatalf("Location = %v, %v", loc, err)
	}
	if s, err := Set(ctx, db, ShopTimezone, "  "); err != nil || s.IsSet || s.Value != SystemZone() {
		t.Fatalf("reset: %+v %v", s, err)
	}
	if loc, err := Location(ctx, db); err != nil || loc != time.Local {
		t.Fatalf("Location after reset = %v, %v; want the computer's", loc, err)
	}
}

// A value that cannot be used is refused with the key, the value and the
// reason, and what was stored before stays.
func TestSetRefuses(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := context.Background()
	if _, err := Set(ctx, db, QuietHours, "22:00-07:00"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, in, code string }{
		{"shop.nombre", "x", "settings.unknownKey"},
		{ShopName, "Jabones\nLola", "settings.oneLine"},
		{ShopName, strings.Repeat("ñ", 201), "settings.tooLong"},
		{ShopSignature, strings.Repeat("x", 2001), "settings.tooLong"},
		{ShopTimezone, "Mars/Olympus", "settings.badZone"},
		{ShopTimezone, "Local", "settings.badZone"},
		{ShopTimezone, "local", "settings.badZone"},
		{ShopTimezone, "posix/Europe/Madrid", "settings.badZone"},
		{ShopTimezone, "right/UTC", "settings.badZone"},
		{ShopTimezone, "posixrules", "settings.badZone"},
		{ShopTimezone, "Factory", "settings.badZone"},
		{ShopTimezone, "/etc/localtime", "settings.badZone"},
		{ShopTimezone, "../../etc/passwd", "settings.badZone"},
		{ShopLanguage, "fr", "settings.badLanguage"},
		{QuietHours, "21:00", "settings.badQuietHours"},
		{QuietHours, "25:00-08:00", "settings.badQuietHours"},
		{QuietHours, "21:00-08:5", "settings.badQuietHours"},
		{QuietHours, "08:00-08:00", "settings.badQuietHours"},
		{RatePerMinute, "0", "settings.badRate"},
		{RatePerMinute, "1000", "settings.badRate"},
		{RatePerMinute, "3.5", "settings.badRate"},
		{TestMode, "maybe", "settings.badBool"},
	} {
		_, err := Set(ctx, db, tc.key, tc.in)
		var se *Error
		if !errors.As(err, &se) || se.Code != tc.code || se.Key != tc.key || se.Value != tc.in {
			t.Errorf("Set(%s, %q) = %v, want %s", tc.key, tc.in, err, tc.code)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.key) || strings.HasSuffix(msg, ": ") {
			t.Errorf("message %q does not name the setting or the reason", msg)
		}
	}
	if s, _ := Get(ctx, db, QuietHours); s.Value != "22:00-07:00" {
		t.Errorf("a refused value changed the stored one: %+v", s)
	}
	if _, err := Get(ctx, db, "shop.nombre"); err == nil {
		t.Error("Get of an unknown key succeeded")
	}
}

// Check says what Set would store, and stores nothing.
func TestCheck(t *testing.T) {
	for _, c := range []struct{ key, value, want, code string }{
		{ShopTimezone, "europe/madrid", "Europe/Madrid", ""},
		{ShopTimezone, "Mars/Olympus", "", "settings.badZone"},
		{ShopLanguage, " EN ", "en", ""},
		{ShopLanguage, "fr", "", "settings.badLanguage"},
		{ShopLanguage, "", "", ""},
		{ShopName, "Jabones\nLola", "", "settings.oneLine"},
		{"shop.colour", "red", "", "settings.unknownKey"},
	} {
		got, err := Check(c.key, c.value)
		var se *Error
		switch {
		case c.code == "" && (err != nil || got != c.want):
			t.Errorf("Check(%s, %q) = %q, %v; want %q", c.key, c.value, got, err, c.want)
		case c.code != "" && (!errors.As(err, &se) || se.Code != c.code || se.Key != c.key):
			t.Errorf("Check(%s, %q) = %q, %v; want %s", c.key, c.value, got, err, c.code)
		}
	}
}

func TestQuietHoursOf(t *testing.T) {
	for in, want := range map[string][3]int{
		"21:00-08:00": {21 * 60, 8 * 60, 1},
		"13:30-14:15": {13*60 + 30, 14*60 + 15, 1},
		"off":         {0, 0, 0},
		"":            {0, 0, 0},
	} {
		f, to, ok := QuietHoursOf(in)
		if f != want[0] || to != want[1] || ok != (want[2] == 1) {
			t.Errorf("QuietHoursOf(%q) = %d %d %v, want %v", in, f, to, ok, want)
		}
	}
}

// A zone stored by a computer whose zone database had it, read where it is
// missing, is an error naming the setting, not a silent switch to UTC.
func TestLocationOfUnknownStoredZone(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := context.Background()
	if _, err := db.Exec(`INSERT INTO setting(key, value, updated_at) VALUES(?, 'Pacific/Atlantis', '')`, ShopTimezone); err != nil {
		t.Fatal(err)
	}
	_, err := Location(ctx, db)
	var se *Error
	if !errors.As(err, &se) || se.Key != ShopTimezone || se.Code != "settings.badZone" {
		t.Fatalf("Location = %v", err)
	}
}

func TestZoneName(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	if n := ZoneName(madrid); n != "Europe/Madrid" {
		t.Errorf("ZoneName(Madrid) = %q", n)
	}
}

// TestMain doubles as the child process of TestSystemZone.
func TestMain(m *testing.M) {
	if os.Getenv("SETTINGS_ZONE_CHILD") != "" {
		fmt.Printf("ZONE=%s\n", SystemZone())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The computer's zone is fixed when a process starts, so each case runs in
// a process of its own (this test binary, see TestMain).
func TestSystemZone(t *testing.T) {
	child := func(tz *string) string {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append([]string{"SETTINGS_ZONE_CHILD=1"}, os.Environ()...)
		var env []string
		for _, kv := range cmd.Env {
			if !strings.HasPrefix(kv, "TZ=") {
				env = append(env, kv)
			}
		}
		if tz != nil {
			env = append(env, "TZ="+*tz)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		_, zone, ok := strings.Cut(string(out), "ZONE=")
		if !ok {
			t.Fatalf("child printed no zone:\n%s", out)
		}
		zone, _, _ = strings.Cut(zone, "\n")
		return zone
	}
	lima, empty, colon := "America/Lima", "", ":Asia/Tokyo"
	if z := child(&lima); z != "America/Lima" {
		t.Errorf("TZ=America/Lima: %q", z)
	}
	if z := child(&colon); z != "Asia/Tokyo" {
		t.Errorf("TZ=:Asia/Tokyo: %q", z)
	}
	if z := child(&empty); z != "UTC" {
		t.Errorf("TZ empty: %q", z)
	}
	// Unset: the system's zone file names it.
	z := child(nil)
	if _, err := os.Stat("/etc/localtime"); err == nil {
		if _, err := time.LoadLocation(z); z == "" || err != nil {
			t.Errorf("TZ unset: %q is not a zone name (%v)", z, err)
		}
	}
}
