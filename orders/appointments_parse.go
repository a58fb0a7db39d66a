package orders

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mostrador/internal/address"
)

// apptRecord is what one row of a booking export says about one appointment.
type apptRecord struct {
	row                int
	booking            string // the export's booking id; "" when it has none
	email, name, phone string
	service, staff     string
	location, notes    string
	start, end         time.Time // UTC; end zero: no end or duration given
	status             string    // booked cancelled completed no_show; "" when the file does not say
	statusText         string    // the export's own words
}

// apptParser turns a booking export's rows into records.
type apptParser struct {
	l     *apptLayout
	loc   *time.Location // the shop's zone: times without an offset are in it
	order dateOrder
}

var errApptTime = errors.New("not a time of day")

// parseRow reads one data row. A row with any problem is not imported: one
// row is one appointment, and half of one would mislead.
func (p *apptParser) parseRow(row int, fields []string) (*apptRecord, []problem) {
	l := p.l
	r := &apptRecord{row: row}
	var probs []problem
	bad := func(col int, value, reason string) {
		probs = append(probs, problem{col: col, value: value, reason: reason})
	}
	get := func(f apptField) string {
		v, _ := l.value(fields, f)
		return strings.TrimSpace(unformula(v))
	}

	r.booking = get(aBooking)
	if v, col := l.value(fields, aEmail); v != "" {
		e := address.Normalize(unformula(v))
		if !address.Valid(e) {
			bad(col, v, "reject.email")
		}
		r.email = e
	}
	r.name = cleanName(get(aName))
	first, last := cleanName(get(aFirstName)), cleanName(get(aLastName))
	switch {
	case r.name == "":
		r.name = strings.TrimSpace(first + " " + last)
	case last != "" && !strings.Contains(nameKey(r.name), nameKey(last)):
		r.name += " " + last // "Nombre" beside "Apellidos" holds the first name only
	}
	if v, _ := l.value(fields, aPhone); v != "" {
		r.phone = cleanPhone(v)
	}
	if r.email == "" && r.name == "" && phoneKey(r.phone) == "" {
		col := l.firstCol(aEmail)
		if col < 0 {
			col = l.firstCol(aName)
		}
		bad(col, "", "reject.noClient")
	}
	r.service = cleanName(get(aService))
	r.staff = cleanName(get(aStaff))
	r.location = get(aLocation)
	r.notes, _ = l.value(fields, aNotes)

	// The start: one date-and-time cell, or a date cell and a time cell.
	dateCell, dateCol := l.value(fields, aStart)
	timeCell, timeCol := l.value(fields, aStartTime)
	var zone *time.Location
	switch {
	case dateCell == "" && timeCell != "":
		bad(l.firstCol(aStart), "", "reject.noDate")
	case dateCell == "":
		bad(l.firstCol(aStart), "", "reject.noStart")
	default:
		t, which, err := p.when(dateCell, timeCell)
		switch {
		case err != nil && which == 1:
			bad(timeCol, timeCell, "reject.time")
		case err != nil:
			bad(dateCol, dateCell, "reject.date")
		default:
			r.start, zone = t.UTC(), t.Location()
		}
	}

	// The end: an end cell (date and time, or time of day), else the start
	// plus a duration.
	endCell, endCol := l.value(fields, aEnd)
	endDate, endDateCol := l.value(fields, aEndDate)
	durCell, durCol := l.value(fields, aDuration)
	if !r.start.IsZero() {
		switch {
		case endCell != "" || endDate != "":
			var t time.Time
			var err error
			var which int
			if endDate != "" {
				t, which, err = p.when(endDate, endCell)
			} else {
				t, which, err = p.endAt(endCell, r.start.In(zone))
			}
			switch {
			case err != nil && which == 1:
				bad(endCol, endCell, "reject.time")
			case err != nil && endDate != "":
				bad(endDateCol, endDate, "reject.date")
			case err != nil:
				bad(endCol, endCell, "reject.date")
			case t.Before(r.start):
				col, v := endCol, endCell
				if col < 0 {
					col, v = endDateCol, endDate
				}
				bad(col, v, "reject.endBeforeStart")
			default:
				r.end = t.UTC()
			}
		case durCell != "":
			d, err := parseApptDuration(durCell, l.hoursCol[durCol])
			if err != nil {
				bad(durCol, durCell, "reject.duration")
			} else {
				// A duration is elapsed time: on the night the clocks change,
				// a 90-minute session still lasts 90 minutes.
				r.end = r.start.Add(d)
			}
		}
	}

	// The status: a status column in words, a yes/no "Canceled" column, or a
	// cancellation date.
	if v := get(aStatus); v != "" {
		r.statusText = v
		r.status = apptStatus(v)
	}
	if l.has(aCancelled) {
		v, _ := l.value(fields, aCancelled)
		switch yes, ok := apptYes(v); {
		case yes:
			r.status = "cancelled"
		case ok && r.status == "":
			r.status = "booked"
		}
	}
	if v := get(aCancelledAt); v != "" {
		r.status = "cancelled"
	}
	// An empty status cell says nothing: a new appointment is booked, a known
	// one keeps its status (an empty cell never erases).
	return r, probs
}

