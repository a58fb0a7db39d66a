package inbox

// This file turns one raw RFC 5322 message into what Mostrador stores and
// shows: envelope fields, readable text, the list of attachments and a few
// flags. Real mail is often malformed, so the parser is tolerant: it walks the
// MIME tree itself over the raw bytes (which also gives the IMAP part numbers
// and lets it bound nesting and part counts), and relies on go-message's
// charset table and address parser for the decoding that is well defined.
//
// go-message's mail.Reader is not used for the walk: it flattens the tree
// (no part numbers, no nesting depth), stops at the first malformed part
// header, and refuses a message whose top-level header is malformed, where a
// mail client is expected to show what it can.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset" // also registers the charsets with go-message
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"

	"mostrador/internal/address"
)

// Address is a mailbox: display name (decoded) and address as written, and
// its join key.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"` // address.Normalize(...) from mostrador/internal/address
}

// Attachment is a part of a message that is not part of its readable text.
type Attachment struct {
	Part      string `json:"part"` // IMAP section path like "2" or "1.2", to fetch it on demand later
	Name      string `json:"name"` // decoded filename, or "adjunto-2.pdf" from the part and type when none
	Type      string `json:"type"` // media type, lower case: "application/pdf"
	Size      int64  `json:"size"` // decoded bytes; exact for valid base64, quoted-printable counts LF line ends
	ContentID string `json:"contentId,omitempty"`
	Inline    bool   `json:"inline,omitempty"` // an inline image of an HTML body
}

// Parsed is what Mostrador keeps of one message.
type Parsed struct {
	MessageID    string   // without <>; "" when missing
	InReplyTo    []string // without <>
	References   []string // without <>, in order; at most 100 (the first and the last 99)
	Subject      string   // decoded, trimmed, inner whitespace runs collapsed
	From         Address
	Sender       Address // if present
	ReplyTo      []Address
	To, Cc       []Address
	Date         time.Time // UTC; zero when missing or unreadable
	Text         string    // readable plain text of the message, at most 256 KiB
	FromHTML     bool      // Text was made from an HTML part
	Attachments  []Attachment
	AutoReply    bool     // auto-generated / out-of-office
	Bounce       bool     // a delivery failure report
	BouncedAddrs []string // normalized failed recipients of a bounce
	Bulk         bool     // list or bulk mail (List-Id, List-Unsubscribe, Precedence: bulk)
	Problems     []string // short English notes on what could not be read; never fatal
}

// Limits that bound the work for any input, however large or hostile.
const (
	maxTextBytes     = 256 << 10 // Text is cut here
	maxTextPartBytes = 4 << 20   // a text part is decoded up to here; HTML shrinks a lot when converted
	maxMIMEDepth     = 20        // multipart nesting
	maxMIMEParts     = 200       // parts visited
	maxHeaderFields  = 1000      // per header; real ones have a few dozen
	maxProblems      = 20
	maxReferences    = 100
	maxAddresses     = 500 // per address field
	maxStrictAddrLen = 16 << 10
)

// ParseMessage reads a raw message. It never panics, never returns nil, and
// keeps whatever can be read; what could not be read is noted in Problems.
func ParseMessage(raw []byte) (out *Parsed) {
	p := &mimeParser{out: &Parsed{}}
	out = p.out
	defer func() {
		// A safety net for a sync loop that must go on; the fuzz test fails on
		// this note, so it is not a way to hide bugs.
		if r := recover(); r != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("internal error: %v", r))
		}
	}()

	// Old Mac line ends: with no LF at all, every CR is a line end.
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') >= 0 {
		raw = bytes.ReplaceAll(raw, []byte{'\r'}, []byte{'\n'})
	}
	h, body, bad := readMIMEHeader(raw, true)
	if bad != "" {
		p.problem("%s", bad)
	}
	p.envelope(h)
	chunks := p.entity(h, body, mimePart{defType: "text/plain"})
	p.finishText(chunks)
	p.finishAttachments()
	p.flags(h)
	return out
}

