package ui

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// accountForm is the mailbox section: where the shop's mail is read
// (IMAP) and sent from (SMTP), and who it is from. "Test connection" tries
// both servers off the UI goroutine and says, for each, that it works or
// why not in plain words; "Save" tests again and saves only what passed,
// as the command line's account does. Passwords go to the keyring, never
// to the database.
type accountForm struct {
	v          *settingsView
	imap, smtp *serverFields
	// same: the SMTP server takes the IMAP user and password (most
	// providers), so SMTP's own are hidden.
	same      *widget.Check
	smtpLogin *fyne.Container
	fromName  *widget.Entry
	fromAddr  *widget.Entry
	// trusted are the certificates the owner trusted by hand (their
	// SHA-256): the saved account's, and any trusted since; shownTrusted
	// and shownSame are what load showed.
	trusted, shownTrusted []string
	shownSame             bool
	// untrusted is the fingerprint the last test refused, which the trust
	// button adds.
	untrusted string

	test, save, trust      *widget.Button
	busy                   *widget.Activity
	busyText               *widget.Label
	imapResult, smtpResult *widget.Label
	message                *widget.Label
	// done, in tests, hears that a test or a save has been shown.
	done    func()
	content fyne.CanvasObject
}

// serverFields are one server's entries: host and port, security, user,
// password.
type serverFields struct {
	proto      string
	host, port *widget.Entry
	security   *widget.Select
	user       *widget.Entry
	password   *widget.Entry
	shownSec   int // the security load showed
	loaded     loaded
}

// defaultPorts are each protocol's usual ports for TLS, STARTTLS and
// none, in inbox.Security's order.
var defaultPorts = map[string][3]string{"imap": {"993", "143", "143"}, "smtp": {"465", "587", "25"}}

func newServerFields(v *settingsView, proto string) *serverFields {
	w := v.w
	s := &serverFields{proto: proto, loaded: v.loaded}
	s.host, s.port, s.user = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	s.user.SetPlaceHolder(w.t("ui.settings.userHint"))
	s.password = widget.NewPasswordEntry()
	// In inbox.Security's order: TLS, STARTTLS, none (loopback only).
	s.security = widget.NewSelect([]string{w.t("ui.settings.secTLS"), w.t("ui.settings.secStartTLS"),
		w.t("ui.settings.secPlain")}, nil)
	s.security.OnChanged = func(string) { s.followSecurity() }
	// Reading over TLS, sending with STARTTLS: what most providers offer.
	s.host.SetPlaceHolder(w.t("ui.settings.imapHostHint"))
	first := inbox.TLS
	if proto == "smtp" {
		s.host.SetPlaceHolder(w.t("ui.settings.smtpHostHint"))
		first = inbox.StartTLS
	}
	s.security.SetSelectedIndex(int(first))
	s.shownSec = int(first)
	s.loaded.keep(s.port) // the usual port is what an empty form shows, not an edit
	return s
}

// followSecurity puts the usual port for the security picked, unless the
// owner wrote one that is not another security's usual port.
func (s *serverFields) followSecurity() {
	i := s.security.SelectedIndex()
	if i < 0 {
		return
	}
	ports := defaultPorts[s.proto]
	if s.port.Text == "" || slices.Contains(ports[:], s.port.Text) {
		s.port.SetText(ports[i])
	}
}

// edited reports whether the owner changed the server since it was loaded.
func (s *serverFields) edited() bool {
	return s.loaded.edited(s.host, s.port, s.user) || s.password.Text != "" ||
		s.security.SelectedIndex() != s.shownSec
}

// load shows a saved endpoint.
func (s *serverFields) load(ep inbox.Endpoint) {
	s.security.OnChanged = nil // the saved port stands, whatever the security's usual one
	s.security.SetSelectedIndex(int(ep.Security))
	s.security.OnChanged = func(string) { s.followSecurity() }
	s.shownSec = int(ep.Security)
	s.loaded.fill(s.host, ep.Host)
	s.loaded.fill(s.port, strconv.Itoa(ep.Port))
	s.loaded.fill(s.user, ep.User)
}

// saved takes what the fields say as what the database holds.
func (s *serverFields) saved() {
	s.loaded.keep(s.host, s.port, s.user)
	s.shownSec = s.security.SelectedIndex()
	s.password.SetText("")
}

