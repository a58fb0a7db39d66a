package orders

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// dateOrder is how a file writes numeric dates with slashes: 05/03/2024 is the
// 5th of March in Buenos Aires and May 3rd in Chicago. It is decided per file
// from its values (a part above 12 settles it), by the format when the
// platform always writes one way, or else reported as a guess.
type dateOrder byte

const (
	orderUnknown dateOrder = iota
	orderDMY
	orderMDY
)

func (o dateOrder) String() string {
	switch o {
	case orderDMY:
		return "day/month/year"
	case orderMDY:
		return "month/day/year"
	}
	return "unknown"
}

var errDate = errors.New("not a date")

var spanishMonths = map[string]time.Month{
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
	"agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	"ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8, "september": 9,
	"october": 10, "november": 11, "december": 12, "jan": 1, "apr": 4, "aug": 8, "dec": 12,
	"janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
}

// parseDate reads the dates that shop exports write, in loc when the text
// carries no offset: "2024-03-05 14:07:00 -0300", "2024-03-05T14:07:00Z",
// "2024-03-05", "05/03/2024 10:00", "3/15/24 6:29 PM", "2025-03-03 11:00 am",
// "30 de septiembre de 2025 19:29 hs.", "Mar 5, 2024", and Excel serial numbers
// ("45384.34789") when serial is true.
func parseDate(s string, order dateOrder, loc *time.Location, serial bool) (time.Time, error) {
	s = strings.TrimSpace(unformula(s))
	if s == "" {
		return time.Time{}, errDate
	}
	if serial {
		if t, ok := excelSerial(s, loc); ok {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	datePart, rest := splitDateTime(s)
	var y, d int
	var m time.Month
	switch {
	case len(datePart) >= 8 && datePart[4] == '-' || len(datePart) >= 8 && datePart[4] == '/' && isDigits(datePart[:4]):
		// ISO 2024-03-05 or 2024/03/05: always year-month-day.
		parts := strings.FieldsFunc(datePart, func(r rune) bool { return r == '-' || r == '/' })
		if len(parts) != 3 {
			return time.Time{}, errDate
		}
		y, m, d = atoi(parts[0]), time.Month(atoi(parts[1])), atoi(parts[2])
	case strings.ContainsAny(datePart, "/.-") && isDigitsSep(datePart):
		parts := strings.FieldsFunc(datePart, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
		if len(parts) != 3 {
			return time.Time{}, errDate
		}
		a, b := atoi(parts[0]), atoi(parts[1])
		y = atoi(parts[2])
		switch {
		case a > 12 && b <= 12:
			d, m = a, time.Month(b)
		case b > 12 && a <= 12:
			d, m = b, time.Month(a)
		case order == orderMDY:
			d, m = b, time.Month(a)
		default: // DMY, and unknown read as DMY (the caller reports the guess)
			d, m = a, time.Month(b)
		}
		if len(parts[2]) == 2 {
			y += 2000
			if y > time.Now().Year()+20 {
				y -= 100
			}
		}
	default:
		var ok bool
		if y, m, d, rest, ok = wordDate(s); !ok {
			return time.Time{}, errDate
		}
	}
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, errDate
	}
	hh, mm, ss, zone, err := parseClock(rest, loc)
	if err != nil {
		return time.Time{}, err
	}
	if c := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); c.Day() != d || c.Month() != m { // 31/02 rolls over
		return time.Time{}, errDate
	}
	return wallClock(y, m, d, hh, mm, ss, zone), nil
}

// wallClock is a date and clock time as read on the shop's clocks. A time
// that does not exist there (the hour skipped when clocks go forward, which
// in Chile or Brazil is midnight) is taken as the first instant after the
// jump, on the same day, rather than as time.Date's choice, which can fall
// on the day before.
func wallClock(y int, m time.Month, d, hh, mm, ss int, zone *time.Location) time.Time {
	t := time.Date(y, m, d, hh, mm, ss, 0, zone)
	if t.Day() == d && t.Hour() == hh && t.Minute() == mm {
		return t
	}
	_, before := time.Date(y, m, d-1, 12, 0, 0, 0, zone).Zone()
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC).Add(-time.Duration(before) * time.Second).In(zone)
}

// splitDateTime separates "2024-03-05 14:07:00 -0300" or "2024-03-05T14:07"
// into the date and the rest.
func splitDateTime(s string) (string, string) {
	if i := strings.IndexAny(s, " T"); i > 0 {
		return s[:i], strings.TrimSpace(s[i+1:])
	}
	return s, ""
}

