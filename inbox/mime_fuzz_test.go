package inbox

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"mostrador/internal/address"
)

// FuzzParseMessage feeds ParseMessage arbitrary bytes, seeded with the mail
// corpus (and, as for every fuzz test, testdata/fuzz/FuzzParseMessage), and
// checks the promises of Parsed.
//
//	go test -tags ci -run '^$' -fuzz FuzzParseMessage -fuzztime 5m ./inbox
func FuzzParseMessage(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no mail corpus: %v", err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkParsed(t, ParseMessage(raw))
	})
}

var sectionPattern = regexp.MustCompile(`^[1-9][0-9]*(\.[1-9][0-9]*)*$`)

// checkParsed checks what holds for any input.
func checkParsed(t testing.TB, p *Parsed) {
	t.Helper()
	if p == nil {
		t.Fatal("ParseMessage returned nil")
	}
	for _, pr := range p.Problems {
		if strings.HasPrefix(pr, "internal error") {
			t.Fatalf("ParseMessage panicked: %s", pr)
		}
	}
	if len(p.Problems) > maxProblems {
		t.Errorf("%d problems, more than %d", len(p.Problems), maxProblems)
	}
	if !utf8.ValidString(p.Text) {
		t.Error("Text is not valid UTF-8")
	}
	if strings.Contains(p.Text, "\r") {
		t.Error(`Text contains "\r"`)
	}
	if len(p.Text) > maxTextBytes {
		t.Errorf("Text is %d bytes, over the cap of %d", len(p.Text), maxTextBytes)
	}
	if strings.HasPrefix(p.Text, "\n") || p.Text != strings.TrimRightFunc(p.Text, unicode.IsSpace) {
		t.Error("Text starts with a blank line or ends with space")
	}
	if !utf8.ValidString(p.Subject) || p.Subject != collapseSpaces(p.Subject) {
		t.Errorf("Subject %q is not clean", p.Subject)
	}
	if !p.Date.IsZero() && p.Date.Location() != time.UTC {
		t.Errorf("Date %v is not UTC", p.Date)
	}
	if strings.ContainsAny(p.MessageID, "<> \t\r\n") {
		t.Errorf("MessageID %q has brackets or spaces", p.MessageID)
	}
	seen := map[string]bool{}
	for _, a := range p.Attachments {
		if !sectionPattern.MatchString(a.Part) {
			t.Errorf("attachment part %q is not an IMAP section", a.Part)
		}
		if seen[a.Part] {
			t.Errorf("attachment part %q twice", a.Part)
		}
		seen[a.Part] = true
		if a.Name == "" || !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\\x00\r\n") {
			t.Errorf("attachment %s has a bad name %q", a.Part, a.Name)
		}
		if !validMediaType(a.Type) || a.Type != strings.ToLower(a.Type) {
			t.Errorf("attachment %s has a bad type %q", a.Part, a.Type)
		}
		if a.Size < 0 {
			t.Errorf("attachment %s has size %d", a.Part, a.Size)
		}
	}
	checkAddr := func(field string, a Address, optional bool) {
		if optional && a == (Address{}) {
			return
		}
		if a.Addr == "" || a.Addr != address.Normalize(a.Addr) || strings.IndexFunc(a.Addr, unicode.IsSpace) >= 0 {
			t.Errorf("%s address %q is not normalized", field, a.Addr)
		}
		if !utf8.ValidString(a.Name) || a.Name != strings.TrimSpace(a.Name) {
			t.Errorf("%s name %q is not clean", field, a.Name)
		}
	}
	checkAddr("From", p.From, true)
	checkAddr("Sender", p.Sender, true)
	for field, l := range map[string][]Address{"Reply-To": p.ReplyTo, "To": p.To, "Cc": p.Cc} {
		for _, a := range l {
			checkAddr(field, a, false)
		}
	}
	for _, a := range p.BouncedAddrs {
		if a != address.Normalize(a) || !strings.Contains(a, "@") {
			t.Errorf("bounced address %q is not normalized", a)
		}
	}
	if p.Bounce && p.AutoReply {
		t.Error("a bounce is also an auto-reply")
	}
	if !p.Bounce && len(p.BouncedAddrs) > 0 {
		t.Error("bounced addresses without a bounce")
	}
}
