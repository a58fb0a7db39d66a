package inbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

func readMail(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// mailCase is what one corpus message must give.
type mailCase struct {
	subject     string
	from        Address
	date        time.Time // zero: must be zero
	messageID   string
	text        []string // phrases Text must contain
	notText     []string // and must not
	fromHTML    bool
	attachments []Attachment // Size is checked when not 0
	autoReply   bool
	bounce      bool
	bounced     []string
	bulk        bool
	problems    []string // exactly these, in order; none for a well-formed message
	check       func(t *testing.T, p *Parsed)
}

var corpus = map[string]mailCase{
	"gmail.eml": {
		subject:   "Pregunta sobre las velas aromáticas",
		from:      Address{Name: "Lucía Fernández", Addr: "lucia.fernandez@gmail.com"},
		date:      time.Date(2025, 3, 4, 17, 12, 21, 0, time.UTC),
		messageID: "CAJx7kq3Yd+P_1x2bZ=Kq9mW-8vT4u@mail.gmail.com",
		// The quoted-printable soft break inside "grande" is joined.
		text: []string{"Hola,\n\n¿Tenéis las velas aromáticas de lavanda en tamaño grande? Me gustaría regalar dos el sábado", "Gracias,\nLucía"},
		check: func(t *testing.T, p *Parsed) {
			if len(p.To) != 1 || p.To[0] != (Address{Name: "Tienda La Esquina", Addr: "tienda@example.com"}) {
				t.Errorf("To = %+v", p.To)
			}
		},
	},
	"outlook.eml": {
		subject:   "RE: Pedido de marzo - confirmación",
		from:      Address{Name: "Martínez Ruiz, Carmen", Addr: "carmen.martinez@distribuciones-sol.es"},
		date:      time.Date(2025, 3, 5, 8, 41, 7, 0, time.UTC),
		messageID: "AM9PR03MB77454D3C0E1F2A3B4C5D6E7F8A9B0C1D2E3F4@AM9PR03MB7745.eurprd03.prod.outlook.com",
		// Windows-1252 quotes and euro sign.
		text: []string{"Buenos días,\n\nLe confirmo el pedido de marzo: 24 cajas de “Jabón de oliva” a 3,50 € la unidad", "Carmen Martínez Ruiz"},
		attachments: []Attachment{
			{Part: "2", Name: "Pedido marzo.xlsx", Type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Size: 1234},
		},
		// X-Auto-Response-Suppress: All is on this ordinary message.
		autoReply: false,
		check: func(t *testing.T, p *Parsed) {
			if len(p.Cc) != 1 || p.Cc[0] != (Address{Name: "Pedidos", Addr: "pedidos@distribuciones-sol.es"}) {
				t.Errorf("Cc = %+v", p.Cc)
			}
			if !slices.Equal(p.InReplyTo, []string{"pedido-marzo-2025@example.com"}) {
				t.Errorf("InReplyTo = %q", p.InReplyTo)
			}
		},
	},
	"apple.eml": {
		subject:   "Fotos de la mesa que os compré",
		from:      Address{Name: "Pablo Gómez", Addr: "pablo.gomez@icloud.com"},
		date:      time.Date(2025, 3, 6, 19, 5, 44, 0, time.UTC),
		messageID: "6A1F3C2E-8B7D-4E21-9F0A-1B2C3D4E5F60@icloud.com",
		// format=flowed lines are joined, quoted ones too.
		text: []string{
			"que compré el mes pasado. Ha quedado preciosa en el salón, gracias por el consejo del barniz. La factura va adjunta",
			"\n> ¿Qué tal ha quedado la mesa?\n",
		},
		attachments: []Attachment{
			{Part: "2.2", Name: "mesa.jpeg", Type: "image/jpeg", Size: 2100, ContentID: "9B1C2D3E-4F50-4A6B-8C7D-9E0F1A2B3C4D@home", Inline: true},
			{Part: "2.3", Name: "Factura 2025-0311.pdf", Type: "application/pdf", Size: 1500},
		},
	},
	"webmail-latin1.eml": {
		subject:   "Consulta sobre el pedido nº 1042",
		from:      Address{Name: "José Martínez", Addr: "jose.martinez@telefonica.net"},
		date:      time.Date(2025, 3, 7, 10, 30, 2, 0, time.UTC),
		messageID: "20250307113002.8F2A1@webmail.telefonica.net",
		text:      []string{"Buenos días:", "Hice el pedido nº 1042 hace diez días", "¿Cuándo llega mi camión?", "José Martínez"},
	},
	"newsletter.eml": {
		subject:   "🌷 Novedades de primavera: cestas, velas y cerámica",
		from:      Address{Name: "Artesanía Mayorista", Addr: "novedades@artesania-mayorista.example"},
		date:      time.Date(2025, 3, 11, 6, 0, 0, 0, time.UTC),
		messageID: "nl.2025-03.8f2a1c@mail.artesania-mayorista.example",
		fromHTML:  true,
		bulk:      true,
		text: []string{
			"Ver en el navegador (https://artesania-mayorista.example/newsletter/2025-03?utm_source=email&utm_campaign=primavera)",
			"Novedades de primavera\n\nHola, Tienda La Esquina:\n\nYa tenemos la colección de primavera.",
			"Producto | Precio\nCesta de mimbre | 12,90 €\nVela de soja & lavanda | 4,50 €\nJarrón de cerámica | 18,00 €",
			"\n- Envío gratis desde 150 €\n- Pedidos antes del jueves salen el lunes\n",
			"Comprar ahora (https://artesania-mayorista.example/tienda?c=primavera&ref=nl)",
			// A link whose text is its url is written once.
			"Más información en https://artesania-mayorista.example o escríbenos a pedidos@artesania-mayorista.example.",
			"Recibes este correo porque eres cliente.\nDarse de baja (https://artesania-mayorista.example/baja?u=8f2a1c&l=es)",
		},
		notText: []string{"<", "&nbsp;", "&amp;", "{", "no debe verse", "\u200c", "example/)", "(mailto:"},
	},
	"bounce-postfix.eml": {
		subject:   "Undelivered Mail Returned to Sender",
		from:      Address{Name: "Mail Delivery System", Addr: "mailer-daemon@mail.example.com"},
		date:      time.Date(2025, 3, 8, 9, 15, 2, 0, time.UTC),
		messageID: "20250308091502.4Z1k2L3m4N5p@mail.example.com",
		text:      []string{"your message could not\nbe delivered"},
		notText:   []string{"Reporting-MTA", "Gracias por tu compra"},
		attachments: []Attachment{
			{Part: "2", Name: "adjunto-2.txt", Type: "message/delivery-status"},
			{Part: "3", Name: "Gracias por tu pedido 1051.eml", Type: "message/rfc822"},
		},
		// Postfix marks its bounces Auto-Submitted; a bounce is still not an auto-reply.
		bounce:  true,
		bounced: []string{"cliente.antiguo@ejemplo.com"},
	},
	"ooo-exchange-es.eml": {
		subject:   "Respuesta automática: Pedido 1048 enviado",
		from:      Address{Name: "Marta Ruiz", Addr: "marta.ruiz@hotelcentral.example"},
		date:      time.Date(2025, 3, 10, 7, 2, 11, 0, time.UTC),
		messageID: "DB9PR02MB1234A1B2C3D4E5F6@DB9PR02MB1234.eurprd02.prod.outlook.com",
		text:      []string{"Estoy fuera de la oficina hasta el lunes 17 de marzo", "escriba a recepcion@hotelcentral.example o llame"},
		autoReply: true,
	},
	"invoice-rfc2231.eml": {
		subject:   "Factura nº 12 de marzo",
		from:      Address{Name: "Facturación Proveedor", Addr: "facturas@proveedor.example"},
		date:      time.Date(2025, 3, 12, 11, 0, 0, 0, time.UTC),
		messageID: "factura-12-2025@proveedor.example",
		text:      []string{"Adjuntamos la factura nº 12 correspondiente a marzo."},
		attachments: []Attachment{
			{Part: "2", Name: "factura nº 12.pdf", Type: "application/pdf", Size: 3001},
		},
	},
	"reply-references.eml": {
		subject:   "Re: ¿Cuándo llega mi camión?",
		from:      Address{Name: "José Martínez", Addr: "jose.martinez@telefonica.net"},
		date:      time.Date(2025, 3, 10, 15, 20, 45, 0, time.UTC),
		messageID: "20250310162045.5C3B2@webmail.telefonica.net",
		text:      []string{"¡Ya ha llegado!", "Tienda La Esquina escribió:\n> Hola, José:\n>\n> El transportista nos confirma que el camión se entrega hoy"},
		check: func(t *testing.T, p *Parsed) {
			want := []string{
				"20250307113002.8F2A1@webmail.telefonica.net",
				"tienda-respuesta-1042-1@example.com",
				"20250308094512.7D1E0@webmail.telefonica.net",
				"tienda-respuesta-1042-2@example.com",
			}
			if !slices.Equal(p.References, want) {
				t.Errorf("References = %q, want %q", p.References, want)
			}
			if !slices.Equal(p.InReplyTo, want[3:]) {
				t.Errorf("InReplyTo = %q", p.InReplyTo)
			}
		},
	},
	"no-msgid-date.eml": {
		subject: "Nuevo mensaje desde el formulario de contacto",
		from:    Address{Addr: "formulario@tienda.example"},
		text:    []string{"Mensaje: ¿Hacéis envíos a Canarias? ¿Cuánto cuesta?"},
		check: func(t *testing.T, p *Parsed) {
			if len(p.ReplyTo) != 1 || p.ReplyTo[0] != (Address{Name: "Ana Torres", Addr: "ana.torres@example.org"}) {
				t.Errorf("ReplyTo = %+v", p.ReplyTo)
			}
		},
	},
	"broken.eml": {
		// Raw Latin-1 around an encoded word in an unknown charset.
		subject:   "Devolución del pedido nº 77",
		from:      Address{Name: "José Pérez", Addr: "jose@example.com"},
		messageID: "roto-1@example.com",
		text:      []string{"Quiero devolver el pedido. La talla no es correcta.", "Esto no es una cabecera\nGracias, José."},
		attachments: []Attachment{
			{Part: "2", Name: "foto.jpg", Type: "image/jpeg"},
		},
		problems: []string{
			"unknown charset x-foo in header Subject",
			`unreadable Date "ayer por la tarde"`,
			"missing final MIME boundary in message body (truncated?)",
			"unknown charset x-foo in part 1",
			"bad base64 in part 2",
			"no header in part 3",
		},
	},
}

func TestParseMessageCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	for _, f := range files {
		if _, ok := corpus[filepath.Base(f)]; !ok {
			t.Errorf("%s has no test case", f)
		}
	}
	for name, want := range corpus {
		t.Run(name, func(t *testing.T) {
			p := ParseMessage(readMail(t, name))
			checkParsed(t, p)
			if p.Subject != want.subject {
				t.Errorf("Subject = %q, want %q", p.Subject, want.subject)
			}
			if p.From != want.from {
				t.Errorf("From = %+v, want %+v", p.From, want.from)
			}
			if !p.Date.Equal(want.date) {
				t.Errorf("Date = %v, want %v", p.Date, want.date)
			}
			if p.MessageID != want.messageID {
				t.Errorf("MessageID = %q, want %q", p.MessageID, want.messageID)
			}
			for _, s := range want.text {
				if !strings.Contains(p.Text, s) {
					t.Errorf("Text lacks %q; Text is:\n%s", s, p.Text)
				}
			}
			for _, s := range want.notText {
				if strings.Contains(p.Text, s) {
					t.Errorf("Text has %q; Text is:\n%s", s, p.Text)
				}
			}
			if p.FromHTML != want.fromHTML {
				t.Errorf("FromHTML = %v, want %v", p.FromHTML, want.fromHTML)
			}
			if len(p.Attachments) != len(want.attachments) {
				t.Errorf("attachments = %+v, want %+v", p.Attachments, want.attachments)
			} else {
				for i, w := range want.attachments {
					got := p.Attachments[i]
					if w.Size == 0 {
						got.Size = 0
					}
					if got != w {
						t.Errorf("attachment %d = %+v, want %+v", i, p.Attachments[i], w)
					}
				}
			}
			if p.AutoReply != want.autoReply || p.Bounce != want.bounce || p.Bulk != want.bulk {
				t.Errorf("AutoReply, Bounce, Bulk = %v, %v, %v; want %v, %v, %v",
					p.AutoReply, p.Bounce, p.Bulk, want.autoReply, want.bounce, want.bulk)
			}
			if !slices.Equal(p.BouncedAddrs, want.bounced) {
				t.Errorf("BouncedAddrs = %q, want %q", p.BouncedAddrs, want.bounced)
			}
			if !slices.Equal(p.Problems, want.problems) {
				t.Errorf("Problems = %q, want %q", p.Problems, want.problems)
			}
			if want.check != nil {
				want.check(t, p)
			}
		})
	}
}

