package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox/inboxtest"
)

// conversations puts on srv a mailbox with every way threads are made:
// questions and answers across INBOX and Sent, follow-ups whose client
// dropped the headers (the subject fallback), answers that tie two of a
// customer's conversations together (a merge), a newsletter several
// customers answer, auto-replies, a copy to oneself in both folders, order
// numbers, and answered flags. The same mailbox every time.
func conversations(t *testing.T, srv *inboxtest.IMAPServer, n int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(7, 2026))
	names := []string{"Ana Pérez", "Iñaki Ruiz", "Zoë Martín", "John Smith", "Begoña Núñez", "Lucía Gómez", "Tom Hale"}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	put(t, srv, "Sent", testMail{from: shop, to: shop, subject: "Novedades de enero", id: "news1@tienda",
		at: start.Add(-48 * time.Hour), body: "Jabones nuevos."}, imap.FlagSeen)
	for i := range n {
		name := names[i%len(names)]
		addr := fmt.Sprintf("%s <c%d@example.com>", name, i%len(names))
		at := start.Add(time.Duration(i) * 7 * time.Hour)
		subject := fmt.Sprintf("Consulta %d sobre el jabón", i)
		if i%9 == 0 { // the same subject as the customer's last one: the fallback may join them
			subject = "Una consulta"
		}
		q := fmt.Sprintf("q%d@example.com", i)
		body := "Hola, ¿tenéis jabón de lavanda?"
		if i%4 == 0 {
			body = fmt.Sprintf("¿Dónde está mi pedido #%d?", 1000+i%13)
		}
		var qFlags []imap.Flag
		if i%6 == 0 {
			qFlags = append(qFlags, imap.FlagAnswered)
		}
		switch {
		case i%11 == 0: // an answer to the newsletter
			put(t, srv, "INBOX", testMail{from: addr, to: shop, subject: "Re: Novedades de enero", id: q,
				inReplyTo: "news1@tienda", refs: "<news1@tienda>", at: at, body: "¿Y el de romero?"}, qFlags...)
		default:
			put(t, srv, "INBOX", testMail{from: addr, to: shop, subject: subject, id: q, at: at, body: body}, qFlags...)
		}
		if rnd.IntN(3) == 0 {
			continue // not answered
		}
		r := fmt.Sprintf("r%d@tienda", i)
		refs := "<" + q + ">"
		if i%10 == 5 && i >= 7 { // the answer ties in the customer's earlier conversation
			refs = fmt.Sprintf("<q%d@example.com> %s", i-7, refs)
		}
		put(t, srv, "Sent", testMail{from: shop, to: addr, subject: "Re: " + subject, id: r, inReplyTo: q, refs: refs,
			at: at.Add(time.Duration(1+rnd.IntN(20)) * time.Hour), body: "¡Claro! Te lo enviamos hoy.\n\n> " + body},
			imap.FlagSeen)
		if i%15 == 0 { // a copy to oneself: the same message in both folders
			put(t, srv, "INBOX", testMail{from: shop, to: addr, subject: "Re: " + subject, id: r, inReplyTo: q,
				refs: refs, at: at.Add(time.Hour), body: "¡Claro!"})
		}
		later := at.Add(time.Duration(30+rnd.IntN(40)) * time.Hour)
		switch rnd.IntN(4) {
		case 0: // a follow-up with its headers
			put(t, srv, "INBOX", testMail{from: addr, to: shop, subject: "Re: " + subject, id: fmt.Sprintf("f%d@example.com", i),
				inReplyTo: r, refs: refs + " <" + r + ">", at: later, body: "Gracias, ¿y el envío?"})
		case 1: // a follow-up from a client that drops them
			put(t, srv, "INBOX", testMail{from: addr, to: shop, subject: "RE: " + subject, id: fmt.Sprintf("g%d@example.com", i),
				at: later, body: "Otra pregunta más."})
		case 2: // an auto-reply to the answer
			put(t, srv, "INBOX", testMail{from: addr, to: shop, subject: "Fuera de la oficina: Re: " + subject,
				id: fmt.Sprintf("o%d@example.com", i), inReplyTo: r, refs: "<" + r + ">", at: later,
				extra: "Auto-Submitted: auto-replied\r\n", body: "Estoy de vacaciones."})
		}
	}
}