func newAccountForm(v *settingsView) *accountForm {
	w := v.w
	f := &accountForm{v: v, imap: newServerFields(v, "imap"), smtp: newServerFields(v, "smtp")}
	f.same = widget.NewCheck(w.t("ui.settings.sameLogin"), nil)
	f.same.SetChecked(true)
	f.shownSame = true
	f.fromName = widget.NewEntry()
	f.fromName.SetPlaceHolder(w.t("ui.settings.fromNameHint"))
	f.fromAddr = widget.NewEntry()
	f.fromAddr.SetPlaceHolder(w.t("ui.settings.fromAddrHint"))
	f.test = widget.NewButton(w.t("ui.settings.test"), func() { f.run(false) })
	f.save = widget.NewButton(w.t("ui.settings.save"), func() { f.run(true) })
	f.save.Importance = widget.HighImportance
	f.trust = widget.NewButton(w.t("ui.settings.trust"), f.trustCertificate)
	f.trust.Hide()
	f.busy = widget.NewActivity()
	f.busy.Hide()
	f.busyText = widget.NewLabel(w.t("ui.settings.testing"))
	f.busyText.Hide()
	f.imapResult, f.smtpResult, f.message = settingsMessage(), settingsMessage(), settingsMessage()

	server := func(s *serverFields, title string) []*widget.FormItem {
		hostPort := container.NewBorder(nil, nil, nil, container.New(fixedWidth{90}, s.port), s.host)
		return []*widget.FormItem{
			widget.NewFormItem(w.t(title), hostPort),
			widget.NewFormItem(w.t("ui.settings.security"), container.NewHBox(s.security)),
		}
	}
	login := func(s *serverFields) []*widget.FormItem {
		return []*widget.FormItem{
			widget.NewFormItem(w.t("ui.settings.user"), s.user),
			widget.NewFormItem(w.t("ui.settings.password"), s.password),
		}
	}
	imapForm := widget.NewForm(append(server(f.imap, "ui.settings.imapServer"), login(f.imap)...)...)
	smtpForm := widget.NewForm(append(server(f.smtp, "ui.settings.smtpServer"),
		widget.NewFormItem("", f.same))...)
	f.smtpLogin = container.NewVBox(widget.NewForm(login(f.smtp)...))
	from := widget.NewForm(
		widget.NewFormItem(w.t("ui.settings.fromName"), f.fromName),
		widget.NewFormItem(w.t("ui.settings.fromAddr"), f.fromAddr),
	)
	presets := container.NewHBox(widget.NewLabel(w.t("ui.settings.fillFor")))
	for _, p := range providers {
		presets.Add(widget.NewButton(p.name, func() { f.preset(p) }))
	}
	f.content = container.NewVBox(
		settingsHeading(w.t("ui.settings.mailTitle")),
		autoCaption(w.t("ui.settings.mailHelp")),
		autoCaption(w.t("ui.settings.providersHelp")),
		presets,
		widget.NewLabel(w.t("ui.settings.imapTitle")),
		imapForm,
		widget.NewLabel(w.t("ui.settings.smtpTitle")),
		smtpForm,
		f.smtpLogin,
		widget.NewLabel(w.t("ui.settings.fromTitle")),
		from,
		container.NewHBox(f.test, f.save, f.busy, f.busyText),
		f.imapResult, f.smtpResult, container.NewHBox(f.trust),
		f.message,
	)
	f.same.OnChanged = func(bool) { f.showSMTPLogin() }
	f.showSMTPLogin()
	return f
}

func (f *accountForm) showSMTPLogin() {
	if f.same.Checked {
		f.smtpLogin.Hide()
	} else {
		f.smtpLogin.Show()
	}
}

// provider is a well-known mail provider's servers: reading over TLS,
// sending with STARTTLS, as host:port.
type provider struct{ name, imap, smtp string }

var providers = []provider{
	{"Gmail", "imap.gmail.com:993", "smtp.gmail.com:587"},
	{"Outlook", "outlook.office365.com:993", "smtp.office365.com:587"},
}

// preset fills a provider's servers in, with the same user for both.
func (f *accountForm) preset(p provider) {
	for _, s := range []struct {
		fields *serverFields
		addr   string
		sec    inbox.Security
	}{{f.imap, p.imap, inbox.TLS}, {f.smtp, p.smtp, inbox.StartTLS}} {
		host, port, _ := net.SplitHostPort(s.addr)
		s.fields.host.SetText(host)
		s.fields.port.SetText(port)
		s.fields.security.SetSelectedIndex(int(s.sec))
	}
	f.same.SetChecked(true)
}

// edited reports whether the owner changed the form since it was loaded.
func (f *accountForm) edited() bool {
	return f.imap.edited() || f.smtp.edited() || f.v.loaded.edited(f.fromName, f.fromAddr) ||
		f.same.Checked != f.shownSame || !slices.Equal(f.trusted, f.shownTrusted)
}