// The HTML alternatives of the corpus, read on their own (the text/plain
// one hidden), say the same as the plain text: this checks the HTML
// converter on real Gmail, Outlook (Word), Apple Mail and Exchange markup.
func TestParseMessageHTMLAlternatives(t *testing.T) {
	for _, name := range []string{"gmail.eml", "outlook.eml", "apple.eml", "ooo-exchange-es.eml"} {
		t.Run(name, func(t *testing.T) {
			raw := readMail(t, name)
			plain := ParseMessage(raw)
			hidden := bytes.Replace(raw, []byte("Content-Type: text/plain"), []byte("Content-Type: application/x-hidden"), 1)
			html := ParseMessage(hidden)
			checkParsed(t, html)
			if !html.FromHTML || plain.FromHTML {
				t.Fatalf("FromHTML: plain %v, html %v", plain.FromHTML, html.FromHTML)
			}
			for _, want := range corpus[name].text {
				if strings.HasPrefix(want, "\n>") { // Apple's HTML has no quote
					continue
				}
				if !strings.Contains(html.Text, want) {
					t.Errorf("HTML text lacks %q; it is:\n%s", want, html.Text)
				}
			}
			if strings.ContainsAny(html.Text, "<>&") && name != "outlook.eml" {
				t.Errorf("markup left in:\n%s", html.Text)
			}
		})
	}
	// Outlook's Word HTML: one line per <p class=MsoNormal>, blank lines
	// where Outlook shows them, none of its XML or styles.
	html := ParseMessage(bytes.Replace(readMail(t, "outlook.eml"), []byte("Content-Type: text/plain"), []byte("Content-Type: application/x-hidden"), 1))
	want := "Buenos días,\n\nLe confirmo el pedido de marzo: 24 cajas de “Jabón de oliva” a 3,50 € la unidad, con entrega el lunes 10.\n" +
		"Adjunto la hoja con el detalle.\n\nUn saludo,\nCarmen Martínez Ruiz\nDistribuciones Sol\n\n" +
		"From: Tienda La Esquina <tienda@example.com>\nSent: martes, 4 de marzo de 2025 19:02\nSubject: Pedido de marzo\n\n" +
		"Hola Carmen, ¿nos confirmas el pedido de marzo?"
	if html.Text != want {
		t.Errorf("Outlook HTML text:\n%s\nwant:\n%s", html.Text, want)
	}
}

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