// apptFloating stands for "no zone written": dates are read in it first, and
// their wall-clock time is then placed in the shop's zone with time.Date.
// A zone without daylight saving has every midnight, which the shop's zone
// has not (Chile moves its clocks at 00:00: 8 September 2024 began at 01:00).
var apptFloating = time.FixedZone("floating", 0)

// when reads a date cell, taking the time of day from timeCell when the date
// cell has none (or only midnight). A time without an offset is placed in the
// shop's zone by time.Date, so that it stays the wall-clock time the file says
// on the days the clocks change. which says which cell was unreadable: 0 the
// date, 1 the time.
func (p *apptParser) when(dateCell, timeCell string) (time.Time, int, error) {
	dateCell = apptStripWeekday(strings.TrimSpace(unformula(dateCell)))
	var t time.Time
	if days, secs, ok := apptSerial(dateCell); ok {
		t = time.Date(1899, 12, 30+days, 0, 0, secs, 0, apptFloating)
	} else {
		var err error
		if t, err = parseDate(dateCell, p.order, apptFloating, false); err != nil {
			return time.Time{}, 0, err
		}
	}
	if timeCell != "" && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		h, m, s, zone, err := apptClock(timeCell, t.Location())
		if err != nil {
			// A "time" column that holds the whole date and time.
			if whole, _, werr := p.when(timeCell, ""); werr == nil {
				return whole, 0, nil
			}
			return time.Time{}, 1, err
		}
		y, mo, d := t.Date()
		t = time.Date(y, mo, d, h, m, s, 0, zone)
	}
	if t.Location() != apptFloating {
		return t, 0, nil // the file wrote an offset
	}
	y, mo, d := t.Date()
	h, m, s := t.Clock()
	return time.Date(y, mo, d, h, m, s, 0, p.loc), 0, nil
}

// endAt reads an end cell: a time of day on the start's date, or a whole
// date and time.
func (p *apptParser) endAt(cell string, start time.Time) (time.Time, int, error) {
	c := strings.TrimSpace(unformula(cell))
	if h, m, s, zone, err := apptClock(c, start.Location()); err == nil {
		y, mo, d := start.Date()
		return time.Date(y, mo, d, h, m, s, 0, zone), 0, nil
	}
	t, _, err := p.when(c, "")
	if err != nil && !strings.ContainsAny(c, "/-") && len(c) <= 12 {
		return t, 1, err // "25:00", "tarde": a time of day that is not one
	}
	return t, 0, err
}

// apptSerial reads a spreadsheet date serial (days since 1899-12-30, the
// fraction being the time of day) as whole days and seconds, so that the
// caller can build the wall-clock time in the shop's zone. (Adding the
// fraction as a duration to midnight would be an hour off on the days the
// clocks change.)
func apptSerial(s string) (days, secs int, ok bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 25569 || f > 73051 {
		return 0, 0, false
	}
	days = int(f)
	secs = int(math.Round((f - float64(days)) * 86400))
	return days, secs, true
}

var apptClockRe = regexp.MustCompile(`^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?|h|hs|hrs|horas)?\.?$`)