// load shows the saved account, unless the owner is changing it.
func (f *accountForm) load() {
	acct, err := inbox.LoadAccount(context.Background(), f.v.w.db)
	if err != nil || f.edited() {
		return // no account yet (or one that cannot be read): the form stays empty, to fill in
	}
	f.imap.load(acct.IMAP)
	f.smtp.load(acct.SMTP)
	f.same.SetChecked(acct.SMTP.User == acct.IMAP.User)
	f.v.loaded.fill(f.fromName, acct.FromName)
	f.v.loaded.fill(f.fromAddr, acct.FromAddr)
	f.trusted = append([]string(nil), acct.Trusted...)
	f.shownSame, f.shownTrusted = f.same.Checked, f.trusted
}

// read builds the account the form describes, with the passwords typed
// (each "" when none was: the saved one is used). problem says in the
// owner's words what is missing or wrong ("" when nothing is).
func (f *accountForm) read() (acct *inbox.Account, imapPw, smtpPw, problem string) {
	imapEP, problem := f.endpoint(f.imap, f.imap.user.Text)
	if problem != "" {
		return nil, "", "", problem
	}
	smtpUser, smtpPw := f.smtp.user.Text, f.smtp.password.Text
	if f.same.Checked {
		smtpUser, smtpPw = f.imap.user.Text, f.imap.password.Text
	}
	smtpEP, problem := f.endpoint(f.smtp, smtpUser)
	if problem != "" {
		return nil, "", "", problem
	}
	acct = &inbox.Account{IMAP: imapEP, SMTP: smtpEP, Trusted: append([]string(nil), f.trusted...)}
	w := f.v.w
	name, addr := strings.TrimSpace(f.fromName.Text), strings.TrimSpace(f.fromAddr.Text)
	switch {
	case name == "":
		return nil, "", "", w.t("ui.settings.err.noFromName")
	case addr == "":
		return nil, "", "", w.t("ui.settings.err.noFromAddr")
	}
	var err error
	// Through an address's written form, so that a name with a comma or
	// an accent reads back as typed.
	if acct.FromName, acct.FromAddr, err = inbox.ParseFrom((&mail.Address{Name: name, Address: addr}).String()); err != nil {
		return nil, "", "", w.tf("ui.settings.err.badFrom", map[string]any{"Addr": addr})
	}
	return acct, f.imap.password.Text, smtpPw, ""
}

// endpoint reads one server's fields, checked as an account URL is
// (inbox.ParseEndpoint): no password in the clear except to this computer.
func (f *accountForm) endpoint(s *serverFields, user string) (inbox.Endpoint, string) {
	w := f.v.w
	server := strings.ToUpper(s.proto)
	host, user := strings.TrimSpace(s.host.Text), strings.TrimSpace(user)
	port, err := strconv.Atoi(strings.TrimSpace(s.port.Text))
	switch {
	case host == "":
		return inbox.Endpoint{}, w.tf("ui.settings.err.noHost", map[string]any{"Server": server})
	case err != nil || port < 1 || port > 65535:
		return inbox.Endpoint{}, w.tf("ui.settings.err.badPort", map[string]any{"Server": server, "Port": s.port.Text,
			"Usual": defaultPorts[s.proto][max(0, s.security.SelectedIndex())]})
	case user == "" && s.proto == "imap":
		return inbox.Endpoint{}, w.t("ui.settings.err.noUser")
	}
	ep := inbox.Endpoint{Proto: s.proto, Security: inbox.Security(max(0, s.security.SelectedIndex())), Host: host,
		Port: port, User: user}
	checked, err := inbox.ParseEndpoint(s.proto, ep.String())
	var ae *inbox.AccountError
	switch {
	case err == nil:
		return checked, ""
	case errors.As(err, &ae) && ae.Code == "account.plainNotLocal":
		return inbox.Endpoint{}, w.tf("ui.settings.err.plainNotLocal", map[string]any{"Server": server, "Host": host})
	}
	return inbox.Endpoint{}, w.tf("ui.settings.err.badHost", map[string]any{"Server": server, "Host": host})
}

// run tests the account the form describes, and saves it when save is
// set and both servers pass. The servers are tried off the UI goroutine;
// what they said comes back through fyne.Do.
func (f *accountForm) run(save bool) {
	w := f.v.w
	acct, imapTyped, smtpTyped, problem := f.read()
	f.untrusted = ""
	f.trust.Hide()
	if problem != "" {
		f.imapResult.Hide()
		f.smtpResult.Hide()
		tell(f.message, problem, widget.DangerImportance)
		f.finished()
		return
	}
	f.working(true)
	db, secrets := w.db, w.secrets
	go func() {
		ctx := context.Background()
		// The keyring may take its time: it is asked here, not on the UI
		// goroutine.
		check := shop.CheckAccount(ctx, acct, shop.FindSecret(secrets, acct.IMAP, "IMAP", imapTyped),
			shop.FindSecret(secrets, acct.SMTP, "SMTP", smtpTyped))
		var misses []shop.KeyringMiss
		var saveErr error
		saved := false
		if save && check.OK() {
			misses, saveErr = shop.SaveAccount(ctx, db, secrets, check)
			saved = saveErr == nil
		}
		fyne.Do(func() {
			f.working(false)
			f.show(check, save, saved, misses, saveErr)
			f.finished()
		})
	}()
}

