package inbox

// Charsets: text in any charset to valid UTF-8, and the RFC 2047 encoded
// words that carry non-ASCII text in header fields.

import (
	"bytes"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset" // also registers the charsets with go-message
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
)

// toUTF8 converts text in the named charset to UTF-8, always returning valid
// UTF-8. An unknown charset is noted and the text read as UTF-8 if it is
// that, else as Windows-1252.
func (p *mimeParser) toUTF8(b []byte, label, where string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch commonCharset(label) {
	case "utf-8":
		// Mislabelled 8-bit text is common; guess rather than show garbage.
		return validUTF8(string(b))
	case "windows-1252":
		// Windows-1252 is a superset that senders label as ISO-8859-1 (the
		// WHATWG treats these labels alike): “quotes” and € come out right.
		if allASCII(b) {
			return string(b)
		}
		return windows1252(string(b))
	}
	r, err := charset.Reader(label, bytes.NewReader(b))
	if err != nil {
		p.problem("unknown charset %s in %s", truncateUTF8(label, 40), where)
		return validUTF8(string(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		p.problem("bad %s text in %s", truncateUTF8(label, 40), where)
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// commonCharset sorts a lower case label for toUTF8: "utf-8" for UTF-8 and
// US-ASCII, "windows-1252" for ISO-8859-1 and Windows-1252, "" for any other.
// The usual labels are listed; other names of the same charsets, such as
// "ANSI_X3.4-1968" (a server's C locale), "ISO_8859-1:1987" or "cp819", are
// looked up in the IANA index, so that they are read the same way.
func commonCharset(label string) string {
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return "utf-8"
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "windows-1252", "cp1252":
		return "windows-1252"
	}
	enc, err := ianaindex.MIME.Encoding(label)
	if err != nil || enc == nil {
		return ""
	}
	switch name, _ := ianaindex.MIME.Name(enc); name {
	case "UTF-8", "US-ASCII":
		return "utf-8"
	case "ISO-8859-1", "windows-1252":
		return "windows-1252"
	}
	return ""
}

// validUTF8 reads text of unknown or doubtful charset: as UTF-8 when it is
// that, as Windows-1252 when it holds no UTF-8 sequence at all (raw 8-bit
// text is nearly always Latin-1 from a European mail program), and otherwise
// as UTF-8 with the bad bytes replaced.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if hasUTF8Sequence(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return windows1252(s)
}

func windows1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// hasUTF8Sequence reports whether s holds at least one valid multi-byte
// UTF-8 character.
func hasUTF8Sequence(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if size > 1 && r != utf8.RuneError {
			return true
		}
		i += size
	}
	return false
}

func allASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// metaCharset finds the charset an HTML body declares in a <meta> tag, for
// parts whose Content-Type does not say.
func metaCharset(b []byte) string {
	// Only ASCII is lower-cased, so that an offset in the copy is one in b
	// (bytes.ToLower would turn each byte that is not UTF-8 into three).
	var lower [2048]byte
	head := b[:min(len(b), len(lower))]
	for i, c := range head {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	i := bytes.Index(lower[:len(head)], []byte("charset="))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(head[i+len("charset="):], `"' `)
	end := bytes.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == ':' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	if end < 0 {
		end = len(v)
	}
	return string(v[:end])
}

// decodeWords decodes the RFC 2047 encoded words of an unstructured value
// (Subject, a display name, a file name). It goes further than
// mime.WordDecoder, because real mail needs it: adjacent words in one
// charset are joined before decoding, so a character split across two words
// survives; an unknown or missing charset falls back to UTF-8 or
// Windows-1252 instead of failing the whole value; and words inside quotes
// or without surrounding spaces are decoded too.
func (p *mimeParser) decodeWords(s, where string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	var pend []byte // decoded bytes of the current run of words
	var pendCS string
	inRun := false
	flush := func() {
		if inRun {
			b.WriteString(p.toUTF8(pend, pendCS, "header "+where))
			pend, inRun = pend[:0], false
		}
	}
	// The position of the next "?=" is cached (-1: none left, -2: not looked
	// for yet), so that scanning stays linear whatever the input.
	closeAt := -2
	pos := 0
	for pos < len(s) {
		i := strings.Index(s[pos:], "=?")
		if i < 0 {
			break
		}
		start := pos + i
		cs, enc, text, end, ok := parseEncodedWord(s, start, &closeAt)
		if !ok {
			if closeAt == -1 { // no "?=" anywhere after: no more words
				break
			}
			flush()
			b.WriteString(s[pos : start+2])
			pos = start + 2
			continue
		}
		between := s[pos:start]
		adjacent := inRun && strings.TrimSpace(between) == "" // whitespace between words is dropped
		switch {
		case adjacent && strings.EqualFold(cs, pendCS):
			// The same run goes on.
		case adjacent:
			flush()
			pendCS, inRun = cs, true
		default:
			flush()
			b.WriteString(between)
			pendCS, inRun = cs, true
		}
		if enc == 'b' {
			d, _ := decodeBase64(text)
			pend = append(pend, d...)
		} else {
			pend = appendQWord(pend, text)
		}
		pos = end
	}
	flush()
	b.WriteString(s[pos:])
	return b.String()
}

// parseEncodedWord reads "=?charset?Q?text?=" at s[start:]. closeAt caches
// the position of the next "?=" (-1 when there is none left).
func parseEncodedWord(s string, start int, closeAt *int) (cs string, enc byte, text []byte, end int, ok bool) {
	q1 := strings.IndexByte(s[start+2:min(len(s), start+2+65)], '?')
	if q1 < 0 {
		return
	}
	q1 += start + 2
	cs = s[start+2 : q1]
	if strings.ContainsAny(cs, " \t") || q1+2 >= len(s) || s[q1+2] != '?' {
		return
	}
	enc = s[q1+1] | 0x20
	if enc != 'b' && enc != 'q' {
		return
	}
	from := q1 + 3
	if *closeAt != -1 && *closeAt < from {
		*closeAt = -1
		if j := strings.Index(s[from:], "?="); j >= 0 {
			*closeAt = from + j
		}
	}
	if *closeAt < 0 {
		return
	}
	if c, _, found := strings.Cut(cs, "*"); found { // RFC 2231 language suffix
		cs = c
	}
	return cs, enc, []byte(s[from:*closeAt]), *closeAt + 2, true
}

// appendQWord decodes the Q encoding of RFC 2047: "_" is a space.
func appendQWord(dst, s []byte) []byte {
	for {
		before, after, found := bytes.Cut(s, []byte("_"))
		dst = appendUnescaped(dst, before, '=')
		if !found {
			return dst
		}
		dst = append(dst, ' ')
		s = after
	}
}