// mimeParser holds the state of one ParseMessage call.
type mimeParser struct {
	out   *Parsed
	parts int             // parts visited, for maxMIMEParts
	cids  map[string]bool // Content-IDs that an HTML part refers to (cid:...)

	// Delivery status notifications seen (RFC 3464).
	dsnReport    bool // a multipart/report; report-type=delivery-status
	dsnPart      bool // a message/delivery-status part
	dsnFailed    int  // recipients whose Action is failed, or not given
	dsnNotFailed int  // recipients delayed, delivered, relayed or expanded
	bounced      []string
}

// mimePart says where an entity sits in the tree.
type mimePart struct {
	path    []int  // IMAP part path; empty for the message itself
	depth   int    // multipart nesting
	defType string // media type when Content-Type is missing
	related bool   // a non-root part of a multipart/related
}

// section is the IMAP section number of a part: "1.2"; a message that is not
// multipart has its single body at "1".
func (m mimePart) section() string {
	if len(m.path) == 0 {
		return "1"
	}
	var b strings.Builder
	for i, n := range m.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// where names the part in a Problem.
func (m mimePart) where() string {
	if len(m.path) == 0 {
		return "message body"
	}
	return "part " + m.section()
}

func (m mimePart) child(n int) mimePart {
	path := make([]int, len(m.path), len(m.path)+1)
	copy(path, m.path)
	return mimePart{path: append(path, n), depth: m.depth + 1, defType: "text/plain"}
}

// textChunk is readable text from one part. HTML stays source until the text
// is assembled, so that an HTML alternative that is not shown costs nothing.
type textChunk struct {
	text string
	html bool
}

func (p *mimeParser) problem(format string, args ...any) {
	if len(p.out.Problems) >= maxProblems {
		return
	}
	s := fmt.Sprintf(format, args...)
	for _, have := range p.out.Problems {
		if have == s {
			return
		}
	}
	p.out.Problems = append(p.out.Problems, s)
}

// ---- Envelope ----

func (p *mimeParser) envelope(h mimeHeader) {
	out := p.out
	if ids := msgIDs(h.get("Message-Id")); len(ids) > 0 {
		out.MessageID = ids[0]
	}
	out.InReplyTo = msgIDs(h.get("In-Reply-To"))
	refs := msgIDs(h.get("References"))
	if len(refs) > maxReferences {
		// The root and the nearest ancestors are what threading needs.
		refs = append(refs[:1], refs[len(refs)-maxReferences+1:]...)
	}
	out.References = refs
	out.Subject = collapseSpaces(p.decodeWords(h.get("Subject"), "Subject"))
	if l := p.addressList(h.get("From"), "From"); len(l) > 0 {
		out.From = l[0]
	}
	if l := p.addressList(h.get("Sender"), "Sender"); len(l) > 0 {
		out.Sender = l[0]
	}
	out.ReplyTo = p.addressList(h.get("Reply-To"), "Reply-To")
	out.To = p.addressList(h.get("To"), "To")
	out.Cc = p.addressList(h.get("Cc"), "Cc")
	if v := h.get("Date"); v != "" {
		if t, ok := parseMailDate(v); ok {
			out.Date = t
		} else {
			p.problem("unreadable Date %q", truncateUTF8(v, 40))
		}
	}
}

// msgIDs reads the message IDs of Message-ID, In-Reply-To or References
// without their angle brackets, in order and without repeats. It is lenient:
// comments and junk between IDs are skipped, whitespace inside an ID (from a
// badly folded line) is dropped, and IDs written without brackets are taken
// when they contain an @.
func msgIDs(v string) []string {
	const maxIDs = 10000
	var ids []string
	if strings.IndexByte(v, '<') < 0 {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '>' || unicode.IsSpace(r) }) {
			if strings.IndexByte(f, '@') > 0 && len(ids) < maxIDs {
				ids = append(ids, f)
			}
		}
		return uniqueStrings(ids)
	}
	for len(ids) < maxIDs {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		v = v[i+1:]
		j := strings.IndexByte(v, '>')
		if j < 0 {
			j = len(v)
		}
		id := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '<' {
				return -1
			}
			return r
		}, v[:j])
		if id != "" && len(id) <= 998 {
			ids = append(ids, id)
		}
		v = v[min(j+1, len(v)):]
	}
	return uniqueStrings(ids)
}