// apptClock reads a time of day: "10:00", "10:00:00", "6:30 PM", "10am",
// "17.30", "17h30", "17 h", "19:29 hs.", a spreadsheet's fraction of a day
// ("0.4375"), or a time with an offset ("10:00 -03:00", which then gives the
// zone instead of loc).
func apptClock(s string, loc *time.Location) (h, m, sec int, zone *time.Location, err error) {
	s = strings.ToLower(strings.TrimSpace(unformula(s)))
	if f, perr := strconv.ParseFloat(s, 64); perr == nil && strings.ContainsAny(s, ".,") && f >= 0 && f < 1 {
		total := int(math.Round(f * 86400))
		if total >= 86400 {
			return 0, 0, 0, nil, errApptTime
		}
		return total / 3600, total % 3600 / 60, total % 60, loc, nil
	}
	if mm := apptClockRe.FindStringSubmatch(s); mm != nil {
		h, m = atoi(mm[1]), 0
		if mm[2] != "" {
			m = atoi(mm[2])
		}
		if mm[3] != "" {
			sec = atoi(mm[3])
		}
		if mm[2] == "" && mm[4] == "" {
			return 0, 0, 0, nil, errApptTime // a bare number is not a time
		}
		switch strings.TrimRight(mm[4], ".") {
		case "am", "a.m":
			if h == 12 {
				h = 0
			} else if h > 12 {
				return 0, 0, 0, nil, errApptTime
			}
		case "pm", "p.m":
			if h < 12 {
				h += 12
			} else if h > 12 {
				return 0, 0, 0, nil, errApptTime
			}
		}
		if h > 23 || m > 59 || sec > 59 {
			return 0, 0, 0, nil, errApptTime
		}
		return h, m, sec, loc, nil
	}
	if !strings.Contains(s, ":") {
		return 0, 0, 0, nil, errApptTime
	}
	return parseClock(s, loc)
}

var apptDurationPart = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(horas|hora|hours|hour|hrs|hr|h|minutos|minuto|minutes|minute|mins|min|m|'|′)?`)

// parseApptDuration reads how long an appointment lasts: "60" (minutes, or
// hours when the column says so), "1 h", "1:30", "90 min", "1h30", "1,5 h",
// "2 horas 15 minutos", "45'", or a spreadsheet's fraction of a day.
func parseApptDuration(s string, hours bool) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(unformula(s)))
	s = strings.TrimSpace(strings.TrimSuffix(s, "."))
	bad := errors.New("not a duration")
	var d time.Duration
	switch {
	case s == "":
		return 0, bad
	case strings.Count(s, ":") >= 1:
		parts := strings.Split(s, ":")
		if len(parts) > 3 || !isDigits(parts[0]) || !isDigits(parts[1]) || len(parts[1]) != 2 {
			return 0, bad
		}
		d = time.Duration(atoi(parts[0]))*time.Hour + time.Duration(atoi(parts[1]))*time.Minute
		if len(parts) == 3 {
			if !isDigits(parts[2]) {
				return 0, bad
			}
			d += time.Duration(atoi(parts[2])) * time.Second
		}
	default:
		locs := apptDurationPart.FindAllStringSubmatchIndex(s, -1)
		prevHours := false
		for _, loc := range locs {
			num := strings.ReplaceAll(s[loc[2]:loc[3]], ",", ".")
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			unit := ""
			if loc[4] >= 0 {
				unit = s[loc[4]:loc[5]]
			}
			switch {
			case strings.HasPrefix(unit, "h"):
				d += time.Duration(v * float64(time.Hour))
				prevHours = true
				continue
			case unit == "" && len(locs) == 1 && hours:
				d += time.Duration(v * float64(time.Hour))
			case unit == "" && len(locs) == 1 && v < 1 && strings.Contains(num, "."):
				d += time.Duration(math.Round(v*1440)) * time.Minute // a spreadsheet's fraction of a day
			case unit == "" && !prevHours && len(locs) > 1:
				return 0, bad // "30 15": which is which?
			case unit == "" && !hours && strings.Contains(num, "."):
				return 0, bad // "1.5": hours, surely, but the column does not say
			default: // minutes: "90", "90 min", the "30" of "1h30"
				d += time.Duration(v * float64(time.Minute))
			}
			prevHours = false
		}
		// Whatever is left besides the numbers, units and "y"/"and" is not a
		// duration ("una hora", "TBD").
		for _, w := range strings.Fields(apptDurationPart.ReplaceAllString(s, "")) {
			if w != "y" && w != "and" && w != "+" {
				return 0, bad
			}
		}
		if len(locs) == 0 {
			return 0, bad
		}
	}
	if d < time.Minute || d > 24*time.Hour {
		return 0, bad
	}
	return d.Round(time.Second), nil
}

