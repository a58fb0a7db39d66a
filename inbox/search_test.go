package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/internal/database"
)

func search(t *testing.T, db *sql.DB, q string) []Hit {
	t.Helper()
	hits, err := SearchMessages(context.Background(), db, q, 20)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return hits
}

func TestSearchMessages(t *testing.T) {
	srv := mailServer(t)
	put(t, srv, "INBOX", testMail{from: ana, to: shop, subject: "Retraso", id: "c1@example.com", at: monday,
		body: "El camión de reparto no ha pasado por mi calle."})
	put(t, srv, "INBOX", testMail{from: "Luis Gómez <luis@example.com>", to: shop, subject: "Camiones y más",
		id: "c2@example.com", at: monday.Add(time.Hour), body: "Nada que ver."})
	put(t, srv, "INBOX", testMail{from: "Pedro <pedro@example.com>", to: shop, subject: "Pedido #1042",
		id: "c3@example.com", at: monday, body: "¿Cuándo llega?"})
	// The shop wrote to itself: the same message in INBOX and Sent.
	self := testMail{from: shop, to: shop, subject: "Nota: pedir más lavanda", id: "self@tienda", at: monday, body: "lavanda"}
	put(t, srv, "INBOX", self)
	put(t, srv, "Sent", self, imap.FlagSeen)
	db := mailDB(t)
	syncOnce(t, db, srv, SyncOptions{})

	hits := search(t, db, "camion reparto")
	if len(hits) != 1 || hits[0].Subject != "Retraso" || !strings.Contains(hits[0].Snippet, "**camión**") {
		t.Errorf("camion reparto: %+v", hits)
	}
	// The last word is a prefix; a subject match ranks above a body match.
	hits = search(t, db, "CAMI")
	if len(hits) != 2 || hits[0].Subject != "Camiones y más" {
		t.Errorf("CAMI: %+v", hits)
	}
	if hits := search(t, db, "gomez"); len(hits) != 1 || hits[0].From.Addr != "luis@example.com" {
		t.Errorf("sender name: %+v", hits)
	}
	if hits := search(t, db, "ana@example.com"); len(hits) != 1 || hits[0].Subject != "Retraso" {
		t.Errorf("sender address: %+v", hits)
	}
	if hits := search(t, db, "#1042"); len(hits) != 1 || hits[0].ThreadID == 0 {
		t.Errorf("order number: %+v", hits)
	}
	if hits := search(t, db, "lavanda"); len(hits) != 1 {
		t.Errorf("a copy in two folders is one hit: %+v", hits)
	}
	// Every word must be there.
	if hits := search(t, db, "camión lavanda"); len(hits) != 0 {
		t.Errorf("two words from different messages: %+v", hits)
	}
	// What the owner types is never FTS syntax.
	for _, q := range []string{`"`, `camión AND (`, `NEAR(a b)`, `*`, `-`, `subject:x`, `   `} {
		if _, err := SearchMessages(context.Background(), db, q, 10); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	// Expunged mail leaves the index.
	expunge(t, srv, "INBOX", 1)
	syncOnce(t, db, srv, SyncOptions{})
	if hits := search(t, db, "reparto"); len(hits) != 0 {
		t.Errorf("expunged message still found: %+v", hits)
	}
	// The index agrees with the messages it reads its text from.
	if _, err := db.Exec(`INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("index out of step: %v", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM message_fts`); n != countRows(t, db, `SELECT count(*) FROM message`) {
		t.Errorf("%d rows indexed", n)
	}
}

// BenchmarkSearch100k: full-text queries over 100,000 stored messages.
// Goal: under 20 ms per query.
func BenchmarkSearch100k(b *testing.B) {
	db, err := database.Open(filepath.Join(b.TempDir(), "shop.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(db, Migrations); err != nil {
		b.Fatal(err)
	}
	seedMessages(b, db, 100_000)
	for _, q := range []string{"camion", "pedido 1042", "devolución talla", "ana.perez", "lavand", "gracias"} {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if _, err := SearchMessages(context.Background(), db, q, 50); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/query")
		})
	}
}

// seedMessages stores n varied messages straight into the tables (the
// index fills through its triggers).
func seedMessages(b *testing.B, db *sql.DB, n int) {
	words := strings.Fields("hola pedido camión envío talla devolución gracias jabón lavanda romero aceite " +
		"factura tarjeta transferencia llegada retraso regalo cumpleaños caja crema champú sólido vegano " +
		"order shipping refund size thanks soap lavender gift parcel tracking delivered late")
	names := []string{"Ana Pérez", "Luis Gómez", "María José Núñez", "Jordi Puig", "Emma Smith", "Noah Brown"}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO folder(id, name, role) VALUES(1, 'INBOX', 'inbox')`); err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO message(folder_id, uid, message_id, subject, from_name, from_addr, received_at, body)
		VALUES(1, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		var body strings.Builder
		for j := range 60 {
			body.WriteString(words[(i*7+j*13+j*j)%len(words)])
			body.WriteByte(' ')
		}
		fmt.Fprintf(&body, "pedido %d", 1000+i%5000)
		name := names[i%len(names)]
		addr := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + fmt.Sprintf("%d@example.com", i%3000)
		if _, err := ins.Exec(i+1, fmt.Sprintf("m%d@example.com", i), "Consulta "+words[i%len(words)], name, addr,
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC3339),
			body.String()); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tx.Exec(`INSERT INTO message_fts(message_fts) VALUES ('rebuild')`); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// A database from before threads and search: its messages get ids in date
// order, their attachments follow, and the index holds them.
func TestSearchStepUpgradesOldDatabase(t *testing.T) {
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := Migrations
	old.Steps = old.Steps[:6] // account, folder, message, two indexes, attachment
	if err := database.Migrate(db, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO folder(id, name) VALUES(1, 'INBOX');
		INSERT INTO message(id, folder_id, uid, subject, body, sent_at, received_at) VALUES
			(1, 1, 1, 'Nuevo', 'el camión llegó', '2026-03-02T10:00:00Z', '2026-03-02T10:00:05Z'),
			(2, 1, 2, 'Viejo', 'factura adjunta', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),
			(3, 1, 3, 'Mismo segundo', 'otra', NULL, '2025-01-01T00:00:00Z');
		INSERT INTO attachment(message_id, part, name, type, size) VALUES(2, '2', 'factura.pdf', 'application/pdf', 100)`); err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := db.Query(`SELECT id FROM message ORDER BY coalesce(sent_at, received_at), uid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix() * idsPerSecond
	mar := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).Unix() * idsPerSecond
	if len(ids) != 3 || ids[0] != jan || ids[1] != jan+1 || ids[2] != mar {
		t.Errorf("renumbered ids %v, want %d %d %d", ids, jan, jan+1, mar)
	}
	if n := countRows(t, db, `SELECT count(*) FROM attachment WHERE message_id = ?`, jan); n != 1 {
		t.Error("the attachment did not follow its message")
	}
	if hits := search(t, db, "camion"); len(hits) != 1 || hits[0].MessageID != mar {
		t.Errorf("search after the upgrade: %+v", hits)
	}
}