// uniqueStrings drops repeated strings, keeping the first of each.
func uniqueStrings(l []string) []string {
	if len(l) < 2 {
		return l
	}
	seen := make(map[string]bool, len(l))
	out := l[:0]
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// dateLayouts are the shapes of broken Date fields that net/mail refuses,
// tried after comments and the day name are removed.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700 MST",
	"2 Jan 2006 15:04:05",
	"2 January 2006 15:04:05 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 MST",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 MST 2006",
	"Jan 2 2006 15:04:05 -0700",
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
}

// parseMailDate reads a Date field, in UTC. Dates before 1980 count as
// unreadable: they come from clocks that were never set (1970, 1601), and a
// zero Date lets the sync fall back to the server's arrival time.
func parseMailDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if len(v) > 200 {
		return time.Time{}, false
	}
	t, err := parseRFC5322Date(v)
	if err != nil {
		t, err = netmail.ParseDate(v)
	}
	if err != nil {
		f := strings.Fields(stripComments(v))
		if len(f) > 0 && (strings.HasSuffix(f[0], ",") || isDayName(f[0])) {
			f = f[1:]
		}
		s := strings.Join(f, " ")
		for _, layout := range dateLayouts {
			if t, err = time.Parse(layout, s); err == nil {
				break
			}
		}
	}
	if err != nil || t.Year() < 1980 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

var errDate = errors.New("not an RFC 5322 date")

// parseRFC5322Date reads the usual shape "[Mon, ]2 Jan 2006 15:04[:05]
// -0700 [(comment)]" without the allocations of trying layouts that fail;
// anything else is left to net/mail and the fallbacks.
func parseRFC5322Date(v string) (time.Time, error) {
	f := strings.Fields(v)
	if len(f) > 0 && strings.HasSuffix(f[0], ",") {
		f = f[1:]
	}
	if len(f) > 5 && strings.HasPrefix(f[5], "(") {
		f = f[:5]
	}
	if len(f) != 5 || len(f[1]) != 3 || len(f[2]) != 4 || len(f[4]) != 5 || (f[4][0] != '+' && f[4][0] != '-') {
		return time.Time{}, errDate
	}
	day, err1 := strconv.Atoi(f[0])
	year, err2 := strconv.Atoi(f[2])
	zone, err3 := strconv.Atoi(f[4][1:])
	month := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", f[1])
	hms := strings.Split(f[3], ":")
	if err1 != nil || err2 != nil || err3 != nil || month < 0 || month%3 != 0 || len(hms) < 2 || len(hms) > 3 {
		return time.Time{}, errDate
	}
	var clock [3]int
	for i, x := range hms {
		n, err := strconv.Atoi(x)
		if err != nil || len(x) != 2 {
			return time.Time{}, errDate
		}
		clock[i] = n
	}
	offset := (zone/100*60 + zone%100) * 60
	if f[4][0] == '-' {
		offset = -offset
	}
	if day < 1 || day > 31 || clock[0] > 23 || clock[1] > 59 || clock[2] > 60 || zone%100 > 59 {
		return time.Time{}, errDate
	}
	return time.Date(year, time.Month(month/3+1), day, clock[0], clock[1], clock[2], 0, time.FixedZone("", offset)), nil
}

func isDayName(s string) bool {
	if len(s) < 3 {
		return false
	}
	return strings.Contains("mon tue wed thu fri sat sun", strings.ToLower(s[:3])) && !strings.ContainsAny(s, "0123456789")
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

// ---- Addresses ----

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
	name = collapseSpaces(p.decodeWords(name, field))
	name = strings.TrimSpace(strings.Trim(name, `"'`))
	if strings.EqualFold(name, addr) {
		name = ""
	}
	return Address{Name: name, Addr: addr}, true
}

// cleanAddr makes the join key of an address: no spaces, controls, quotes
// or brackets, and normalized so that address.Normalize leaves it as it is.
func cleanAddr(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	for range 5 {
		n := address.Normalize(s)
		if n == s {
			break
		}
		s = n
	}
	return s
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

// ---- Headers ----

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
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		line, rest = b, nil
	} else {
		line, rest = b[:i], b[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// cutMIMELineString is cutMIMELine on a string; next is the length of the
// line with its line end.
func cutMIMELineString(s string) (line string, next int) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		line, next = s, len(s)
	} else {
		line, next = s[:i], i+1
	}
	return strings.TrimSuffix(line, "\r"), next
}

