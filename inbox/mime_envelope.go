package inbox

// The envelope: message IDs, Subject, the address fields and Date.

import (
	"errors"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
)

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
	day, err1 := unsigned(f[0])
	year, err2 := unsigned(f[2])
	zone, err3 := unsigned(f[4][1:])
	month := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", f[1])
	hms := strings.Split(f[3], ":")
	if err1 != nil || err2 != nil || err3 != nil || month < 0 || month%3 != 0 || len(hms) < 2 || len(hms) > 3 {
		return time.Time{}, errDate
	}
	var clock [3]int
	for i, x := range hms {
		n, err := unsigned(x)
		if err != nil || len(x) != 2 {
			return time.Time{}, errDate
		}
		clock[i] = n
	}
	offset := (zone/100*60 + zone%100) * 60
	if f[4][0] == '-' {
		offset = -offset
	}
	mon := time.Month(month/3 + 1)
	// time.Date would move 31 February into March; net/mail refuses it.
	lastDay := time.Date(year, mon+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if day < 1 || day > lastDay || clock[0] > 23 || clock[1] > 59 || clock[2] > 60 || zone%100 > 59 {
		return time.Time{}, errDate
	}
	return time.Date(year, mon, day, clock[0], clock[1], clock[2], 0, time.FixedZone("", offset)), nil
}

// unsigned is strconv.Atoi without the sign that Atoi accepts and a Date
// never has.
func unsigned(s string) (int, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, errDate
	}
	return strconv.Atoi(s)
}

func isDayName(s string) bool {
	if len(s) < 3 {
		return false
	}
	return strings.Contains("mon tue wed thu fri sat sun", strings.ToLower(s[:3])) && !strings.ContainsAny(s, "0123456789")
}