// parseClock reads "14:07", "14:07:00", "6:29 PM", "11:00 am", "19:29 hs.",
// optionally followed by an offset ("-0300", "-03:00", "Z", "UTC", "GMT-3").
func parseClock(s string, loc *time.Location) (h, m, sec int, zone *time.Location, err error) {
	zone = loc
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "hs."), "hs"))
	if s == "" {
		return 0, 0, 0, zone, nil
	}
	fields := strings.Fields(s)
	clock := fields[0]
	// "14:07:00-03:00" and "14:07:00Z": split an attached offset.
	if i := strings.IndexAny(clock, "+-Z"); i > 0 {
		fields = append([]string{clock[:i], clock[i:]}, fields[1:]...)
		clock = fields[0]
	}
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, nil, errDate
	}
	h, m = atoi(parts[0]), atoi(parts[1])
	if len(parts) == 3 {
		secPart := parts[2]
		if i := strings.IndexByte(secPart, '.'); i >= 0 { // fractional seconds
			secPart = secPart[:i]
		}
		sec = atoi(secPart)
	}
	if h < 0 || m < 0 || sec < 0 || !isDigits(parts[0]) || !isDigits(parts[1]) {
		return 0, 0, 0, nil, errDate
	}
	for _, f := range fields[1:] {
		switch lf := strings.ToLower(strings.Trim(f, ".")); {
		case lf == "am" || lf == "a.m":
			if h == 12 {
				h = 0
			}
		case lf == "pm" || lf == "p.m":
			if h < 12 {
				h += 12
			}
		case lf == "z" || lf == "utc" || lf == "gmt":
			zone = time.UTC
		default:
			off, ok := parseOffset(strings.TrimPrefix(strings.TrimPrefix(lf, "utc"), "gmt"))
			if !ok {
				return 0, 0, 0, nil, errDate
			}
			zone = time.FixedZone("", off)
		}
	}
	if h > 23 || m > 59 || sec > 60 {
		return 0, 0, 0, nil, errDate
	}
	return h, m, sec, zone, nil
}

// parseOffset reads "-0300", "-03:00", "+02", "-3" into seconds east of UTC.
func parseOffset(s string) (int, bool) {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	d := strings.ReplaceAll(s[1:], ":", "")
	if !isDigits(d) {
		return 0, false
	}
	var h, m int
	switch len(d) {
	case 1, 2:
		h = atoi(d)
	case 4:
		h, m = atoi(d[:2]), atoi(d[2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// wordDate reads "30 de septiembre de 2025 19:29 hs.", "5 mar 2024",
// "March 5, 2024 10:00", "Mar 5 2024".
func wordDate(s string) (y int, m time.Month, d int, rest string, ok bool) {
	f := strings.Fields(strings.ToLower(strings.ReplaceAll(s, ",", " ")))
	var words []string
	for _, w := range f {
		if w != "de" && w != "del" {
			words = append(words, w)
		}
	}
	if len(words) < 3 {
		return 0, 0, 0, "", false
	}
	if mo, found := spanishMonths[strings.TrimSuffix(words[1], ".")]; found && isDigits(words[0]) && isDigits(words[2]) {
		m, d, y = mo, atoi(words[0]), atoi(words[2])
	} else if mo, found := spanishMonths[strings.TrimSuffix(words[0], ".")]; found && isDigits(words[1]) && isDigits(words[2]) {
		m, d, y = mo, atoi(words[1]), atoi(words[2])
	} else {
		return 0, 0, 0, "", false
	}
	return y, m, d, strings.Join(words[3:], " "), true
}

// excelSerial reads a spreadsheet date serial (days since 1899-12-30) in a
// plausible range: 1970 to 2100.
func excelSerial(s string, loc *time.Location) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 25569 || f > 73051 {
		return time.Time{}, false
	}
	days := int(f)
	secs := int((f-float64(days))*86400 + 0.5)
	// The fraction is a clock reading, not time elapsed since midnight: on
	// the day clocks change, 10:00 is still 10:00.
	day := time.Date(1899, 12, 30+days, 0, 0, 0, 0, time.UTC)
	return wallClock(day.Year(), day.Month(), day.Day(), secs/3600, secs/60%60, secs%60, loc), true
}

// slashDateEvidence says which order one value proves: "25/03/2024" proves
// day first, "03/25/2024" month first, "03/05/2024" nothing.
func slashDateEvidence(s string) dateOrder {
	datePart, _ := splitDateTime(strings.TrimSpace(s))
	if len(datePart) >= 5 && datePart[4] == '-' || !isDigitsSep(datePart) {
		return orderUnknown
	}
	parts := strings.FieldsFunc(datePart, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	if len(parts) != 3 || len(parts[0]) > 2 {
		return orderUnknown
	}
	a, b := atoi(parts[0]), atoi(parts[1])
	switch {
	case a > 12 && b <= 12:
		return orderDMY
	case b > 12 && a <= 12:
		return orderMDY
	}
	return orderUnknown
}

// isSlashDate reports whether a value is a numeric date whose order matters.
func isSlashDate(s string) bool {
	datePart, _ := splitDateTime(strings.TrimSpace(s))
	if !isDigitsSep(datePart) || !strings.ContainsAny(datePart, "/.-") {
		return false
	}
	parts := strings.FieldsFunc(datePart, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	return len(parts) == 3 && len(parts[0]) <= 2
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDigitsSep(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '/' && s[i] != '-' && s[i] != '.' {
			return false
		}
	}
	return true
}

// atoi of a digit string that is known to be short; -1 when it is not digits.
func atoi(s string) int {
	if !isDigits(s) || len(s) > 9 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
