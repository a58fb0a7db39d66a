package inbox

// The readable text: which parts are shown, their decoding, and the
// assembly and clean-up of Text.

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// chooseAlternative picks the text/plain alternative, as asked, unless it is
// empty (some senders include an empty one); else the last, richest
// alternative that has text.
func chooseAlternative(kids [][]textChunk) []textChunk {
	hasText := func(k []textChunk) bool {
		for _, c := range k {
			if strings.TrimSpace(c.text) != "" {
				return true
			}
		}
		return false
	}
	for _, k := range kids {
		plain := true
		for _, c := range k {
			plain = plain && !c.html
		}
		if plain && hasText(k) {
			return k
		}
	}
	for i := len(kids) - 1; i >= 0; i-- {
		if hasText(kids[i]) {
			return kids[i]
		}
	}
	return nil
}

// textPart decodes a text/plain or text/html body to UTF-8.
func (p *mimeParser) textPart(body []byte, typ string, params map[string]string, cte, where string) []textChunk {
	if len(body) > maxTextPartBytes {
		body = body[:maxTextPartBytes]
		p.problem("text of %s cut at %d MiB", where, maxTextPartBytes>>20)
	}
	raw := p.transferDecode(body, cte, where)
	cs, ok := params["charset"]
	if !ok && typ == "text/html" {
		cs = metaCharset(raw)
	}
	s := p.toUTF8(raw, cs, where)
	if typ == "text/html" {
		p.noteCIDs(s)
		return []textChunk{{text: s, html: true}}
	}
	if strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	return []textChunk{{text: s}}
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676).
func unflow(s string, delsp bool) string {
	var b strings.Builder
	b.Grow(len(s))
	open, prevDepth, first := false, 0, true
	for len(s) > 0 {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		line = strings.TrimSuffix(line, "\r")
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := strings.TrimPrefix(line[depth:], " ") // space-stuffing
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		if !open || depth != prevDepth {
			if !first {
				b.WriteByte('\n')
			}
			if depth > 0 {
				b.WriteString(strings.Repeat(">", depth))
				b.WriteByte(' ')
			}
		}
		b.WriteString(content)
		open, prevDepth, first = flowed, depth, false
	}
	return b.String()
}

// finishText assembles Text from the chosen chunks.
func (p *mimeParser) finishText(chunks []textChunk) {
	var b strings.Builder
	for _, c := range chunks {
		s := c.text
		if c.html {
			var cut bool
			s, cut = htmlToText(s, maxTextBytes)
			if cut {
				p.problem("text cut at %d KiB", maxTextBytes>>10)
			}
		}
		s = normalizeText(s)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
		p.out.FromHTML = p.out.FromHTML || c.html
		if b.Len() > maxTextBytes {
			break
		}
	}
	text := b.String()
	if len(text) > maxTextBytes {
		text = strings.TrimRightFunc(truncateUTF8(text, maxTextBytes), unicode.IsSpace)
		p.problem("text cut at %d KiB", maxTextBytes>>10)
	}
	p.out.Text = text
}

// normalizeText gives text LF line ends, no trailing spaces, no control
// characters (tabs stay), no byte order marks, no invalid UTF-8, no blank
// lines at either end and never more than one blank line in a row.
func normalizeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var buf [256]byte
	scratch := buf[:0] // a line being cleaned
	blank := false
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		var line string
		if i < 0 {
			line, s = s, ""
		} else {
			line = s[:i]
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			s = s[i+1:]
		}
		scratch = scratch[:0]
		if plainASCII(line) {
			scratch = append(scratch, line...)
		} else {
			for _, r := range line {
				switch {
				case r < ' ' && r != '\t', r >= 0x7f && r < 0xa0, r == '\uFEFF':
				default:
					scratch = utf8.AppendRune(scratch, r) // U+FFFD for an invalid byte
				}
			}
		}
		scratch = bytes.TrimRightFunc(scratch, unicode.IsSpace)
		if len(scratch) == 0 {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		b.Write(scratch)
		blank = false
	}
	return b.String()
}

// plainASCII reports whether a line holds only printable ASCII and tabs.
func plainASCII(line string) bool {
	for i := 0; i < len(line); i++ {
		if c := line[i]; (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// collapseSpaces trims and turns every run of whitespace and control
// characters into one space.
func collapseSpaces(s string) string {
	if s == "" {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r < ' ' || (r >= 0x7f && r < 0xa0)
	}), " ")
}

// truncateUTF8 cuts s to at most n bytes, on a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
