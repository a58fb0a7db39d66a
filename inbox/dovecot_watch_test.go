package inbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox/internal/dovecot"
)

// TestDovecotWatch idles on a real Dovecot over TLS: mail another client
// appends to INBOX arrives through IDLE (not the refresh, which is set far
// off), and the watcher idles again.
func TestDovecotWatch(t *testing.T) {
	srv := dovecot.Start(t, dovecot.Options{})
	mail := func(n int) []byte {
		return fmt.Appendf(nil, "From: Cliente <cliente@example.com>\r\nTo: %s\r\nSubject: Pedido %d\r\n"+
			"Message-ID: <dovecot-%d@example.com>\r\n\r\nHola\r\n", dovecot.DefaultUser, n, n)
	}
	srv.Deliver(t, dovecot.DefaultUser, "INBOX", mail(1))
	db := mailDB(t)
	ep := Endpoint{Proto: "imap", Security: TLS, Host: srv.Host, Port: srv.TLSPort, User: dovecot.DefaultUser}
	d := &Dialer{Trusted: []string{srv.Fingerprint}, Timeout: 10 * time.Second}
	log := &statusLog{}
	w := &Watcher{DB: db, ShopAddr: dovecot.DefaultUser, Addr: ep.Addr(), RefreshEvery: time.Hour, OnStatus: log.add,
		Connect: func(_ context.Context, o *imapclient.Options) (*imapclient.Client, error) {
			return d.DialIMAP(ep, dovecot.DefaultPassword, o)
		}}
	stop := run(t, w)
	first := log.waitState(t, 0, StateIdle)
	if s := log.list()[first]; s.Polling || len(s.Reports) == 0 || s.Reports[0].New != 1 {
		t.Fatalf("first idle: %+v", s)
	}
	start := time.Now()
	srv.Deliver(t, dovecot.DefaultUser, "INBOX", mail(2))
	waitRows(t, db, 1, byMessageID, "dovecot-2@example.com")
	t.Logf("new mail stored %v after delivery", time.Since(start))
	log.wait(t, first+1, "idle after the new mail", func(s Status) bool {
		return s.State == StateIdle && len(s.Reports) > 0 && s.Reports[0].New == 1
	})
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}
