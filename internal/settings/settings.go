// Package settings holds the shop's non-secret settings (shop name, owner,
// signature, time zone, language, the reminders' quiet hours, rate and test
// mode) in the shop's database, so that one database file is one shop.
// Passwords never come here: they live in the OS keyring.
//
// Every key is known in advance, with its default and its check: a setting
// is stored only in its normal form ("true", "21:00-08:00",
// "America/Santiago"), and a value that cannot be used is refused with an
// *Error naming the key and saying what is expected.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"mostrador/internal/database"
)

// Migrations are the settings table.
var Migrations = database.Migrations{Package: "settings", Steps: []string{
	`CREATE TABLE setting (
		key        TEXT PRIMARY KEY,
		value      TEXT NOT NULL,
		updated_at TEXT NOT NULL
	) WITHOUT ROWID`,
}}

// The keys.
const (
	ShopName      = "shop.name"
	ShopOwner     = "shop.owner"
	ShopSignature = "shop.signature"
	ShopTimezone  = "shop.timezone"
	ShopLanguage  = "shop.language"
	QuietHours    = "reminders.quiet_hours"
	RatePerMinute = "reminders.rate_per_minute"
	TestMode      = "reminders.test_mode"
)

type spec struct {
	def   func() string // the value when none is stored
	check func(string) (string, string, error)
}

// check functions return the normal form of a value, or the Code of the
// Error that refuses it.
var specs = map[string]spec{
	ShopName:      {def: empty, check: text(200)},
	ShopOwner:     {def: empty, check: text(200)},
	ShopSignature: {def: empty, check: multiline(2000)},
	ShopTimezone:  {def: SystemZone, check: checkZone},
	ShopLanguage:  {def: empty, check: checkLanguage},
	QuietHours:    {def: fixed("21:00-08:00"), check: checkQuietHours},
	RatePerMinute: {def: fixed("30"), check: checkRate},
	TestMode:      {def: fixed("false"), check: checkBool},
}

