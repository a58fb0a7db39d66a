package inbox

import (
	"slices"
	"strings"
	"testing"
)

// Text parts outside an alternative are all shown, in order; attachments
// between them do not break the text.
func TestTextParts(t *testing.T) {
	msg := "Subject: dos partes\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n" +
		"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPrimera parte.\r\n" +
		"--m\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF\r\n" +
		"--m\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Disposition: inline\r\n\r\nSegunda parte, con e\xf1e \xf1.\r\n" +
		"--m\r\nContent-Type: text/html\r\n\r\n<p>Tercera <b>en HTML</b></p>\r\n" +
		"--m--\r\n"
	p := ParseMessage([]byte(msg))
	checkParsed(t, p)
	if want := "Primera parte.\n\nSegunda parte, con eñe ñ.\n\nTercera en HTML"; p.Text != want {
		t.Errorf("Text = %q, want %q", p.Text, want)
	}
	if !p.FromHTML || len(p.Attachments) != 1 || p.Attachments[0].Name != "a.pdf" {
		t.Errorf("FromHTML %v, attachments %+v", p.FromHTML, p.Attachments)
	}
}

func TestUnflow(t *testing.T) {
	in := "Una línea \nque sigue.\n> cita \n> larga\n>> más \nhondo\n-- \nFirma\n Espacio"
	want := "Una línea que sigue.\n> cita larga\n>> más \nhondo\n-- \nFirma\nEspacio"
	if got := unflow(in, false); got != want {
		t.Errorf("unflow = %q, want %q", got, want)
	}
	if got := unflow("pala \nbra", true); got != "palabra" {
		t.Errorf("unflow delsp = %q", got)
	}
}

func TestTextLimit(t *testing.T) {
	// Multi-byte text cut at the cap stays valid UTF-8; HTML too.
	big := strings.Repeat("ñandú ", maxTextBytes/7+100)
	for _, msg := range []string{
		"Content-Type: text/plain; charset=utf-8\n\n" + big,
		"Content-Type: text/html; charset=utf-8\n\n<p>" + big,
	} {
		p := ParseMessage([]byte(msg))
		checkParsed(t, p)
		if len(p.Text) < maxTextBytes-8 || !slices.Contains(p.Problems, "text cut at 256 KiB") {
			t.Errorf("cut to %d bytes, problems %q", len(p.Text), p.Problems)
		}
	}
}
