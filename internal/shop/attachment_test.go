package shop

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
)

// An attachment is fetched from the server when opened, decoded, and
// written under its own name in the folder given.
func TestSaveAttachment(t *testing.T) {
	raw, err := os.ReadFile("../../inbox/testdata/mail/invoice-rfc2231.eml")
	if err != nil {
		t.Fatal(err)
	}
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	if err := srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.User.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	acct := &inbox.Account{IMAP: inbox.Endpoint{Proto: "imap", Security: inbox.Plain, Host: host, Port: p,
		User: inboxtest.User}, FromAddr: "tienda@example.com"}
	db := shopDB(t)
	ctx := context.Background()
	c, err := (&inbox.Dialer{}).DialIMAP(acct.IMAP, inboxtest.Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&inbox.Syncer{DB: db, Client: c, ShopAddr: acct.FromAddr}).Sync(ctx, inbox.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var id int64
	var part, name string
	if err := db.QueryRow(`SELECT message_id, part, name FROM attachment`).Scan(&id, &part, &name); err != nil {
		t.Fatal(err)
	}
	secrets := &inbox.Secrets{Getenv: func(k string) string {
		if k == inbox.EnvVar(acct.IMAP) {
			return inboxtest.Password
		}
		return ""
	}}
	dir := t.TempDir()
	path, err := SaveAttachment(ctx, db, acct, secrets, id, part, dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "factura nº 12.pdf" || !strings.HasPrefix(path, dir) {
		t.Errorf("saved as %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Errorf("the file holds %q… (%v), want the decoded PDF", data[:min(len(data), 8)], err)
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"factura.pdf":            "factura.pdf",
		"../../etc/passwd":       "passwd",
		`C:\Users\ana\foto.jpg`:  "foto.jpg",
		".bashrc":                "bashrc",
		"a<b>c:d\"e|f?g*h.txt":   "a_b_c_d_e_f_g_h.txt",
		"":                       "adjunto",
		"   ":                    "adjunto",
		"x\x00y.txt":             "x_y.txt",
		strings.Repeat("a", 300): strings.Repeat("a", 120),
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