// threadsByMessage is, for every stored message, its thread's summary as
// stored: what the inbox and the card show.
func threadsByMessage(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT f.name || '/' || m.uid, t.subject, t.subject_key, t.customer, t.customer_name,
		t.started_at, t.last_at, t.messages, t.snippet, coalesce(t.waiting_since, '-'), coalesce(t.first_response, -1),
		t.automatic, (SELECT group_concat(key, ' ') FROM (SELECT key FROM thread_key WHERE thread_id = t.id ORDER BY key)),
		(SELECT group_concat(number, ' ') FROM (SELECT number FROM thread_order WHERE thread_id = t.id ORDER BY number))
		FROM message m JOIN folder f ON f.id = m.folder_id JOIN thread t ON t.id = m.thread_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var msg string
		var cols [13]sql.NullString
		dest := []any{&msg}
		for i := range cols {
			dest = append(dest, &cols[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, c := range cols {
			fmt.Fprintf(&b, "%s|", c.String)
		}
		out[msg] = b.String()
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// refreshAll recomputes every thread's summary from its stored messages.
func refreshAll(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	th := newThreader(tx)
	defer th.close()
	rows, err := tx.Query(`SELECT id FROM thread`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		th.touched[id] = true
	}
	rows.Close()
	if err := th.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A thread's stored summary is what its stored messages say, whether the
// mailbox came in at once (each batch placed in memory, the new threads
// summed up from the messages just stored) or a few messages a run (the
// threads found in the database and summed up from it).
func TestThreadSummariesMatchTheirMessages(t *testing.T) {
	srv := mailServer(t)
	conversations(t, srv, 400)
	for _, tc := range []struct {
		name  string
		limit int
	}{{"at once", 0}, {"7 a run", 7}} {
		t.Run(tc.name, func(t *testing.T) {
			db := mailDB(t)
			for range 300 {
				reps := syncOnce(t, db, srv, SyncOptions{Limit: tc.limit})
				if report(t, reps, "INBOX").New == 0 && report(t, reps, "Sent").New == 0 {
					break
				}
			}
			if n := countRows(t, db, `SELECT count(*) FROM message`); n != 897 {
				t.Fatalf("%d messages stored, want 897", n)
			}
			if n := countRows(t, db, `SELECT count(*) FROM thread`); n < 300 || n >= 400 {
				t.Fatalf("%d threads: the mailbox does not exercise threading", n)
			}
			if n := countRows(t, db, `SELECT count(*) FROM thread WHERE waiting_since IS NOT NULL`); n < 50 {
				t.Fatalf("%d threads wait for an answer", n)
			}
			if n := countRows(t, db, `SELECT count(*) FROM thread t WHERE messages <>
				(SELECT count(DISTINCT coalesce(nullif(message_id, ''), id)) FROM message WHERE thread_id = t.id)`); n > 0 {
				t.Errorf("%d threads count their messages wrong", n)
			}
			want := threadsByMessage(t, db)
			refreshAll(t, db)
			mapsEqual(t, "recomputed", threadsByMessage(t, db), want)
		})
	}
}

// mapsEqual reports the first differences between got and want.
func mapsEqual(t *testing.T, what string, got, want map[string]string) bool {
	t.Helper()
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing", k))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s:\n  got  %s\n  want %s", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: not expected", k))
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s: %d of %d messages differ; first ones:\n%s", what, len(diffs), len(want),
			strings.Join(diffs[:min(5, len(diffs))], "\n"))
	}
	return len(diffs) == 0
}
