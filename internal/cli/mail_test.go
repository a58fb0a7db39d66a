package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
)

// mailShop is a shop with one order from Ana and a mailbox on a loopback
// server, synced: Ana asks about her order from two addresses, Marta (who
// never bought) asks before buying and has been answered.
func mailShop(t *testing.T) string {
	db, _, _ := mailShopServers(t)
	return db
}

func mailShopServers(t *testing.T) (string, *inboxtest.IMAPServer, *inboxtest.SMTPServer) {
	t.Helper()
	db := isolate(t)
	csv := filepath.Join(t.TempDir(), "pedidos.csv")
	placed := time.Now().AddDate(0, 0, -5).Format("2006-01-02")
	if err := os.WriteFile(csv, []byte("Order,Date,Name,Email,Currency,Item,Qty,Price,Total,Status,Carrier,Tracking\n"+
		"1042,"+placed+",Ana Pérez,ana@example.com,EUR,Jabón de lavanda,2,4.50,9.00,Shipped,Correos,PQ1042ES\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mostrador(t, "--db", db, "import", "orders", csv).want(t, exitOK)

	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	put := func(folder, from, to, subject, id, inReplyTo, body string, at time.Time) {
		raw := "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
			"Date: " + at.Format(time.RFC1123Z) + "\r\n"
		if inReplyTo != "" {
			raw += "In-Reply-To: <" + inReplyTo + ">\r\n"
		}
		raw += "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
		if _, err := srv.User.Append(folder, strings.NewReader(raw), &imap.AppendOptions{Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	shop := "Lola <tienda@example.com>"
	put("INBOX", "Ana Pérez <ana@example.com>", shop, "¿Y mi paquete?", "a1@example.com", "",
		"Hola, el camión no ha pasado todavía.", now.Add(-3*time.Hour))
	put("INBOX", "Ana (trabajo) <ana.perez@empresa.example>", shop, "Pedido #1042", "a2@empresa.example", "",
		"Escribo desde el trabajo.", now.Add(-26*time.Hour))
	put("INBOX", "Marta Ruiz <marta@example.com>", shop, "Envíos a Canarias", "m1@example.com", "",
		"¿Hacéis envíos a Canarias?", now.Add(-48*time.Hour))
	put("Sent", shop, "Marta Ruiz <marta@example.com>", "Re: Envíos a Canarias", "r1@tienda", "m1@example.com",
		"Sí, en 3 días.", now.Add(-47*time.Hour))

	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	mostrador(t, "--db", db, "account", "--imap", "imap://tienda%40example.com@"+srv.Addr,
		"--smtp", "smtp://tienda%40example.com@"+smtpSrv.Addr, "--from", shop).want(t, exitOK)
	o := mostrador(t, "--db", db, "--lang", "en", "sync")
	if o.want(t, exitOK); !strings.Contains(o.stdout, "2 people who wrote without buying are now customers") {
		t.Errorf("sync:\n%s", o.stdout)
	}
	return db, srv, smtpSrv
}

// The card gains the customer's conversations: by address, and by an order
// number written from another address.
func TestCardShowsThreads(t *testing.T) {
	db := mailShop(t)
	card := customerCard(t, db, "ana@example.com")
	if len(card.Orders) != 1 || len(card.Threads) != 2 {
		t.Fatalf("Ana's card: %d orders, threads %+v", len(card.Orders), card.Threads)
	}
	newest, byOrder := card.Threads[0], card.Threads[1]
	if newest.Subject != "¿Y mi paquete?" || newest.WaitingSince == nil || newest.Customer != "ana@example.com" {
		t.Errorf("newest thread: %+v", newest)
	}
	if byOrder.Customer != "ana.perez@empresa.example" || len(byOrder.Orders) != 1 || byOrder.Orders[0] != "1042" {
		t.Errorf("thread linked by the order number: %+v", byOrder)
	}
	// Marta never bought: she is a customer with her conversation, answered
	// in an hour.
	marta := customerCard(t, db, "marta@example.com")
	if marta.Customer.Name != "Marta Ruiz" || len(marta.Orders) != 0 || len(marta.Threads) != 1 {
		t.Fatalf("Marta's card: %+v", marta)
	}
	if th := marta.Threads[0]; th.WaitingSince != nil || th.FirstResponseSeconds == nil || *th.FirstResponseSeconds != 3600 {
		t.Errorf("Marta's thread: %+v", th)
	}
	o := mostrador(t, "--db", db, "--lang", "en", "customer", "ana@example.com")
	o.want(t, exitOK)
	for _, want := range []string{"Conversations:", "¿Y mi paquete? (1 message)", "waiting for an answer for 3 h",
		"Hola, el camión no ha pasado todavía.", "Pedido #1042"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("card text lacks %q:\n%s", want, o.stdout)
		}
	}
	o = mostrador(t, "--db", db, "--lang", "es", "customer", "marta@example.com")
	if o.want(t, exitOK); !strings.Contains(o.stdout, "primera respuesta en 1 h") ||
		!strings.Contains(o.stdout, "Sin pedidos todavía") {
		t.Errorf("Marta's card in Spanish:\n%s", o.stdout)
	}
}

// One search finds customers, orders and mail.
func TestSearchCommand(t *testing.T) {
	db := mailShop(t)
	type hit struct {
		Customers []struct{ Email, Name string }
		Orders    []struct {
			Number, Tracking string
			Customer         struct{ Email string }
		}
		Messages []struct {
			Subject, Snippet string
			ThreadID         int64
		}
	}
	search := func(q string) hit {
		t.Helper()
		o := mostrador(t, "--db", db, "search", q, "--json")
		o.want(t, exitOK)
		var h hit
		if err := json.Unmarshal([]byte(o.stdout), &h); err != nil {
			t.Fatalf("search %q: %v\n%s", q, err, o.stdout)
		}
		requireKeys(t, "search", []byte(o.stdout), "customers[]", "orders[]", "messages[]")
		return h
	}
	if h := search("camion"); len(h.Messages) != 1 || !strings.Contains(h.Messages[0].Snippet, "**camión**") ||
		len(h.Customers)+len(h.Orders) != 0 {
		t.Errorf("camion: %+v", h)
	}
	if h := search("#1042"); len(h.Orders) != 1 || h.Orders[0].Customer.Email != "ana@example.com" || len(h.Messages) != 1 {
		t.Errorf("#1042: %+v", h)
	}
	if h := search("pq1042es"); len(h.Orders) != 1 || h.Orders[0].Tracking != "PQ1042ES" {
		t.Errorf("tracking: %+v", h)
	}
	if h := search("marta"); len(h.Customers) != 1 || h.Customers[0].Email != "marta@example.com" || len(h.Messages) != 2 {
		t.Errorf("marta: %+v", h)
	}
	o := mostrador(t, "--db", db, "--lang", "en", "search", "perez")
	o.want(t, exitOK)
	for _, want := range []string{"Customers:\n  Ana Pérez <ana@example.com>", "Messages:", "¿Y mi paquete?"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("search perez lacks %q:\n%s", want, o.stdout)
		}
	}
	o = mostrador(t, "--db", db, "--lang", "es", "search", "zzzz")
	if o.want(t, exitOK); strings.TrimSpace(o.stdout) != "Nada encontrado para «zzzz»." {
		t.Errorf("nothing found: %q", o.stdout)
	}
	mostrador(t, "--db", db, "--lang", "en", "search").wantError(t, exitUsage, "en", `say what to look for: "search WORDS"`)
}

// reply answers a message headless: signed with the owner's name, quoted,
// sent, filed in Sent, and on the card's thread at once.
func TestReplyCommand(t *testing.T) {
	db, imapSrv, smtpSrv := mailShopServers(t)
	mostrador(t, "--db", db, "settings", "shop.owner", "Lola Martín").want(t, exitOK)
	mostrador(t, "--db", db, "settings", "shop.name", "Jabones Lola").want(t, exitOK)
	body := filepath.Join(t.TempDir(), "respuesta.txt")
	if err := os.WriteFile(body, []byte("¡Hola Ana! Sale mañana con Correos.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := mostrador(t, "--db", db, "--lang", "es", "reply", "--to", "<a1@example.com>", "--body-file", body)
	if o.want(t, exitOK); strings.TrimSpace(o.stdout) != "Respuesta enviada a Ana Pérez <ana@example.com>: «Re: ¿Y mi paquete?»" {
		t.Errorf("reply:\n%s", o.stdout)
	}
	got := smtpSrv.Messages()
	if len(got) != 1 || got[0].To[0] != "ana@example.com" {
		t.Fatalf("sent: %+v", got)
	}
	text := string(got[0].Data)
	if p := inbox.ParseMessage(got[0].Data); p.Subject != "Re: ¿Y mi paquete?" || p.From.Name != "Lola" {
		t.Errorf("subject %q from %+v", p.Subject, p.From)
	}
	for _, want := range []string{"In-Reply-To: <a1@example.com>",
		"Lola Mart=C3=ADn\r\nJabones Lola", "> Hola, el cami=C3=B3n no ha pasado todav=C3=ADa."} {
		if !strings.Contains(text, want) {
			t.Errorf("sent message lacks %q:\n%s", want, text)
		}
	}
	if n := len(imapSrvMessages(t, imapSrv, "Sent")); n != 2 {
		t.Errorf("%d messages in Sent on the server, want 2", n)
	}
	card := customerCard(t, db, "ana@example.com")
	if th := card.Threads[0]; th.Messages != 2 || th.WaitingSince != nil {
		t.Errorf("Ana's thread after the reply: %+v", th)
	}

	// Refused by the server: exit 1, the reply kept in the outbox.
	smtpSrv.Refuse(func(string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	})
	o = mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "m1@example.com", "--body-file", body, "--json")
	o.want(t, exitFailure)
	var out struct {
		State     string
		Permanent bool
		Error     string
		ErrorCode string
		Text      string
	}
	if err := json.Unmarshal([]byte(o.stderr), &out); err != nil || out.State != "failed" || !out.Permanent ||
		out.ErrorCode != "smtp.recipient" ||
		!strings.Contains(out.Error, "No such user") || out.Text != "¡Hola Ana! Sale mañana con Correos." {
		t.Errorf("refused reply --json: %v %s", err, o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "m1@example.com", "--body-file", body)
	if o.want(t, exitFailure); !strings.Contains(o.stderr, "the server refused the reply to Marta Ruiz <marta@example.com>: "+
		"the mail server "+smtpSrv.Addr+" refuses the recipient's address: check it is written right — send failed") {
		t.Errorf("refused reply in words: %s", o.stderr)
	}
	smtpSrv.Refuse(nil)

	// Send later: scheduled, and the sync sends it when its time has come.
	o = mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "a2@empresa.example", "--body-file", body,
		"--at", time.Now().Add(-time.Minute).Format("2006-01-02 15:04"))
	o.want(t, exitOK)
	o = mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "a2@empresa.example", "--body-file", body,
		"--at", "2099-01-01 09:00")
	if o.want(t, exitOK); !strings.Contains(o.stdout, "scheduled for 2099-01-01 09:00") {
		t.Errorf("later: %s", o.stdout)
	}
	before := len(smtpSrv.Messages())
	mostrador(t, "--db", db, "sync").want(t, exitOK)
	if len(smtpSrv.Messages()) != before {
		t.Error("the sync sent a reply before its time")
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"reply", "--to", "x@y"}, exitUsage, `say which message to answer and with what: "reply --to MESSAGE-ID --body-file FILE" (- for standard input), and --at "2026-03-09 09:00" to send it later`},
		{[]string{"reply", "--to", "nope@example.com", "--body-file", body}, exitFailure, `no stored message has the Message-ID nope@example.com; sync the mailbox with "mostrador sync" and try again`},
		{[]string{"reply", "--to", "a1@example.com", "--body-file", body, "--at", "mañana"}, exitUsage, `"mañana" is not a date and time; write it as 2026-03-09 09:00 (the shop's time)`},
	} {
		mostrador(t, append([]string{"--db", db, "--lang", "en"}, c.args...)...).wantError(t, c.code, "en", c.msg)
	}
}

func imapSrvMessages(t *testing.T, srv *inboxtest.IMAPServer, folder string) []uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(inboxtest.User, inboxtest.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uint32, sel.NumMessages)
	return out
}

