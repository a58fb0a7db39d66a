package inbox

// ParseMessage turns one raw RFC 5322 message into what Mostrador stores and
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
//
// This file holds the entry point and the walk of the MIME tree; beside it:
// mime_header.go (header blocks, parameters), mime_envelope.go and
// mime_address.go (IDs, dates, addresses), mime_charset.go (charsets, encoded
// words), mime_encoding.go (base64, quoted-printable), mime_text.go (the
// readable text), html.go (HTML as text), mime_attach.go (attachments) and
// mime_auto.go (bounces, auto-replies, bulk mail).

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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
	if s := fmt.Sprintf(format, args...); !slices.Contains(p.out.Problems, s) {
		p.out.Problems = append(p.out.Problems, s)
	}
}

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

// splitMultipart cuts a multipart body at its boundary lines. The CRLF
// before a boundary belongs to the boundary. A missing final boundary is
// tolerated: the last part runs to the end (closed is then false). A line
// that starts with the boundary but goes on with other text is not a
// boundary, so a nested boundary that extends the outer one is no problem.
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part; -1 in the preamble
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
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
	a.Name = p.attachmentName(name, body, typ, cte, a.Part, where)
	a.Size = p.decodedSize(body, cte, where)
	a.Inline = strings.HasPrefix(typ, "image/") && at.related && a.ContentID != "" && disp != "attachment"
	p.out.Attachments = append(p.out.Attachments, a)
	return nil
}
