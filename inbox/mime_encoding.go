package inbox

// Transfer encodings (base64, quoted-printable) and the hex escapes of
// RFC 2231 parameters, all decoded leniently.

import (
	"bytes"
	"strings"
)

// transferEncoding is the lower case Content-Transfer-Encoding token.
func transferEncoding(v string) string {
	v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	return v
}

// transferDecode undoes the transfer encoding of a part body, leniently:
// bad base64 characters are skipped, not fatal.
func (p *mimeParser) transferDecode(b []byte, cte, where string) []byte {
	switch cte {
	case "base64":
		out, bad := decodeBase64(b)
		if bad {
			p.problem("bad base64 in %s", where)
		}
		return out
	case "quoted-printable":
		return decodeQP(b)
	case "", "7bit", "8bit", "binary":
		return b
	}
	p.problem("unknown transfer encoding %s in %s", truncateUTF8(cte, 40), where)
	return b
}

// decodedSize is the size of a part body once its transfer encoding is
// undone, without keeping the decoded bytes.
func (p *mimeParser) decodedSize(b []byte, cte, where string) int64 {
	switch cte {
	case "base64":
		size, bad := base64Size(b)
		if bad {
			p.problem("bad base64 in %s", where)
		}
		return size
	case "quoted-printable":
		return int64(len(decodeQP(b)))
	}
	return int64(len(b))
}

// base64Value maps a byte to its base64 value, or 0xff. Both alphabets are
// accepted: they do not clash.
var base64Value = func() (t [256]byte) {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64 decodes base64 leniently: whitespace is skipped, other stray
// characters are skipped and reported, and decoding goes on after padding,
// because some programs concatenate separately padded runs.
func decodeBase64(src []byte) (dst []byte, bad bool) {
	dst = make([]byte, 0, len(src)/4*3+3)
	var acc uint32
	n := 0
	flushPartial := func() {
		switch n {
		case 1:
			bad = true // six bits cannot make a byte
		case 2:
			dst = append(dst, byte(acc>>4))
		case 3:
			dst = append(dst, byte(acc>>10), byte(acc>>2))
		}
		acc, n = 0, 0
	}
	for _, c := range src {
		v := base64Value[c]
		if v == 0xff {
			switch c {
			case '=':
				flushPartial()
			case ' ', '\t', '\r', '\n':
			default:
				bad = true
			}
			continue
		}
		acc = acc<<6 | uint32(v)
		if n++; n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	flushPartial()
	return dst, bad
}

// base64Size is the decoded length of base64 data, without decoding it;
// bad reports characters that do not belong.
func base64Size(src []byte) (size int64, bad bool) {
	n := 0
	end := func() {
		size += int64(n / 4 * 3)
		if r := n % 4; r > 1 {
			size += int64(r - 1)
		}
		n = 0
	}
	for _, c := range src {
		switch {
		case base64Value[c] != 0xff:
			n++
		case c == '=':
			end()
		case c != ' ' && c != '\t' && c != '\r' && c != '\n':
			bad = true
		}
	}
	end()
	return size, bad
}

// decodeQP decodes quoted-printable leniently: an "=" not followed by two hex
// digits stays as it is, control bytes pass, and lines end in LF.
func decodeQP(src []byte) []byte {
	dst := make([]byte, 0, len(src))
	for len(src) > 0 {
		line, rest, nl := bytes.Cut(src, []byte("\n"))
		line = bytes.TrimRight(bytes.TrimSuffix(line, []byte("\r")), " \t")
		soft := len(line) > 0 && line[len(line)-1] == '='
		if soft {
			line = line[:len(line)-1]
		}
		dst = appendUnescaped(dst, line, '=')
		if nl && !soft {
			dst = append(dst, '\n')
		}
		src = rest
	}
	return dst
}

// appendUnescaped appends s to dst with every esc that is followed by two
// hex digits replaced by the byte they spell; any other esc stays as it is.
// It serves quoted-printable and Q words ("=") and RFC 2231 values ("%").
func appendUnescaped(dst, s []byte, esc byte) []byte {
	for {
		i := bytes.IndexByte(s, esc)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		if i+2 < len(s) {
			if c, ok := unhex(s[i+1], s[i+2]); ok {
				dst = append(dst, c)
				s = s[i+3:]
				continue
			}
		}
		dst = append(dst, esc)
		s = s[i+1:]
	}
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexDigit(a)
	y, ok2 := hexDigit(b)
	return x<<4 | y, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