func (f *accountForm) finished() {
	if f.done != nil {
		f.done()
	}
}

// working shows that the servers are being tried, and keeps the buttons
// from starting another try meanwhile.
func (f *accountForm) working(on bool) {
	if on {
		f.test.Disable()
		f.save.Disable()
		f.busy.Show()
		f.busy.Start()
		f.busyText.Show()
		f.message.Hide()
		return
	}
	f.test.Enable()
	f.save.Enable()
	f.busy.Stop()
	f.busy.Hide()
	f.busyText.Hide()
}

// show says what the servers said, and what became of the account.
func (f *accountForm) show(check *shop.AccountCheck, save, saved bool, misses []shop.KeyringMiss, saveErr error) {
	w := f.v.w
	acct := check.Account
	if info := check.IMAP; info != nil {
		key, sent := "ui.settings.imapOK", info.Sent
		if sent == "" {
			key = "ui.settings.imapOKNoSent"
		}
		tell(f.imapResult, w.tf(key, map[string]any{"Count": w.count(int(info.Messages)), "Sent": sent}),
			widget.SuccessImportance)
	} else {
		tell(f.imapResult, f.problem(acct.IMAP, check.IMAPErr), widget.DangerImportance)
	}
	if check.SMTPErr == nil {
		tell(f.smtpResult, w.t("ui.settings.smtpOK"), widget.SuccessImportance)
	} else {
		tell(f.smtpResult, f.problem(acct.SMTP, check.SMTPErr), widget.DangerImportance)
	}
	if f.untrusted != "" {
		f.trust.Show()
	}
	switch {
	case saveErr != nil:
		tell(f.message, w.tf("ui.error", map[string]any{"Err": saveErr.Error()}), widget.DangerImportance)
	case saved:
		f.imap.saved()
		f.smtp.saved()
		f.v.loaded.keep(f.fromName, f.fromAddr)
		f.trusted = append([]string(nil), acct.Trusted...)
		f.shownSame, f.shownTrusted = f.same.Checked, f.trusted
		w.restartMail() // the mailbox follows the new account at once
		lines := []string{w.t("ui.settings.accountSaved")}
		for _, m := range misses {
			lines = append(lines, w.tf("ui.settings.noKeyring", map[string]any{"Server": strings.ToUpper(m.Endpoint.Proto),
				"Var": m.Var, "Err": m.Err.Error()}))
		}
		tell(f.message, strings.Join(lines, "\n"), widget.MediumImportance)
		f.v.shop.load() // the signature may sign with the sender's name
	case !check.OK() && save:
		tell(f.message, w.t("ui.settings.notSaved"), widget.DangerImportance)
	case !check.OK():
		tell(f.message, w.t("ui.settings.testFailed"), widget.DangerImportance)
	default:
		tell(f.message, w.t("ui.settings.testPassed"), widget.MediumImportance)
	}
}

// problem says in plain words why a server cannot be used, as the
// command line and the status bar say it; a certificate the owner may
// trust is offered to trust here, with a button, not a flag.
func (f *accountForm) problem(ep inbox.Endpoint, err error) string {
	w := f.v.w
	server := strings.ToUpper(ep.Proto)
	if errors.Is(err, inbox.ErrNoPassword) {
		return w.tf("ui.settings.noPassword", map[string]any{"Server": server, "Var": inbox.EnvVar(ep)})
	}
	var ce *inbox.ConnError
	if !errors.As(err, &ce) {
		return w.tf("ui.error", map[string]any{"Err": err.Error()})
	}
	if ce.Code == inbox.CodeUntrusted && ce.Fingerprint != "" {
		f.untrusted = ce.Fingerprint
		return w.tf("ui.settings.untrusted", map[string]any{"Server": server, "Addr": ce.Addr,
			"Fingerprint": ce.Fingerprint})
	}
	return capitalized(shop.ConnWords(w.opts.Lang, ep, ce))
}

// trustCertificate trusts the certificate the last test refused, and
// tests again with it.
func (f *accountForm) trustCertificate() {
	if f.untrusted != "" && !slices.Contains(f.trusted, f.untrusted) {
		f.trusted = append(f.trusted, f.untrusted)
	}
	f.run(false)
}
