package dovecot

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Seeded messages reach IMAP clients as if they had been APPENDed: in the
// order given, byte for byte with CRLF line ends, with their dates, sizes and
// flags.
func TestSeed(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	day := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	var mails []Mail
	for i := range 5 {
		raw := fmt.Sprintf("From: c%d@example.com\r\nSubject: Pedido %d\r\n\r\nHola,\r\n¿cuándo llega?\r\n", i, 1000+i)
		m := Mail{Raw: []byte(raw), Received: day.Add(time.Duration(i) * time.Hour)}
		if i == 1 {
			m.Flags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered}
		}
		if i == 3 {
			m.Raw = []byte(strings.ReplaceAll(raw, "\r\n", "\n")) // LF only: served with CRLF
		}
		mails = append(mails, m)
	}
	if err := s.Seed(DefaultUser, "INBOX", mails); err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(DefaultUser, "Sent", mails[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(DefaultUser, "INBOX", []Mail{{Raw: []byte("x"), Flags: []imap.Flag{"$Important"}}}); err == nil {
		t.Error("a keyword was seeded as if it were a system flag")
	}

	c := s.Client(t, DefaultUser)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	got, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4, 5), &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
		RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(mails) {
		t.Fatalf("%d messages in INBOX, want %d", len(got), len(mails))
	}
	for i, m := range got {
		want := bytes.ReplaceAll(bytes.ReplaceAll(mails[i].Raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		if body := m.FindBodySection(section); !bytes.Equal(body, want) {
			t.Errorf("message %d (UID %d): %q, want %q", i+1, m.UID, body, want)
		}
		if m.RFC822Size != int64(len(want)) {
			t.Errorf("message %d: RFC822.SIZE %d, want %d", i+1, m.RFC822Size, len(want))
		}
		if !m.InternalDate.Equal(mails[i].Received) {
			t.Errorf("message %d: INTERNALDATE %v, want %v", i+1, m.InternalDate, mails[i].Received)
		}
		seen := slices.Contains(m.Flags, imap.FlagSeen) && slices.Contains(m.Flags, imap.FlagAnswered)
		if seen != (i == 1) {
			t.Errorf("message %d: flags %v", i+1, m.Flags)
		}
	}
	st, err := c.Status("Sent", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumMessages != 1 {
		t.Errorf("%d messages in Sent, want 1", *st.NumMessages)
	}
}
