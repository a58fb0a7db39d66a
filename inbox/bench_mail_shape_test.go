package inbox_test

import (
	"bytes"
	"testing"

	"mostrador/inbox"
)

// The benchmark mailbox is what it claims to be: every message readable
// without problems, about 1.6 KiB on average, with threads, other charsets,
// HTML and attachments in it.
func TestShopMail(t *testing.T) {
	const n = 2000
	mails := shopMail(n)
	var size, replies, html, attached, auto int
	ids := map[string]bool{}
	for i, m := range mails {
		size += len(m.Raw)
		p := inbox.ParseMessage(m.Raw)
		if len(p.Problems) > 0 || p.MessageID == "" || p.Subject == "" || p.Text == "" || p.From.Addr == "" || p.Date.IsZero() {
			t.Fatalf("message %d: %+v\n%s", i, p, m.Raw)
		}
		if ids[p.MessageID] {
			t.Fatalf("message %d: Message-ID %s again", i, p.MessageID)
		}
		ids[p.MessageID] = true
		if len(p.InReplyTo) > 0 && len(p.References) > 1 {
			replies++
		}
		if bytes.Contains(m.Raw, []byte("multipart/alternative")) {
			html++
		}
		if len(p.Attachments) > 0 {
			attached++
		}
		if p.AutoReply {
			auto++
		}
	}
	avg := size / n
	t.Logf("%d messages, %d bytes on average: %d replies, %d with HTML, %d with attachments, %d auto-replies",
		n, avg, replies, html, attached, auto)
	if avg < 1400 || avg > 1900 {
		t.Errorf("%d bytes on average, want about 1.6 KiB", avg)
	}
	if replies < n/4 || html < n/5 || attached < n/50 || auto < n/100 {
		t.Errorf("too few replies (%d), HTML (%d), attachments (%d) or auto-replies (%d)", replies, html, attached, auto)
	}
}
