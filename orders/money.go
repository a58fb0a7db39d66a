package orders

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// decimalMark is what a file uses between units and cents, when its values
// alone cannot tell ("1,234" is 1234 in Texas and 1.234 in Madrid).
type decimalMark byte

const (
	markUnknown decimalMark = 0
	markDot     decimalMark = '.'
	markComma   decimalMark = ','
)

// currency symbols and the ISO code they stand for. "$" alone is ambiguous
// (USD, ARS, MXN, CLP, ...) and gives no code.
var currencySymbols = []struct{ sym, code string }{
	{"US$", "USD"}, {"USD$", "USD"}, {"R$", "BRL"}, {"AR$", "ARS"}, {"MX$", "MXN"}, {"CA$", "CAD"},
	{"AU$", "AUD"}, {"C$", "CAD"}, {"A$", "AUD"}, {"S/.", "PEN"}, {"S/", "PEN"}, {"€", "EUR"},
	{"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"}, {"₩", "KRW"}, {"$", ""},
}

// minorDigits is the number of decimals of a currency's minor unit (ISO 4217);
// two when not listed.
func minorDigits(code string) int {
	switch code {
	case "CLP", "JPY", "KRW", "PYG", "VND", "ISK", "UGX", "XOF", "XAF", "RWF", "KMF", "GNF", "VUV", "XPF", "DJF", "BIF":
		return 0
	case "BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD":
		return 3
	}
	return 2
}

var (
	errMoneyEmpty  = errors.New("empty")
	errMoneyFormat = errors.New("not an amount")
)

// parseMoney reads an amount as shops and spreadsheets write it: "12.50",
// "1.234,56", "$1,149.00 ", "12,50 €", "EUR 12.50", "($33.62)", "-$0.95",
// `="79.90"`. It returns the value in minor units of the currency it names or,
// if it names none, of fallbackCurrency; and the currency code it found ("" if
// none). mark settles a lone separator followed by three digits.
func parseMoney(s string, fallbackCurrency string, mark decimalMark) (minor int64, code string, err error) {
	if v, ok := plainAmount(s, fallbackCurrency); ok {
		return v, "", nil
	}
	s = unformula(s)
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
	if s == "" {
		return 0, "", errMoneyEmpty
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	// Strip the currency: a symbol or a three-letter code at either end.
	s, code = stripCurrency(s)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		neg = !neg
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "−"))
		if code == "" { // "-$0.95": the symbol may follow the sign
			s, code = stripCurrency(s)
		}
	} else if strings.HasSuffix(s, "-") {
		neg, s = !neg, strings.TrimSpace(strings.TrimSuffix(s, "-"))
	} else if strings.HasPrefix(s, "+") {
		s = strings.TrimSpace(s[1:])
	}
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "'", "") // Swiss thousands: 1'234.50
	if s == "" {
		return 0, "", errMoneyFormat
	}
	cur := code
	if cur == "" {
		cur = fallbackCurrency
	}
	digits := minorDigits(cur)

	intPart, frac, ok := splitDecimal(s, mark, digits)
	if !ok {
		return 0, "", errMoneyFormat
	}
	if len(frac) > digits {
		// More decimals than the currency has (e.g. "12.345" USD as a unit price
		// from a spreadsheet): round half away from zero.
		extra := frac[digits:]
		frac = frac[:digits]
		v, ok := toMinor(intPart, frac, digits)
		if !ok {
			return 0, "", errMoneyFormat
		}
		if extra[0] >= '5' {
			v++
		}
		if neg {
			v = -v
		}
		return v, code, nil
	}
	v, ok := toMinor(intPart, frac, digits)
	if !ok {
		return 0, "", errMoneyFormat
	}
	if neg {
		v = -v
	}
	return v, code, nil
}

// plainAmount is the fast path for what most exports write: digits with a
// dot and two decimals ("12.50") or none ("12").
func plainAmount(s, currency string) (int64, bool) {
	digits := minorDigits(currency)
	dot := -1
	var v int64
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
		case c == '.' && dot < 0 && i > 0:
			dot = i
		default:
			return 0, false
		}
	}
	frac := 0
	if dot >= 0 {
		frac = len(s) - dot - 1
		if frac == 3 || frac > digits || frac == 0 {
			return 0, false // "1.234" needs the file's decimal mark; rounding goes the slow way
		}
	}
	for ; frac < digits; frac++ {
		v *= 10
	}
	return v, true
}

func stripCurrency(s string) (string, string) {
	if n := len(s); n > 3 && isUpperCode(s[:3]) && !isLetter(s[3]) {
		rest, _ := stripSymbol(strings.TrimSpace(s[3:])) // "ARS $ 1.000"
		return rest, s[:3]
	}
	if n := len(s); n > 3 && isUpperCode(s[n-3:]) && !isLetter(s[n-4]) {
		rest, _ := stripSymbol(strings.TrimSpace(s[:n-3])) // "1.000 $ ARS"
		return rest, s[n-3:]
	}
	return stripSymbol(s)
}

