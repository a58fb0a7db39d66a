package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText turns an HTML mail body into readable plain text: blocks become
// lines and paragraphs, <br> a line break, list items "- ", table rows lines
// with " | " between cells, links "text (url)" unless the text is the url,
// blockquotes "> ". Scripts, styles and the head are dropped, entities
// decoded, whitespace collapsed. It streams tokens instead of building a
// tree, so deep or broken markup costs no more than flat markup. It stops
// once the text reaches limit bytes and then reports cut.
func htmlToText(src string, limit int) (text string, cut bool) {
	z := html.NewTokenizer(strings.NewReader(src))
	w := htmlText{lineStart: true}
	for w.b.Len() < limit {
		switch tt := z.Next(); tt {
		case html.ErrorToken: // io.EOF, or nothing more that can be read
			w.endLink()
			return w.b.String(), false
		case html.TextToken:
			if w.skip == 0 {
				w.text(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			w.start(z, atom.Lookup(name), string(name), hasAttr, tt == html.StartTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			w.end(atom.Lookup(name), string(name))
		}
	}
	return w.b.String(), true
}

// htmlText is the state of one conversion. Line breaks and spaces are kept
// pending and written only before the next visible text, which is what
// collapses whitespace and drops empty blocks.
type htmlText struct {
	b         strings.Builder
	newlines  int  // pending line breaks: 1 a new line, 2 a new paragraph
	space     bool // pending space
	cellSep   bool // pending " | " between table cells
	bullet    bool // pending "- " of a list item
	lineStart bool // nothing written on the current line yet
	rowText   bool // the current table row has text
	inHead    bool // inside <head>: only whitespace text, nothing shown
	msoPara   bool // the current <p> is an Outlook line (class MsoNormal...)
	skip      int  // depth inside elements whose text is not shown
	pre       int
	lists     int
	quote     int

	inLink    bool
	href      string
	linkStart int // where the link text starts in b; -1 until it does
}

// htmlSkipped are the elements whose content is never shown.
func htmlSkipped(a atom.Atom, name string) bool {
	switch a {
	case atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript,
		atom.Iframe, atom.Noembed, atom.Noframes:
		return true
	}
	return name == "xml" // Outlook's <xml> islands, when not inside a comment
}

func (w *htmlText) start(z *html.Tokenizer, a atom.Atom, name string, hasAttr bool, isStart bool) {
	if w.inHead {
		// Like a browser, end the head at the first element that cannot be in it.
		switch a {
		case atom.Meta, atom.Link, atom.Base, atom.Style, atom.Script, atom.Title, atom.Noscript, atom.Template:
		default:
			w.inHead = name == "xml" || strings.Contains(name, ":")
		}
	}
	if htmlSkipped(a, name) {
		// "<script/>" still starts raw text up to "</script>" (the tokenizer
		// and browsers ignore the slash); template and xml are not raw text,
		// so their self-closing form has no end tag to wait for.
		if isStart || (a != atom.Template && name != "xml") {
			w.skip++
		}
		return
	}
	switch a {
	case atom.Head:
		w.inHead = true
	case atom.Body:
		w.inHead = false
	case atom.Br:
		if w.b.Len() > 0 {
			w.newlines = min(w.newlines+1, 2)
		}
	case atom.P:
		w.msoPara = strings.Contains(htmlAttr(z, hasAttr, "class"), "Mso")
		w.paragraph()
	case atom.Hr:
		w.breakLine(2)
	case atom.Ul, atom.Ol:
		w.breakLine(1)
		w.lists++
	case atom.Li:
		w.breakLine(1)
		w.bullet = true
	case atom.Blockquote:
		w.breakLine(2)
		w.quote++
	case atom.Pre:
		w.breakLine(2)
		w.pre++
	case atom.Tr:
		w.breakLine(1)
		w.rowText = false
	case atom.Td, atom.Th:
		if w.rowText {
			w.cellSep = true
		}
	case atom.A:
		w.endLink()
		w.inLink, w.linkStart = true, -1
		w.href = strings.TrimSpace(htmlAttr(z, hasAttr, "href"))
	case atom.Img:
		// An image link shows its alt text, so that the link is not lost.
		if w.inLink && w.skip == 0 {
			w.text([]byte(htmlAttr(z, hasAttr, "alt")))
		}
	default:
		if htmlParaBlock(a) {
			w.breakLine(2)
		} else if htmlLineBlock(a) {
			w.breakLine(1)
		}
	}
}

func (w *htmlText) end(a atom.Atom, name string) {
	if htmlSkipped(a, name) {
		if w.skip > 0 {
			w.skip--
		}
		return
	}
	switch a {
	case atom.Head:
		w.inHead = false
	case atom.P:
		w.paragraph()
	case atom.Ul, atom.Ol:
		w.breakLine(1)
		w.lists = max(w.lists-1, 0)
	case atom.Blockquote:
		w.breakLine(2)
		w.quote = max(w.quote-1, 0)
	case atom.Pre:
		w.breakLine(2)
		w.pre = max(w.pre-1, 0)
	case atom.A:
		w.endLink()
	default:
		if htmlParaBlock(a) {
			w.breakLine(2)
		} else if htmlLineBlock(a) || a == atom.Li || a == atom.Tr {
			w.breakLine(1)
		}
	}
}

// htmlParaBlock are the block elements that start and end a paragraph.
func htmlParaBlock(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Dl,
		atom.Address, atom.Figure, atom.Form, atom.Fieldset:
		return true
	}
	return false
}

// htmlLineBlock are the block elements that start and end a line.
func htmlLineBlock(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.Dt, atom.Dd, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Nav, atom.Aside, atom.Main, atom.Center, atom.Caption, atom.Figcaption,
		atom.Details, atom.Summary, atom.Thead, atom.Tbody, atom.Tfoot:
		return true
	}
	return false
}

// htmlAttr returns the value of one attribute of the current tag.
func htmlAttr(z *html.Tokenizer, hasAttr bool, name string) string {
	var val string
	for more := hasAttr; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if val == "" && string(k) == name {
			val = string(v)
		}
	}
	return val
}

