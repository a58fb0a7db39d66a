package inbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"mostrador/assets"
)

// A reply goes to the customer's Reply-To (else From), with "Re:" once
// before the subject, In-Reply-To and References so that every mail client
// threads it, the owner's text, the shop's signature, and the customer's
// message quoted below. It is written to the outbox first (see Sender).

// ReplyOptions are what the owner adds to a reply.
type ReplyOptions struct {
	Text      string         // what the owner wrote
	Signature string         // under the text, after "-- "; empty: none
	Lang      string         // the language of the quote's "... wrote:" line
	Loc       *time.Location // the shop's time zone, for that line
	SendAt    time.Time      // zero: at once; later: "send later"
	Now       time.Time      // zero: time.Now()
}

// Outgoing is a reply, or an automated mail (Auto), in the outbox.
type Outgoing struct {
	ID        int64   `json:"id"`
	MessageID string  `json:"messageId"`
	Answers   string  `json:"answers,omitempty"` // the Message-ID answered
	ThreadID  int64   `json:"threadId,omitempty"`
	To        Address `json:"to"`
	Subject   string  `json:"subject"`
	Text      string  `json:"text"`
	// State is where it stands:
	//   queued     waiting for its time (SendAt) or for the next round
	//   sending    being handed to the SMTP server right now
	//   sent       the server took it (then Appended, Flagged follow)
	//   failed     refused: retried at NextTry, or, Permanent, kept for the owner
	//   uncertain  interrupted while handing it over: it may have gone; the
	//              owner decides (SendAgain), it is never resent on its own
	//   expired    automated mail whose Expires passed before it could go:
	//              not sent, and final (ErrorCode CodeExpired)
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	Error     string     `json:"error,omitempty"`     // as the server or the network said it
	ErrorCode string     `json:"errorCode,omitempty"` // what it means: see SendErrorCode
	Permanent bool       `json:"permanent,omitempty"` // refused for good: edit it, it is not retried
	SendAt    time.Time  `json:"sendAt"`
	NextTry   *time.Time `json:"nextTry,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	Appended  bool       `json:"appended"`            // a copy is in the server's Sent folder
	Flagged   bool       `json:"flagged"`             // the original is marked answered on the server (or there is none)
	Auto      bool       `json:"auto"`                // automated mail (QueueAuto), not a reply
	Expires   *time.Time `json:"expiresAt,omitempty"` // automated mail not sent after it; nil: never
}

// ErrEmptyReply: a reply needs some text.
var ErrEmptyReply = errors.New("the reply has no text")

// Reply writes the owner's answer to a stored message into the outbox and
// returns it, queued. Sender sends it.
func Reply(ctx context.Context, db *sql.DB, acct *Account, orig *Message, opts ReplyOptions) (*Outgoing, error) {
	text := strings.TrimSpace(strings.ReplaceAll(opts.Text, "\r\n", "\n"))
	if text == "" {
		return nil, ErrEmptyReply
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	sendAt := opts.SendAt
	if sendAt.IsZero() || sendAt.Before(now) {
		sendAt = now
	}
	to := ReplyAddress(orig)
	refs := replyReferences(orig)
	id, err := newMessageID(acct.FromAddr)
	if err != nil {
		return nil, err
	}
	body := replyBody(text, opts, orig)
	stamp := storedTime(now)
	var thread any
	if orig.ThreadID != 0 {
		thread = orig.ThreadID
	}
	// The Date is the moment it goes: a reply sent later says so.
	res, err := db.ExecContext(ctx, `INSERT INTO outbox(message_id, answers, thread_id, from_name, from_addr, to_name,
		to_addr, subject, in_reply_to, refs, text, body, date, send_at, state, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
		id, orig.MessageID, thread, acct.FromName, acct.FromAddr, to.Name, to.Addr, replySubject(orig.Subject),
		orig.MessageID, strings.Join(refs, " "), text, body, storedTime(sendAt), storedTime(sendAt), stamp, stamp)
	if err != nil {
		return nil, err
	}
	rowID, _ := res.LastInsertId()
	return LoadOutgoing(ctx, db, rowID)
}

// ReplyAddress is where a reply goes: Reply-To, else From; the shop's own
// message is answered to whom it was sent.
func ReplyAddress(m *Message) Address {
	switch {
	case m.Outgoing && len(m.To) > 0:
		return Address{Addr: m.To[0]}
	case len(m.ReplyTo) > 0:
		name := ""
		if m.ReplyTo[0] == m.From.Addr {
			name = m.From.Name
		}
		return Address{Name: name, Addr: m.ReplyTo[0]}
	}
	return m.From
}

