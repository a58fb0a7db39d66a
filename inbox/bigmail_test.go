package inbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// photo is n bytes that do not compress, like a JPEG.
func photo(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func base64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// A message with big photos: its text and list of attachments are stored
// without downloading the photos, which come when opened.
func TestBigMessageFetchesTextOnly(t *testing.T) {
	srv := mailServer(t)
	img := photo(1_500_000)
	raw := "From: Ana Pérez <ana@example.com>\r\nTo: tienda@example.com\r\nSubject: Llegó roto\r\n" +
		"Message-ID: <roto@example.com>\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n" +
		"--B1\r\nContent-Type: multipart/alternative; boundary=\"B2\"\r\n\r\n" +
		"--B2\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"El jab=F3n lleg=F3 roto, os mando fotos.\r\n" +
		"--B2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>El jabón llegó roto</p>\r\n" +
		"--B2--\r\n" +
		"--B1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"=?UTF-8?Q?foto_ca=C3=ADda.jpg?=\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(img) +
		"--B1--\r\n"
	if _, err := srv.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: monday}); err != nil {
		t.Fatal(err)
	}
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Pequeño", id: "small@example.com", at: monday, body: "hola"})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})

	m, err := MessageByID(context.Background(), db, "roto@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, "El jabón llegó roto, os mando fotos.") || m.Subject != "Llegó roto" ||
		m.From.Name != "Ana Pérez" || len(m.Problems) != 0 {
		t.Errorf("big message: body %q subject %q from %+v problems %v", m.Body, m.Subject, m.From, m.Problems)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if a.Part != "2" || a.Type != "image/jpeg" || a.Size < 1_490_000 || a.Size > 1_510_000 {
		t.Errorf("attachment %+v", a)
	}
	if a.Name != "foto caída.jpg" {
		t.Logf("name %q (the server's BODYSTRUCTURE keeps RFC 2047 words as they are)", a.Name)
	}
	if small, _ := MessageByID(context.Background(), db, "small@example.com"); small == nil || small.Body != "hola" {
		t.Errorf("the small message beside it: %+v", small)
	}

	c := dialTest(t, srv)
	defer c.Close()
	got, data, err := FetchAttachment(context.Background(), db, c, m.ID, "2")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, img) || got.Type != "image/jpeg" {
		t.Errorf("fetched %d bytes (%s), want the %d of the photo", len(data), got.Type, len(img))
	}
	if _, _, err := FetchAttachment(context.Background(), db, c, m.ID, "9"); err != ErrNoMessage {
		t.Errorf("a part that is not there: %v", err)
	}
	// Opening it did not mark the message read.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	flags, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || hasFlag(flags[0].Flags, imap.FlagSeen) {
		t.Errorf("flags after opening the attachment: %+v %v", flags, err)
	}
}

// A big single-part text (a long log pasted in) is stored as text, up to
// the parser's cut, and says it was cut.
func TestBigSinglePartText(t *testing.T) {
	srv := mailServer(t)
	line := "Línea de registro con acentos: camión, envío.\n"
	body := strings.Repeat(line, 1_200_000/len(line))
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Registro", id: "log@example.com", at: monday, body: body})
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})
	m, err := MessageByID(context.Background(), db, "log@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 0 || !strings.HasPrefix(m.Body, "Línea de registro con acentos: camión, envío.") ||
		len(m.Body) < 200_000 || len(m.Problems) != 1 || !strings.Contains(m.Problems[0], "cut") {
		t.Errorf("big text: %d bytes, attachments %+v, problems %v", len(m.Body), m.Attachments, m.Problems)
	}
}

func TestDecodeTransfer(t *testing.T) {
	for _, c := range []struct{ header, body, want string }{
		{"Content-Transfer-Encoding: base64\r\n", "aG9s\r\nYQ==\r\n", "hola"},
		{"Content-Transfer-Encoding: BASE64\r\n", "aG9sYQ", "hola"},
		{"Content-Transfer-Encoding: quoted-printable\r\n", "cami=C3=B3n=\r\n!", "camión!"},
		{"", "tal cual", "tal cual"},
	} {
		got, err := decodeTransfer([]byte(c.header), []byte(c.body))
		if err != nil || string(got) != c.want {
			t.Errorf("decodeTransfer(%q, %q) = %q, %v", c.header, c.body, got, err)
		}
	}
}
