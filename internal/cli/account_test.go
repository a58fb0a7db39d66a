package cli

import (
	"strings"
	"testing"
	"time"

	"mostrador/inbox/inboxtest"
)

// TestAccountCommand sets up a mailbox against real IMAP and SMTP servers
// on 127.0.0.1 whose certificate is self-signed, as a small host's may be.
func TestAccountCommand(t *testing.T) {
	db := isolate(t)
	cert, fp := inboxtest.Issue(t, nil, time.Now().Add(time.Hour), "127.0.0.1")
	imapSrv := inboxtest.StartIMAP(t, inboxtest.TLS, &cert)
	if err := imapSrv.User.Create("Enviados", nil); err != nil {
		t.Fatal(err)
	}
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.StartTLS, &cert)
	imapURL := "imaps://tienda%40example.com@" + imapSrv.Addr
	smtpURL := "smtp+starttls://tienda%40example.com@" + smtpSrv.Addr
	t.Setenv("MOSTRADOR_IMAP_PASSWORD", inboxtest.Password)
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	accounts := func() int { return count(t, db, "account") }

	mostrador(t, "--db", db, "account").wantError(t, exitFailure, "es",
		`todavía no hay buzón configurado; configúrelo con: mostrador account --imap imaps://usuario@servidor:993 `+
			`--smtp smtp+starttls://usuario@servidor:587 --from "Su nombre <correo@tienda>"`)
	mostrador(t, "--db", db, "--lang", "en", "account", "--imap", imapURL).wantError(t, exitUsage, "en",
		"to set up the mailbox, give also --from, --smtp")
	mostrador(t, "--db", db, "--lang", "en", "account", "--imap", "imap://tienda@mail.example.com", "--smtp", smtpURL,
		"--from", "Lola <hola@jaboneslola.es>").wantError(t, exitUsage, "en",
		`--imap "imap://tienda@mail.example.com": unencrypted connections are only allowed to this computer; use imaps://tienda@mail.example.com`)
	mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "hola@jaboneslola.es").wantError(t,
		exitUsage, "es", `--from «hola@jaboneslola.es» necesita su nombre delante del correo, como "Lola Peña <hola@jaboneslola.es>": `+
			`un correo firmado por una persona inspira más confianza`)

	// The self-signed certificate is refused with its fingerprint, and
	// nothing is saved.
	o := mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "Lola Peña <hola@jaboneslola.es>")
	o.want(t, exitFailure)
	for _, want := range []string{
		"mostrador: el certificado del servidor IMAP " + imapSrv.Addr + " no es de confianza (autofirmado o de una autoridad " +
			"desconocida). Si es su servidor y reconoce esta huella, confíe en él con --trust-fingerprint " + fp + "\n",
		"mostrador: el certificado del servidor SMTP " + smtpSrv.Addr + " no es de confianza",
		"mostrador: la cuenta no se ha guardado\n",
	} {
		if !strings.Contains(o.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, o.stderr)
		}
	}
	if n := accounts(); n != 0 {
		t.Fatalf("%d accounts saved after a failed test", n)
	}

	// Trusted by its fingerprint (as openssl prints it): tested and saved.
	colons := strings.ToUpper(fp[0:2])
	for i := 2; i < len(fp); i += 2 {
		colons += ":" + strings.ToUpper(fp[i:i+2])
	}
	o = mostrador(t, "--db", db, "account", "--imap", imapURL, "--smtp", smtpURL, "--from", "Lola Peña <Hola@JabonesLola.es>",
		"--trust-fingerprint", colons)
	o.want(t, exitOK)
	want := "IMAP " + imapURL + ": conectado · 0 mensajes en la bandeja de entrada · enviados en: Enviados\n" +
		"SMTP " + smtpURL + ": conectado\nRemitente: Lola Peña <hola@jaboneslola.es>\nCuenta guardada.\n"
	if o.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", o.stdout, want)
	}
	if n := accounts(); n != 1 {
		t.Fatalf("%d accounts", n)
	}
	if len(smtpSrv.Messages()) != 0 {
		t.Error("testing the account sent mail")
	}

	// Shown and tested again; nothing changes.
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--json")
	o.want(t, exitOK)
	var rep struct {
		From string
		IMAP struct {
			URL, Sent, Error string
			OK, Idle         bool
			CondStore        bool
			Messages         int
		}
		SMTP struct {
			URL, Error string
			OK         bool
		}
		Saved bool
	}
	decodeStrict(t, o.stdout, &rep)
	if rep.From != "Lola Peña <hola@jaboneslola.es>" || !rep.IMAP.OK || rep.IMAP.Sent != "Enviados" || !rep.SMTP.OK ||
		rep.Saved || rep.IMAP.URL != imapURL {
		t.Errorf("json: %+v", rep)
	}

	// A wrong password: the plain words, and the saved account stays.
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", "otra")
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--from", "Lola <lola@jaboneslola.es>")
	o.wantError(t, exitFailure, "en", `the SMTP server `+smtpSrv.Addr+` does not accept the user "tienda@example.com" with that `+
		`password. Gmail and Outlook want an "app password", not the usual one`+"\nmostrador: the account was not saved")
	if o := mostrador(t, "--db", db, "account", "--json"); !strings.Contains(o.stderr, `"from": "Lola Peña <hola@jaboneslola.es>"`) {
		t.Errorf("the refused change was saved: %s", o)
	}

	// Nothing listening: said so.
	t.Setenv("MOSTRADOR_SMTP_PASSWORD", inboxtest.Password)
	o = mostrador(t, "--db", db, "--lang", "en", "account", "--imap", "imaps://tienda%40example.com@"+inboxtest.DeadPort(t))
	if o.want(t, exitFailure); !strings.Contains(o.stderr, "refuses the connection: nothing listens on that port") {
		t.Errorf("stderr: %s", o.stderr)
	}
}