func stripSymbol(s string) (string, string) {
	for _, c := range currencySymbols {
		if strings.HasPrefix(s, c.sym) {
			return strings.TrimSpace(s[len(c.sym):]), c.code
		}
		if strings.HasSuffix(s, c.sym) {
			return strings.TrimSpace(s[:len(s)-len(c.sym)]), c.code
		}
	}
	return s, ""
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' }

func isUpperCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return len(s) == 3
}

// splitDecimal finds the decimal separator, if any, and returns the integer
// digits and the fraction digits.
func splitDecimal(s string, mark decimalMark, digits int) (string, string, bool) {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return "", "", false
		}
	}
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	var sep byte
	switch {
	case lastDot >= 0 && lastComma >= 0:
		// Both present: the later one is the decimal mark ("1.234,56", "1,234.56").
		if lastDot > lastComma {
			sep = '.'
		} else {
			sep = ','
		}
	case lastDot < 0 && lastComma < 0:
		return s, "", true
	default:
		c := byte('.')
		if lastComma >= 0 {
			c = ','
		}
		n := strings.Count(s, string(c))
		after := len(s) - strings.LastIndexByte(s, c) - 1
		switch {
		case n > 1:
			sep = 0 // "1.234.567": only thousands
		case after != 3:
			sep = c // "12,5", "12.50", "1234.5678"
		case digits == 0:
			sep = 0 // "15.990" CLP: no cents exist
		case mark != markUnknown:
			if byte(mark) == c {
				sep = c
			}
		default:
			// "1,234" with nothing else to go by: a comma before three digits
			// is read as thousands, a dot as decimals (unit prices like 2.345).
			if c == '.' {
				sep = c
			}
		}
	}
	var intPart, frac string
	if sep == 0 {
		intPart = s
	} else {
		i := strings.LastIndexByte(s, sep)
		intPart, frac = s[:i], s[i+1:]
	}
	// Thousands separators must be the other mark, in groups of three.
	other := byte(',')
	if sep == ',' {
		other = '.'
	}
	if sep == 0 {
		other = s[strings.IndexAny(s, ".,")]
	}
	if strings.ContainsAny(frac, ".,") || strings.IndexByte(intPart, sep) >= 0 && sep != 0 {
		return "", "", false
	}
	if strings.IndexByte(intPart, other) >= 0 {
		groups := strings.Split(intPart, string(other))
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return "", "", false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", "", false
			}
		}
		intPart = strings.Join(groups, "")
	}
	if strings.ContainsAny(intPart, ".,") {
		return "", "", false
	}
	if intPart == "" {
		intPart = "0"
	}
	return intPart, frac, true
}

func toMinor(intPart, frac string, digits int) (int64, bool) {
	for len(frac) < digits {
		frac += "0"
	}
	all := intPart + frac
	if len(all) > 17 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(all); i++ {
		c := all[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// unformula undoes the Excel guard that exports write to keep leading zeros
// and long numbers as text: ="TN123456789AR" and ='4051.
func unformula(s string) string {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && strings.HasPrefix(t, `="`) && strings.HasSuffix(t, `"`) {
		return strings.ReplaceAll(t[2:len(t)-1], `""`, `"`)
	}
	return s
}

// moneyMarkEvidence looks at one amount and says which decimal mark it proves,
// if any: "1.234,56" and "12,50" prove a comma, "1,234.56" and "12.50" a dot.
func moneyMarkEvidence(s string) decimalMark {
	s = strings.TrimSpace(unformula(s))
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastDot > lastComma {
			return markDot
		}
		return markComma
	case lastComma >= 0:
		if n := trailingDigits(s[lastComma+1:]); n == 1 || n == 2 {
			return markComma
		}
	case lastDot >= 0:
		if n := trailingDigits(s[lastDot+1:]); n == 1 || n == 2 {
			return markDot
		}
	}
	return markUnknown
}

func trailingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	// Digits must end the number (a currency may follow after a space).
	if n < len(s) && s[n] != ' ' && s[n] != ')' && s[n] != '\u00a0' && !strings.HasPrefix(s[n:], "€") {
		return -1
	}
	return n
}

// FormatMoney writes an amount for people: "1.234,56 EUR" in Spanish,
// "1,234.56 EUR" in English; without a code when the currency is unknown.
func FormatMoney(minor int64, currency, lang string) string {
	digits := minorDigits(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	pow := int64(1)
	for i := 0; i < digits; i++ {
		pow *= 10
	}
	units, cents := minor/pow, minor%pow
	thousands, dec := ",", "."
	if lang == "es" {
		thousands, dec = ".", ","
	}
	s := strconv.FormatInt(units, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	out := b.String()
	if digits > 0 {
		out += dec + fmt.Sprintf("%0*d", digits, cents)
	}
	if neg {
		out = "-" + out
	}
	if currency != "" {
		out += " " + currency
	}
	return out
}
