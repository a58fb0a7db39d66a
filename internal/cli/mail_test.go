package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox/inboxtest"
)

// mailShop is a shop with one order from Ana and a mailbox on a loopback
// server, synced: Ana asks about her order from two addresses, Marta (who
// never bought) asks before buying and has been answered.
func mailShop(t *testing.T) string {
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
	return db
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
