package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/term"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// accountCmd sets up the shop's mailbox, or shows and tests it:
//
//	mostrador account                       the account, and a connection test
//	mostrador account --imap URL --smtp URL --from "Name <addr>" [--trust-fingerprint SHA256]
//
// A changed account is tested before it is saved: nothing is saved when a
// server cannot be used, and the message says why in plain words.
func (c *cli) accountCmd(args []string) int {
	fs := flag.NewFlagSet("account", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	imapURL := fs.String("imap", "", "")
	smtpURL := fs.String("smtp", "", "")
	from := fs.String("from", "", "")
	trust := fs.String("trust-fingerprint", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.accountArgs", map[string]any{"Arg": pos[0]}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()

	acct, err := inbox.LoadAccount(ctx, db)
	switch {
	case errors.Is(err, inbox.ErrNoAccount):
		acct = nil
	case err != nil:
		return c.dbError(err)
	}
	changed := *imapURL != "" || *smtpURL != "" || *from != "" || *trust != ""
	if acct == nil {
		if !changed {
			return c.errorf("cli.noAccount", nil)
		}
		var missing []string
		for name, v := range map[string]string{"--imap": *imapURL, "--smtp": *smtpURL, "--from": *from} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return c.usage(c.t("cli.accountMissing", map[string]any{"Flags": strings.Join(missing, ", ")}))
		}
		acct = &inbox.Account{}
	}
	next := *acct
	next.Trusted = append([]string(nil), acct.Trusted...)
	if *imapURL != "" {
		if next.IMAP, err = inbox.ParseEndpoint("imap", *imapURL); err != nil {
			return c.accountError(err)
		}
	}
	if *smtpURL != "" {
		if next.SMTP, err = inbox.ParseEndpoint("smtp", *smtpURL); err != nil {
			return c.accountError(err)
		}
	}
	if *from != "" {
		if next.FromName, next.FromAddr, err = inbox.ParseFrom(*from); err != nil {
			return c.accountError(err)
		}
	}
	if *trust != "" {
		fp, err := inbox.NormalizeFingerprint(*trust)
		if err != nil {
			return c.accountError(err)
		}
		if !slices.Contains(next.Trusted, fp) {
			next.Trusted = append(next.Trusted, fp)
		}
	}

	report := accountReport{From: next.From(), IMAP: imapReport{URL: next.IMAP.String()},
		SMTP: smtpReport{URL: next.SMTP.String()}}
	secrets := c.passwords()
	check := shop.CheckAccount(ctx, &next, shop.FindSecret(secrets, next.IMAP, "IMAP", ""),
		shop.FindSecret(secrets, next.SMTP, "SMTP", ""))
	if info := check.IMAP; info != nil {
		report.IMAP.OK, report.IMAP.Sent, report.IMAP.Messages = true, info.Sent, int(info.Messages)
		report.IMAP.Idle, report.IMAP.CondStore = info.Idle, info.CondStore
	}
	report.SMTP.OK = check.SMTPErr == nil
	report.IMAP.Error = c.connProblem(next.IMAP, check.IMAPErr)
	report.SMTP.Error = c.connProblem(next.SMTP, check.SMTPErr)

	ok := check.OK()
	if ok && changed {
		// Passwords typed now go to the keyring; ones from the environment
		// stay there (that is the keyring of a headless machine).
		misses, err := shop.SaveAccount(ctx, db, secrets, check)
		if err != nil {
			return c.dbError(err)
		}
		report.Saved = true
		for _, m := range misses {
			report.Notes = append(report.Notes, c.t("cli.noKeyring", map[string]any{"Var": m.Var, "Err": m.Err.Error()}))
		}
	}
	if *asJSON {
		if !ok {
			c.printJSONTo(c.stderr, report)
			return exitFailure
		}
		c.printJSON(report)
		return exitOK
	}
	if !ok {
		for _, p := range []string{report.IMAP.Error, report.SMTP.Error} {
			if p != "" {
				c.say(p)
			}
		}
		if changed {
			c.say(c.t("cli.accountNotSaved", nil))
		}
		return exitFailure
	}
	sent := report.IMAP.Sent
	if sent == "" {
		sent = c.t("cli.noSentFolder", nil)
	}
	fmt.Fprintln(c.stdout, c.t("cli.imapOK", map[string]any{"URL": report.IMAP.URL, "Messages": report.IMAP.Messages,
		"Sent": sent}))
	fmt.Fprintln(c.stdout, c.t("cli.smtpOK", map[string]any{"URL": report.SMTP.URL}))
	fmt.Fprintln(c.stdout, c.t("cli.accountFrom", map[string]any{"From": report.From}))
	if report.Saved {
		fmt.Fprintln(c.stdout, c.t("cli.accountSaved", nil))
	}
	for _, n := range report.Notes {
		fmt.Fprintln(c.stdout, n)
	}
	return exitOK
}

type accountReport struct {
	From  string     `json:"from"`
	IMAP  imapReport `json:"imap"`
	SMTP  smtpReport `json:"smtp"`
	Saved bool       `json:"saved"`
	Notes []string   `json:"notes,omitempty"`
}

type smtpReport struct {
	URL   string `json:"url"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type imapReport struct {
	URL       string `json:"url"`
	OK        bool   `json:"ok"`
	Messages  int    `json:"messages"`
	Sent      string `json:"sent,omitempty"`
	Idle      bool   `json:"idle,omitempty"`
	CondStore bool   `json:"condstore,omitempty"`
	Error     string `json:"error,omitempty"`
}

// accountError words a refused account setting; it is a usage error.
func (c *cli) accountError(err error) int {
	var ae *inbox.AccountError
	if !errors.As(err, &ae) {
		return c.dbError(err)
	}
	data := map[string]any{"Flag": "--" + ae.Field, "Value": ae.Value}
	for k, v := range ae.Args {
		data[k] = v
	}
	return c.usage(c.t(ae.Code, data))
}

// connProblem words why a server could not be used ("" when it could).
func (c *cli) connProblem(ep inbox.Endpoint, err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, inbox.ErrNoPassword) {
		return c.t("cli.noPassword", map[string]any{"Server": strings.ToUpper(ep.Proto), "User": ep.User,
			"Var": inbox.EnvVar(ep)})
	}
	var ce *inbox.ConnError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	return shop.ConnWords(c.lang, ep, ce)
}

// askPassword asks on the terminal, without echo; with no terminal there
// is no one to ask.
func (c *cli) askPassword(label string) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", nil
	}
	fmt.Fprint(c.stderr, c.t("cli.passwordPrompt", map[string]any{"Server": label}))
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	return string(b), err
}
