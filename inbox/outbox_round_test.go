package inbox

import (
	"context"
	"fmt"
	"testing"
)

// A day's automated mail, more than two batches of Sent copies, after a
// reply of the owner's: each email is sent once and marked sent, comes back
// in the order it went, has its local copy in Sent, in a thread of its
// customer's, and its copy in the server's Sent folder.
func TestSendDueStoresCopiesInBatches(t *testing.T) {
	rs := newReplyShop(t)
	ctx := context.Background()
	n := 2*copyBatch + 3
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = rs.queueAuto(t, thankYou(fmt.Sprintf("cliente%d@example.com", i)))
	}
	reply := rs.reply(t, "Sí, la tenemos en M.", rs.now)
	done, err := rs.sender(t, true).SendDue(ctx)
	if err != nil || len(done) != n+1 {
		t.Fatalf("sent %d, %v", len(done), err)
	}
	if done[0].ID != reply.ID || done[0].State != "sent" || !done[0].Appended || !done[0].Flagged {
		t.Errorf("the reply, first: %+v", done[0])
	}
	for i, o := range done[1:] {
		if o.ID != ids[i] || o.State != "sent" || !o.Appended || !o.Flagged || o.Attempts != 1 || o.SentAt == nil {
			t.Fatalf("automated mail %d: %+v", i, o)
		}
		if th := threadOf(t, rs.db, o.MessageID); th.Customer != fmt.Sprintf("cliente%d@example.com", i) {
			t.Fatalf("automated mail %d's thread: %+v", i, th)
		}
	}
	if got := len(rs.smtp.Messages()); got != n+1 {
		t.Errorf("the SMTP server got %d emails, want %d", got, n+1)
	}
	var copies int
	if err := rs.db.QueryRow(`SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id
		WHERE f.role = 'sent' AND m.uid < 0`).Scan(&copies); err != nil || copies != n+1 {
		t.Errorf("%d local copies in Sent, want %d: %v", copies, n+1, err)
	}
	c := dialTest(t, rs.imap)
	defer c.Close()
	if data, err := c.Select("Sent", nil).Wait(); err != nil || data.NumMessages != uint32(n+1) {
		t.Errorf("the server's Sent: %+v %v", data, err)
	}
}

// Should the app stop after the server took an automated email but before
// its Sent copy was stored, the email is sent all the same, never again;
// the next round files it on the server, whence the sync brings its copy.
func TestCopyLostAfterSendIsFiledNextRound(t *testing.T) {
	rs := newReplyShop(t)
	ctx := context.Background()
	id := rs.queueAuto(t, thankYou("ana@example.com"))
	s := rs.sender(t, true)
	s.copyLater = true
	if err := s.send(ctx, id); err != nil {
		t.Fatal(err)
	}
	s.copies = nil // the app stops here
	s.conn.close()
	o, err := LoadOutgoing(ctx, rs.db, id)
	if err != nil || o.State != "sent" || o.Appended {
		t.Fatalf("after the stop: %+v %v", o, err)
	}
	done, err := rs.sender(t, true).SendDue(ctx)
	if err != nil || len(done) != 1 || done[0].State != "sent" || !done[0].Appended || done[0].Attempts != 1 {
		t.Fatalf("next round: %+v %v", done, err)
	}
	if got := len(rs.smtp.Messages()); got != 1 {
		t.Errorf("sent %d times", got)
	}
}