// apptStatuses maps status words (folded, "-" and "_" as spaces) to the
// status the app keeps.
var apptStatuses = map[string]string{}

func init() {
	add := func(status string, words ...string) {
		for _, w := range words {
			apptStatuses[w] = status
		}
	}
	add("booked", "booked", "confirmed", "confirmada", "confirmado", "accepted", "aceptada", "aceptado", "approved",
		"aprobada", "aprobado", "reservada", "reservado", "reserved", "pending", "pendiente", "scheduled", "programada",
		"agendada", "active", "activa", "upcoming", "proxima", "new", "nueva", "nuevo", "awaiting host", "unconfirmed",
		"sin confirmar", "por confirmar", "requested", "solicitada", "rescheduled", "reprogramada", "reagendada",
		"paid", "pagada", "open", "abierta")
	add("cancelled", "cancelled", "canceled", "cancelada", "cancelado", "anulada", "anulado", "rejected",
		"rechazada", "rechazado", "declined", "deleted", "eliminada", "borrada")
	add("completed", "completed", "completada", "completado", "realizada", "realizado", "finalizada", "finalizado",
		"atendida", "atendido", "done", "hecha", "attended", "asistio", "past", "finished", "checked out", "cobrada",
		"arrived", "llego")
	add("no_show", "no show", "noshow", "no se presento", "no asistio", "ausente", "no vino", "missed", "falto",
		"not attended", "no presentado", "no presentada")
}

// apptStatus reads a status cell; words it does not know leave the
// appointment booked (the words are kept as the status text).
func apptStatus(v string) string {
	k := foldText(strings.NewReplacer("-", " ", "_", " ").Replace(v))
	if s, ok := apptStatuses[k]; ok {
		return s
	}
	switch {
	case strings.Contains(k, "no show") || strings.Contains(k, "no se present") || strings.Contains(k, "no asist"):
		return "no_show"
	case strings.Contains(k, "cancel") || strings.Contains(k, "anulad") || strings.Contains(k, "rechaz"):
		return "cancelled" // "Cancelada por el cliente", "cancelled by host"
	}
	return "booked"
}

// apptYes reads a yes/no cell; ok is false for an empty or unknown cell.
func apptYes(v string) (yes, ok bool) {
	switch foldText(v) {
	case "true", "yes", "y", "si", "s", "1", "x", "verdadero", "cancelada", "cancelado", "cancelled", "canceled":
		return true, true
	case "false", "no", "n", "0", "falso", "-":
		return false, true
	}
	return false, false
}

var apptWeekdays = map[string]bool{
	"lunes": true, "martes": true, "miercoles": true, "jueves": true, "viernes": true, "sabado": true, "domingo": true,
	"lun": true, "mie": true, "jue": true, "vie": true, "sab": true, "dom": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true,
	"sunday": true, "mon": true, "tue": true, "tues": true, "wed": true, "thu": true, "thur": true, "thurs": true,
	"fri": true, "sat": true, "sun": true,
}

// apptStripWeekday drops a leading weekday: "jueves, 14/03/2024",
// "Thu 14 Mar 2024". ("mar" is not dropped: it is also March.)
func apptStripWeekday(s string) string {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " ,")
	if i <= 0 {
		return s
	}
	if !apptWeekdays[strings.TrimSuffix(foldText(s[:i]), ".")] {
		return s
	}
	return strings.TrimSpace(strings.TrimLeft(s[i:], " ,"))
}
