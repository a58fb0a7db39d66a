package inbox_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"golang.org/x/text/encoding/charmap"

	"mostrador/inbox/internal/dovecot"
)

// shopMail makes n customer emails as a small shop's INBOX holds them after
// a year or two, the same n every time: Spanish and English, about 1.6 KiB
// each on average, with the headers real mail carries (Return-Path,
// Received, X-Mailer). Of them, about half are plain UTF-8 text (8bit or
// quoted-printable), 15% ISO-8859-1 quoted-printable with encoded words,
// a quarter multipart/alternative (text and HTML), 5% carry a small
// attachment and 3% are auto-replies. About four in ten answer an earlier
// message of the same customer: a thread with In-Reply-To and References
// (the shop's own answers, in Sent, are referenced but not in the INBOX).
func shopMail(n int) []dovecot.Mail {
	g := &mailGen{rnd: rand.New(rand.NewPCG(1001, 2026))}
	received := time.Date(2025, 1, 7, 8, 0, 0, 0, time.UTC)
	mails := make([]dovecot.Mail, 0, n)
	for i := range n {
		received = received.Add(time.Duration(20+g.rnd.IntN(60)) * time.Minute)
		m := g.message(i, received)
		mails = append(mails, dovecot.Mail{Raw: m, Received: received, Flags: g.flags()})
	}
	return mails
}

type mailGen struct {
	rnd     *rand.Rand
	threads []*mailThread // open conversations, newest last
}

type mailThread struct {
	who     customer
	subject string
	refs    []string // Message-IDs so far, oldest first
	last    string   // the last message's text, for quoting
	left    int      // how many more messages the customer writes in it
}

type customer struct {
	name, addr string
	spanish    bool
}

var (
	firstNames = []string{"Ana", "María", "José", "Lucía", "Javier", "Carmen", "Sofía", "Martín", "Nuria", "Pilar",
		"Íñigo", "Begoña", "Raúl", "Inés", "Andrés", "Emma", "Oliver", "Grace", "Thomas", "Chloe", "Liam", "Ruth"}
	lastNames = []string{"Torres", "Peña", "García", "Muñoz", "Ibáñez", "López", "Martínez", "Sánchez", "Gómez",
		"Castaño", "Smith", "Brown", "Wilson", "Taylor", "O'Neill", "Clarke"}
	domains = []string{"example.com", "correo.example.es", "mail.example.org", "example.net", "buzon.example.com.ar"}
	mailers = []string{"Thunderbird 128.5.0", "Apple Mail (2.3826)", "Microsoft Outlook 16.0", "Roundcube Webmail/1.6.9",
		"K-9 Mail for Android", "iPhone Mail (21F90)"}

	subjectsES = []string{"Pedido %d", "¿Cuándo llega mi pedido %d?", "Cambio de talla, pedido %d", "Factura del pedido %d",
		"Consulta sobre el café de Colombia", "¿Tienen envío a Canarias?", "Reserva para el sábado", "Devolución pedido %d",
		"Regalo de cumpleaños", "Pregunta sobre el molinillo"}
	subjectsEN = []string{"Order %d", "Where is my order %d?", "Wrong size in order %d", "Invoice for order %d",
		"Question about the Colombian coffee", "Do you ship to Ireland?", "Booking for Saturday", "Return of order %d",
		"Birthday present", "Grinder question"}
	bodyES = []string{
		"Buenos días, hice un pedido la semana pasada y todavía no me ha llegado nada. ¿Podrían decirme en qué estado está?",
		"Me gustaría saber si el café de Colombia viene en grano o molido, y si tienen bolsas de medio kilo.",
		"El paquete llegó ayer, muchas gracias. La taza venía un poco rota; les adjunto una foto por si sirve.",
		"¿Abren el sábado por la mañana? Quería pasar a recoger el pedido en la tienda en vez de esperar al mensajero.",
		"Necesito cambiar la talla de la camiseta: pedí una M y me queda pequeña. ¿Cómo hago la devolución?",
		"Quería reservar una cata para dos personas el próximo viernes a las seis de la tarde, si todavía queda sitio.",
		"¿Me pueden enviar la factura a nombre de la empresa? El CIF y la dirección fiscal están en el pedido.",
		"Es un regalo de cumpleaños para mi madre: ¿podrían envolverlo y poner una tarjeta con un mensaje?",
		"El molinillo hace un ruido extraño desde hace unos días. ¿Está en garantía? Lo compré en marzo.",
		"Gracias por la rapidez, da gusto comprar en una tienda así. Volveré a pedir el mes que viene.",
	}
	bodyEN = []string{
		"Hello, I placed an order last week and nothing has arrived yet. Could you tell me where it is?",
		"I would like to know whether the Colombian coffee comes as beans or ground, and if you sell 500 g bags.",
		"The parcel arrived yesterday, thank you. The mug was slightly chipped; I attach a photo in case it helps.",
		"Are you open on Saturday morning? I would rather pick the order up at the shop than wait for the courier.",
		"I need a different size of the T-shirt: I ordered an M and it is too small. How do I send it back?",
		"I would like to book a tasting for two next Friday at 6 pm, if there is still room.",
		"Could you send the invoice in my company's name? The VAT number and address are in the order notes.",
		"It is a birthday present for my mother: could you gift-wrap it and add a card with a message?",
		"The grinder has been making a strange noise for a few days. Is it still under warranty? I bought it in March.",
		"Thanks for the quick delivery, it is a pleasure to buy from a shop like yours. I will order again next month.",
	}
)

