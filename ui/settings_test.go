package ui

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/settings"
	"mostrador/internal/shop"
)

// openSettings builds the window on db with the Settings room in a test
// window of its own; its passwords come from kr, never from the machine's
// environment or keyring.
func openSettings(t *testing.T, db *sql.DB, lang string, kr inbox.Keyring) (*settingsView, fyne.Window) {
	t.Helper()
	w, _ := openWindow(t, db, lang)
	w.secrets = &inbox.Secrets{Keyring: kr, Getenv: func(string) string { return "" }, Timeout: time.Second}
	v := newSettingsView(w)
	win := test.NewTempWindow(t, v.content)
	win.Resize(fyne.NewSize(900, 700))
	return v, win
}

// fillServer types a loopback server's fields.
func fillServer(t *testing.T, s *serverFields, addr string, sec inbox.Security, user, password string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	s.security.SetSelectedIndex(int(sec))
	s.host.SetText(host)
	s.port.SetText(port)
	s.user.SetText(user)
	s.password.SetText(password)
}

// press taps one of the account's buttons and waits until what the
// servers said is shown.
func press(t *testing.T, f *accountForm, b fyne.Tappable) {
	t.Helper()
	done := make(chan struct{}, 1)
	f.done = func() { done <- struct{}{} }
	defer func() { f.done = nil }()
	test.Tap(b)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the connection test never ended")
	}
}

