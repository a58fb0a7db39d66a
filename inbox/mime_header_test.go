package inbox

import (
	"fmt"
	"slices"
	"testing"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		in, typ string
		want    map[string]string
	}{
		{`text/plain; charset="UTF-8"; format=flowed`, "text/plain", map[string]string{"charset": "UTF-8", "format": "flowed"}},
		{`Multipart/Mixed;` + "\r\n\t" + `boundary="----=_Part_1"`, "multipart/mixed", map[string]string{"boundary": "----=_Part_1"}},
		{`multipart/mixed; boundary=----=_NextPart_000_0012_01DB8F`, "multipart/mixed", map[string]string{"boundary": "----=_NextPart_000_0012_01DB8F"}},
		{`attachment; filename*=UTF-8''factura%20n%C2%BA%2012.pdf`, "attachment", map[string]string{"filename": "factura nº 12.pdf"}},
		// RFC 2231 continuations in ISO-8859-1, and the extended value winning.
		{`attachment; filename="fallback.pdf"; filename*0*=ISO-8859-1''Presupuesto%20cami; filename*1*=%F3n.pdf`, "attachment", map[string]string{"filename": "Presupuesto camión.pdf"}},
		{`attachment; filename*1="parte2.txt"; filename*0="parte1-"`, "attachment", map[string]string{"filename": "parte1-parte2.txt"}},
		// RFC 2047 in a quoted name, as Outlook and Gmail send it.
		{`application/pdf; name="=?UTF-8?Q?Factura_n=C2=BA_7=2Epdf?="`, "application/pdf", map[string]string{"name": "Factura nº 7.pdf"}},
		// An unescaped Windows path, and an unquoted value with spaces.
		{`attachment; filename="C:\Users\ana\pedido.pdf"`, "attachment", map[string]string{"filename": `C:\Users\ana\pedido.pdf`}},
		{`attachment; filename=mi pedido.pdf`, "attachment", map[string]string{"filename": "mi pedido.pdf"}},
		{`text/plain charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`text/html; charset="utf-8`, "text/html", map[string]string{"charset": "utf-8"}},
		{`text/plain;;; junk; charset=us-ascii;`, "text/plain", map[string]string{"charset": "us-ascii"}},
	} {
		p := &mimeParser{out: &Parsed{}}
		typ, params := p.parseParams(tc.in, "part 1")
		if typ != tc.typ || fmt.Sprint(params) != fmt.Sprint(tc.want) {
			t.Errorf("parseParams(%q) = %q %v, want %q %v", tc.in, typ, params, tc.typ, tc.want)
		}
	}
	if got := cleanFilename(`C:\Users\ana\pedido.pdf`); got != "pedido.pdf" {
		t.Errorf("cleanFilename = %q", got)
	}
}

// Problems found in RFC 2231 parameters come in the order of the header,
// not in Go's random map order, so that a message always reads the same.
func TestParseParamsProblemOrder(t *testing.T) {
	want := []string{"unknown charset x-uno in part 2", "unknown charset x-dos in part 2", "unknown charset x-tres in part 2"}
	for range 30 {
		p := &mimeParser{out: &Parsed{}}
		p.parseParams(`attachment; filename*=x-uno''a.pdf; name*0*=x-dos''b; name*1=.pdf; x*=x-tres''c`, "part 2")
		if !slices.Equal(p.out.Problems, want) {
			t.Fatalf("problems %q, want %q", p.out.Problems, want)
		}
	}
}
