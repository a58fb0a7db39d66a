package inbox

// Header syntax: header blocks and their fields, structured-field comments,
// and the parameters of Content-Type and Content-Disposition.

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// mimeField is one header field; the value is unfolded and valid UTF-8.
type mimeField struct{ key, value string }

// mimeHeader is a header block in order. Lookups ignore case and return the
// first field of a name.
type mimeHeader []mimeField

func (h mimeHeader) get(key string) string {
	for _, f := range h {
		if strings.EqualFold(f.key, key) {
			return f.value
		}
	}
	return ""
}

func (h mimeHeader) has(key string) bool {
	for _, f := range h {
		if strings.EqualFold(f.key, key) {
			return true
		}
	}
	return false
}

// readMIMEHeader splits a header block from its body. LF and CRLF line ends
// both work. Like most mail readers it does not give up on a bad line: a
// line that is not a field and not a continuation ends the header there (the
// body starts with that line), and with no field at all the whole input is
// body. The message's own header may start with an mbox "From " line. Raw
// 8-bit values that are not UTF-8 are read as Windows-1252, as mail clients
// do. bad says what was wrong, or is "".
func readMIMEHeader(b []byte, top bool) (h mimeHeader, body []byte, bad string) {
	skip := 0
	if top && bytes.HasPrefix(b, []byte("From ")) {
		_, rest := cutMIMELine(b)
		skip = len(b) - len(rest)
	}
	if bytes.HasPrefix(b[skip:], []byte("\n")) || bytes.HasPrefix(b[skip:], []byte("\r\n")) {
		_, rest := cutMIMELine(b[skip:])
		return nil, rest, "" // an empty header
	}
	// The header ends at the first blank line at the latest. One string of
	// it lets keys and one-line values be substrings, with no allocation.
	end := len(b)
	if i := bytes.Index(b[skip:], []byte("\n\n")); i >= 0 {
		end = skip + i + 2
	}
	if i := bytes.Index(b[skip:end], []byte("\n\r\n")); i >= 0 {
		end = skip + i + 3
	}
	hs := string(b[skip:end])
	pos := 0 // in hs
	h = make(mimeHeader, 0, 16)
	var key, val string
	var folded []byte // value of a field with continuation lines
	isFolded := false
	flush := func() {
		if key == "" {
			return
		}
		if isFolded {
			val = string(folded)
		}
		h = append(h, mimeField{key: key, value: validUTF8(val)})
		key, val, folded, isFolded = "", "", folded[:0], false
	}
	for pos < len(hs) {
		line, next := cutMIMELineString(hs[pos:])
		if line == "" {
			flush()
			return h, b[skip+pos+next:], bad
		}
		if line[0] == ' ' || line[0] == '\t' {
			if t := strings.TrimSpace(line); key != "" && t != "" {
				if !isFolded {
					folded, isFolded = append(folded, val...), true
				}
				if len(folded) > 0 {
					folded = append(folded, ' ')
				}
				folded = append(folded, t...)
			}
			pos += next
			continue
		}
		colon := strings.IndexByte(line, ':')
		k := strings.TrimRight(line[:max(colon, 0)], " \t")
		if colon <= 0 || !validFieldName(k) {
			flush()
			if len(h) == 0 {
				if top {
					return nil, b[skip+pos:], "no message header"
				}
				return nil, b[skip+pos:], "no header"
			}
			return h, b[skip+pos:], "header not ended by a blank line"
		}
		flush()
		if len(h) < maxHeaderFields {
			key, val = k, strings.TrimSpace(line[colon+1:])
		} else {
			bad = "too many header fields"
		}
		pos += next
	}
	flush()
	return h, nil, bad
}