// paragraph starts or ends a <p>. Outlook writes every line as
// <p class=MsoNormal>, with empty ones for blank lines: a line break each
// keeps the author's spacing.
func (w *htmlText) paragraph() {
	if w.msoPara {
		w.breakLine(1)
	} else {
		w.breakLine(2)
	}
}

func (w *htmlText) breakLine(n int) {
	if w.b.Len() > 0 {
		w.newlines = max(w.newlines, n)
	}
}

// text writes visible text, collapsing whitespace unless inside <pre>.
func (w *htmlText) text(t []byte) {
	if w.inHead {
		// Text in the head is shown (a browser moves it to the body) unless
		// it is only whitespace.
		if len(strings.TrimSpace(string(t))) == 0 {
			return
		}
		w.inHead = false
	}
	for len(t) > 0 {
		r, size := utf8.DecodeRune(t)
		t = t[size:]
		switch {
		case r == '\r':
		case w.pre > 0 && r == '\n':
			w.newlines++
			if w.b.Len() == 0 {
				w.newlines = 0
			}
		case r == '\u00a0' || (w.pre > 0 && (r == ' ' || r == '\t')):
			// A no-break space does not collapse: a block holding only one
			// is a blank line, as in Outlook's <p class=MsoNormal>&nbsp;</p>.
			w.flush()
			w.b.WriteByte(' ')
		case unicode.IsSpace(r):
			w.space = true
		case htmlInvisible(r):
		default:
			w.flush()
			if w.inLink && w.linkStart < 0 {
				w.linkStart = w.b.Len()
			}
			w.b.WriteRune(r)
			w.rowText = true
		}
	}
}

// htmlInvisible are the zero-width characters that newsletters pad their
// hidden preview text with.
func htmlInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200e', '\u200f', '\u034f', '\u00ad', '\u2060', '\ufeff':
		return true
	}
	return false
}

// flush writes what is pending before the next visible character: line
// breaks, then the line's prefix, then a cell separator or a space.
func (w *htmlText) flush() {
	if w.newlines > 0 {
		for range w.newlines {
			w.b.WriteByte('\n')
		}
		w.newlines, w.space, w.cellSep, w.lineStart = 0, false, false, true
	}
	if w.lineStart {
		for range min(w.quote, 10) {
			w.b.WriteString("> ")
		}
		if w.bullet {
			for range min(max(w.lists-1, 0), 10) {
				w.b.WriteString("  ")
			}
			w.b.WriteString("- ")
		}
		w.bullet, w.space, w.cellSep, w.lineStart = false, false, false, false
	}
	if w.cellSep {
		w.b.WriteString(" | ")
	} else if w.space {
		w.b.WriteByte(' ')
	}
	w.space, w.cellSep = false, false
}

// endLink adds the url after the text of a link, unless it says nothing
// more than the text.
func (w *htmlText) endLink() {
	if !w.inLink {
		return
	}
	w.inLink = false
	if w.linkStart < 0 || w.href == "" {
		return
	}
	text := strings.TrimSpace(w.b.String()[w.linkStart:])
	lower := strings.ToLower(w.href)
	for _, p := range [...]string{"#", "javascript:", "cid:", "data:"} {
		if strings.HasPrefix(lower, p) {
			return
		}
	}
	if text == "" || sameLink(text, w.href) {
		return
	}
	w.b.WriteString(" (")
	w.b.WriteString(w.href)
	w.b.WriteString(")")
}

// sameLink reports whether a link's text is its url, give or take the
// scheme, "www." and a final slash.
func sameLink(text, href string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range [...]string{"mailto:", "tel:", "https://", "http://", "www."} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimSuffix(s, "/")
	}
	return norm(text) == norm(href)
}