// Keys lists every setting, sorted.
func Keys() []string {
	keys := make([]string, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Error refuses a setting: Code is a translation key ("settings.badZone"
// ...), Key and Value what was asked.
type Error struct {
	Key, Value, Code string
	Err              error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := map[string]string{
		"settings.unknownKey":    "unknown setting; the settings are " + strings.Join(Keys(), ", "),
		"settings.tooLong":       "the value is too long",
		"settings.oneLine":       "the value must fit on one line",
		"settings.badZone":       "not a time zone name like Europe/Madrid or America/Santiago",
		"settings.badLanguage":   "the language is es or en (empty: follow the system)",
		"settings.badQuietHours": "quiet hours are written HH:MM-HH:MM, like 21:00-08:00, or off",
		"settings.badRate":       "a whole number of emails per minute, from 1 to 600",
		"settings.badBool":       "true or false",
	}[e.Code]
	return fmt.Sprintf("setting %s = %q: %s", e.Key, e.Value, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Setting is one key's value as it stands.
type Setting struct {
	Key     string `json:"key"`
	Value   string `json:"value"`   // the stored value, else the default
	Default string `json:"default"` // what an unset key reads as
	IsSet   bool   `json:"set"`     // stored, not the default
}

// Get reads one setting.
func Get(ctx context.Context, db *sql.DB, key string) (Setting, error) {
	sp, ok := specs[key]
	if !ok {
		return Setting{}, &Error{Key: key, Code: "settings.unknownKey"}
	}
	s := Setting{Key: key, Default: sp.def()}
	err := db.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = ?`, key).Scan(&s.Value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.Value = s.Default
		return s, nil
	case err != nil:
		return Setting{}, fmt.Errorf("setting %s: %w", key, err)
	}
	s.IsSet = true
	return s, nil
}

// All reads every setting, sorted by key.
func All(ctx context.Context, db *sql.DB) ([]Setting, error) {
	stored := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT key, value FROM setting`)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
		stored[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	var out []Setting
	for _, k := range Keys() {
		s := Setting{Key: k, Default: specs[k].def()}
		s.Value, s.IsSet = stored[k]
		if !s.IsSet {
			s.Value = s.Default
		}
		out = append(out, s)
	}
	return out, nil
}

// Check reads a value as Set would store it, without storing it: its
// normal form, or the *Error that refuses it. An empty value stands for the
// default and is never refused. A form that saves several settings at once
// checks them all first, so that one refusal leaves none half-saved.
func Check(key, value string) (string, error) {
	sp, ok := specs[key]
	if !ok {
		return "", &Error{Key: key, Value: value, Code: "settings.unknownKey"}
	}
	if strings.TrimSpace(value) == "" {
		return "", nil
	}
	norm, code, err := sp.check(value)
	if code != "" {
		return "", &Error{Key: key, Value: value, Code: code, Err: err}
	}
	return norm, nil
}

// Set checks a value and stores its normal form, which it returns. An empty
// value (after trimming) removes the setting, so that it reads as its
// default again.
func Set(ctx context.Context, db *sql.DB, key, value string) (Setting, error) {
	sp, ok := specs[key]
	if !ok {
		return Setting{}, &Error{Key: key, Value: value, Code: "settings.unknownKey"}
	}
	if strings.TrimSpace(value) == "" {
		if _, err := db.ExecContext(ctx, `DELETE FROM setting WHERE key = ?`, key); err != nil {
			return Setting{}, fmt.Errorf("setting %s: %w", key, err)
		}
		return Get(ctx, db, key)
	}
	norm, err := Check(key, value)
	if err != nil {
		return Setting{}, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO setting(key, value, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, norm, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return Setting{}, fmt.Errorf("setting %s: %w", key, err)
	}
	return Setting{Key: key, Value: norm, Default: sp.def(), IsSet: true}, nil
}

// Location is the shop's time zone: shop.timezone, else the computer's.
// A stored zone this computer's time zone database lacks is an *Error.
func Location(ctx context.Context, db *sql.DB) (*time.Location, error) {
	s, err := Get(ctx, db, ShopTimezone)
	if err != nil {
		return nil, err
	}
	if !s.IsSet {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(s.Value)
	if err != nil {
		return nil, &Error{Key: ShopTimezone, Value: s.Value, Code: "settings.badZone", Err: err}
	}
	return loc, nil
}

// SystemZone is the IANA name of the computer's time zone (time.Local calls
// itself "Local"): from TZ, else the system's zone file; "" if unknown.
func SystemZone() string { return ZoneName(time.Local) }

// ZoneName is a location's IANA name, time.Local's included.
func ZoneName(loc *time.Location) string {
	if n := loc.String(); n != "Local" {
		return n
	}
	if tz, ok := os.LookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" {
			return "UTC" // TZ set empty: Go reads it as UTC
		}
		if _, err := time.LoadLocation(tz); err == nil && !strings.HasPrefix(tz, "/") {
			return tz
		}
	}
	if p, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.LastIndex(p, "zoneinfo/"); i >= 0 {
			return p[i+len("zoneinfo/"):]
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		if tz := strings.TrimSpace(string(b)); tz != "" {
			return tz
		}
	}
	return ""
}

func empty() string { return "" }

func fixed(v string) func() string { return func() string { return v } }

func text(max int) func(string) (string, string, error) {
	return func(v string) (string, string, error) {
		v = strings.TrimSpace(v)
		if strings.ContainsAny(v, "\r\n") {
			return "", "settings.oneLine", nil
		}
		if len([]rune(v)) > max {
			return "", "settings.tooLong", nil
		}
		return v, "", nil
	}
}

// multiline keeps the lines of a signature as written, without the blank
// lines around them, trailing spaces or Windows line ends.
func multiline(max int) func(string) (string, string, error) {
	return func(v string) (string, string, error) {
		v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
		lines := strings.Split(v, "\n")
		for i, l := range lines {
			if lines[i] = strings.TrimRight(l, " \t"); lines[i] == "--" {
				lines[i] = "-- " // the signature separator keeps its space (RFC 3676)
			}
		}
		v = strings.Trim(strings.Join(lines, "\n"), "\n")
		if len([]rune(v)) > max {
			return "", "settings.tooLong", nil
		}
		return v, "", nil
	}
}

func checkZone(v string) (string, string, error) {
	v = strings.TrimSpace(v)
	if !portableZone(v) {
		return "", "settings.badZone", nil
	}
	// The zone database's own spelling when the owner typed another
	// ("europe/madrid"): a case-insensitive disk would load it as typed, and
	// another computer would not.
	for _, name := range []string{zoneCase(v), v} {
		if loc, err := time.LoadLocation(name); err == nil && portableZone(name) {
			return loc.String(), "", nil
		}
	}
	_, err := time.LoadLocation(v)
	return "", "settings.badZone", err
}

// portableZone refuses what is not a place every computer's zone database
// knows by name: "Local" (whatever zone the computer is in), paths, and the
// system database's extra trees and files (posix/..., right/..., posixrules,
// Factory, localtime).
func portableZone(v string) bool {
	l := strings.ToLower(v)
	switch {
	case v == "", l == "local", l == "localtime", l == "posixrules", l == "factory",
		strings.HasPrefix(v, "/"), strings.Contains(v, ".."), strings.Contains(v, "\\"),
		strings.HasPrefix(l, "posix/"), strings.HasPrefix(l, "right/"):
		return false
	}
	return true
}

// zoneCase writes a zone name as the zone database does: each word
// capitalized ("america/buenos_aires" -> "America/Buenos_Aires"); UTC stays.
func zoneCase(v string) string {
	if strings.EqualFold(v, "utc") {
		return "UTC"
	}
	b := []rune(strings.ToLower(v))
	up := true
	for i, r := range b {
		if up && r >= 'a' && r <= 'z' {
			b[i] = r - 'a' + 'A'
		}
		up = r == '/' || r == '_' || r == '-'
	}
	return string(b)
}

func checkLanguage(v string) (string, string, error) {
	switch l := strings.ToLower(strings.TrimSpace(v)); l {
	case "es", "en":
		return l, "", nil
	}
	return "", "settings.badLanguage", nil
}

// checkQuietHours reads "21:00-08:00" (also "21-8", "21:00 - 8:00"), or
// "off" for none.
func checkQuietHours(v string) (string, string, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "off", "none", "no", "ninguna", "ninguno":
		return "off", "", nil
	}
	from, to, ok := strings.Cut(strings.ReplaceAll(v, " ", ""), "-")
	if !ok {
		return "", "settings.badQuietHours", nil
	}
	f, ok1 := clock(from)
	t, ok2 := clock(to)
	if !ok1 || !ok2 || f == t {
		return "", "settings.badQuietHours", nil
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", f/60, f%60, t/60, t%60), "", nil
}

// QuietHoursOf reads a stored quiet_hours value as minutes after midnight;
// ok is false for "off".
func QuietHoursOf(v string) (from, to int, ok bool) {
	a, b, found := strings.Cut(v, "-")
	if !found {
		return 0, 0, false
	}
	from, ok1 := clock(a)
	to, ok2 := clock(b)
	return from, to, ok1 && ok2 && from != to
}

func clock(s string) (int, bool) {
	h, m, hasMin := strings.Cut(s, ":")
	hh, err := strconv.Atoi(h)
	if err != nil || len(h) > 2 || hh < 0 || hh > 23 {
		return 0, false
	}
	mm := 0
	if hasMin {
		if len(m) != 2 {
			return 0, false
		}
		if mm, err = strconv.Atoi(m); err != nil || mm < 0 || mm > 59 {
			return 0, false
		}
	}
	return hh*60 + mm, true
}

func checkRate(v string) (string, string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 600 {
		return "", "settings.badRate", err
	}
	return strconv.Itoa(n), "", nil
}

func checkBool(v string) (string, string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1", "si", "sí":
		return "true", "", nil
	case "false", "no", "off", "0":
		return "false", "", nil
	}
	return "", "settings.badBool", nil
}
