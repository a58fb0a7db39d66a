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
