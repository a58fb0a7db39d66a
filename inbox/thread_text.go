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
	for {
		t := replyPrefix.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// orderRef finds order numbers as customers write them: "#1042", "pedido
// 1042", "pedido nº 1042", "orden #1042", "order no. 1042", "compra 1042",
// "encomenda 1042". Three digits at least, so that "#1" is not an order; a
// bare "número 12" is more often a street number than an order.
var orderRef = regexp.MustCompile(`(?i)(?:(?:^|[^\w&])#|\b(?:pedido|order|compra|encomenda|orden)\s*(?:n[º°o]\.?|número|numero|number|nr\.?)?\s*:?\s*#?\s*)(\d{3,12})\b`)

// orderRefs lists the order numbers written in a subject and text, once
// each, without "#".
func orderRefs(subject, text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range []string{subject, text} {
		for _, m := range orderRef.FindAllStringSubmatch(s, 20) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, m[1])
			}
		}
	}
	return out
}