func validFieldName(k string) bool {
	if len(k) == 0 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// cutMIMELine returns the first line without its line end (LF or CRLF) and what
// follows it.
func cutMIMELine(b []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(b, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

// cutMIMELineString is cutMIMELine on a string; next is the length of the
// line with its line end.
func cutMIMELineString(s string) (line string, next int) {
	line, rest, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), len(s) - len(rest)
}

// stripComments removes (comments), which may nest, from a structured field.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseParams reads a Content-Type or Content-Disposition value: the lower
// case type and its parameters with lower case names. Unlike
// mime.ParseMediaType it is lenient (unquoted values with tspecials, missing
// semicolons, unescaped backslashes in Windows paths, stray text), and it
// decodes RFC 2231 values in any charset and RFC 2047 words in file names.
func (p *mimeParser) parseParams(v, where string) (string, map[string]string) {
	end := strings.IndexAny(v, "; \t")
	if end < 0 {
		end = len(v)
	}
	typ := strings.ToLower(strings.TrimSpace(v[:end]))
	rest := v[end:]
	var params map[string]string
	type section struct {
		n       int
		value   string
		encoded bool
	}
	var ext map[string][]section // RFC 2231 parameters, by name
	var extNames []string        // the keys of ext in the order they come, so that Problems do too
	addExt := func(name string, s section) {
		if ext == nil {
			ext = make(map[string][]section)
		}
		if _, seen := ext[name]; !seen {
			extNames = append(extNames, name)
		}
		ext[name] = append(ext[name], s)
	}
	set := func(k, val string) {
		if params == nil {
			params = make(map[string]string)
		}
		if _, dup := params[k]; !dup {
			params[k] = val
		}
	}
	for count := 0; count < 100; count++ {
		rest = strings.TrimLeft(rest, " \t;")
		if rest == "" {
			break
		}
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 {
			break
		}
		if rest[eq] == ';' {
			rest = rest[eq:]
			continue
		}
		k := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			val, rest = readQuoted(rest[1:])
		} else {
			semi := strings.IndexByte(rest, ';')
			if semi < 0 {
				semi = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:semi]), rest[semi:]
		}
		name, star, isExt := strings.Cut(k, "*")
		switch {
		case k == "":
		case !isExt:
			set(k, val)
		case star == "": // name*=charset'lang'value
			addExt(name, section{n: 0, value: val, encoded: true})
		default: // name*0=, name*1*=
			digits, encoded := strings.CutSuffix(star, "*")
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || n > 100 {
				continue
			}
			addExt(name, section{n: n, value: val, encoded: encoded})
		}
	}
	for _, name := range extNames {
		secs := ext[name]
		// Put the sections in order; the first one may say the charset.
		slices.SortStableFunc(secs, func(a, b section) int { return cmp.Compare(a.n, b.n) })
		var cs string
		var raw []byte
		for i, s := range secs {
			val := s.value
			if s.encoded && i == 0 {
				if c, after, ok := strings.Cut(val, "'"); ok {
					if _, after2, ok := strings.Cut(after, "'"); ok {
						cs, val = c, after2
					}
				}
			}
			if s.encoded {
				raw = appendUnescaped(raw, []byte(val), '%')
			} else {
				raw = append(raw, val...)
			}
		}
		if params == nil {
			params = make(map[string]string)
		}
		// The extended value wins over a plain one of the same name (RFC 2231).
		params[name] = p.toUTF8(raw, cs, where)
	}
	for _, k := range [...]string{"name", "filename"} {
		if val, ok := params[k]; ok && strings.Contains(val, "=?") {
			params[k] = p.decodeWords(val, where)
		}
	}
	return typ, params
}

// readQuoted reads a quoted string whose opening quote is already consumed.
// A backslash escapes only a quote or a backslash, so that Windows paths sent
// unescaped keep their separators. With no closing quote it takes the rest.
func readQuoted(s string) (val, rest string) {
	if i := strings.IndexAny(s, `"\`); i >= 0 && s[i] == '"' {
		return s[:i], s[i+1:] // the usual case: nothing to unescape
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:]
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}
