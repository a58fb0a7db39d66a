package inbox

// Address fields, read strictly when they are well formed and leniently when not.

import (
	"strings"
	"unicode"

	gomail "github.com/emersion/go-message/mail"

	"mostrador/internal/address"
)

// addressList reads an address field: with net/mail (through go-message,
// which adds the charsets) when it is well formed, else with a lenient
// splitter that keeps every mailbox it can find.
func (p *mimeParser) addressList(v, field string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	var out []Address
	add := func(name, addr string) {
		if a, ok := p.makeAddress(name, addr, field); ok && len(out) < maxAddresses {
			out = append(out, a)
		}
	}
	if len(v) <= maxStrictAddrLen {
		if list, err := gomail.ParseAddressList(v); err == nil {
			for _, a := range list {
				add(a.Name, a.Address)
			}
			return out
		}
	}
	for _, tok := range splitAddressList(v) {
		name, addr := splitMailbox(tok)
		add(name, addr)
	}
	return out
}

func (p *mimeParser) makeAddress(name, addr, field string) (Address, bool) {
	addr = cleanAddr(addr)
	if addr == "" {
		return Address{}, false
	}
	// validUTF8: net/mail passes the bytes of a "UTF-8" encoded word on
	// unchecked, and Latin-1 mislabelled as UTF-8 is common.
	name = collapseSpaces(validUTF8(p.decodeWords(name, field)))
	name = strings.TrimSpace(strings.Trim(name, `"'`))
	if strings.EqualFold(name, addr) {
		name = ""
	}
	return Address{Name: name, Addr: addr}, true
}

// cleanAddr makes the join key of an address: no spaces, controls or angle
// brackets, and normalized so that address.Normalize leaves it as it is.
func cleanAddr(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	// Normalize drops one "mailto:" a call, and only in all lower or all
	// upper case: lower-case and drop every one first, however many there
	// are, so that its one call here gives its own fixed point.
	s = strings.ToLower(s)
	for strings.HasPrefix(s, "mailto:") {
		s = s[len("mailto:"):]
	}
	return address.Normalize(s)
}

// splitAddressList cuts an address list at commas and semicolons that are
// not inside quotes, angle brackets or comments. A group name ("Clientes:")
// is dropped; its members stay.
func splitAddressList(v string) []string {
	var out []string
	quote, angle, paren := false, false, 0
	mailbox := false // the current item has an @, a < or a quote: a ':' is not a group name
	start := 0
	for i := 0; i < len(v) && len(out) < maxAddresses; i++ {
		switch c := v[i]; {
		case quote:
			if c == '\\' {
				i++
			} else if c == '"' {
				quote = false
			}
		case c == '"':
			quote, mailbox = true, true
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case paren > 0:
		case c == '<':
			angle, mailbox = true, true
		case c == '>':
			angle = false
		case angle:
		case c == '@':
			mailbox = true
		case c == ':' && !mailbox:
			start = i + 1 // a group name
		case c == ',' || c == ';':
			out = append(out, v[start:i])
			start, mailbox = i+1, false
		}
	}
	if start < len(v) {
		out = append(out, v[start:])
	}
	return out
}

// splitMailbox finds the display name and the address in one mailbox:
// `Name <addr>`, `addr (Name)`, or the broken `Name addr`.
func splitMailbox(tok string) (name, addr string) {
	quote := false
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case quote:
			if c == '\\' {
				i++
			} else if c == '"' {
				quote = false
			}
		case c == '"':
			quote = true
		case c == '<':
			rest := tok[i+1:]
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				end = len(rest)
			}
			return unquoteName(stripComments(tok[:i])), rest[:end]
		}
	}
	var comment string
	if i := strings.IndexByte(tok, '('); i >= 0 {
		if j := strings.LastIndexByte(tok, ')'); j > i {
			comment = tok[i+1 : j]
		}
	}
	var words []string
	for _, f := range strings.Fields(stripComments(tok)) {
		if addr == "" && strings.IndexByte(f, '@') >= 0 {
			addr = f
		} else {
			words = append(words, f)
		}
	}
	if addr == "" {
		// A bare local name such as MAILER-DAEMON.
		if len(words) == 1 {
			return unquoteName(comment), words[0]
		}
		return "", ""
	}
	if len(words) > 0 {
		return unquoteName(strings.Join(words, " ")), addr
	}
	return unquoteName(comment), addr
}

// unquoteName removes the quotes of a display name and its backslash escapes.
func unquoteName(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '"') < 0 && strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}
