package shop

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"mostrador/inbox"
)

// Setting up the shop's mailbox, as the command line's "account" and the
// window's Settings do it alike: find the passwords, test both servers,
// and save the account only when both could be used, its typed passwords
// in the keyring.

// Secret is one server's password for a connection test: typed now, or
// found in the environment or the keyring. Err says why there is none.
type Secret struct {
	Password string
	// Source is where it came from: inbox.FromPrompt (typed now),
	// inbox.FromEnv or inbox.FromKeyring; "" for a server without login.
	Source string
	Err    error
}

// FindSecret is the password to test ep with: the one typed, when there
// is one, else the one secrets finds (environment, keyring, a terminal);
// label names the server when a terminal asks ("IMAP"). An SMTP server
// without a user needs none.
func FindSecret(secrets *inbox.Secrets, ep inbox.Endpoint, label, typed string) Secret {
	if typed != "" {
		return Secret{Password: typed, Source: inbox.FromPrompt}
	}
	if ep.Proto == "smtp" && ep.User == "" {
		return Secret{}
	}
	pw, src, err := secrets.Password(ep, label)
	return Secret{Password: pw, Source: src, Err: err}
}

// AccountCheck is what a connection test of an account learned: for each
// server, that it can be used, or why not.
type AccountCheck struct {
	Account                *inbox.Account
	IMAPSecret, SMTPSecret Secret // the passwords tested
	// IMAP is what the IMAP server showed (messages in INBOX, the Sent
	// folder); nil when IMAPErr says why it could not be used.
	IMAP *inbox.IMAPInfo
	// IMAPErr and SMTPErr are nil for a server that can be used; else
	// usually an *inbox.ConnError (ConnWords says it in plain words), or
	// the Secret's Err (inbox.ErrNoPassword) when there was no password
	// to try.
	IMAPErr, SMTPErr error
}

// OK reports whether both servers can be used.
func (c *AccountCheck) OK() bool { return c.IMAPErr == nil && c.SMTPErr == nil }

// CheckAccount tests both servers as the mailbox will use them: IMAP logs
// in, opens INBOX and finds the Sent folder; SMTP logs in and quits,
// sending nothing. A server without its password is not tried. The two
// are tried at once, so that a server that does not answer costs one
// timeout, not two. Certificates acct.Trusted names are accepted.
func CheckAccount(ctx context.Context, acct *inbox.Account, imapPw, smtpPw Secret) *AccountCheck {
	c := &AccountCheck{Account: acct, IMAPSecret: imapPw, SMTPSecret: smtpPw, IMAPErr: imapPw.Err,
		SMTPErr: smtpPw.Err}
	dialer := &inbox.Dialer{Trusted: acct.Trusted}
	var wg sync.WaitGroup
	if c.IMAPErr == nil {
		wg.Go(func() { c.IMAP, c.IMAPErr = dialer.TestIMAP(acct.IMAP, imapPw.Password) })
	}
	if c.SMTPErr == nil {
		wg.Go(func() { c.SMTPErr = dialer.TestSMTP(ctx, acct.SMTP, smtpPw.Password) })
	}
	wg.Wait()
	return c
}

// ErrUntested refuses to save an account whose test did not pass: a
// mailbox that cannot be read or sent from is not saved over one that
// works.
var ErrUntested = errors.New("the account's connection test did not pass; it was not saved")

// KeyringMiss is a typed password the OS keyring could not keep (there is
// none, or it did not answer): it is known until Mostrador closes, and on
// later runs it has to come from the environment variable Var.
type KeyringMiss struct {
	Endpoint inbox.Endpoint
	Var      string // MOSTRADOR_IMAP_PASSWORD or MOSTRADOR_SMTP_PASSWORD
	Err      error
}

// SaveAccount stores an account that passed its test, and keeps the
// passwords typed for it in the keyring; a password that came from the
// environment or the keyring stays where it is. Passwords never go into
// the database. The keyring's refusals are returned, not an error: the
// account is saved all the same.
func SaveAccount(ctx context.Context, db *sql.DB, secrets *inbox.Secrets, check *AccountCheck) ([]KeyringMiss, error) {
	if !check.OK() {
		return nil, ErrUntested
	}
	if err := inbox.SaveAccount(ctx, db, check.Account); err != nil {
		return nil, err
	}
	var misses []KeyringMiss
	for _, p := range []struct {
		ep inbox.Endpoint
		s  Secret
	}{{check.Account.IMAP, check.IMAPSecret}, {check.Account.SMTP, check.SMTPSecret}} {
		if p.s.Source != inbox.FromPrompt {
			continue
		}
		if err := secrets.Save(p.ep, p.s.Password); err != nil {
			misses = append(misses, KeyringMiss{Endpoint: p.ep, Var: inbox.EnvVar(p.ep), Err: err})
		}
	}
	return misses, nil
}