// Saved replies: fields checked when saved, filled from the customer's
// last order when used, and a reply that would miss a detail is stopped.
func TestSavedReplies(t *testing.T) {
	db, _, smtpSrv := mailShopServers(t)
	write := func(text string) string {
		p := filepath.Join(t.TempDir(), "r.txt")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o := mostrador(t, "--db", db, "--lang", "en", "saved")
	if o.want(t, exitOK); !strings.Contains(o.stdout, "No saved replies yet") {
		t.Errorf("empty list: %q", o.stdout)
	}
	mostrador(t, "--db", db, "--lang", "es", "saved", "envío", "--body-file", write("Hola {nombre},\ntu pedido {nombr}")).
		wantError(t, exitFailure, "es", "respuesta guardada «envío», línea 2, columna 11: {nombr} no es un campo; los campos son "+
			"{nombre}, {nombre completo}, {pedido}, {transportista}, {seguimiento}, {enlace de seguimiento}, {tienda} "+
			"(para escribir una llave, póngala doble)")
	mostrador(t, "--db", db, "--lang", "en", "saved", "envío", "--body-file", write("Hi {name")).
		wantError(t, exitFailure, "en", `saved reply "envío", line 1, column 4: the "{" is not closed on its line (to write a brace, double it)`)
	o = mostrador(t, "--db", db, "--lang", "es", "saved", "envío", "--body-file",
		write("Hola {nombre}, tu pedido {Pedido} va con {transportista}: {seguimiento}. Precio en {{euros}}."))
	if o.want(t, exitOK); strings.TrimSpace(o.stdout) != "Respuesta guardada «envío»." {
		t.Errorf("saved: %q", o.stdout)
	}
	o = mostrador(t, "--db", db, "saved", "ENVÍO", "--json")
	o.want(t, exitOK)
	var r struct{ Name, Body string }
	if err := json.Unmarshal([]byte(o.stdout), &r); err != nil || r.Name != "envío" {
		t.Errorf("saved --json: %v %s", err, o.stdout)
	}

	o = mostrador(t, "--db", db, "--lang", "es", "reply", "--to", "a1@example.com", "--saved", "envío")
	o.want(t, exitOK)
	got := smtpSrv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d sent", len(got))
	}
	if p := inbox.ParseMessage(got[0].Data); !strings.HasPrefix(p.Text, "Hola Ana, tu pedido 1042 va con Correos: PQ1042ES. Precio en {euros}.") {
		t.Errorf("filled reply:\n%s", p.Text)
	}
	// Marta never bought: no order to name, nothing sent.
	mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "m1@example.com", "--saved", "envío").
		wantError(t, exitFailure, "en", `the saved reply "envío" uses {order}, {carrier}, {tracking}, but marta@example.com has no such detail (no order yet?): write the reply with --body-file`)
	if len(smtpSrv.Messages()) != 1 {
		t.Error("a reply with empty fields went out")
	}
	mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "m1@example.com", "--saved", "otra").
		wantError(t, exitFailure, "en", `there is no saved reply called "otra"; "mostrador saved" lists them`)
	mostrador(t, "--db", db, "--lang", "en", "reply", "--to", "m1@example.com", "--saved", "envío", "--body-file", "x").
		want(t, exitUsage)
	mostrador(t, "--db", db, "saved", "envío", "--delete").want(t, exitOK)
	mostrador(t, "--db", db, "--lang", "en", "saved", "envío", "--delete").
		wantError(t, exitFailure, "en", `there is no saved reply called "envío"; "mostrador saved" lists them`)
}
