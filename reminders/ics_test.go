package reminders

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The tests read every file back with ical.js, a real calendar parser that
// computes instants from the file's own VTIMEZONE (it ships no zone data of
// its own), so a wrong VTIMEZONE shows as a wrong instant. It is installed
// once per machine with npm, at the version pinned in testdata/icaljs; see
// icalJSModule.

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("zone %s: %v", name, err)
	}
	return loc
}

// appointment is a valid invitation for a shop in zone, starting at start.
func appointment(zone *time.Location, start time.Time) Invitation {
	return Invitation{
		UID:         "appointment-42@shop.example",
		Method:      "REQUEST",
		Start:       start,
		Zone:        zone,
		Summary:     "Corte y peinado — Peluquería Ana",
		Description: "Trae el pelo limpio.\nSi no puedes venir, avísanos.",
		Location:    "Calle Mayor 1, Madrid",
		Organizer:   Person{Name: "Peluquería Ana", Email: "ana@shop.example"},
		Attendee:    Person{Name: "María Pérez", Email: "maria@example.com"},
		Stamp:       time.Date(2026, time.January, 15, 9, 30, 0, 0, time.UTC),
	}
}

func mustICS(t testing.TB, inv Invitation) []byte {
	t.Helper()
	b, err := ICS(inv)
	if err != nil {
		t.Fatalf("ICS(%s at %s): %v", inv.UID, inv.Start, err)
	}
	return b
}

// contentLines unfolds the file (RFC 5545 3.1) into its content lines.
func contentLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\r\n")
	s = strings.ReplaceAll(s, "\r\n ", "")
	return strings.Split(s, "\r\n")
}

// propertyName is the name of a content line: what comes before the first
// ";" or ":".
func propertyName(line string) string {
	if i := strings.IndexAny(line, ";:"); i >= 0 {
		return line[:i]
	}
	return line
}

func TestICSEvent(t *testing.T) {
	madrid := mustZone(t, "Europe/Madrid")
	inv := appointment(madrid, time.Date(2026, time.March, 30, 10, 0, 0, 0, madrid))
	inv.Sequence = 2
	inv.Attendee.Name = "Pérez, María"
	lines := contentLines(mustICS(t, inv))

	head := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Mostrador//Mostrador//ES",
		"CALSCALE:GREGORIAN",
		"METHOD:REQUEST",
		"BEGIN:VTIMEZONE",
	}
	if !slices.Equal(lines[:len(head)], head) {
		t.Errorf("calendar starts\n%s\nwant\n%s", strings.Join(lines[:len(head)], "\n"), strings.Join(head, "\n"))
	}
	event := []string{
		"BEGIN:VEVENT",
		"UID:appointment-42@shop.example",
		"SEQUENCE:2",
		"DTSTAMP:20260115T093000Z",
		"DTSTART;TZID=Europe/Madrid:20260330T100000",
		"DTEND;TZID=Europe/Madrid:20260330T110000",
		"SUMMARY:Corte y peinado — Peluquería Ana",
		`DESCRIPTION:Trae el pelo limpio.\nSi no puedes venir\, avísanos.`,
		`LOCATION:Calle Mayor 1\, Madrid`,
		"ORGANIZER;CN=Peluquería Ana:mailto:ana@shop.example",
		`ATTENDEE;CN="Pérez, María";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:maria@example.com`,
		"STATUS:CONFIRMED",
		"TRANSP:OPAQUE",
		"END:VEVENT",
		"END:VCALENDAR",
	}
	if got := lines[len(lines)-len(event):]; !slices.Equal(got, event) {
		t.Errorf("event is\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(event, "\n"))
	}

	inv.Method, inv.Location = "CANCEL", ""
	lines = contentLines(mustICS(t, inv))
	if !slices.Contains(lines, "METHOD:CANCEL") || !slices.Contains(lines, "STATUS:CANCELLED") {
		t.Errorf("a cancellation lacks METHOD:CANCEL or STATUS:CANCELLED:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "LOCATION") {
			t.Errorf("an empty location is written: %q", l)
		}
	}
}

