package inbox

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// The attachment part numbers are the sections an IMAP server gives the
// same message: go-imap's server computes BODYSTRUCTURE with go-message,
// independently of this parser.
func TestAttachmentPartsMatchBodyStructure(t *testing.T) {
	for name := range corpus {
		if name == "broken.eml" { // go-message gives up on it half-way
			continue
		}
		t.Run(name, func(t *testing.T) {
			raw := readMail(t, name)
			var want []Attachment
			imapserver.ExtractBodyStructure(bytes.NewReader(raw)).Walk(func(path []int, part imap.BodyStructure) bool {
				single, ok := part.(*imap.BodyStructureSinglePart)
				if !ok {
					return true
				}
				typ := single.MediaType()
				disp := single.Disposition()
				if (typ == "text/plain" || typ == "text/html") && (disp == nil || !strings.EqualFold(disp.Value, "attachment")) {
					return true
				}
				sec := make([]string, len(path))
				for i, n := range path {
					sec[i] = strconv.Itoa(n)
				}
				want = append(want, Attachment{Part: strings.Join(sec, "."), Type: typ})
				return true
			})
			got := ParseMessage(raw).Attachments
			if len(got) != len(want) {
				t.Fatalf("attachments %+v, BODYSTRUCTURE has %+v", got, want)
			}
			for i := range want {
				if got[i].Part != want[i].Part || got[i].Type != want[i].Type {
					t.Errorf("attachment %s %s; BODYSTRUCTURE has %s %s", got[i].Part, got[i].Type, want[i].Part, want[i].Type)
				}
			}
		})
	}
}

// Known MIME shapes and their IMAP section numbers.
func TestAttachmentPartNumbers(t *testing.T) {
	leaf := func(typ, body string) string {
		return "Content-Type: " + typ + "\r\nContent-Disposition: attachment\r\n\r\n" + body + "\r\n"
	}
	multi := func(sub, b string, parts ...string) string {
		s := "Content-Type: multipart/" + sub + "; boundary=" + b + "\r\n\r\n"
		for _, p := range parts {
			s += "--" + b + "\r\n" + p
		}
		return s + "--" + b + "--\r\n"
	}
	text := "Content-Type: text/plain\r\n\r\nhola\r\n"
	for _, tc := range []struct {
		msg   string
		parts []string
	}{
		{"Subject: x\r\n" + leaf("application/pdf", "x"), []string{"1"}},
		{"Subject: x\r\n" + multi("mixed", "a", text, leaf("image/png", "x"), leaf("application/pdf", "x")), []string{"2", "3"}},
		{"Subject: x\r\n" + multi("mixed", "a",
			multi("alternative", "b", text, multi("related", "c", "Content-Type: text/html\r\n\r\n<p>hola</p>\r\n", leaf("image/gif", "x"))),
			leaf("application/zip", "x")), []string{"1.2.2", "2"}},
		// A boundary that extends the outer one is not the outer one.
		{"Subject: x\r\n" + multi("mixed", "a", multi("mixed", "a-1", text, leaf("image/png", "x")), leaf("image/png", "y")), []string{"1.2", "2"}},
		// message/rfc822 is one attachment; its own parts are not walked.
		{"Subject: x\r\n" + multi("mixed", "a", text, "Content-Type: message/rfc822\r\n\r\n"+"Subject: dentro\r\n"+multi("mixed", "z", leaf("image/png", "x"))), []string{"2"}},
		// A text part marked attachment is an attachment.
		{"Subject: x\r\n" + multi("mixed", "a", text, "Content-Type: text/plain; name=notas.txt\r\nContent-Disposition: attachment; filename=notas.txt\r\n\r\nnotas\r\n"), []string{"2"}},
	} {
		p := ParseMessage([]byte(tc.msg))
		checkParsed(t, p)
		var got []string
		for _, a := range p.Attachments {
			got = append(got, a.Part)
		}
		if !slices.Equal(got, tc.parts) {
			t.Errorf("parts %q, want %q; problems %q; message:\n%s", got, tc.parts, p.Problems, tc.msg)
		}
	}
}