func (g *mailGen) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *mailGen) customer() customer {
	first, last := g.pick(firstNames), g.pick(lastNames)
	local := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "Í", "i", "Ñ", "n", "'", "").
		Replace(strings.ToLower(first + "." + last))
	return customer{name: first + " " + last, addr: fmt.Sprintf("%s%d@%s", local, g.rnd.IntN(90), g.pick(domains)),
		spanish: g.rnd.IntN(10) < 7}
}

// flags: older mail is mostly read, some answered, a few flagged.
func (g *mailGen) flags() []imap.Flag {
	var f []imap.Flag
	if g.rnd.IntN(10) < 8 {
		f = append(f, imap.FlagSeen)
	}
	if g.rnd.IntN(10) < 3 {
		f = append(f, imap.FlagAnswered)
	}
	if g.rnd.IntN(30) == 0 {
		f = append(f, imap.FlagFlagged)
	}
	return f
}

// message makes the i-th message, received at t.
func (g *mailGen) message(i int, t time.Time) []byte {
	th := g.thread(i)
	msgID := fmt.Sprintf("%d.%x@%s", t.Unix(), g.rnd.Uint32(), th.who.addr[strings.IndexByte(th.who.addr, '@')+1:])
	subject := th.subject
	var text strings.Builder
	if th.who.spanish {
		text.WriteString(g.pick([]string{"Hola:", "Buenas tardes,", "Hola, buenos días."}) + "\n\n")
	} else {
		text.WriteString(g.pick([]string{"Hi,", "Hello,", "Good afternoon,"}) + "\n\n")
	}
	bodies := bodyEN
	if th.who.spanish {
		bodies = bodyES
	}
	for range 1 + g.rnd.IntN(2) {
		text.WriteString(g.pick(bodies) + "\n\n")
	}
	if th.who.spanish {
		text.WriteString("Un saludo,\n" + th.who.name + "\n")
	} else {
		text.WriteString("Best regards,\n" + th.who.name + "\n")
	}
	var hdr strings.Builder
	if len(th.refs) > 0 {
		// The customer answers the shop's reply to their last message.
		shopReply := "r" + th.refs[len(th.refs)-1][:strings.IndexByte(th.refs[len(th.refs)-1], '@')] + "@tienda.example.com"
		th.refs = append(th.refs, shopReply)
		fmt.Fprintf(&hdr, "In-Reply-To: <%s>\nReferences: <%s>\n", shopReply, strings.Join(th.refs, ">\n\t<"))
		subject = "Re: " + subject
		quote := "\nEl " + t.Add(-26*time.Hour).Format("02/01/2006 15:04") + ", Tienda escribió:\n> " +
			strings.ReplaceAll(strings.TrimSpace(th.last), "\n", "\n> ") + "\n"
		if !th.who.spanish {
			quote = "\nOn " + t.Add(-26*time.Hour).Format("Jan 2, 2006 at 15:04") + ", Tienda wrote:\n> " +
				strings.ReplaceAll(strings.TrimSpace(th.last), "\n", "\n> ") + "\n"
		}
		text.WriteString(quote)
	}
	th.refs = append(th.refs, msgID)
	th.last = g.pick(bodies)

	kind := g.rnd.IntN(100)
	from := mime.QEncoding.Encode("utf-8", th.who.name)
	var ct, body string
	switch {
	case kind < 3: // an auto-reply
		hdr.WriteString("Auto-Submitted: auto-replied\n")
		subject = "Fuera de la oficina: " + th.subject
		ct, body = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
			"Estoy fuera de la oficina hasta el lunes. I am out of the office until Monday.\n"
	case kind < 18 && th.who.spanish: // ISO-8859-1, as older mail programs send it
		latin := func(s string) string { b, _ := charmap.ISO8859_1.NewEncoder().String(s); return b }
		from = mime.QEncoding.Encode("ISO-8859-1", latin(th.who.name))
		ct, body = "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable\n",
			qp(latin(text.String()))
		hdr.WriteString("Subject: " + mime.QEncoding.Encode("ISO-8859-1", latin(subject)) + "\n")
		subject = ""
	case kind < 45: // text and HTML
		boundary := fmt.Sprintf("alt-%x", g.rnd.Uint64())
		ct = "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\n"
		body = "--" + boundary + "\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
			qp(text.String()) + "\n--" + boundary + "\nContent-Type: text/html; charset=utf-8\n" +
			"Content-Transfer-Encoding: quoted-printable\n\n" + qp(html(text.String())) + "\n--" + boundary + "--\n"
	case kind < 50: // a photo or a receipt
		boundary := fmt.Sprintf("mix-%x", g.rnd.Uint64())
		name, typ := "foto.jpg", "image/jpeg"
		if g.rnd.IntN(2) == 0 {
			name, typ = "ticket.pdf", "application/pdf"
		}
		blob := make([]byte, 300+g.rnd.IntN(500))
		for j := range blob {
			blob[j] = byte(g.rnd.Uint32())
		}
		ct = "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n"
		body = "--" + boundary + "\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
			text.String() + "\n--" + boundary + "\nContent-Type: " + typ + "; name=\"" + name + "\"\n" +
			"Content-Disposition: attachment; filename=\"" + name + "\"\nContent-Transfer-Encoding: base64\n\n" +
			wrap(base64.StdEncoding.EncodeToString(blob), 76) + "--" + boundary + "--\n"
	case kind < 70:
		ct, body = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n", qp(text.String())
	default:
		ct, body = "Content-Type: text/plain; charset=utf-8; format=flowed\nContent-Transfer-Encoding: 8bit\n", text.String()
	}
	if subject != "" {
		hdr.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", subject) + "\n")
	}
	relay := fmt.Sprintf("mx%d.%s", 1+i%3, th.who.addr[strings.IndexByte(th.who.addr, '@')+1:])
	var m bytes.Buffer
	fmt.Fprintf(&m, "Return-Path: <%s>\n", th.who.addr)
	fmt.Fprintf(&m, "Received: from %s (%s [192.0.2.%d])\n\tby mail.tienda.example.com (Postfix) with ESMTPS id %X\n"+
		"\tfor <%s>; %s\n", relay, relay, 1+i%250, g.rnd.Uint32(), shopUser, t.Format(time.RFC1123Z))
	domain := th.who.addr[strings.IndexByte(th.who.addr, '@')+1:]
	fmt.Fprintf(&m, "Authentication-Results: mail.tienda.example.com;\n\tdkim=pass header.d=%s;\n"+
		"\tspf=pass smtp.mailfrom=%s\n", domain, th.who.addr)
	if g.rnd.IntN(2) == 0 { // the big mail providers sign
		sig := make([]byte, 256)
		for j := range sig {
			sig[j] = byte(g.rnd.Uint32())
		}
		fmt.Fprintf(&m, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=2024;\n"+
			"\th=from:to:subject:date:message-id:mime-version; bh=%s;\n\tb=%s", domain,
			base64.StdEncoding.EncodeToString(sig[:32]),
			strings.ReplaceAll(wrap(base64.StdEncoding.EncodeToString(sig), 70), "\n", "\n\t"))
		m.Truncate(m.Len() - 1) // the tab after the last line break
	}
	fmt.Fprintf(&m, "From: %s <%s>\nTo: Tienda <%s>\nDate: %s\nMessage-ID: <%s>\n", from, th.who.addr, shopUser,
		t.Add(-time.Duration(5+g.rnd.IntN(90))*time.Second).Format(time.RFC1123Z), msgID)
	m.WriteString(hdr.String())
	fmt.Fprintf(&m, "X-Mailer: %s\nMIME-Version: 1.0\n%s\n%s", g.pick(mailers), ct, body)
	return bytes.ReplaceAll(m.Bytes(), []byte("\n"), []byte("\r\n"))
}

