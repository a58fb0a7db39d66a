package inbox

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// What threads read in a message's words: the subject without reply
// prefixes, the order numbers a customer writes, and a one-line snippet.

// snippet is the start of a text on one line, without the quoted part of
// a reply.
func snippet(text string, max int) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, ">") || line == "" {
			continue
		}
		if isQuoteIntro(line) {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(line)
		if b.Len() >= max {
			break
		}
	}
	s := b.String()
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// quoteIntro matches the line mail clients write above a quoted reply:
// "El lun, 2 mar 2026 a las 10:00, Ana <ana@x> escribió:", "On Mon, ...
// wrote:", Outlook's "-----Original Message-----" / "De: ...".
var quoteIntro = regexp.MustCompile(`(?i)^(el .*escribi[óo]:|on .*wrote:|-+ ?(original message|mensaje original) ?-+)$`)

func isQuoteIntro(line string) bool { return quoteIntro.MatchString(line) }

// replyPrefix matches what mail clients put before a subject when replying
// or forwarding, in the languages a shop's customers write in, with list
// tags such as "[Tienda]".
var replyPrefix = regexp.MustCompile(`(?i)^\s*(((re|fw|fwd|rv|reenv|res|r|aw|wg|sv|antw|tr|enc|rif)(\[\d+\]|\(\d+\))?\s*[:：])|\[[^\]]*\])\s*`)

// subjectKey is a subject reduced to what stays the same along a
// conversation: without reply and forward prefixes, lower case, single
// spaces.
func subjectKey(subject string) string {
	s := subject
	// Every prefix holds a colon or a bracket: most subjects have neither,
	// and need no regular expression.
	for strings.ContainsAny(s, ":：[") {
		t := replyPrefix.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// orderRefs finds order numbers as customers write them: "#1042", "pedido
// 1042", "pedido nº 1042", "orden #1042", "order no. 1042", "compra 1042",
// "encomenda 1042". Three digits at least, so that "#1" is not an order; a
// bare "número 12" is more often a street number than an order. The scan
// is written out by hand: a regular expression over every message's text
// took an eighth of a sync.
func orderRefs(subject, text string) []string {
	if len(text) > orderRefScan {
		text = text[:orderRefScan]
		for len(text) > 0 && !utf8.RuneStart(text[len(text)-1]) {
			text = text[:len(text)-1]
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] && len(out) < 20 {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, s := range []string{subject, text} {
		lower := strings.ToLower(s)
		for i := 0; i < len(lower); i++ {
			c := lower[i]
			switch {
			case c == '#':
				if i == 0 || !isWordByte(lower[i-1]) && lower[i-1] != '&' {
					add(orderDigits(lower, i+1))
				}
			case c >= 'a' && c <= 'z' && (i == 0 || !isWordByte(lower[i-1])):
				for _, kw := range orderWords {
					if strings.HasPrefix(lower[i:], kw) {
						add(orderDigits(lower, skipOrderNoise(lower, i+len(kw))))
						break
					}
				}
			}
		}
	}
	return out
}

// orderRefScan is how much of a text is read for order numbers: the
// customer names the order at the start, and the rest is mostly quoted.
const orderRefScan = 4 << 10

var orderWords = []string{"pedido", "order", "compra", "encomenda", "orden"}

// numberWords may stand between the word and the number: "pedido nº",
// "order no.", "pedido número".
var numberWords = []string{"nº", "n°", "no.", "no", "número", "numero", "number", "nr.", "nr"}

// skipOrderNoise skips what may stand between "pedido" and its number:
// spaces, "nº" and the like, a colon, a "#".
func skipOrderNoise(s string, i int) int {
	i = skipSpaces(s, i)
	for _, w := range numberWords {
		if strings.HasPrefix(s[i:], w) {
			i = skipSpaces(s, i+len(w))
			break
		}
	}
	if i < len(s) && s[i] == ':' {
		i = skipSpaces(s, i+1)
	}
	if i < len(s) && s[i] == '#' {
		i = skipSpaces(s, i+1)
	}
	return i
}

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// orderDigits is the run of 3 to 12 digits at i, ending a word; else "".
func orderDigits(s string, i int) string {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j-i < 3 || j-i > 12 || j < len(s) && isWordByte(s[j]) {
		return ""
	}
	return s[i:j]
}

// isWordByte is what \w matches, and the first byte of any letter beyond
// ASCII.
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
