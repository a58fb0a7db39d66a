package inbox

import (
	"strings"
	"testing"
)

func TestDecodeWords(t *testing.T) {
	for _, tc := range []struct{ in, want, problem string }{
		{"=?UTF-8?Q?Pedido_n=C2=BA_1042?=", "Pedido nº 1042", ""},
		{"=?utf-8?b?wr9DdcOhbmRvPw==?=", "¿Cuándo?", ""},
		{"=?iso-8859-1?q?cami=F3n?= rojo", "camión rojo", ""},
		// Whitespace between encoded words goes; around them it stays.
		{"Re: =?utf-8?Q?a?= =?utf-8?Q?b?=  c", "Re: ab  c", ""},
		// A character split across two words.
		{"=?UTF-8?Q?Cami=C3?= =?UTF-8?Q?=B3n?=", "Camión", ""},
		{"=?UTF-8?B?w6k=?==?UTF-8?B?w6k=?=", "éé", ""},
		// Windows-1252 under an ISO-8859-1 label.
		{"=?iso-8859-1?Q?=93hola=94_=80?=", "“hola” €", ""},
		{"=?x-foo?Q?caf=C3=A9?=", "café", "unknown charset x-foo"},
		{"=??Q?caf=E9?=", "café", ""}, // no charset label: guessed, nothing lost
		{"\"=?utf-8?Q?Jos=C3=A9?=\"", "\"José\"", ""},
		{"=?utf-8*es?Q?a=C3=B1o?=", "año", ""},
		{"precio =? 10", "precio =? 10", ""},
		{"=?utf-8?X?abc?=", "=?utf-8?X?abc?=", ""},
		{"=?utf-8?Q?sin_cierre", "=?utf-8?Q?sin_cierre", ""},
		{"=?koi8-r?B?8NLJ18XU?=", "Привет", ""},
	} {
		p := &mimeParser{out: &Parsed{}}
		if got := p.decodeWords(tc.in, "Subject"); got != tc.want {
			t.Errorf("decodeWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.problem == "" && len(p.out.Problems) > 0 || tc.problem != "" && (len(p.out.Problems) == 0 || !strings.Contains(p.out.Problems[0], tc.problem)) {
			t.Errorf("decodeWords(%q): problems %q, want %q", tc.in, p.out.Problems, tc.problem)
		}
	}
}

// An HTML part whose Content-Type names no charset is read in the charset
// of its <meta> tag, also when 8-bit text (here a KOI8-R <title>) comes
// before the tag: finding "charset=" must not shift offsets, as
// bytes.ToLower does by turning each byte that is not UTF-8 into a
// three-byte U+FFFD.
func TestMetaCharsetAfter8BitText(t *testing.T) {
	head := "<html><head><title>\xf0\xd2\xc9\xd7\xc5\xd4</title><META Charset=\"KOI8-R\"></head>"
	if got := metaCharset([]byte(head)); got != "KOI8-R" {
		t.Errorf("metaCharset = %q, want KOI8-R", got)
	}
	p := ParseMessage([]byte("Content-Type: text/html\n\n" + head + "<body><p>\xf0\xd2\xc9\xd7\xc5\xd4, \xe1\xce\xd1!</p></body></html>"))
	checkParsed(t, p)
	if p.Text != "Привет, Аня!" || len(p.Problems) > 0 {
		t.Errorf("Text = %q, problems %q", p.Text, p.Problems)
	}
}

// Other names of US-ASCII and ISO-8859-1 are read as their usual labels
// are: 8-bit text under "ANSI_X3.4-1968" (how a server in the C locale
// names its charset) is guessed instead of turned into U+FFFD, and under
// "ISO_8859-1:1987" or "cp819" it is read as Windows-1252, so that € and
// “quotes” are not dropped as C1 controls.
func TestCharsetAliases(t *testing.T) {
	for _, tc := range []struct{ label, in, want string }{
		{"ANSI_X3.4-1968", "Cami\xc3\xb3n", "Camión"},
		{"ANSI_X3.4-1968", "Cami\xf3n", "Camión"},
		{"csASCII", "Cami\xf3n", "Camión"},
		{"ISO_8859-1:1987", "\x93Jab\xf3n\x94 a 3,50 \x80", "“Jabón” a 3,50 €"},
		{"cp819", "\x93Jab\xf3n\x94 a 3,50 \x80", "“Jabón” a 3,50 €"},
		{"csUTF8", "Cami\xf3n", "Camión"},
		{"ISO-8859-15", "3,50 \xa4", "3,50 €"}, // a charset of its own
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
	} {
		p := &mimeParser{out: &Parsed{}}
		if got := p.toUTF8([]byte(tc.in), tc.label, "part 1"); got != tc.want || len(p.out.Problems) > 0 {
			t.Errorf("toUTF8(%q, %s) = %q, problems %q; want %q", tc.in, tc.label, got, p.out.Problems, tc.want)
		}
	}
	p := ParseMessage([]byte("Subject: =?ANSI_X3.4-1968?Q?Jos=C3=A9?=\nContent-Type: text/plain; charset=ANSI_X3.4-1968\n\nHola, Jos\xc3\xa9"))
	checkParsed(t, p)
	if p.Subject != "José" || p.Text != "Hola, José" {
		t.Errorf("Subject %q, Text %q", p.Subject, p.Text)
	}
}