func TestAddressLists(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Address
	}{
		{`"Pérez, Ana" <Ana.Perez@Example.com>, jose@example.com`, []Address{{"Pérez, Ana", "ana.perez@example.com"}, {"", "jose@example.com"}}},
		{`=?utf-8?Q?Jos=C3=A9?= <jose@example.com>`, []Address{{"José", "jose@example.com"}}},
		// Encoded words inside quotes, which net/mail leaves alone.
		{`"=?utf-8?Q?Mar=C3=ADa_L=C3=B3pez?=" <maria@example.com>`, []Address{{"María López", "maria@example.com"}}},
		// Outlook repeats the address as the name.
		{`'ana@example.com' <ana@example.com>`, []Address{{"", "ana@example.com"}}},
		{`ana@example.com (Ana Torres)`, []Address{{"Ana Torres", "ana@example.com"}}},
		{`undisclosed-recipients:;`, nil},
		{`Clientes: ana@example.com, jose@example.com;`, []Address{{"", "ana@example.com"}, {"", "jose@example.com"}}},
		// Broken lists that net/mail refuses.
		{`Ana Pérez ana@example.com; <jose@example.com>`, []Address{{"Ana Pérez", "ana@example.com"}, {"", "jose@example.com"}}},
		{`Perez, Ana <ana@example.com>`, []Address{{"", "perez"}, {"Ana", "ana@example.com"}}},
		{`"Tienda" <tienda@example.com`, []Address{{"Tienda", "tienda@example.com"}}},
		{`<mailto:Info@Shop.COM>`, []Address{{"", "info@shop.com"}}},
		{`=?x-foo?Q?Caf=E9?= <cafe@example.com>`, []Address{{"Café", "cafe@example.com"}}},
	} {
		p := &mimeParser{out: &Parsed{}}
		got := p.addressList(tc.in, "To")
		if !slices.Equal(got, tc.want) {
			t.Errorf("addressList(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestMsgIDs(t *testing.T) {
	for in, want := range map[string][]string{
		"<a@b>":                             {"a@b"},
		"  <a@b> (comentario) <c@d>\r\n":    {"a@b", "c@d"},
		"<a@b> <a@b> <c@d>":                 {"a@b", "c@d"},
		"<partido\n en dos@example.com>":    {"partidoendos@example.com"},
		"sin-corchetes@example.com":         {"sin-corchetes@example.com"},
		"<a@b> (Ana's message of 3 March)":  {"a@b"},
		"":                                  nil,
		"<>":                                nil,
		"<abierto@example.com":              {"abierto@example.com"},
		"nada que ver":                      nil,
		"<1@x>,<2@x>":                       {"1@x", "2@x"},
		"In-Reply-To junk <x@y> more junk ": {"x@y"},
	} {
		if got := msgIDs(in); !slices.Equal(got, want) {
			t.Errorf("msgIDs(%q) = %q, want %q", in, got, want)
		}
	}
	var refs strings.Builder
	for i := range 150 {
		fmt.Fprintf(&refs, "<r%d@x>\r\n ", i)
	}
	p := ParseMessage([]byte("References: " + refs.String() + "\r\n\r\n"))
	if len(p.References) != maxReferences || p.References[0] != "r0@x" || p.References[1] != "r51@x" || p.References[99] != "r149@x" {
		t.Errorf("long References kept %d: %q...", len(p.References), p.References[:2])
	}
}

func TestParseMailDate(t *testing.T) {
	want := time.Date(2025, 3, 7, 10, 30, 2, 0, time.UTC)
	for _, in := range []string{
		"Fri, 7 Mar 2025 11:30:02 +0100",
		"Fri, 07 Mar 2025 11:30:02 +0100 (CET)",
		"7 Mar 2025 11:30:02 +0100",
		"Fri,  7 Mar 2025 10:30:02 GMT",
		"Fri, 7 Mar 2025 10:30:02 UT",
		"Friday, 7 Mar 2025 11:30:02 +0100",
		"Fri, 7 Mar 25 11:30:02 +0100",
		"Fri Mar  7 10:30:02 2025",
		"2025-03-07T11:30:02+01:00",
		"Fri, 7 MAR 2025 11:30:02 +0100",
	} {
		got, ok := parseMailDate(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseMailDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ayer", "Thu, 01 Jan 1970 00:00:00 +0000", "Mon, 1 Jan 1601 00:00:00 +0000"} {
		if got, ok := parseMailDate(in); ok {
			t.Errorf("parseMailDate(%q) = %v, want unreadable", in, got)
		}
	}
}

func TestAutoReplyAndBounce(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		auto, bounce bool
	}{
		{"ordinary Outlook", "Subject: Pedido\nX-Auto-Response-Suppress: All\n", false, false},
		{"auto-submitted no", "Subject: x\nAuto-Submitted: no\n", false, false},
		{"auto-submitted", "Subject: x\nAuto-Submitted: auto-replied (vacation)\n", true, false},
		{"x-autoreply", "Subject: x\nX-Autoreply: yes\n", true, false},
		{"x-autorespond", "Subject: x\nX-Autorespond: yes\n", true, false},
		{"precedence auto_reply", "Subject: x\nPrecedence: auto_reply\n", true, false},
		{"precedence bulk", "Subject: x\nPrecedence: bulk\n", false, false},
		{"gmail vacation", "Subject: Fuera de la oficina hasta el lunes\n", true, false},
		{"outlook es", "Subject: Respuesta automática: Pedido 12\n", true, false},
		{"outlook en", "Subject: Automatic reply: Order 12\n", true, false},
		{"out of office", "Subject: Out of Office: Order 12\n", true, false},
		{"german", "Subject: Abwesenheitsnotiz: Bestellung\n", true, false},
		{"auto:", "Subject: Auto: pedido\n", true, false},
		{"not at start", "Subject: Re: mi respuesta automática\n", false, false},
		{"daemon subject", "From: MAILER-DAEMON@x.com\nSubject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: Ana@Example.com\n", false, true},
		{"postmaster es", "From: postmaster@x.es\nSubject: No se puede entregar: Pedido\n", false, true},
		{"daemon notice", "From: MAILER-DAEMON@x.com\nSubject: Postmaster notify: see transcript\n", false, false},
	} {
		p := ParseMessage([]byte(tc.header + "\nhola\n"))
		if p.AutoReply != tc.auto || p.Bounce != tc.bounce {
			t.Errorf("%s: AutoReply %v Bounce %v, want %v %v", tc.name, p.AutoReply, p.Bounce, tc.auto, tc.bounce)
		}
		if tc.name == "daemon subject" && !slices.Equal(p.BouncedAddrs, []string{"ana@example.com"}) {
			t.Errorf("X-Failed-Recipients gave %q", p.BouncedAddrs)
		}
	}

	// A report of delayed delivery is not a failure; one with an Action
	// failed for one recipient of two is.
	report := func(actions ...string) []byte {
		s := "From: MAILER-DAEMON@x.com\nSubject: Delivery Status Notification\nAuto-Submitted: auto-replied\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n" +
			"--r\nContent-Type: text/plain\n\naviso\n--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.com\n"
		for i, a := range actions {
			s += fmt.Sprintf("\nFinal-Recipient: rfc822; c%d@example.com\nAction: %s\nStatus: 4.0.0\n", i, a)
		}
		return []byte(s + "--r--\n")
	}
	p := ParseMessage(report("delayed"))
	if p.Bounce || !p.AutoReply || len(p.BouncedAddrs) > 0 {
		t.Errorf("delay report: Bounce %v AutoReply %v %q", p.Bounce, p.AutoReply, p.BouncedAddrs)
	}
	p = ParseMessage(report("delayed", "failed"))
	if !p.Bounce || p.AutoReply || !slices.Equal(p.BouncedAddrs, []string{"c1@example.com"}) {
		t.Errorf("failure report: Bounce %v AutoReply %v %q", p.Bounce, p.AutoReply, p.BouncedAddrs)
	}
}

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

func BenchmarkParseMessage(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	var msgs [][]byte
	var total int
	for _, f := range files {
		raw := readMail(b, filepath.Base(f))
		msgs = append(msgs, raw)
		total += len(raw)
	}
	b.ReportAllocs()
	b.SetBytes(int64(total / len(msgs)))
	n := 0
	for b.Loop() {
		ParseMessage(msgs[n%len(msgs)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "messages/s")
}
