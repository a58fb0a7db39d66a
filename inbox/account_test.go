package inbox

import (
	"context"
	"errors"
	"mostrador/inbox/inboxtest"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		proto, in string
		want      Endpoint
		url       string // String() of the result
	}{
		{"imap", "imaps://shop%40example.com@imap.example.com:993",
			Endpoint{"imap", TLS, "imap.example.com", 993, "shop@example.com"}, "imaps://shop%40example.com@imap.example.com:993"},
		{"imap", "imaps://shop@example.com@imap.gmail.com", // a bare @ in the user name
			Endpoint{"imap", TLS, "imap.gmail.com", 993, "shop@example.com"}, "imaps://shop%40example.com@imap.gmail.com:993"},
		{"imap", " IMAP+STARTTLS://lola@mail.jaboneslola.es ",
			Endpoint{"imap", StartTLS, "mail.jaboneslola.es", 143, "lola"}, "imap+starttls://lola@mail.jaboneslola.es:143"},
		{"imap", "imap://demo@127.0.0.1:1143", Endpoint{"imap", Plain, "127.0.0.1", 1143, "demo"}, ""},
		{"imap", "imap://demo@[::1]:1143", Endpoint{"imap", Plain, "::1", 1143, "demo"}, "imap://demo@[::1]:1143"},
		{"imap", "imap://demo@localhost", Endpoint{"imap", Plain, "localhost", 143, "demo"}, ""},
		{"smtp", "smtp+starttls://shop%40example.com@smtp.example.com:587",
			Endpoint{"smtp", StartTLS, "smtp.example.com", 587, "shop@example.com"}, ""},
		{"smtp", "smtps://shop%40example.com@smtp.example.com",
			Endpoint{"smtp", TLS, "smtp.example.com", 465, "shop@example.com"}, "smtps://shop%40example.com@smtp.example.com:465"},
		{"smtp", "smtp+starttls://relay.example.com", Endpoint{"smtp", StartTLS, "relay.example.com", 587, ""}, ""},
		{"smtp", "smtp://127.0.0.1:2525", Endpoint{"smtp", Plain, "127.0.0.1", 2525, ""}, ""},
	} {
		got, err := ParseEndpoint(tc.proto, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %+v, want %+v", tc.in, got, tc.want)
		}
		want := tc.url
		if want == "" {
			want = strings.TrimSpace(tc.in)
			if got.Port != 0 && !strings.Contains(want[strings.Index(want, "://")+3:], ":") {
				want += ":" + strconv.Itoa(got.Port)
			}
		}
		if s := got.String(); s != want {
			t.Errorf("%s: String() = %s, want %s", tc.in, s, want)
		}
		if again, err := ParseEndpoint(tc.proto, got.String()); err != nil || again != got {
			t.Errorf("%s: the stored form %s reads back as %+v, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestParseEndpointRefuses(t *testing.T) {
	for _, tc := range []struct{ proto, in, code string }{
		{"imap", "imap.example.com", "account.notURL"},
		{"imap", "", "account.notURL"},
		{"imap", "https://shop@imap.example.com", "account.badScheme"},
		{"imap", "smtps://shop@smtp.example.com", "account.badScheme"},
		{"smtp", "imaps://shop@imap.example.com", "account.badScheme"},
		{"imap", "imap://shop@imap.example.com:143", "account.plainNotLocal"},
		{"smtp", "smtp://shop@smtp.example.com:25", "account.plainNotLocal"},
		{"imap", "imap://shop@192.168.1.10:143", "account.plainNotLocal"},
		{"imap", "imaps://shop:secreto@imap.example.com", "account.passwordInURL"},
		{"imap", "imaps://imap.example.com", "account.noUser"},
		{"imap", "imaps://shop@imap.example.com:99999", "account.badPort"},
		{"imap", "imaps://shop@imap.example.com:abc", "account.notURL"},
		{"imap", "imaps://shop@imap.example.com/INBOX", "account.extraParts"},
		{"imap", "imaps://shop@imap.example.com?x=1", "account.extraParts"},
	} {
		_, err := ParseEndpoint(tc.proto, tc.in)
		var ae *AccountError
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.Field != tc.proto || ae.Value != tc.in {
			t.Errorf("%s %q: %v, want %s", tc.proto, tc.in, err, tc.code)
		}
	}
}

func TestParseFrom(t *testing.T) {
	name, addr, err := ParseFrom(`Lola Peña <Hola@JabonesLola.es>`)
	if err != nil || name != "Lola Peña" || addr != "hola@jaboneslola.es" {
		t.Errorf("= %q %q %v", name, addr, err)
	}
	name, addr, err = ParseFrom(`"Peña, Lola" <hola@jaboneslola.es>`)
	if err != nil || name != "Peña, Lola" || addr != "hola@jaboneslola.es" {
		t.Errorf("quoted: %q %q %v", name, addr, err)
	}
	for in, code := range map[string]string{
		"hola@jaboneslola.es":        "account.fromNoName",
		"<hola@jaboneslola.es>":      "account.fromNoName",
		"Lola <hola>":                "account.badFrom",
		"Lola Peña hola@example.com": "account.badFrom",
		"":                           "account.badFrom",
	} {
		_, _, err := ParseFrom(in)
		var ae *AccountError
		if !errors.As(err, &ae) || ae.Code != code || ae.Field != "from" {
			t.Errorf("%q: %v, want %s", in, err, code)
		}
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	want := "3f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
	for _, in := range []string{want, strings.ToUpper(want), "SHA256:" + want,
		"3F:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8",
		"sha256 Fingerprint=3F:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8"} {
		got, err := NormalizeFingerprint(strings.Replace(in, " Fingerprint", "", 1))
		if err != nil || got != want {
			t.Errorf("%q = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", want + "00", strings.Replace(want, "3f", "zz", 1)} {
		if _, err := NormalizeFingerprint(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestAccountSaveLoad(t *testing.T) {
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := LoadAccount(ctx, db); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("empty database: %v", err)
	}
	imapEP, _ := ParseEndpoint("imap", "imaps://shop%40example.com@imap.example.com")
	smtpEP, _ := ParseEndpoint("smtp", "smtp+starttls://shop%40example.com@smtp.example.com")
	a := &Account{IMAP: imapEP, SMTP: smtpEP, FromName: "Lola Peña", FromAddr: "hola@jaboneslola.es",
		Trusted: []string{strings.Repeat("ab", 32)}}
	if err := SaveAccount(ctx, db, a); err != nil {
		t.Fatal(err)
	}
	got, err := LoadAccount(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got.IMAP != imapEP || got.SMTP != smtpEP || got.From() != `Lola Peña <hola@jaboneslola.es>` ||
		len(got.Trusted) != 1 || got.Trusted[0] != a.Trusted[0] || time.Since(got.UpdatedAt) > time.Minute {
		t.Errorf("loaded %+v", got)
	}
	// Saving again replaces the one account.
	a.FromName = "Lola"
	if err := SaveAccount(ctx, db, a); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM account`).Scan(&n)
	if got, _ := LoadAccount(ctx, db); n != 1 || got.FromName != "Lola" {
		t.Errorf("%d accounts, name %q", n, got.FromName)
	}
	// Nothing secret in the file.
	var row string
	db.QueryRow(`SELECT imap_url || smtp_url || from_name || trusted FROM account`).Scan(&row)
	if strings.Contains(row, inboxtest.Password) {
		t.Error("a password is in the database")
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true,
		"localhost": true, "LOCALHOST": true, "10.0.0.1": false, "imap.example.com": false, "localhost.example.com": false,
		"0.0.0.0": false, "::": false} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v", host, got)
		}
	}
	_ = net.IPv4len
}
