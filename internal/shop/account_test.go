package shop

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
)

// loopback is an endpoint of a plain test server on 127.0.0.1.
func loopback(t *testing.T, proto, addr string) inbox.Endpoint {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
}

// noEnv is a Secrets that finds nothing in the environment, whatever the
// machine running the tests has set.
func noEnv(kr inbox.Keyring) *inbox.Secrets {
	return &inbox.Secrets{Keyring: kr, Getenv: func(string) string { return "" }, Timeout: time.Second}
}

// An account with real servers: tested (messages, the Sent folder),
// saved, its typed passwords in the keyring and not in the database.
func TestCheckAndSaveAccount(t *testing.T) {
	ctx := context.Background()
	db := shopDB(t)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	if err := imapSrv.User.Create("Enviados", nil); err != nil {
		t.Fatal(err)
	}
	raw := "From: Ana <ana@example.com>\r\nSubject: Hola\r\n\r\nHola\r\n"
	if _, err := imapSrv.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	acct := &inbox.Account{IMAP: loopback(t, "imap", imapSrv.Addr), SMTP: loopback(t, "smtp", smtpSrv.Addr),
		FromName: "Lola Peña", FromAddr: "tienda@example.com"}
	kr := &inboxtest.Keyring{}
	secrets := noEnv(kr)

	// A wrong password: refused in plain words, and not saved.
	bad := CheckAccount(ctx, acct, FindSecret(secrets, acct.IMAP, "IMAP", "otra"),
		FindSecret(secrets, acct.SMTP, "SMTP", "otra"))
	if bad.OK() || bad.IMAP != nil {
		t.Fatalf("a wrong password passed: %+v", bad)
	}
	for _, err := range []error{bad.IMAPErr, bad.SMTPErr} {
		var ce *inbox.ConnError
		if !errors.As(err, &ce) || ce.Code != inbox.CodeAuth {
			t.Fatalf("wrong password: %v, want %s", err, inbox.CodeAuth)
		}
		words := ConnWords("es", acct.IMAP, ce)
		if !strings.Contains(words, "no acepta el usuario «tienda@example.com» con esa contraseña") {
			t.Errorf("plain words: %q", words)
		}
	}
	if _, err := SaveAccount(ctx, db, secrets, bad); !errors.Is(err, ErrUntested) {
		t.Errorf("saving a refused account: %v", err)
	}
	if _, err := inbox.LoadAccount(ctx, db); !errors.Is(err, inbox.ErrNoAccount) {
		t.Fatalf("a refused account was saved: %v", err)
	}
	if len(kr.Entries()) != 0 {
		t.Error("a refused password went to the keyring")
	}

	// The right one.
	good := CheckAccount(ctx, acct, FindSecret(secrets, acct.IMAP, "IMAP", inboxtest.Password),
		FindSecret(secrets, acct.SMTP, "SMTP", inboxtest.Password))
	if !good.OK() {
		t.Fatalf("the right password: IMAP %v, SMTP %v", good.IMAPErr, good.SMTPErr)
	}
	if good.IMAP.Messages != 1 || good.IMAP.Sent != "Enviados" {
		t.Errorf("IMAP info: %+v", good.IMAP)
	}
	if len(smtpSrv.Messages()) != 0 {
		t.Error("the test sent mail")
	}
	misses, err := SaveAccount(ctx, db, secrets, good)
	if err != nil || len(misses) != 0 {
		t.Fatalf("save: %v %v", misses, err)
	}
	saved, err := inbox.LoadAccount(ctx, db)
	if err != nil || saved.IMAP != acct.IMAP || saved.SMTP != acct.SMTP || saved.From() != "Lola Peña <tienda@example.com>" {
		t.Fatalf("saved: %+v %v", saved, err)
	}
	for _, ep := range []inbox.Endpoint{acct.IMAP, acct.SMTP} {
		// A new run's Secrets: the password comes from the keyring.
		if pw, src, err := noEnv(kr).Password(ep, ""); pw != inboxtest.Password || src != inbox.FromKeyring {
			t.Errorf("%s in the keyring: %q %q %v", ep.Proto, pw, src, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM account WHERE imap_url || smtp_url || trusted LIKE ?`,
		"%"+inboxtest.Password+"%").Scan(&n); err != nil || n != 0 {
		t.Errorf("a password in the database: %d %v", n, err)
	}
}

// Without a keyring the account is saved all the same; the typed password
// is known for the run, and where to put it for the next is said. A
// password from the environment stays there. A server without a password
// is not tried.
func TestSaveAccountWithoutKeyring(t *testing.T) {
	ctx := context.Background()
	db := shopDB(t)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	acct := &inbox.Account{IMAP: loopback(t, "imap", imapSrv.Addr), SMTP: loopback(t, "smtp", smtpSrv.Addr),
		FromName: "Lola", FromAddr: "tienda@example.com"}
	secrets := &inbox.Secrets{Keyring: &inboxtest.Keyring{Fail: errors.New("dbus-launch not found")}, Timeout: time.Second,
		Getenv: func(k string) string {
			return map[string]string{"MOSTRADOR_SMTP_PASSWORD": inboxtest.Password}[k]
		}}

	// Nothing typed for IMAP and nowhere to find it: not tried.
	none := CheckAccount(ctx, acct, FindSecret(secrets, acct.IMAP, "IMAP", ""), FindSecret(secrets, acct.SMTP, "SMTP", ""))
	if !errors.Is(none.IMAPErr, inbox.ErrNoPassword) || none.SMTPErr != nil || none.OK() {
		t.Fatalf("no IMAP password: IMAP %v, SMTP %v", none.IMAPErr, none.SMTPErr)
	}

	check := CheckAccount(ctx, acct, FindSecret(secrets, acct.IMAP, "IMAP", inboxtest.Password),
		FindSecret(secrets, acct.SMTP, "SMTP", ""))
	if !check.OK() || check.SMTPSecret.Source != inbox.FromEnv {
		t.Fatalf("IMAP %v, SMTP %v (%s)", check.IMAPErr, check.SMTPErr, check.SMTPSecret.Source)
	}
	misses, err := SaveAccount(ctx, db, secrets, check)
	if err != nil {
		t.Fatal(err)
	}
	if len(misses) != 1 || misses[0].Var != "MOSTRADOR_IMAP_PASSWORD" || misses[0].Endpoint != acct.IMAP ||
		!strings.Contains(misses[0].Err.Error(), "dbus") {
		t.Errorf("misses: %+v", misses)
	}
	if _, err := inbox.LoadAccount(ctx, db); err != nil {
		t.Errorf("not saved: %v", err)
	}
	if pw, _, err := secrets.Password(acct.IMAP, "IMAP"); pw != inboxtest.Password {
		t.Errorf("the typed password is not known for the run: %q %v", pw, err)
	}

	// SMTP without a login needs no password, and is not asked one.
	open := *acct
	open.SMTP.User = ""
	if s := FindSecret(secrets, open.SMTP, "SMTP", ""); s != (Secret{}) {
		t.Errorf("SMTP without a user: %+v", s)
	}
}

// A server that is not there is said so, not waited for twice.
func TestCheckAccountDeadServers(t *testing.T) {
	dead := func(proto string) inbox.Endpoint {
		ep := loopback(t, proto, inboxtest.DeadPort(t))
		return ep
	}
	acct := &inbox.Account{IMAP: dead("imap"), SMTP: dead("smtp"), FromName: "Lola", FromAddr: "tienda@example.com"}
	c := CheckAccount(context.Background(), acct, Secret{Password: "x", Source: inbox.FromPrompt},
		Secret{Password: "x", Source: inbox.FromPrompt})
	for _, err := range []error{c.IMAPErr, c.SMTPErr} {
		var ce *inbox.ConnError
		if !errors.As(err, &ce) || ce.Code != inbox.CodeRefused {
			t.Errorf("dead server: %v", err)
		}
	}
}

func TestSignatureOf(t *testing.T) {
	for _, c := range []struct{ sig, owner, name, from, want string }{
		{"", "", "", "", ""},
		{"", "", "Jabones Lola", "Lola", "Lola\nJabones Lola"},
		{"", "Dolores", "Jabones Lola", "Lola", "Dolores\nJabones Lola"},
		{"", "Dolores", "dolores", "", "Dolores"},
		{"  Lola\nwww.jaboneslola.es\n", "Dolores", "Jabones Lola", "", "Lola\nwww.jaboneslola.es"},
	} {
		if got := SignatureOf(c.sig, c.owner, c.name, c.from); got != c.want {
			t.Errorf("SignatureOf(%q, %q, %q, %q) = %q, want %q", c.sig, c.owner, c.name, c.from, got, c.want)
		}
	}
}