// validUTF8 makes a header value valid UTF-8 the way guessUTF8 does: raw
// 8-bit header bytes are nearly always Latin-1 from a European mail program.
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
			if ext == nil {
				ext = make(map[string][]section)
			}
			ext[name] = append(ext[name], section{n: 0, value: val, encoded: true})
		default: // name*0=, name*1*=
			digits, encoded := strings.CutSuffix(star, "*")
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || n > 100 {
				continue
			}
			if ext == nil {
				ext = make(map[string][]section)
			}
			ext[name] = append(ext[name], section{n: n, value: val, encoded: encoded})
		}
	}
	for name, secs := range ext {
		// Put the sections in order (there are few); the first one may say the charset.
		for i := 1; i < len(secs); i++ {
			for j := i; j > 0 && secs[j].n < secs[j-1].n; j-- {
				secs[j], secs[j-1] = secs[j-1], secs[j]
			}
		}
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
				raw = append(raw, percentDecode(val)...)
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

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if c, ok := unhex(s[i+1], s[i+2]); ok {
				out = append(out, c)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
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
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			dst = append(dst, ' ')
		case c == '=' && i+2 < len(s):
			if x, ok := unhex(s[i+1], s[i+2]); ok {
				dst = append(dst, x)
				i += 2
			} else {
				dst = append(dst, c)
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// ---- Charsets and transfer encodings ----

// toUTF8 converts text in the named charset to UTF-8, always returning valid
// UTF-8. An unknown charset is noted and the text read as UTF-8 if it is
// that, else as Windows-1252.
func (p *mimeParser) toUTF8(b []byte, label, where string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		// Mislabelled 8-bit text is common; guess rather than show garbage.
		return guessUTF8(b)
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "windows-1252", "cp1252":
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
		return guessUTF8(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		p.problem("bad %s text in %s", truncateUTF8(label, 40), where)
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// guessUTF8 reads bytes as UTF-8 when they are, as Windows-1252 when they
// hold no UTF-8 sequence at all, and otherwise replaces the bad bytes.
func guessUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return validUTF8(string(b))
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
		nl := bytes.IndexByte(src, '\n') >= 0
		line, rest := cutMIMELine(src)
		line = bytes.TrimRight(line, " \t")
		soft := len(line) > 0 && line[len(line)-1] == '='
		if soft {
			line = line[:len(line)-1]
		}
		for {
			i := bytes.IndexByte(line, '=')
			if i < 0 {
				dst = append(dst, line...)
				break
			}
			dst = append(dst, line[:i]...)
			if i+2 < len(line) {
				if c, ok := unhex(line[i+1], line[i+2]); ok {
					dst = append(dst, c)
					line = line[i+3:]
					continue
				}
			}
			dst = append(dst, '=')
			line = line[i+1:]
		}
		if nl && !soft {
			dst = append(dst, '\n')
		}
		src = rest
	}
	return dst
}

// ---- The MIME tree ----

// entity reads one entity (the message, or a part) and returns its readable
// text; attachments and reports are recorded on the way.
func (p *mimeParser) entity(h mimeHeader, body []byte, at mimePart) []textChunk {
	where := at.where()
	typ, params := at.defType, map[string]string(nil)
	if v := strings.TrimSpace(h.get("Content-Type")); v != "" {
		typ, params = p.parseParams(v, where)
		if !validMediaType(typ) {
			p.problem("unreadable Content-Type in %s", where)
			typ = "text/plain" // as RFC 2045 says for a type that cannot be read
		}
	}
	if !strings.HasPrefix(typ, "multipart/") {
		return p.leaf(h, body, typ, params, at)
	}
	cte := transferEncoding(h.get("Content-Transfer-Encoding"))
	boundary := params["boundary"]
	if boundary == "" {
		p.problem("multipart without boundary in %s", where)
		return p.textPart(body, "text/plain", nil, cte, where)
	}
	if at.depth >= maxMIMEDepth {
		p.problem("MIME parts nested deeper than %d", maxMIMEDepth)
		return nil
	}
	parts, closed := splitMultipart(body, boundary)
	if len(parts) == 0 {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil // a header fetched alone, or an empty multipart: nothing is lost
		}
		p.problem("no MIME parts found in %s", where)
		return p.textPart(body, "text/plain", nil, cte, where)
	}
	if !closed {
		p.problem("missing final MIME boundary in %s (truncated?)", where)
	}
	sub := typ[len("multipart/"):]
	if sub == "report" {
		switch strings.ToLower(params["report-type"]) {
		case "delivery-status", "global-delivery-status":
			p.dsnReport = true
		}
	}
	kids := make([][]textChunk, 0, len(parts))
	for i, raw := range parts {
		if p.parts >= maxMIMEParts {
			p.problem("more than %d MIME parts; the rest are skipped", maxMIMEParts)
			break
		}
		p.parts++
		child := at.child(i + 1)
		child.related = sub == "related" && i > 0
		if sub == "digest" {
			child.defType = "message/rfc822"
		}
		ch, cb, bad := readMIMEHeader(raw, false)
		if bad != "" {
			p.problem("%s in %s", bad, child.where())
		}
		kids = append(kids, p.entity(ch, cb, child))
	}
	if sub == "alternative" {
		return chooseAlternative(kids)
	}
	var all []textChunk
	for _, k := range kids {
		all = append(all, k...)
	}
	return all
}

func validMediaType(t string) bool {
	typ, sub, ok := strings.Cut(t, "/")
	if !ok || typ == "" || sub == "" || strings.IndexByte(sub, '/') >= 0 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

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

// splitMultipart cuts a multipart body at its boundary lines. The CRLF
// before a boundary belongs to the boundary. A missing final boundary is
// tolerated: the last part runs to the end (closed is then false). A line
// that starts with the boundary but goes on with other text is not a
// boundary, so a nested boundary that extends the outer one is no problem.
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed bool) {
	delim := "--" + boundary
	start := -1 // start of the current part; -1 in the preamble
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], []byte(delim))
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + 1
		if at > 0 && body[at-1] != '\n' {
			continue
		}
		rest := body[at+len(delim):]
		final := bytes.HasPrefix(rest, []byte("--"))
		if final {
			rest = rest[2:]
		}
		line, after := cutMIMELine(rest)
		if len(bytes.Trim(line, " \t")) != 0 {
			continue
		}
		if start >= 0 {
			end := at
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
		}
		if final {
			return parts, true
		}
		start = len(body) - len(after)
		pos = start
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// leaf handles a part that is not multipart: text to show, or an attachment.
func (p *mimeParser) leaf(h mimeHeader, body []byte, typ string, params map[string]string, at mimePart) []textChunk {
	where := at.where()
	cte := transferEncoding(h.get("Content-Transfer-Encoding"))
	disp, dparams := "", map[string]string(nil)
	if v := strings.TrimSpace(h.get("Content-Disposition")); v != "" {
		disp, dparams = p.parseParams(v, where)
	}
	if (typ == "text/plain" || typ == "text/html") && disp != "attachment" {
		return p.textPart(body, typ, params, cte, where)
	}
	if typ == "message/delivery-status" || typ == "message/global-delivery-status" {
		p.readDSN(p.transferDecode(body, cte, where))
	}

	a := Attachment{
		Part:      at.section(),
		Type:      typ,
		ContentID: strings.Trim(strings.TrimSpace(h.get("Content-Id")), "<>"),
	}
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	a.Name = cleanFilename(name)
	if a.Name == "" && (typ == "message/rfc822" || typ == "message/global") {
		inner, _, _ := readMIMEHeader(p.transferDecode(body, cte, where), true)
		if subj := collapseSpaces(p.decodeWords(inner.get("Subject"), "Subject")); subj != "" {
			a.Name = cleanFilename(strings.Map(safeNameRune, truncateUTF8(subj, 200)) + ".eml")
		}
	}
	if a.Name == "" {
		a.Name = "adjunto-" + strings.ReplaceAll(a.Part, ".", "-") + extensionFor(typ)
	}
	switch cte {
	case "base64":
		var bad bool
		if a.Size, bad = base64Size(body); bad {
			p.problem("bad base64 in %s", where)
		}
	case "quoted-printable":
		a.Size = int64(len(decodeQP(body)))
	default:
		a.Size = int64(len(body))
	}
	a.Inline = strings.HasPrefix(typ, "image/") && at.related && a.ContentID != "" && disp != "attachment"
	p.out.Attachments = append(p.out.Attachments, a)
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

// metaCharset finds the charset an HTML body declares in a <meta> tag, for
// parts whose Content-Type does not say.
func metaCharset(b []byte) string {
	head := b[:min(len(b), 2048)]
	i := bytes.Index(bytes.ToLower(head), []byte("charset="))
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

// noteCIDs records the Content-IDs an HTML body refers to, which makes
// those images inline rather than attachments to list.
func (p *mimeParser) noteCIDs(html string) {
	for {
		i := strings.Index(html, "cid:")
		if i < 0 {
			return
		}
		html = html[i+4:]
		end := strings.IndexAny(html, "\"' >)\r\n\t")
		if end < 0 {
			end = len(html)
		}
		if p.cids == nil {
			p.cids = make(map[string]bool)
		}
		p.cids[html[:end]] = true
		html = html[end:]
	}
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

// cleanFilename keeps the last path element of a file name, without control
// characters, runs of spaces or absurd length.
func cleanFilename(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = collapseSpaces(s)
	if s == "." || s == ".." {
		return ""
	}
	return truncateUTF8(s, 255)
}

// safeNameRune replaces the characters that file systems refuse.
func safeNameRune(r rune) rune {
	if strings.ContainsRune(`/\:*?"<>|`, r) {
		return '_'
	}
	return r
}

// extensionFor gives a made-up file name an extension. A fixed table, because
// mime.ExtensionsByType depends on the machine's mime.types.
func extensionFor(typ string) string {
	switch typ {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/heic":
		return ".heic"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "text/html":
		return ".html"
	case "text/plain", "message/delivery-status", "message/global-delivery-status", "text/rfc822-headers":
		return ".txt"
	case "message/rfc822", "message/global":
		return ".eml"
	case "application/zip":
		return ".zip"
	case "application/msword":
		return ".doc"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.ms-excel":
		return ".xls"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return ".dat"
	case "text/vcard", "text/x-vcard":
		return ".vcf"
	}
	return ".bin"
}

// ---- Text ----

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
		cut := maxTextBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = strings.TrimRightFunc(text[:cut], unicode.IsSpace)
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
	var scratch []byte // a line being cleaned
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
		if !plainASCII(line) {
			scratch = scratch[:0]
			for _, r := range line {
				switch {
				case r < ' ' && r != '\t', r >= 0x7f && r < 0xa0, r == '\uFEFF':
				default:
					scratch = utf8.AppendRune(scratch, r) // U+FFFD for an invalid byte
				}
			}
			scratch = bytes.TrimRightFunc(scratch, unicode.IsSpace)
			if len(scratch) == 0 {
				blank = b.Len() > 0
				continue
			}
			writeLine(&b, blank)
			b.Write(scratch)
			blank = false
			continue
		}
		line = strings.TrimRight(line, " \t")
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		writeLine(&b, blank)
		b.WriteString(line)
		blank = false
	}
	return b.String()
}

// writeLine starts a new line of normalized text, after a blank one if asked.
func writeLine(b *strings.Builder, blank bool) {
	if b.Len() > 0 {
		b.WriteByte('\n')
		if blank {
			b.WriteByte('\n')
		}
	}
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

// ---- Attachments, reports and flags ----

// finishAttachments marks the images that an HTML body shows inline.
func (p *mimeParser) finishAttachments() {
	for i := range p.out.Attachments {
		a := &p.out.Attachments[i]
		if a.ContentID != "" && p.cids[a.ContentID] && strings.HasPrefix(a.Type, "image/") {
			a.Inline = true
		}
	}
}

// readDSN reads the per-recipient blocks of a message/delivery-status part
// (RFC 3464): blank-line separated fields, of which Final-Recipient,
// Original-Recipient and Action matter here.
func (p *mimeParser) readDSN(b []byte) {
	p.dsnPart = true
	var final, orig, action string
	endBlock := func() {
		if final != "" || orig != "" {
			if action == "" || strings.HasPrefix(action, "failed") {
				p.dsnFailed++
				p.addBounced(final)
				p.addBounced(orig)
			} else {
				p.dsnNotFailed++
			}
		}
		final, orig, action = "", "", ""
	}
	for len(b) > 0 {
		var line []byte
		line, b = cutMIMELine(b)
		if len(bytes.TrimSpace(line)) == 0 {
			endBlock()
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		val := strings.TrimSpace(string(v))
		switch strings.ToLower(strings.TrimSpace(string(k))) {
		case "final-recipient":
			final = val
		case "original-recipient":
			orig = val
		case "action":
			action = strings.ToLower(val)
		}
	}
	endBlock()
}

// addBounced adds the address of "rfc822; ana@example.com".
func (p *mimeParser) addBounced(v string) {
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = after
	}
	a := cleanAddr(validUTF8(v))
	if strings.IndexByte(a, '@') <= 0 || len(p.bounced) >= maxAddresses {
		return
	}
	for _, have := range p.bounced {
		if have == a {
			return
		}
	}
	p.bounced = append(p.bounced, a)
}

// flags sets AutoReply, Bounce and Bulk from the message's header and what
// the walk found.
func (p *mimeParser) flags(h mimeHeader) {
	out := p.out
	prec := strings.ToLower(strings.TrimSpace(h.get("Precedence")))
	out.Bulk = h.has("List-Id") || h.has("List-Unsubscribe") || prec == "bulk" || prec == "list" || prec == "junk"

	local, _, _ := strings.Cut(out.From.Addr, "@")
	daemon := local == "mailer-daemon" || local == "postmaster"
	switch {
	case p.dsnReport || (daemon && p.dsnPart):
		// A report whose recipients were all delayed or delivered is news,
		// not a failure.
		out.Bounce = p.dsnFailed > 0 || p.dsnNotFailed == 0
	case daemon:
		out.Bounce = containsFold(out.Subject, bounceSubjects)
	}
	if !out.Bounce {
		out.AutoReply = isAutoReply(h, out.Subject)
		return
	}
	for _, a := range p.addressList(h.get("X-Failed-Recipients"), "X-Failed-Recipients") {
		p.addBounced(a.Addr)
	}
	out.BouncedAddrs = p.bounced
}

// Subjects of delivery failures from servers that send no report.
var bounceSubjects = []string{
	"undeliver", "delivery status notification (failure)", "failure notice",
	"returned mail", "mail delivery failed", "delivery failure",
	"no se puede entregar", "no entregado", "error de entrega", "mensaje no entregado",
}

// Subject starts of out-of-office and other automatic replies.
var autoReplySubjects = []string{
	"auto:", "automatic reply", "autoreply", "auto reply", "auto-reply",
	"respuesta automática", "respuesta automatica", "fuera de la oficina",
	"out of office", "out of the office", "abwesenheitsnotiz",
	"réponse automatique", "resposta automática", "risposta automatica",
}

// isAutoReply reads the signals of automatic replies. X-Auto-Response-Suppress
// is not one: Outlook sets it on ordinary mail too.
func isAutoReply(h mimeHeader, subject string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.get("Auto-Submitted"))); v != "" {
		if tok, _, _ := strings.Cut(v, ";"); strings.TrimSpace(stripComments(tok)) != "no" {
			return true
		}
	}
	for _, k := range [...]string{"X-Autoreply", "X-Autorespond", "X-Autogenerated"} {
		if h.has(k) {
			switch strings.ToLower(strings.TrimSpace(h.get(k))) {
			case "no", "false", "0":
			default:
				return true
			}
		}
	}
	if strings.EqualFold(strings.TrimSpace(h.get("Precedence")), "auto_reply") {
		return true
	}
	return hasPrefixFold(subject, autoReplySubjects)
}

func hasPrefixFold(s string, prefixes []string) bool {
	s = strings.ToLower(s)
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func containsFold(s string, subs []string) bool {
	s = strings.ToLower(s)
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
