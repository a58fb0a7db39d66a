package inbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseMessageMalformed(t *testing.T) {
	deep := func(n int) string {
		var b strings.Builder
		b.WriteString("Subject: hondo\r\n")
		for i := range n {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\nen el fondo\r\n")
		for i := n - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		return b.String()
	}
	many := func(n int) string {
		var b strings.Builder
		b.WriteString("Subject: muchas\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
		for i := range n {
			fmt.Fprintf(&b, "--x\r\nContent-Type: image/png; name=f%d.png\r\n\r\nx\r\n", i)
		}
		b.WriteString("--x--\r\n")
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		msg     string
		text    string // Text must contain it
		subject string
		problem string // one of Problems must contain it
		check   func(t *testing.T, p *Parsed)
	}{
		{name: "empty", msg: ""},
		{name: "no header", msg: "hola, ¿tenéis camiones?\nde juguete", text: "hola, ¿tenéis camiones?\nde juguete", problem: "no message header"},
		{name: "header only", msg: "Subject: solo cabecera\r\nFrom: a@b.com\r\n", subject: "solo cabecera"},
		{name: "header only multipart", msg: "Subject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n", subject: "s",
			check: func(t *testing.T, p *Parsed) {
				if len(p.Problems) > 0 {
					t.Errorf("problems %q for a header fetched alone", p.Problems)
				}
			}},
		{name: "mbox From line", msg: "From ana@example.com Mon Mar  3 10:00:00 2025\nSubject: buzón\n\ncuerpo", subject: "buzón", text: "cuerpo"},
		{name: "bare CR", msg: "Subject: mac\rFrom: a@b.com\r\rprimera\rsegunda", subject: "mac", text: "primera\nsegunda"},
		{name: "no blank line", msg: "Subject: pegado\nesto ya es cuerpo\n", subject: "pegado", text: "esto ya es cuerpo", problem: "header not ended by a blank line"},
		{name: "garbage boundary", msg: "Subject: g\nContent-Type: multipart/mixed; boundary=nada\n\n--otra\nContent-Type: text/plain\n\nse lee igual\n--otra--\n",
			text: "se lee igual", problem: "no MIME parts found in message body"},
		{name: "no boundary", msg: "Content-Type: multipart/mixed\n\ntexto suelto\n", text: "texto suelto", problem: "multipart without boundary"},
		{name: "truncated", msg: "Content-Type: multipart/alternative; boundary=z\n\n--z\nContent-Type: text/plain; charset=utf-8\n\ncortado a mit",
			text: "cortado a mit", problem: "missing final MIME boundary"},
		{name: "unquoted boundary with =", msg: "Content-Type: multipart/mixed; boundary=----=_NextPart_000_0012\r\n\r\n------=_NextPart_000_0012\r\nContent-Type: text/plain\r\n\r\nOutlook Express\r\n------=_NextPart_000_0012--\r\n",
			text: "Outlook Express"},
		{name: "bad base64 text", msg: "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nwr9D8n*!*hbmRvIGxsZWdhPw==\n", problem: "bad base64"},
		{name: "unknown transfer encoding", msg: "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n", text: "begin 644 f", problem: "unknown transfer encoding x-uuencode"},
		{name: "bad quoted-printable", msg: "Content-Transfer-Encoding: quoted-printable\n\n100=% seguro =ZZ y =C3=A9xi=\nto\n\x0cfin=", text: "100=% seguro =ZZ y éxito\nfin"},
		{name: "8-bit headers", msg: "Subject: Pedido n\xba 5 \xbfcu\xe1ndo?\nFrom: Mar\xeda <maria@x.es>\n\n", subject: "Pedido nº 5 ¿cuándo?",
			check: func(t *testing.T, p *Parsed) {
				if p.From != (Address{Name: "María", Addr: "maria@x.es"}) {
					t.Errorf("From = %+v", p.From)
				}
			}},
		{name: "mislabelled utf-8", msg: "Content-Type: text/plain; charset=utf-8\n\nCami\xf3n", text: "Camión"},
		{name: "utf-8 with a stray byte", msg: "Subject: Cami\xc3\xb3n \xff rojo\n\nCami\xc3\xb3n \xff rojo", subject: "Camión \uFFFD rojo", text: "Camión \uFFFD rojo"},
		{name: "huge single line", msg: "Subject: larga\n\n" + strings.Repeat("a", 1<<20), problem: "text cut at 256 KiB",
			check: func(t *testing.T, p *Parsed) {
				if len(p.Text) != maxTextBytes {
					t.Errorf("Text is %d bytes, want the cap", len(p.Text))
				}
			}},
		{name: "huge header line", msg: "Subject: " + strings.Repeat("=?utf-8?q?a?= ", 50000) + "\n\nx", text: "x",
			check: func(t *testing.T, p *Parsed) {
				if p.Subject != strings.Repeat("a", 50000) {
					t.Errorf("Subject has %d bytes", len(p.Subject))
				}
			}},
		{name: "nested 19", msg: deep(19), text: "en el fondo"},
		{name: "nested 30", msg: deep(30), subject: "hondo", problem: "nested deeper than 20"},
		{name: "300 parts", msg: many(300), problem: "more than 200 MIME parts",
			check: func(t *testing.T, p *Parsed) {
				if len(p.Attachments) != 200 {
					t.Errorf("%d attachments, want 200", len(p.Attachments))
				}
			}},
		{name: "binary", msg: "\x00\x01\x02\xff\xfe:\r\n\r\n\x00\x00"},
		{name: "date before 1980", msg: "Date: Thu, 01 Jan 1970 00:00:00 +0000\n\nx", problem: "unreadable Date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ParseMessage([]byte(tc.msg))
			checkParsed(t, p)
			if !strings.Contains(p.Text, tc.text) {
				t.Errorf("Text lacks %q; Text is %q", tc.text, truncateUTF8(p.Text, 300))
			}
			if tc.subject != "" && p.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", truncateUTF8(p.Subject, 100), tc.subject)
			}
			if tc.problem != "" && !slices.ContainsFunc(p.Problems, func(s string) bool { return strings.Contains(s, tc.problem) }) {
				t.Errorf("Problems = %q, want one with %q", p.Problems, tc.problem)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

// Hostile inputs of 1 MiB must cost about what ordinary ones do: no stage
// of the parser may be quadratic. Linear code takes milliseconds here.
func TestParseMessageLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rep := func(s string) string { return strings.Repeat(s, (1<<20)/len(s)) }
	for name, msg := range map[string]string{
		"colons in To":     "To: a@b" + rep(":") + "\n\nx",
		"addresses":        "To: " + rep("a@b, ") + "\n\nx",
		"comments":         "From: " + rep("(") + "\n\n",
		"quotes":           "Cc: " + rep(`"\`) + "\n\n",
		"word starts":      "Subject: " + rep("=?a?q?") + "?=\n\n",
		"words":            "Subject: " + rep("=?utf-8?q?a?= ") + "\n\n",
		"brackets":         "References: " + rep("<") + "\n\n",
		"ids":              "References: " + rep("<a@b> ") + "\n\n",
		"folded":           "Subject: a\n" + rep(" b\n") + "\n",
		"date":             "Date: " + rep("(") + "\n\n",
		"params":           "Content-Type: text/plain" + rep("; a=b") + "\n\n",
		"rfc2231":          "Content-Type: text/plain; " + rep("name*1*=%41;") + "\n\n",
		"quoted param":     "Content-Type: text/plain; name=\"" + rep(`\"`) + "\n\n",
		"boundaries":       "Content-Type: multipart/mixed; boundary=a\n\n" + rep("--a\n"),
		"near boundaries":  "Content-Type: multipart/mixed; boundary=aaaa\n\n--aaaa\n\n" + rep("\n--aaa"),
		"nested multipart": "Content-Type: multipart/mixed; boundary=a\n\n" + rep("--a\nContent-Type: multipart/mixed; boundary=a\n\n"),
		"html nesting":     "Content-Type: text/html\n\n" + rep("<div><a href=x><ul><li><blockquote>"),
		"html attributes":  "Content-Type: text/html\n\n<p " + rep("a=b "),
		"html links":       "Content-Type: text/html\n\n" + rep("<a href=u>t"),
		"html cids":        "Content-Type: text/html\n\n" + rep("cid:"),
		"quoted-printable": "Content-Transfer-Encoding: quoted-printable\n\n" + rep("=\n"),
		"base64":           "Content-Transfer-Encoding: base64\n\n" + rep("="),
		"flowed":           "Content-Type: text/plain; format=flowed\n\n" + rep("> \n"),
		"dsn":              "Content-Type: message/delivery-status\n\n" + rep("Final-Recipient: rfc822; a@b\n\n"),
		"line ends":        rep("\n"),
		"carriage returns": rep("\r"),
		"fields":           rep("a:\n"),
	} {
		start := time.Now()
		checkParsed(t, ParseMessage([]byte(msg)))
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %v", name, d)
		} else {
			t.Logf("%s: %v", name, d)
		}
	}
}
