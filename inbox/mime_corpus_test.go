package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