// replyRefsMax keeps the References header short: the first message of
// the conversation and the latest ones, as RFC 5322 suggests.
const replyRefsMax = 20

func replyReferences(m *Message) []string {
	refs := append([]string{}, m.References...)
	if len(refs) == 0 && len(m.InReplyTo) > 0 {
		refs = append(refs, m.InReplyTo[0])
	}
	if m.MessageID != "" {
		refs = append(refs, m.MessageID)
	}
	if len(refs) > replyRefsMax {
		refs = append(refs[:1], refs[len(refs)-replyRefsMax+1:]...)
	}
	return refs
}

// replyMark matches the reply prefixes already before a subject ("Re:",
// "RE:", "Re[2]:", Portuguese "Res:", German "AW:"...), also after a list
// tag ("[Tienda] Re: ..."), so that "Re:" is written once and never
// stacks. Forward prefixes stay: "Re: RV: ..." says what happened.
var replyMark = regexp.MustCompile(`(?i)^\s*((re|res|aw|sv|antw|r)(\[\d+\]|\(\d+\))?\s*[:：]\s*)+`)

// listTag is a mailing list's "[Tienda] " before a subject.
var listTag = regexp.MustCompile(`^\s*(\[[^\]]*\]\s*)+`)

func replySubject(subject string) string {
	tags := listTag.FindString(subject)
	rest := strings.TrimSpace(replyMark.ReplaceAllString(subject[len(tags):], ""))
	if tags = strings.TrimSpace(tags); tags != "" {
		rest = strings.TrimSpace(tags + " " + rest)
	}
	if rest == "" {
		return "Re:"
	}
	return "Re: " + rest
}

// maxQuoted caps the quoted lines: the customer has the rest.
const maxQuoted = 60

// replyBody is the owner's text, the signature, and the customer's message
// quoted below.
func replyBody(text string, opts ReplyOptions, orig *Message) string {
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n")
	if sig := strings.Trim(opts.Signature, "\n"); sig != "" {
		b.WriteString("\n-- \n")
		b.WriteString(sig)
		b.WriteString("\n")
	}
	quoted := strings.TrimRight(strings.ReplaceAll(orig.Body, "\r\n", "\n"), "\n ")
	if quoted == "" {
		return b.String()
	}
	loc := opts.Loc
	if loc == nil {
		loc = time.Local
	}
	who := orig.From.Addr
	if orig.From.Name != "" {
		who = orig.From.Name + " <" + orig.From.Addr + ">"
	}
	b.WriteString("\n")
	lang := assets.Lang(opts.Lang)
	date := orig.At.In(loc).Format("02/01/2006")
	if lang == "en" {
		date = orig.At.In(loc).Format("Jan 2, 2006")
	}
	b.WriteString(assets.Translate(lang, "reply.quoteIntro", map[string]any{
		"Date": date, "Time": orig.At.In(loc).Format("15:04"), "Who": who}))
	b.WriteString("\n")
	lines := strings.Split(quoted, "\n")
	for i, l := range lines {
		if i == maxQuoted {
			b.WriteString("> […]\n")
			break
		}
		if strings.HasPrefix(l, ">") {
			b.WriteString(">" + l + "\n")
		} else {
			b.WriteString("> " + l + "\n")
		}
	}
	return b.String()
}

// newMessageID makes a Message-ID on the shop's own domain (not the
// laptop's host name, which says nothing to the customer's server).
func newMessageID(from string) (string, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	domain := "mostrador.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return fmt.Sprintf("%s.%d@%s", hex.EncodeToString(r[:]), time.Now().Unix(), domain), nil
}

// outgoingMsg builds the message of an outbox row: the same bytes on every
// try, as the Message-ID and Date are the row's.
func outgoingMsg(o *outboxRow) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.FromFormat(o.fromName, o.fromAddr); err != nil {
		return nil, fmt.Errorf("from %q: %w", o.fromAddr, err)
	}
	if err := m.AddToFormat(o.toName, o.toAddr); err != nil {
		return nil, fmt.Errorf("to %q: %w", o.toAddr, err)
	}
	m.Subject(o.subject)
	m.SetMessageIDWithValue(o.messageID)
	m.SetDateWithValue(o.date)
	if o.inReplyTo != "" {
		m.SetGenHeader(gomail.HeaderInReplyTo, "<"+o.inReplyTo+">")
	}
	if refs := strings.Fields(o.refs); len(refs) > 0 {
		// One space-separated value: go-mail joins several with commas,
		// which References does not allow.
		m.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(refs, "> <")+">")
	}
	m.SetBodyString(gomail.TypeTextPlain, o.body)
	if o.auto {
		if err := addAutoParts(m, o); err != nil {
			return nil, err
		}
	}
	return m, nil
}