// thread picks the conversation message i belongs to: four in ten go on an
// open one (most often a recent one), the rest start a new one. A customer
// writes up to five messages in one.
func (g *mailGen) thread(i int) *mailThread {
	if len(g.threads) > 0 && g.rnd.IntN(10) < 4 {
		k := len(g.threads) - min(len(g.threads), 1+g.rnd.IntN(40))
		th := g.threads[k]
		if th.left--; th.left == 0 {
			g.threads = append(g.threads[:k], g.threads[k+1:]...)
		}
		return th
	}
	who := g.customer()
	list := subjectsEN
	if who.spanish {
		list = subjectsES
	}
	subject := g.pick(list)
	if strings.Contains(subject, "%d") {
		subject = fmt.Sprintf(subject, 1000+i)
	}
	th := &mailThread{who: who, subject: subject, left: 1 + g.rnd.IntN(4)}
	g.threads = append(g.threads, th)
	if len(g.threads) > 400 {
		g.threads = g.threads[1:]
	}
	return th
}

func qp(s string) string {
	var b strings.Builder
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return strings.ReplaceAll(b.String(), "\r\n", "\n") // CRLF comes at the end, for the whole message
}

func html(text string) string {
	var b strings.Builder
	b.WriteString("<html><body style=\"font-family: sans-serif\">")
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		b.WriteString("<p>" + strings.ReplaceAll(p, "\n", "<br>") + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func wrap(s string, width int) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + "\n")
		s = s[width:]
	}
	return b.String() + s + "\n"
}