// TestICSTimezones checks the VTIMEZONE of the zones the shops are in today:
// yearly rules where the zone has them, and one STANDARD where it has no DST.
func TestICSTimezones(t *testing.T) {
	tests := []struct {
		zone  string
		start time.Time // in UTC; the zone's wall clock is worked out
		want  string
	}{
		{"Europe/Madrid", time.Date(2026, time.June, 1, 8, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:Europe/Madrid
BEGIN:STANDARD
DTSTART:20251026T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20250330T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE`},
		// Chile changes at 24:00 on the Saturday before the first Sunday on
		// or after the 2nd ("Sun>=2" in the tz database), which no "nth
		// Sunday" rule gives: 2026-04-05, 2027-04-04, but 2029-04-08.
		{"America/Santiago", time.Date(2026, time.June, 1, 14, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:America/Santiago
BEGIN:STANDARD
DTSTART:20250406T000000
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8
TZOFFSETFROM:-0300
TZOFFSETTO:-0400
TZNAME:-04
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20250907T000000
RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8
TZOFFSETFROM:-0400
TZOFFSETTO:-0300
TZNAME:-03
END:DAYLIGHT
END:VTIMEZONE`},
		// In 2022 Chile moved its September change to the 11th, once: no
		// yearly rule fits, so each change is written as it was.
		{"America/Santiago", time.Date(2022, time.June, 1, 14, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:America/Santiago
BEGIN:DAYLIGHT
DTSTART:20200906T000000
TZOFFSETFROM:-0400
TZOFFSETTO:-0300
TZNAME:-03
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20210404T000000
TZOFFSETFROM:-0300
TZOFFSETTO:-0400
TZNAME:-04
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20210905T000000
TZOFFSETFROM:-0400
TZOFFSETTO:-0300
TZNAME:-03
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20220403T000000
TZOFFSETFROM:-0300
TZOFFSETTO:-0400
TZNAME:-04
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20220911T000000
TZOFFSETFROM:-0400
TZOFFSETTO:-0300
TZNAME:-03
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20230402T000000
TZOFFSETFROM:-0300
TZOFFSETTO:-0400
TZNAME:-04
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20230903T000000
TZOFFSETFROM:-0400
TZOFFSETTO:-0300
TZNAME:-03
END:DAYLIGHT
END:VTIMEZONE`},
		// tzdata calls Ireland's winter time its daylight saving time;
		// calendars expect DAYLIGHT to be the summer.
		{"Europe/Dublin", time.Date(2026, time.June, 1, 8, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:Europe/Dublin
BEGIN:STANDARD
DTSTART:20251026T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20250330T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:IST
END:DAYLIGHT
END:VTIMEZONE`},
		{"America/Bogota", time.Date(2026, time.June, 1, 14, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:America/Bogota
BEGIN:STANDARD
DTSTART:19930207T000000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:-05
END:STANDARD
END:VTIMEZONE`},
		{"UTC", time.Date(2026, time.June, 1, 14, 0, 0, 0, time.UTC), `
BEGIN:VTIMEZONE
TZID:UTC
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0000
TZOFFSETTO:+0000
TZNAME:UTC
END:STANDARD
END:VTIMEZONE`},
	}
	for _, tt := range tests {
		t.Run(tt.zone+"/"+tt.start.Format("2006"), func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			lines := contentLines(mustICS(t, appointment(loc, tt.start)))
			begin := slices.Index(lines, "BEGIN:VTIMEZONE")
			end := slices.Index(lines, "END:VTIMEZONE")
			if begin < 0 || end < begin {
				t.Fatalf("no VTIMEZONE in\n%s", strings.Join(lines, "\n"))
			}
			if got, want := strings.Join(lines[begin:end+1], "\n"), strings.TrimPrefix(tt.want, "\n"); got != want {
				t.Errorf("VTIMEZONE is\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestICSRefuses(t *testing.T) {
	madrid := mustZone(t, "Europe/Madrid")
	start := time.Date(2026, time.May, 4, 10, 0, 0, 0, madrid)
	tests := []struct {
		field  string // the error must name it
		change func(*Invitation)
	}{
		{"Zone", func(inv *Invitation) { inv.Zone = nil }},
		{"Start", func(inv *Invitation) { inv.Start = time.Time{} }},
		{"UID", func(inv *Invitation) { inv.UID = "" }},
		{"UID", func(inv *Invitation) { inv.UID = "  " }},
		{"Method", func(inv *Invitation) { inv.Method = "PUBLISH" }},
		{"Method", func(inv *Invitation) { inv.Method = "" }},
		{"Attendee.Email", func(inv *Invitation) { inv.Attendee.Email = "" }},
		{"Attendee.Email", func(inv *Invitation) { inv.Attendee.Email = "maria" }},
		{"Attendee.Email", func(inv *Invitation) { inv.Attendee.Email = "maria@example.com\r\nATTENDEE:mailto:x@y" }},
		{"Attendee.Email", func(inv *Invitation) { inv.Attendee.Email = "María <maria@example.com>" }},
		{"Organizer.Email", func(inv *Invitation) { inv.Organizer.Email = "" }},
		{"End", func(inv *Invitation) { inv.End = inv.Start }},
		{"End", func(inv *Invitation) { inv.End = inv.Start.Add(-time.Hour) }},
		{"Stamp", func(inv *Invitation) { inv.Stamp = time.Time{} }},
		{"Sequence", func(inv *Invitation) { inv.Sequence = -1 }},
	}
	for _, tt := range tests {
		inv := appointment(madrid, start)
		tt.change(&inv)
		b, err := ICS(inv)
		if err == nil {
			t.Errorf("%s: no error; wrote\n%s", tt.field, b)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: error %q does not name the field", tt.field, err)
		}
	}
}

// TestICSLines checks the octets themselves, which a parser's leniency could
// hide: CRLF line ends, no line over 75 octets, and no UTF-8 character cut
// in two by a fold.
func TestICSLines(t *testing.T) {
	madrid := mustZone(t, "Europe/Madrid")
	long := appointment(madrid, time.Date(2026, time.May, 4, 10, 0, 0, 0, madrid))
	long.Summary = strings.Repeat("ñ", 100) + "x" + strings.Repeat("€", 60)
	long.Description = strings.Repeat("a", 73) + strings.Repeat("😀", 50) + "\n" + strings.Repeat(`\;,`, 40)
	long.Location = strings.Repeat("Avenida de la Constitución, ", 8)
	long.Attendee.Name = strings.Repeat("José Ñúñez, ", 10)
	long.Organizer.Email = strings.Repeat("tienda", 12) + "@" + strings.Repeat("ejemplo", 8) + ".es"
	short := appointment(madrid, time.Date(2026, time.May, 4, 10, 0, 0, 0, madrid))
	short.Summary, short.Description, short.Attendee.Name = "", "", ""

	for _, inv := range []Invitation{long, short} {
		b := mustICS(t, inv)
		checkLines(t, b)
		if !strings.HasSuffix(string(b), "END:VCALENDAR\r\n") {
			t.Errorf("file does not end with END:VCALENDAR CRLF")
		}
	}
	if b := mustICS(t, long); !bytes.Contains(b, []byte("\r\n ")) {
		t.Errorf("long texts were not folded")
	}
}

// checkLines fails t unless every physical line of b ends in CRLF, holds at
// most 75 octets and is valid UTF-8 on its own, and no CR or LF stands alone.
func checkLines(t testing.TB, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("file does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 on its own (a fold cut a character): %q", i+1, line)
		}
	}
}

// icsDoc and readBack are the two sides of testdata/icaljs/parse.mjs.
type icsDoc struct {
	Name string `json:"name"`
	ICS  string `json:"ics"`
}

type readTime struct {
	Unix int64  `json:"unix"`
	TZID string `json:"tzid"`
	Zone string `json:"zone"`
}

type readPerson struct {
	Value    string `json:"value"`
	CN       string `json:"cn"`
	Role     string `json:"role"`
	PartStat string `json:"partstat"`
	RSVP     string `json:"rsvp"`
}

type readBack struct {
	Name        string       `json:"name"`
	Error       string       `json:"error"`
	Roots       int          `json:"roots"`
	Component   string       `json:"component"`
	Version     string       `json:"version"`
	ProdID      string       `json:"prodid"`
	CalScale    string       `json:"calscale"`
	Method      string       `json:"method"`
	VTimezones  int          `json:"vtimezones"`
	VEvents     int          `json:"vevents"`
	UID         string       `json:"uid"`
	Sequence    int          `json:"sequence"`
	Status      string       `json:"status"`
	Transp      string       `json:"transp"`
	Summary     string       `json:"summary"`
	Description string       `json:"description"`
	Location    string       `json:"location"`
	DTStamp     *readTime    `json:"dtstamp"`
	DTStart     *readTime    `json:"dtstart"`
	DTEnd       *readTime    `json:"dtend"`
	Organizers  []readPerson `json:"organizers"`
	Attendees   []readPerson `json:"attendees"`
	Properties  []string     `json:"properties"`
}

// readWithICALJS parses each document with ical.js (the module at that path)
// in one node process.
func readWithICALJS(t *testing.T, module string, docs []icsDoc) []readBack {
	t.Helper()
	in, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "icaljs", "parse.mjs"), module)
	cmd.Stdin = bytes.NewReader(in)
	// A zone far from every zone tested: a time that ical.js read as local
	// or floating instead of from the VTIMEZONE would be off by hours.
	cmd.Env = append(os.Environ(), "TZ=Asia/Kathmandu")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node parse.mjs: %v\n%s", err, stderr.Bytes())
	}
	var got []readBack
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node parse.mjs printed %q: %v", out, err)
	}
	if len(got) != len(docs) {
		t.Fatalf("node parse.mjs read %d documents of %d", len(got), len(docs))
	}
	for _, r := range got {
		if r.Error != "" {
			t.Fatalf("ical.js refused %s: %s\n%s", r.Name, r.Error, docs[slices.IndexFunc(docs, func(d icsDoc) bool { return d.Name == r.Name })].ICS)
		}
	}
	return got
}

// icalJSModule gives the path of ical.js's ES module, installing the version
// pinned in testdata/icaljs/package-lock.json with `npm ci` the first time,
// into the user's cache directory (~/.cache/mostrador-tests/), keyed by the
// lock file, so that later runs need neither npm nor the network. Without
// node, or when npm cannot install, the test is skipped and says why, unless
// MOSTRADOR_REQUIRE_ICALJS is set, as a CI that must not pass silently sets it.
func icalJSModule(t *testing.T) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("MOSTRADOR_REQUIRE_ICALJS") != "" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable("calendar parser check skipped: node is not installed (Debian: apt-get install -y nodejs npm)")
	}
	lock, err := os.ReadFile(filepath.Join("testdata", "icaljs", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256(lock)
	dir := filepath.Join(cache, "mostrador-tests", "icaljs-"+hex.EncodeToString(sum[:6]))
	module := filepath.Join(dir, "node_modules", "ical.js", "dist", "ical.js")
	if _, err := os.Stat(module); err == nil {
		return module
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		unavailable("calendar parser check skipped: npm is not installed (Debian: apt-get install -y npm)")
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// Install beside the final place and rename, so that a run stopped
	// halfway, or two packages' tests at once, never leave half an install.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "installing-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "icaljs", name))
		if err == nil {
			err = os.WriteFile(filepath.Join(tmp, name), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		unavailable("calendar parser check skipped: npm could not install ical.js (%v):\n%s", err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(module); statErr != nil {
			t.Fatalf("install ical.js: %v", err)
		}
	}
	t.Logf("installed ical.js into %s", dir)
	return module
}

// TestICSReadBack reads invitations back with ical.js. It is one test so that
// ical.js is looked for, and installed, once.
func TestICSReadBack(t *testing.T) {
	module := icalJSModule(t)
	t.Run("AcrossDST", func(t *testing.T) { readBackAcrossDST(t, module) })
	t.Run("Zones", func(t *testing.T) { readBackZones(t, module) })
	t.Run("Text", func(t *testing.T) { readBackText(t, module) })
}

// readBackAcrossDST reads invitations on both sides of each change of the
// shops' zones: the instant ical.js computes from the VTIMEZONE must be the
// appointment's.
func readBackAcrossDST(t *testing.T, module string) {
	madrid := mustZone(t, "Europe/Madrid")
	santiago := mustZone(t, "America/Santiago")
	bogota := mustZone(t, "America/Bogota")
	// Wall-clock times that happen twice are given in UTC: 02:30 on the
	// night Madrid goes back happens at 00:30 and at 01:30 UTC.
	cases := []struct {
		name       string
		zone       *time.Location
		start, end time.Time // end zero: an hour
	}{
		{"Madrid winter, before the first change of the year", madrid, time.Date(2026, time.January, 2, 9, 0, 0, 0, madrid), time.Time{}},
		{"Madrid the day before the March change", madrid, time.Date(2026, time.March, 28, 10, 0, 0, 0, madrid), time.Time{}},
		{"Madrid 01:30 the night of the March change", madrid, time.Date(2026, time.March, 29, 1, 30, 0, 0, madrid), time.Time{}},
		{"Madrid 03:30 the night of the March change", madrid, time.Date(2026, time.March, 29, 3, 30, 0, 0, madrid), time.Time{}},
		{"Madrid the day after the March change", madrid, time.Date(2026, time.March, 30, 10, 0, 0, 0, madrid), time.Time{}},
		{"Madrid across the March change", madrid, time.Date(2026, time.March, 29, 1, 0, 0, 0, madrid), time.Date(2026, time.March, 29, 4, 0, 0, 0, madrid)},
		{"Madrid the day before the October change", madrid, time.Date(2026, time.October, 24, 10, 0, 0, 0, madrid), time.Time{}},
		{"Madrid first 02:30 the night of the October change", madrid, time.Date(2026, time.October, 25, 0, 30, 0, 0, time.UTC), time.Time{}},
		{"Madrid second 02:30 the night of the October change", madrid, time.Date(2026, time.October, 25, 1, 30, 0, 0, time.UTC), time.Time{}},
		{"Madrid the day after the October change", madrid, time.Date(2026, time.October, 26, 10, 0, 0, 0, madrid), time.Time{}},
		{"Madrid December", madrid, time.Date(2026, time.December, 30, 18, 0, 0, 0, madrid), time.Time{}},
		{"Madrid next year", madrid, time.Date(2027, time.July, 1, 12, 0, 0, 0, madrid), time.Time{}},
		{"Santiago the day before the April change", santiago, time.Date(2026, time.April, 4, 18, 0, 0, 0, santiago), time.Time{}},
		{"Santiago first 23:30 the night of the April change", santiago, time.Date(2026, time.April, 5, 2, 30, 0, 0, time.UTC), time.Time{}},
		{"Santiago second 23:30 the night of the April change", santiago, time.Date(2026, time.April, 5, 3, 30, 0, 0, time.UTC), time.Time{}},
		{"Santiago the day after the April change", santiago, time.Date(2026, time.April, 5, 10, 0, 0, 0, santiago), time.Time{}},
		{"Santiago across the April change", santiago, time.Date(2026, time.April, 4, 22, 0, 0, 0, santiago), time.Date(2026, time.April, 5, 1, 0, 0, 0, santiago)},
		{"Santiago the day before the September change", santiago, time.Date(2026, time.September, 5, 18, 0, 0, 0, santiago), time.Time{}},
		{"Santiago 01:30 the night of the September change", santiago, time.Date(2026, time.September, 6, 1, 30, 0, 0, santiago), time.Time{}},
		{"Santiago the day after the September change", santiago, time.Date(2026, time.September, 7, 10, 0, 0, 0, santiago), time.Time{}},
		// 2029-04-01 is a Sunday, but Chile changes on the 8th: a rule of
		// "first Sunday" would be an hour off for this whole week.
		{"Santiago 2029 the week of the first Sunday of April", santiago, time.Date(2029, time.April, 2, 10, 0, 0, 0, santiago), time.Time{}},
		{"Santiago 2029 the day after the April change", santiago, time.Date(2029, time.April, 9, 10, 0, 0, 0, santiago), time.Time{}},
		{"Santiago 2022 before the moved September change", santiago, time.Date(2022, time.September, 10, 10, 0, 0, 0, santiago), time.Time{}},
		{"Santiago 2022 after the moved September change", santiago, time.Date(2022, time.September, 11, 10, 0, 0, 0, santiago), time.Time{}},
		{"Bogota", bogota, time.Date(2026, time.March, 29, 10, 0, 0, 0, bogota), time.Time{}},
		{"UTC", time.UTC, time.Date(2026, time.March, 29, 1, 30, 0, 0, time.UTC), time.Time{}},
		{"UTC start given in Madrid's zone", time.UTC, time.Date(2026, time.March, 29, 3, 30, 0, 0, madrid), time.Time{}},
	}
	var docs []icsDoc
	var invs []Invitation
	for i, c := range cases {
		inv := appointment(c.zone, c.start)
		inv.End = c.end
		inv.UID = fmt.Sprintf("appointment-%d@shop.example", i)
		inv.Sequence = i % 3
		if i%2 == 1 {
			inv.Method = "CANCEL"
		}
		invs = append(invs, inv)
		docs = append(docs, icsDoc{Name: c.name, ICS: string(mustICS(t, inv))})
	}
	for i, r := range readWithICALJS(t, module, docs) {
		inv := invs[i]
		end := inv.End
		if end.IsZero() {
			end = inv.Start.Add(time.Hour)
		}
		status := map[string]string{"REQUEST": "CONFIRMED", "CANCEL": "CANCELLED"}[inv.Method]
		t.Run(r.Name, func(t *testing.T) {
			if r.Roots != 1 || r.Component != "vcalendar" || r.Version != "2.0" || r.ProdID != icsProdID ||
				r.CalScale != "GREGORIAN" || r.VEvents != 1 || r.VTimezones != 1 {
				t.Errorf("read %d %s (VERSION %s, PRODID %s, CALSCALE %s) with %d VEVENT and %d VTIMEZONE",
					r.Roots, r.Component, r.Version, r.ProdID, r.CalScale, r.VEvents, r.VTimezones)
			}
			if r.UID != inv.UID || r.Sequence != inv.Sequence || r.Method != inv.Method || r.Status != status || r.Transp != "OPAQUE" {
				t.Errorf("read UID %q SEQUENCE %d METHOD %s STATUS %s TRANSP %s, want %q %d %s %s OPAQUE",
					r.UID, r.Sequence, r.Method, r.Status, r.Transp, inv.UID, inv.Sequence, inv.Method, status)
			}
			checkInstant(t, "DTSTART", r.DTStart, inv.Start, inv.Zone)
			checkInstant(t, "DTEND", r.DTEnd, end, inv.Zone)
			if r.DTStamp == nil || r.DTStamp.Unix != inv.Stamp.Unix() {
				t.Errorf("DTSTAMP read as %+v, want %d", r.DTStamp, inv.Stamp.Unix())
			}
		})
	}
}

// checkInstant fails t unless ical.js read the time as the instant want,
// through the VTIMEZONE of zone (or as UTC, for a wall-clock time that
// happens twice, which is the one thing written in UTC).
func checkInstant(t *testing.T, prop string, got *readTime, want time.Time, zone *time.Location) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", prop)
		return
	}
	if got.Unix != want.Unix() {
		t.Errorf("%s read as %s, want %s (%s)", prop, time.Unix(got.Unix, 0).In(zone), want.In(zone), want.UTC())
	}
	wantZone := zone.String()
	if repeatedWallClock(want.In(zone)) {
		wantZone = "UTC"
	}
	if got.Zone != wantZone {
		t.Errorf("%s read in zone %q (TZID %q), want %q", prop, got.Zone, got.TZID, wantZone)
	}
}

// readBackZones sweeps zones with other habits (half-hour and
// 45-minute offsets, DST of 30 minutes, negative DST, DST abolished, changes
// at midnight, Ramadan breaks) through two years, every 61 hours and around
// each change, and checks that ical.js reads each start as the same instant.
func readBackZones(t *testing.T, module string) {
	zones := []string{
		"Europe/Madrid", "America/Santiago", "America/Bogota", "UTC",
		"Atlantic/Canary", "America/New_York", "America/Mexico_City", "America/Sao_Paulo",
		"America/Asuncion", "America/Havana", "Europe/London", "Europe/Dublin",
		"Atlantic/Azores", "Africa/Casablanca", "Asia/Tehran", "Asia/Kolkata",
		"Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",
	}
	from := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC)
	var docs []icsDoc
	var invs []Invitation
	for _, name := range zones {
		loc := mustZone(t, name)
		var starts []time.Time
		for s := from; s.Before(until); s = s.Add(61 * time.Hour) {
			starts = append(starts, s)
		}
		for _, tr := range transitions(loc, from, until) {
			for _, d := range []time.Duration{-61 * time.Minute, -time.Second, 0, 29 * time.Minute, 61 * time.Minute} {
				starts = append(starts, tr.at.Add(d))
			}
		}
		for _, s := range starts {
			inv := appointment(loc, s.In(loc))
			docs = append(docs, icsDoc{Name: name + " " + s.In(loc).Format(time.RFC3339), ICS: string(mustICS(t, inv))})
			invs = append(invs, inv)
		}
	}
	for i, r := range readWithICALJS(t, module, docs) {
		if r.DTStart == nil || r.DTStart.Unix != invs[i].Start.Unix() {
			t.Errorf("%s: DTSTART read as %+v, want %d", r.Name, r.DTStart, invs[i].Start.Unix())
		}
	}
}

// readBackText reads back what customers type and CSV files bring:
// accents, commas, semicolons, quotes, backslashes and line breaks, in texts
// and in names, and lines injected through them.
func readBackText(t *testing.T, module string) {
	madrid := mustZone(t, "Europe/Madrid")
	start := time.Date(2026, time.May, 4, 10, 0, 0, 0, madrid)
	injected := "\r\nATTENDEE;RSVP=TRUE:mailto:intruso@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:otro"
	cases := []struct {
		name, wantName string // the attendee's name as written and as read back
		text           string // summary, description and location
	}{
		{"José Núñez Öberg", "José Núñez Öberg", "Corte y peinado — Peluquería Ana"},
		{"Pérez, María", "Pérez, María", "Tinte, corte; y peinado"},
		{`Ana "Anita" Gómez`, "Ana 'Anita' Gómez", `Dice: "que sea corto" \ gracias`},
		{"Ñandú; S.A.", "Ñandú; S.A.", "línea 1\nlínea 2\r\nlínea 3\rlínea 4"},
		{"O'Brien: Café", "O'Brien: Café", strings.Repeat("Uñas y pestañas 💅 ", 12)},
		{"Luis" + injected, "Luis ATTENDEE;RSVP=TRUE:mailto:intruso@example.com END:VEVENT BEGIN:VEVENT UID:otro", "Corte" + injected},
		{"  Espacios   de   más  ", "Espacios de más", "\ttabulador\t"},
		{"", "", ""},
	}
	var docs []icsDoc
	for i, c := range cases {
		inv := appointment(madrid, start)
		inv.UID = fmt.Sprintf("appointment-%d@shop.example", i)
		inv.Attendee.Name = c.name
		inv.Organizer.Name = c.name
		inv.Summary, inv.Description, inv.Location = c.text, c.text, c.text
		docs = append(docs, icsDoc{Name: fmt.Sprintf("%d %q", i, c.name), ICS: string(mustICS(t, inv))})
	}
	for i, r := range readWithICALJS(t, module, docs) {
		c := cases[i]
		wantText := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(c.text)
		t.Run(r.Name, func(t *testing.T) {
			if r.VEvents != 1 || r.UID != fmt.Sprintf("appointment-%d@shop.example", i) {
				t.Errorf("read %d VEVENT, UID %q", r.VEvents, r.UID)
			}
			wantProps := []string{"uid", "sequence", "dtstamp", "dtstart", "dtend", "summary", "description", "location", "organizer", "attendee", "status", "transp"}
			if c.text == "" {
				wantProps = slices.DeleteFunc(wantProps, func(p string) bool { return p == "location" })
			}
			if !slices.Equal(r.Properties, wantProps) {
				t.Errorf("event properties %v, want %v", r.Properties, wantProps)
			}
			if r.Summary != wantText || r.Description != wantText || r.Location != wantText {
				t.Errorf("read SUMMARY %q DESCRIPTION %q LOCATION %q, want %q", r.Summary, r.Description, r.Location, wantText)
			}
			wantAttendee := readPerson{Value: "mailto:maria@example.com", CN: c.wantName, Role: "REQ-PARTICIPANT", PartStat: "NEEDS-ACTION", RSVP: "TRUE"}
			if len(r.Attendees) != 1 || r.Attendees[0] != wantAttendee {
				t.Errorf("attendees %+v, want [%+v]", r.Attendees, wantAttendee)
			}
			wantOrganizer := readPerson{Value: "mailto:ana@shop.example", CN: c.wantName}
			if len(r.Organizers) != 1 || r.Organizers[0] != wantOrganizer {
				t.Errorf("organizers %+v, want [%+v]", r.Organizers, wantOrganizer)
			}
		})
	}
}

// FuzzICSText feeds arbitrary customer text to every free-text field and
// checks that the file keeps its shape: the same properties in the same
// order as for plain text (so nothing was injected), one VEVENT, folded lines
// of at most 75 octets, and texts that read back as what was given.
func FuzzICSText(f *testing.F) {
	madrid := mustZone(f, "Europe/Madrid")
	start := time.Date(2026, time.May, 4, 10, 0, 0, 0, madrid)
	plain := mustICS(f, appointment(madrid, start))
	var shape []string
	for _, l := range contentLines(plain) {
		shape = append(shape, propertyName(l))
	}
	attendeeTail := ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:maria@example.com"

	f.Add("Corte y peinado", "Trae el pelo limpio.", "María Pérez")
	f.Fuzz(func(t *testing.T, summary, description, name string) {
		inv := appointment(madrid, start)
		inv.Summary, inv.Description = summary, description
		inv.Attendee.Name, inv.Organizer.Name = name, name
		b, err := ICS(inv)
		if err != nil {
			t.Fatalf("text made ICS fail: %v", err)
		}
		checkLines(t, b)
		lines := contentLines(b)
		var got []string
		for _, l := range lines {
			got = append(got, propertyName(l))
		}
		if !slices.Equal(got, shape) {
			t.Fatalf("properties are\n%v\nwant\n%v\nfile:\n%s", got, shape, b)
		}
		for _, l := range lines {
			switch propertyName(l) {
			case "SUMMARY":
				checkText(t, "SUMMARY", l, summary)
			case "DESCRIPTION":
				checkText(t, "DESCRIPTION", l, description)
			case "ATTENDEE":
				checkCN(t, l, "ATTENDEE", attendeeTail)
			case "ORGANIZER":
				checkCN(t, l, "ORGANIZER", ":mailto:ana@shop.example")
			}
		}
	})
}

// checkText fails t unless the line NAME:value unescapes to the text given,
// with line breaks as LF and the control characters TEXT cannot hold dropped.
func checkText(t *testing.T, name, line, given string) {
	t.Helper()
	value := strings.TrimPrefix(line, name+":")
	var got strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\\' && i+1 < len(value) {
			i++
			switch value[i] {
			case 'n', 'N':
				got.WriteByte('\n')
			case '\\', ';', ',':
				got.WriteByte(value[i])
			default:
				t.Fatalf("%s holds an unknown escape \\%c: %q", name, value[i], line)
			}
			continue
		}
		if c == ';' || c == ',' || c == '\\' {
			t.Fatalf("%s holds an unescaped %q: %q", name, c, line)
		}
		got.WriteByte(c)
	}
	want := strings.ToValidUTF8(given, "\uFFFD")
	want = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(want)
	want = strings.Map(func(r rune) rune {
		if (r < ' ' && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, want)
	if got.String() != want {
		t.Fatalf("%s reads back as %q, want %q", name, got.String(), want)
	}
}

// checkCN fails t unless the line is NAME, an optional CN parameter that
// cannot end early, and then exactly tail.
func checkCN(t *testing.T, line, name, tail string) {
	t.Helper()
	rest := strings.TrimPrefix(line, name)
	if cn, ok := strings.CutPrefix(rest, ";CN="); ok {
		if quoted, ok := strings.CutPrefix(cn, `"`); ok {
			end := strings.IndexByte(quoted, '"')
			if end < 0 {
				t.Fatalf("unterminated quoted CN: %q", line)
			}
			rest = quoted[end+1:]
		} else {
			end := strings.IndexAny(cn, ";:")
			if end < 0 {
				t.Fatalf("CN runs to the end of the line: %q", line)
			}
			if strings.ContainsAny(cn[:end], `,"`) {
				t.Fatalf("unquoted CN holds , or \": %q", line)
			}
			rest = cn[end:]
		}
	}
	if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		t.Fatalf("%s line holds a control character: %q", name, line)
	}
	if rest != tail {
		t.Fatalf("%s line ends %q, want %q", name, rest, tail)
	}
}
