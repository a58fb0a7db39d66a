package reminders

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Invitation is one appointment as a calendar sees it.
type Invitation struct {
	UID         string         // stable per appointment, e.g. "appointment-42@shop.example" (caller builds it)
	Sequence    int            // 0 when created, +1 for each change the customer is told of
	Method      string         // "REQUEST" (new or moved) or "CANCEL"
	Start, End  time.Time      // End zero: Start + 1 hour
	Zone        *time.Location // the shop's IANA zone; times are written in it with TZID and a VTIMEZONE
	Summary     string         // e.g. "Corte y peinado — Peluquería Ana"
	Description string         // may hold newlines
	Location    string         // may be empty
	Organizer   Person         // the shop: name and email
	Attendee    Person         // the customer
	Stamp       time.Time      // DTSTAMP (the caller's clock), written in UTC
}

// Person is an organizer or attendee: a display name and an email address.
type Person struct{ Name, Email string }

const (
	icsProdID = "-//Mostrador//Mostrador//ES"
	// RFC 5545 3.1: content lines are folded at 75 octets, line break excluded.
	icsLineOctets = 75
	icsDateTime   = "20060102T150405"
)

// ICS writes the invitation as an iCalendar file (RFC 5545, iTIP RFC 5546).
//
// Every text the shop or a customer typed is escaped, so no value can start a
// property of its own. Times are written as the shop's wall clock with a TZID,
// and the VTIMEZONE that defines it is built from Go's zone data, so the file
// means the same instant in any calendar, whatever zones that calendar knows.
// (A time within the hour repeated when clocks go back is written in UTC.)
func ICS(inv Invitation) ([]byte, error) {
	if err := inv.check(); err != nil {
		return nil, fmt.Errorf("calendar invitation: %w", err)
	}
	start := inv.Start.In(inv.Zone)
	end := inv.End
	if end.IsZero() {
		end = inv.Start.Add(time.Hour)
	}
	end = end.In(inv.Zone)

	status := "CONFIRMED"
	if inv.Method == "CANCEL" {
		status = "CANCELLED"
	}

	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + icsProdID)
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + inv.Method)
	writeTimezone(&w, inv.Zone, start, end)
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(inv.UID))
	w.line("SEQUENCE:" + strconv.Itoa(inv.Sequence))
	w.line("DTSTAMP:" + inv.Stamp.UTC().Format(icsDateTime+"Z"))
	w.line("DTSTART" + zonedTime(start))
	w.line("DTEND" + zonedTime(end))
	w.line("SUMMARY:" + escapeText(inv.Summary))
	w.line("DESCRIPTION:" + escapeText(inv.Description))
	if inv.Location != "" {
		w.line("LOCATION:" + escapeText(inv.Location))
	}
	w.line("ORGANIZER" + commonName(inv.Organizer.Name) + ":mailto:" + inv.Organizer.Email)
	w.line("ATTENDEE" + commonName(inv.Attendee.Name) +
		";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + inv.Attendee.Email)
	w.line("STATUS:" + status)
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

// check refuses what would make a file that calendars drop or misread; each
// error names the field, since the caller is code that can fix it.
func (inv Invitation) check() error {
	switch {
	case strings.TrimSpace(inv.UID) == "":
		return errors.New("UID is empty")
	case inv.Sequence < 0:
		return fmt.Errorf("Sequence is negative (%d)", inv.Sequence)
	case inv.Method != "REQUEST" && inv.Method != "CANCEL":
		return fmt.Errorf("Method %q is neither REQUEST nor CANCEL", inv.Method)
	case inv.Zone == nil:
		return errors.New("Zone is nil")
	case inv.Start.IsZero():
		return errors.New("Start is zero")
	case !inv.End.IsZero() && !inv.End.After(inv.Start):
		return fmt.Errorf("End %s is not after Start %s", inv.End.Format(time.RFC3339), inv.Start.Format(time.RFC3339))
	case inv.Stamp.IsZero():
		return errors.New("Stamp is zero")
	}
	if err := checkEmail(inv.Organizer.Email); err != nil {
		return fmt.Errorf("Organizer.Email: %w", err)
	}
	if err := checkEmail(inv.Attendee.Email); err != nil {
		return fmt.Errorf("Attendee.Email: %w", err)
	}
	return nil
}

// checkEmail accepts what can follow "mailto:" as it is. The address is
// written unescaped (a URI is not TEXT), so a space, quote or line break in
// it, as a broken CSV cell may bring, must be refused rather than written.
func checkEmail(email string) error {
	if email == "" {
		return errors.New("empty")
	}
	if strings.ContainsFunc(email, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == utf8.RuneError || strings.ContainsRune(`"<>\`, r)
	}) {
		return fmt.Errorf("%q has a space, quote, bracket or control character", email)
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return fmt.Errorf("%q is not an email address", email)
	}
	return nil
}

// escapeText writes a TEXT value (RFC 5545 3.3.11). Any line break, CR alone
// included, becomes the two characters \n; other control characters, which
// TEXT may not hold, are dropped. Invalid UTF-8 becomes U+FFFD, because the
// file is declared UTF-8 and a parser may otherwise refuse all of it.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\', r == ';', r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\r':
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteString(`\n`)
			}
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// commonName gives the ";CN=..." parameter, or nothing for an empty name.
func commonName(name string) string {
	name = paramValue(name)
	if name == "" {
		return ""
	}
	return ";CN=" + name
}

// paramValue makes a parameter value (RFC 5545 3.2). A parameter value has no
// escapes: it may hold neither a double quote nor a control character, so a
// quote becomes an apostrophe and a line break a space, which reads the same
// in every calendar (RFC 6868's ^' and ^n are not understood everywhere).
// A value with : ; or , is quoted, or it would end the parameter early.
func paramValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < ' ' || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if strings.ContainsAny(s, ":;,") {
		return `"` + s + `"`
	}
	return s
}

// zonedTime gives ";TZID=zone:wall-clock" for a DTSTART or DTEND in t's zone.
// A wall-clock time that happens twice (the hour repeated when clocks go back)
// would be read as either one, depending on the calendar, so such a time is
// written in UTC instead, which RFC 5545 also allows and no one misreads.
func zonedTime(t time.Time) string {
	if repeatedWallClock(t) {
		return ":" + t.UTC().Format(icsDateTime+"Z")
	}
	return ";TZID=" + paramValue(t.Location().String()) + ":" + t.Format(icsDateTime)
}

// repeatedWallClock reports whether the wall-clock reading of t also occurs at
// another instant, because t lies within the overlap of a backward change.
func repeatedWallClock(t time.Time) bool {
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	if !start.IsZero() {
		_, before := start.Add(-time.Second).Zone()
		if back := time.Duration(before-off) * time.Second; back > 0 && t.Sub(start) < back {
			return true
		}
	}
	if !end.IsZero() {
		_, after := end.Zone()
		if back := time.Duration(off-after) * time.Second; back > 0 && end.Sub(t) <= back {
			return true
		}
	}
	return false
}

// icsWriter collects content lines, folded and CRLF-terminated.
type icsWriter struct{ buf bytes.Buffer }

// line writes one content line, which must hold no line break (values are
// escaped before they get here). Folding (RFC 5545 3.1) cuts only between
// UTF-8 characters: a parser that decodes a physical line at a time would
// otherwise see broken characters. A continuation line starts with a space,
// which counts toward its 75 octets.
func (w *icsWriter) line(s string) {
	limit := icsLineOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = icsLineOctets - 1
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// The VTIMEZONE is built from Go's zone data rather than a table of our own,
// so any IANA zone the shop picks works, and it is exactly as right as the
// time package. Yearly rules are verified this many years past the event.
const ruleCheckYears = 10

// A transition is one change of a zone's UTC offset (or of its name).
type transition struct {
	at       time.Time // the instant of the change
	from, to int       // UTC offsets in seconds, before and after
	name     string    // abbreviation after, e.g. "CEST"
	dst      bool      // whether daylight saving time is in effect after
}

// wall is the local time of the change in the offset before it, as
// RFC 5545 3.6.5 wants for an observance's DTSTART.
func (tr transition) wall() time.Time {
	return tr.at.In(time.FixedZone("", tr.from))
}

// An observance is one STANDARD or DAYLIGHT sub-component.
type observance struct {
	transition
	rrule string // "" for a single change
}

// writeTimezone writes the VTIMEZONE that gives TZID=loc its meaning from
// before start to after end.
//
// Where the zone changes on the same weekday-based date every year, as in
// Europe/Madrid (last Sunday of March and of October) or America/Santiago
// (first Sunday from the 2nd of April and of September), it writes one
// STANDARD and one DAYLIGHT with a yearly RRULE, checked against every change
// from the year before the event to ruleCheckYears after it: that is the shape
// Outlook understands (it ignores RDATE and wants one STANDARD). Otherwise,
// as for a zone whose rules change meanwhile, each change from the year
// before the event to the year after it is its own sub-component, which
// RFC 5545 allows and which is exact. Both start a year before the event, so
// that the event is never before the first onset, where parsers disagree.
func writeTimezone(w *icsWriter, loc *time.Location, start, end time.Time) {
	from := time.Date(start.Year()-1, time.January, 1, 0, 0, 0, 0, loc)
	obs, ok := yearlyObservances(loc, from, end.Year()+ruleCheckYears)
	if !ok {
		obs = singleObservances(loc, from, time.Date(end.Year()+2, time.January, 1, 0, 0, 0, 0, loc))
	}
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + escapeText(loc.String()))
	for _, o := range obs {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		w.line("BEGIN:" + kind)
		w.line("DTSTART:" + o.wall().Format(icsDateTime))
		if o.rrule != "" {
			w.line("RRULE:" + o.rrule)
		}
		w.line("TZOFFSETFROM:" + utcOffset(o.from))
		w.line("TZOFFSETTO:" + utcOffset(o.to))
		w.line("TZNAME:" + escapeText(o.name))
		w.line("END:" + kind)
	}
	w.line("END:VTIMEZONE")
}

// transitions lists the zone's changes in [from, until). time.ZoneBounds gives
// each change to the second, so there is nothing to search for.
func transitions(loc *time.Location, from, until time.Time) []transition {
	var out []transition
	t := from.In(loc)
	for {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(until) || !next.After(t) {
			return out
		}
		name, to := next.Zone()
		oldName, old := t.Zone()
		if to != old || name != oldName || next.IsDST() != t.IsDST() {
			out = append(out, transition{at: next, from: old, to: to, name: name, dst: next.IsDST()})
		}
		t = next
	}
}

// singleObservances describes the zone from `from` to `until` one change at a
// time, led by the observance already in effect at `from`.
func singleObservances(loc *time.Location, from, until time.Time) []observance {
	t := from.In(loc)
	name, off := t.Zone()
	// When Go knows of no earlier change (UTC, say), the offset has always
	// been what it is: one observance from 1970, as calendars customarily
	// write it. Otherwise the observance begins with the last real change.
	first := observance{transition: transition{
		at: time.Date(1970, time.January, 1, 0, 0, 0, 0, time.FixedZone("", off)), from: off, to: off, name: name,
	}}
	if since, _ := t.ZoneBounds(); !since.IsZero() {
		_, before := since.Add(-time.Second).Zone()
		first = observance{transition: transition{at: since, from: before, to: off, name: name, dst: t.IsDST()}}
	}
	changes := transitions(loc, from, until)
	if len(changes) == 0 {
		first.dst = false // a zone that never changes has only standard time
		return []observance{first}
	}
	obs := []observance{first}
	for _, tr := range changes {
		obs = append(obs, observance{transition: tr})
	}
	return obs
}

// yearlyObservances finds a STANDARD and a DAYLIGHT yearly rule that give
// every change of the zone from `from` to the end of year lastYear.
func yearlyObservances(loc *time.Location, from time.Time, lastYear int) ([]observance, bool) {
	changes := transitions(loc, from, time.Date(lastYear+1, time.January, 1, 0, 0, 0, 0, loc))
	// Which change is DAYLIGHT goes by direction, not by Go's isDST: tzdata
	// marks Ireland's winter time as its daylight saving time (negative
	// DST), which a calendar would call summer time in winter.
	var std, dst []transition
	for _, tr := range changes {
		tr.dst = tr.to > tr.from
		if tr.dst {
			dst = append(dst, tr)
		} else {
			std = append(std, tr)
		}
	}
	years := lastYear - from.Year() + 1
	if len(std) != years || len(dst) != years {
		return nil, false
	}
	s, ok1 := yearlyRule(std, from.Year())
	d, ok2 := yearlyRule(dst, from.Year())
	if !ok1 || !ok2 {
		return nil, false
	}
	return []observance{s, d}, true
}

// yearlyRule finds the RRULE that gives each of changes, one a year from
// firstYear on: the same month, weekday, wall-clock time, offsets and name,
// on a day that is the nth or the last such weekday of the month, or the
// first one on or after some day of the month (Chile's "Sun>=2"). The rule
// is checked against every year given, so it is never a guess.
func yearlyRule(changes []transition, firstYear int) (observance, bool) {
	first := changes[0]
	w0 := first.wall()
	lastWeek, sameWeek := true, true // "last weekday", "nth weekday"
	minDay, maxDay := 31, 1
	for i, tr := range changes {
		w := tr.wall()
		if w.Year() != firstYear+i || w.Month() != w0.Month() || w.Weekday() != w0.Weekday() ||
			w.Hour() != w0.Hour() || w.Minute() != w0.Minute() || w.Second() != w0.Second() ||
			tr.from != first.from || tr.to != first.to || tr.name != first.name {
			return observance{}, false
		}
		d := w.Day()
		minDay, maxDay = min(minDay, d), max(maxDay, d)
		lastWeek = lastWeek && d > daysIn(w.Year(), w.Month())-7
		sameWeek = sameWeek && (d-1)/7 == (w0.Day()-1)/7
	}
	day := "SUMOTUWETHFRSA"[2*w0.Weekday() : 2*w0.Weekday()+2] // RFC 5545 weekday codes
	rule := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=", int(w0.Month()))
	switch {
	case lastWeek:
		rule += "-1" + day
	case sameWeek && w0.Day() <= 28:
		rule += strconv.Itoa((w0.Day()-1)/7+1) + day
	default:
		// The first weekday on or after `on`: any `on` that keeps every
		// year's day within on..on+6 gives the same days.
		on := max(maxDay-6, 1)
		if on > minDay || on+6 > 28 {
			return observance{}, false
		}
		days := make([]string, 7)
		for i := range days {
			days[i] = strconv.Itoa(on + i)
		}
		rule += day + ";BYMONTHDAY=" + strings.Join(days, ",")
	}
	return observance{transition: first, rrule: rule}, true
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// utcOffset writes an offset as RFC 5545 3.3.14 wants: +HHMM, or +HHMMSS when
// it has seconds (old local mean times); zero is +0000, never -0000.
func utcOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
