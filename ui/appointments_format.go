package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// How the appointments room writes days and times. Go formats dates in
// English only, so the Spanish names are written here.

var (
	esWeekdays      = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	esShortWeekdays = [...]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}
	esMonths        = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
		"septiembre", "octubre", "noviembre", "diciembre"}
)

// longDay writes a day in words, "lunes 23 de noviembre" or "Monday,
// November 23", with the year when it is not this one.
func longDay(t time.Time, lang string, withYear bool) string {
	if lang == "en" {
		if withYear {
			return t.Format("Monday, January 2, 2006")
		}
		return t.Format("Monday, January 2")
	}
	s := fmt.Sprintf("%s %d de %s", esWeekdays[t.Weekday()], t.Day(), esMonths[t.Month()-1])
	if withYear {
		s += " de " + strconv.Itoa(t.Year())
	}
	return s
}

// dayMonth writes "23 de noviembre" or "November 23", with the year when
// asked.
func dayMonth(t time.Time, lang string, withYear bool) string {
	if lang == "en" {
		if withYear {
			return t.Format("January 2, 2006")
		}
		return t.Format("January 2")
	}
	s := fmt.Sprintf("%d de %s", t.Day(), esMonths[t.Month()-1])
	if withYear {
		s += " de " + strconv.Itoa(t.Year())
	}
	return s
}

// weekSpan writes the first and last day of a week for "Semana del
// {{.From}} al {{.To}}" / "Week of {{.From}} – {{.To}}": the month once when
// both days share it (del 23 al 29 de noviembre, November 23 – 29), the
// year when the week is not in this one or spans two.
func weekSpan(first, last time.Time, lang string, thisYear int) (from, to string) {
	twoYears := first.Year() != last.Year()
	withYear := twoYears || last.Year() != thisYear
	switch {
	case twoYears:
		return dayMonth(first, lang, true), dayMonth(last, lang, true)
	case first.Month() != last.Month():
		return dayMonth(first, lang, false), dayMonth(last, lang, withYear)
	case lang == "en":
		to = strconv.Itoa(last.Day())
		if withYear {
			to += ", " + strconv.Itoa(last.Year())
		}
		return dayMonth(first, lang, false), to
	}
	return strconv.Itoa(first.Day()), dayMonth(last, lang, withYear)
}

// shortDay writes a day of the week view's rows: "jue 12", "Thu 12".
func shortDay(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Mon 2")
	}
	return esShortWeekdays[t.Weekday()] + " " + strconv.Itoa(t.Day())
}

// clockSpan writes when an appointment runs on the shop's clock: "10:00",
// or "10:00–10:45" when its end is known.
func clockSpan(start time.Time, end *time.Time, loc *time.Location) string {
	s := start.In(loc).Format("15:04")
	if end != nil && end.After(start) {
		s += "–" + end.In(loc).Format("15:04")
	}
	return s
}

// clockPattern is a time of day as the owner types it: 10, 10:30, 9.30,
// 10h30.
var clockPattern = regexp.MustCompile(`^\s*(\d{1,2})(?:\s*[:.hH]\s*(\d{2}))?\s*$`)

// parseClock reads a time of day; ok is false for anything else.
func parseClock(s string) (hour, minute int, ok bool) {
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	return hour, minute, hour < 24 && minute < 60
}

// lengthLabel writes an appointment's length: "45 min", "1 h", "1 h 30 min".
func lengthLabel(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + " min"
	case m == 0:
		return strconv.Itoa(h) + " h"
	}
	return fmt.Sprintf("%d h %d min", h, m)
}