func mustText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// The owner fills the mailbox against real servers on 127.0.0.1: a wrong
// password is refused in plain words and not saved; the right one tests
// OK and saves, the passwords (with no keyring here) known for the run
// and the variable to put them in said.
func TestSettingsAccountTestAndSave(t *testing.T) {
	db := newShopDB(t)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	if err := imapSrv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	for _, subject := range []string{"Hola", "Pedido"} {
		raw := "From: Ana <ana@example.com>\r\nSubject: " + subject + "\r\n\r\nHola\r\n"
		if _, err := imapSrv.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	kr := &inboxtest.Keyring{Fail: errors.New("dbus-launch not found")}
	v, win := openSettings(t, db, "es", kr)
	f := v.account
	if !f.same.Checked || f.smtpLogin.Visible() {
		t.Error("SMTP does not take the IMAP user and password by default")
	}
	fillServer(t, f.imap, imapSrv.Addr, inbox.Plain, inboxtest.User, "otra")
	fillServer(t, f.smtp, smtpSrv.Addr, inbox.Plain, "", "")
	f.fromName.SetText("Lola Peña")
	f.fromAddr.SetText("Tienda@Example.com")
	ctx := context.Background()
	noAccount := func(when string) {
		t.Helper()
		if _, err := inbox.LoadAccount(ctx, db); !errors.Is(err, inbox.ErrNoAccount) {
			t.Fatalf("%s: an account was saved (%v)", when, err)
		}
	}

	// A wrong password: each server says so in plain words.
	press(t, f, f.test)
	refused := func(server, addr string) string {
		return "El servidor " + server + " " + addr + " no acepta el usuario «tienda@example.com» con esa contraseña. " +
			"Gmail y Outlook piden una «contraseña de aplicación», no la de siempre"
	}
	mustText(t, "IMAP", f.imapResult.Text, refused("IMAP", imapSrv.Addr))
	mustText(t, "SMTP", f.smtpResult.Text, refused("SMTP", smtpSrv.Addr))
	mustShow(t, win, "Corrija lo que se indica arriba y pruebe de nuevo.")
	// And Save does not save it.
	press(t, f, f.save)
	mustShow(t, win, "La cuenta no se ha guardado: solo se guarda cuando las dos conexiones funcionan. "+
		"Corrija lo que se indica arriba y pulse «Guardar» de nuevo.")
	noAccount("wrong password")

	// The right one: both servers OK; a test saves nothing.
	f.imap.password.SetText(inboxtest.Password)
	press(t, f, f.test)
	mustShow(t, win, "IMAP: conectado, 2 mensajes, carpeta Enviados: Sent", "SMTP: conectado (no se ha enviado nada)",
		"Las dos conexiones funcionan. Pulse «Guardar» para usar esta cuenta.")
	mustNotShow(t, win, refused("IMAP", imapSrv.Addr))
	noAccount("a test")

	press(t, f, f.save)
	acct, err := inbox.LoadAccount(ctx, db)
	if err != nil {
		t.Fatalf("not saved: %v; the room says %q", err, f.message.Text)
	}
	host, port, _ := net.SplitHostPort(imapSrv.Addr)
	p, _ := strconv.Atoi(port)
	want := inbox.Endpoint{Proto: "imap", Security: inbox.Plain, Host: host, Port: p, User: inboxtest.User}
	if acct.IMAP != want || acct.SMTP.User != inboxtest.User || acct.SMTP.Addr() != smtpSrv.Addr ||
		acct.From() != "Lola Peña <tienda@example.com>" {
		t.Errorf("saved: %+v", acct)
	}
	mustText(t, "message", f.message.Text, "Cuenta guardada: la bandeja y las respuestas ya la usan.\n"+
		"No hay llavero del sistema donde guardar la contraseña IMAP (dbus-launch not found): sirve hasta que cierre "+
		"Mostrador. Para las próximas veces, póngala en la variable de entorno MOSTRADOR_IMAP_PASSWORD.\n"+
		"No hay llavero del sistema donde guardar la contraseña SMTP (dbus-launch not found): sirve hasta que cierre "+
		"Mostrador. Para las próximas veces, póngala en la variable de entorno MOSTRADOR_SMTP_PASSWORD.")
	if f.imap.password.Text != "" {
		t.Error("the password stays in the form after saving")
	}
	if pw, _, err := v.w.secrets.Password(acct.SMTP, "SMTP"); pw != inboxtest.Password {
		t.Errorf("the typed password is not known for the run: %q %v", pw, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM account WHERE imap_url || smtp_url || from_name || trusted LIKE ?`,
		"%"+inboxtest.Password+"%").Scan(&n); err != nil || n != 0 {
		t.Errorf("a password in the database: %d %v", n, err)
	}
	if len(smtpSrv.Messages()) != 0 {
		t.Error("testing the account sent mail")
	}
	mustBeTranslated(t, win)

	// The room opened again shows the saved account; a blank password
	// means the one the run knows.
	v2 := newSettingsView(v.w)
	g := v2.account
	if g.imap.host.Text != host || g.imap.port.Text != port || g.imap.user.Text != inboxtest.User ||
		g.imap.security.SelectedIndex() != int(inbox.Plain) || !g.same.Checked || g.fromName.Text != "Lola Peña" ||
		g.fromAddr.Text != "tienda@example.com" || g.imap.password.Text != "" {
		t.Errorf("the saved account is not shown: %q:%q %q sec %d same %v from %q %q", g.imap.host.Text,
			g.imap.port.Text, g.imap.user.Text, g.imap.security.SelectedIndex(), g.same.Checked, g.fromName.Text,
			g.fromAddr.Text)
	}
	press(t, g, g.test)
	mustText(t, "blank password", g.imapResult.Text, "IMAP: conectado, 2 mensajes, carpeta Enviados: Sent")
}

// With a keyring, the typed passwords go there; SMTP with a login of its
// own is tested with it. In English.
func TestSettingsAccountKeyring(t *testing.T) {
	db := newShopDB(t)
	imapSrv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.Plain, nil)
	kr := &inboxtest.Keyring{}
	v, win := openSettings(t, db, "en", kr)
	f := v.account
	fillServer(t, f.imap, imapSrv.Addr, inbox.Plain, inboxtest.User, inboxtest.Password)
	test.Tap(f.same)
	if f.same.Checked || !f.smtpLogin.Visible() {
		t.Fatal("unticking \"same user\" does not show SMTP's own")
	}
	fillServer(t, f.smtp, smtpSrv.Addr, inbox.Plain, inboxtest.User, "wrong")
	f.fromName.SetText("Lola")
	f.fromAddr.SetText("tienda@example.com")
	press(t, f, f.save)
	mustShow(t, win, "IMAP: connected, 0 messages; no Sent folder yet (it is made with the first reply)",
		"The SMTP server "+smtpSrv.Addr+` does not accept the user "tienda@example.com" with that password. `+
			`Gmail and Outlook want an "app password", not the usual one`)
	if len(kr.Entries()) != 0 {
		t.Error("a refused account's password went to the keyring")
	}
	f.smtp.password.SetText(inboxtest.Password)
	press(t, f, f.save)
	mustText(t, "message", f.message.Text, "Account saved: the inbox and the replies use it now.")
	got := kr.Entries()
	if len(got) != 2 {
		t.Fatalf("keyring: %v", got)
	}
	for k, pw := range got {
		if pw != inboxtest.Password || !strings.Contains(k, inboxtest.User) {
			t.Errorf("keyring entry %s = %q", k, pw)
		}
	}
	if acct, err := inbox.LoadAccount(context.Background(), db); err != nil || acct.SMTP.User != inboxtest.User {
		t.Errorf("saved: %+v %v", acct, err)
	}
	mustBeTranslated(t, win)
}

// What the form can tell without a server is said at once, in words, and
// nothing is tried: no server, a port that is not one, a password in the
// clear to another computer, a sender without a name.
func TestSettingsAccountFormProblems(t *testing.T) {
	db := newShopDB(t)
	v, win := openSettings(t, db, "es", &inboxtest.Keyring{})
	f := v.account
	try := func(want string) {
		t.Helper()
		press(t, f, f.test)
		mustText(t, "problem", f.message.Text, want)
		if f.imapResult.Visible() || f.smtpResult.Visible() {
			t.Error("a server result shows for a form that was not tried")
		}
	}
	try("Escriba el servidor IMAP (por ejemplo, imap.gmail.com o smtp.gmail.com).")
	f.imap.host.SetText("mx1.example.com")
	f.imap.port.SetText("99999")
	try("El puerto IMAP «99999» no es válido: escriba un número; suele ser 993.")
	f.imap.port.SetText("143")
	f.imap.security.SetSelectedIndex(int(inbox.Plain))
	f.imap.user.SetText(inboxtest.User)
	f.smtp.host.SetText("mx1.example.com")
	try("Sin cifrar solo se permite con un servidor en este mismo ordenador, y mx1.example.com no lo es: " +
		"elija SSL/TLS o STARTTLS en la seguridad del servidor IMAP.")
	f.imap.security.SetSelectedIndex(int(inbox.TLS))
	if f.imap.port.Text != "993" {
		t.Errorf("TLS did not bring its usual port: %q", f.imap.port.Text)
	}
	f.smtp.host.SetText("mx1 example.com")
	try("«mx1 example.com» no es un nombre de servidor SMTP: escríbalo como imap.example.com, sin espacios ni barras.")
	f.smtp.host.SetText("mx1.example.com")
	try("Escriba su nombre como remitente: un correo firmado por una persona inspira más confianza.")
	f.fromName.SetText("Lola")
	f.fromAddr.SetText("lola@")
	try("«lola@» no es una dirección de correo válida.")
	mustBeTranslated(t, win)

	// A provider's servers filled in with one tap.
	tapButton(t, win, "Outlook")
	if f.imap.host.Text != "outlook.office365.com" || f.imap.port.Text != "993" ||
		f.imap.security.SelectedIndex() != int(inbox.TLS) || f.smtp.host.Text != "smtp.office365.com" ||
		f.smtp.port.Text != "587" || f.smtp.security.SelectedIndex() != int(inbox.StartTLS) {
		t.Errorf("Outlook: %s:%s (%d), %s:%s (%d)", f.imap.host.Text, f.imap.port.Text, f.imap.security.SelectedIndex(),
			f.smtp.host.Text, f.smtp.port.Text, f.smtp.security.SelectedIndex())
	}
	if _, err := inbox.LoadAccount(context.Background(), db); !errors.Is(err, inbox.ErrNoAccount) {
		t.Errorf("an account was saved: %v", err)
	}
}

// A self-signed certificate is refused with its fingerprint; the owner
// trusts it with a button, and the saved account keeps it trusted.
func TestSettingsAccountTrustCertificate(t *testing.T) {
	db := newShopDB(t)
	cert, fp := inboxtest.Issue(t, nil, time.Now().Add(time.Hour), "127.0.0.1")
	imapSrv := inboxtest.StartIMAP(t, inboxtest.TLS, &cert)
	smtpSrv := inboxtest.StartSMTP(t, inboxtest.StartTLS, &cert)
	v, win := openSettings(t, db, "es", &inboxtest.Keyring{})
	f := v.account
	fillServer(t, f.imap, imapSrv.Addr, inbox.TLS, inboxtest.User, inboxtest.Password)
	fillServer(t, f.smtp, smtpSrv.Addr, inbox.StartTLS, "", "")
	f.fromName.SetText("Lola")
	f.fromAddr.SetText("tienda@example.com")
	if f.trust.Visible() {
		t.Fatal("the trust button shows before any test")
	}
	press(t, f, f.test)
	mustText(t, "IMAP", f.imapResult.Text, "El certificado del servidor IMAP "+imapSrv.Addr+" no es de confianza "+
		"(autofirmado o de una autoridad desconocida). Si es su servidor y reconoce esta huella SHA-256, pulse "+
		"«Confiar en este certificado»: "+fp)
	if !f.trust.Visible() {
		t.Fatal("no trust button")
	}
	press(t, f, f.trust)
	mustShow(t, win, "IMAP: conectado, 0 mensajes; aún no hay carpeta Enviados (se creará con la primera respuesta)",
		"SMTP: conectado (no se ha enviado nada)")
	if f.trust.Visible() {
		t.Error("the trust button stays after the certificate is trusted")
	}
	press(t, f, f.save)
	acct, err := inbox.LoadAccount(context.Background(), db)
	if err != nil || len(acct.Trusted) != 1 || acct.Trusted[0] != fp {
		t.Fatalf("saved: %+v %v", acct, err)
	}
}

// The shop's name, the owner's and the signature: the preview signs as
// replies will, following the typing; Save stores them; a value settings
// refuses is said in words, and then nothing of the section is stored.
func TestSettingsShop(t *testing.T) {
	db := newShopDB(t)
	ctx := context.Background()
	v, win := openSettings(t, db, "es", &inboxtest.Keyring{})
	f := v.shop
	mustShow(t, win, "(sin firma: escriba su nombre o el de la tienda)")
	test.Type(f.name, "Jabones Lola")
	mustText(t, "preview", f.preview.Text, "Jabones Lola")
	test.Type(f.owner, "Dolores Martín")
	mustText(t, "preview", f.preview.Text, "Dolores Martín\nJabones Lola")
	test.Tap(f.save)
	mustShow(t, win, "Datos de la tienda guardados.")
	get := func(key string) string {
		t.Helper()
		s, err := settings.Get(ctx, db, key)
		if err != nil {
			t.Fatal(err)
		}
		return s.Value
	}
	if get(settings.ShopName) != "Jabones Lola" || get(settings.ShopOwner) != "Dolores Martín" {
		t.Errorf("stored: %q %q", get(settings.ShopName), get(settings.ShopOwner))
	}

	f.sig.SetText("Lola   \n--\nwww.jaboneslola.es\n\n")
	mustText(t, "preview", f.preview.Text, "Lola   \n--\nwww.jaboneslola.es")
	test.Tap(f.save)
	if got := get(settings.ShopSignature); got != "Lola\n-- \nwww.jaboneslola.es" {
		t.Errorf("signature stored as %q", got)
	}
	mustText(t, "signature as stored", f.sig.Text, "Lola\n-- \nwww.jaboneslola.es")
	if sig, _ := shop.Signature(ctx, db, nil); sig != f.preview.Text {
		t.Errorf("the preview %q is not how replies are signed, %q", f.preview.Text, sig)
	}

	// Too long a name: refused in words, and the owner typed with it is
	// not stored either.
	f.sig.SetText("")
	f.owner.SetText("Lola")
	f.name.SetText(strings.Repeat("a", 201))
	test.Tap(f.save)
	mustShow(t, win, "No se ha guardado: en «Nombre de la tienda», el texto es demasiado largo.")
	if get(settings.ShopOwner) != "Dolores Martín" || get(settings.ShopName) != "Jabones Lola" {
		t.Errorf("a refused form was stored: %q %q", get(settings.ShopOwner), get(settings.ShopName))
	}

	// A reload keeps what the owner is typing, and shows what changed
	// elsewhere (the command line) in the fields they did not touch.
	f.name.SetText("Jabones Lola")
	v.loaded.keep(f.name)
	if _, err := settings.Set(ctx, db, settings.ShopName, "Velas Lola"); err != nil {
		t.Fatal(err)
	}
	v.reload()
	mustText(t, "name after reload", f.name.Text, "Velas Lola")
	mustText(t, "owner being typed", f.owner.Text, "Lola")
	mustBeTranslated(t, win)
}

// The language is stored as shop.language ("" follows the system); the
// time zone is picked from a list of zones with their clocks, so no bad
// value can be given.
func TestSettingsLanguageAndZone(t *testing.T) {
	db := newShopDB(t)
	ctx := context.Background()
	if _, err := settings.Set(ctx, db, settings.ShopTimezone, "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	w, _ := openWindow(t, db, "es")
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }
	v := newSettingsView(w)
	win := test.NewTempWindow(t, v.content)
	r := v.region

	language := func() settings.Setting {
		s, err := settings.Get(ctx, db, settings.ShopLanguage)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if r.language.Selected != "Automático (el del sistema)" {
		t.Errorf("unset language shows %q", r.language.Selected)
	}
	r.language.SetSelected("English")
	if s := language(); s.Value != "en" {
		t.Errorf("English stored as %q", s.Value)
	}
	mustShow(t, win, "Idioma guardado: se aplicará la próxima vez que abra Mostrador.")
	r.language.SetSelected("Automático (el del sistema)")
	if s := language(); s.IsSet {
		t.Errorf("automatic stored as %q", s.Value)
	}
	mustShow(t, win, "Mostrador seguirá el idioma del sistema desde la próxima vez que lo abra.")

	// The zone set is offered (first, not being on the list) and chosen,
	// with its clock; every zone offered is one settings accepts.
	if r.zone.Selected != "Asia/Tokyo · 19:00" || r.zone.Options[0] != r.zone.Selected {
		t.Errorf("the zone set shows %q; options %v", r.zone.Selected, r.zone.Options)
	}
	if len(r.zone.Options) != len(shopZones)+1 {
		t.Errorf("%d zones offered: %v", len(r.zone.Options), r.zone.Options)
	}
	for i, name := range r.zones {
		if _, err := settings.Check(settings.ShopTimezone, name); err != nil || !strings.HasPrefix(r.zone.Options[i], name+" · ") {
			t.Errorf("option %q (%s): %v", r.zone.Options[i], name, err)
		}
	}
	r.zone.SetSelected("Europe/Madrid · 12:00")
	zone := func() string {
		t.Helper()
		s, err := settings.Get(ctx, db, settings.ShopTimezone)
		if err != nil {
			t.Fatal(err)
		}
		return s.Value
	}
	if z := zone(); z != "Europe/Madrid" {
		t.Errorf("Madrid stored as %q", z)
	}
	mustShow(t, win, "Zona horaria guardada: Europe/Madrid, donde ahora son las 12:00. Las horas de silencio de los "+
		"correos automáticos la usan desde ya; la ventana, desde la próxima vez que abra Mostrador.")
	r.zone.SetSelected("Mars/Olympus")
	if z := zone(); z != "Europe/Madrid" || r.zone.Selected != "Europe/Madrid · 12:00" {
		t.Errorf("a zone not offered was taken: %q, %q", z, r.zone.Selected)
	}

	// Opened again an hour later: the clocks have moved.
	now = now.Add(time.Hour)
	v.reload()
	if r.zone.Selected != "Europe/Madrid · 13:00" || r.zone.Options[0] != "Europe/Madrid · 13:00" {
		t.Errorf("after an hour: %q; options %v", r.zone.Selected, r.zone.Options)
	}
	if z := zone(); z != "Europe/Madrid" {
		t.Errorf("reloading stored %q", z)
	}
	mustBeTranslated(t, win)
}
