package inbox

import (
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>Hola</p><p>Adiós</p>", "Hola\n\nAdiós"},
		{"Hola<br>Adiós<br><br>Fin", "Hola\nAdiós\n\nFin"},
		{"<div>a<br></div><div>b</div>", "a\nb"},
		{"<ul><li>uno</li><li>dos<ul><li>dos y medio</li></ul></li></ul>", "- uno\n- dos\n  - dos y medio"},
		{"<ol><li>primero<li>segundo</ol>", "- primero\n- segundo"},
		{"<table><tr><td>a</td><td></td><td>b</td></tr><tr><td>c</td></tr></table>", "a | b\nc"},
		{`<a href="https://x.es/p?a=1&amp;b=2">ver</a>`, "ver (https://x.es/p?a=1&b=2)"},
		{`<a href="https://www.x.es/">www.x.es</a>`, "www.x.es"},
		{`<a href="mailto:ana@x.es">ana@x.es</a>`, "ana@x.es"},
		{`<a href="mailto:ana@x.es">escríbenos</a>`, "escríbenos (mailto:ana@x.es)"},
		{`<a href="#top">arriba</a> <a href="javascript:void(0)">nada</a>`, "arriba nada"},
		{`<a href="https://x.es"><img src="b.png"></a>texto`, "texto"},
		{`<head><title>T</title><style>p{color:red}</style></head><body>cuerpo<script>alert(1)</script></body>`, "cuerpo"},
		{`<head><meta charset="utf-8"><p>sin cierre de head`, "sin cierre de head"},
		{"<p>  muchos   \n  espacios\t</p>", "muchos espacios"},
		{"&aacute;&ntilde;&euro; &lt;b&gt; &#191;", "áñ€ <b> ¿"},
		{"<pre>  uno\n    dos</pre>", "  uno\n    dos"},
		{"<blockquote>citado<br>dos</blockquote>fuera", "> citado\n> dos\n\nfuera"},
		{"<h1>Título</h1>texto", "Título\n\ntexto"},
		{"<p>a</p><p>&nbsp;</p><p>&nbsp;</p><p>&nbsp;</p><p>b</p>", "a\n\nb"},
		{"<!--[if mso]><p>solo outlook</p><![endif]--><p>visible</p>", "visible"},
		{"<p>sin <b>cerrar <i>nada", "sin cerrar nada"},
		{"</p></div></li></a>texto</td>", "texto"},
		{"<div style=\"display:none\">\u200c&zwnj;\u034f</div>hola", "hola"},
		{"antes<script/>oculto</script> después <template/>visible", "antes después visible"},
	} {
		got, cut := htmlToText(tc.in, maxTextBytes)
		if got = normalizeText(got); got != tc.want || cut {
			t.Errorf("htmlToText(%q) = %q, %v; want %q", tc.in, got, cut, tc.want)
		}
	}
	if got, cut := htmlToText(strings.Repeat("<p>bloque de texto</p>", 1000), 100); !cut || len(got) > 200 {
		t.Errorf("limit: %d bytes, cut %v", len(got), cut)
	}
}
