package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"mostrador/inbox"
	"mostrador/internal/shop"
)

// replyCmd answers a stored message as the window does: the text from a
// file (or - for standard input), the shop's signature, the customer's
// message quoted; sent at once or at --at, appended to Sent, the original
// flagged answered. A reply that cannot go stays in the outbox with why.
func (c *cli) replyCmd(args []string) int {
	fs := flag.NewFlagSet("reply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	to := fs.String("to", "", "")
	bodyFile := fs.String("body-file", "", "")
	saved := fs.String("saved", "", "")
	at := fs.String("at", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 || *to == "" || (*bodyFile == "") == (*saved == "") {
		return c.usage(c.t("cli.replyArgs", nil))
	}
	var text string
	if *bodyFile != "" {
		if text, err = c.readBody(*bodyFile); err != nil {
			return c.errorf("cli.replyBody", map[string]any{"File": *bodyFile, "Err": err.Error()})
		}
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	var sendAt time.Time
	if *at != "" {
		if sendAt, err = parseLocalTime(*at, c.loc); err != nil {
			return c.usage(c.t("cli.replyAt", map[string]any{"Value": *at}))
		}
	}
	ctx := context.Background()
	acct, code := c.account(ctx, db)
	if acct == nil {
		return code
	}
	orig, err := inbox.MessageByID(ctx, db, *to)
	if errors.Is(err, inbox.ErrNoMessage) {
		return c.errorf("cli.noMessage", map[string]any{"ID": *to})
	}
	if err != nil {
		return c.dbError(err)
	}
	if *saved != "" {
		if text, code = c.fillSaved(ctx, db, *saved, inbox.ReplyAddress(orig).Addr); code != exitOK {
			return code
		}
	}
	sig, err := shop.Signature(ctx, db, acct)
	if err != nil {
		return c.dbError(err)
	}
	if _, err := inbox.RecoverInterrupted(ctx, db); err != nil {
		return c.dbError(err)
	}
	out, err := inbox.Reply(ctx, db, acct, orig, inbox.ReplyOptions{Text: text, Signature: sig, Lang: c.lang,
		Loc: c.loc, SendAt: sendAt})
	if errors.Is(err, inbox.ErrEmptyReply) {
		return c.errorf("cli.replyEmpty", map[string]any{"File": *bodyFile})
	}
	if err != nil {
		return c.dbError(err)
	}
	if out.SendAt.After(time.Now()) {
		return c.printReply(out, *asJSON, "")
	}
	sender := c.sender(db, acct)
	if out, err = sender.Send(ctx, out.ID); err != nil {
		return c.dbError(err)
	}
	return c.printReply(out, *asJSON, c.connProblem(acct.IMAP, sender.IMAPError()))
}

// fillSaved is a saved reply filled for a customer; a field without a
// value stops the reply rather than send "Hola , tu pedido  ya salió".
func (c *cli) fillSaved(ctx context.Context, db *sql.DB, name, email string) (string, int) {
	text, missing, err := shop.FillReply(ctx, db, name, email)
	switch {
	case errors.Is(err, inbox.ErrNoSavedReply):
		return "", c.errorf("cli.noSavedReply", map[string]any{"Name": name})
	case err != nil:
		var ne *shop.NameError
		if errors.As(err, &ne) {
			return "", c.fail(c.savedError(ne))
		}
		return "", c.dbError(err)
	case len(missing) > 0:
		var names []string
		for _, k := range missing {
			names = append(names, "{"+c.t("reply.field."+k, nil)+"}")
		}
		return "", c.errorf("cli.savedMissing", map[string]any{"Name": name, "Email": email,
			"Fields": strings.Join(names, ", ")})
	}
	return text, exitOK
}

// account loads the mail account (and keeps it for plain-words errors);
// without one, it says how to set it up.
func (c *cli) account(ctx context.Context, db *sql.DB) (*inbox.Account, int) {
	acct, err := inbox.LoadAccount(ctx, db)
	if errors.Is(err, inbox.ErrNoAccount) {
		return nil, c.errorf("cli.noAccount", nil)
	}
	if err != nil {
		return nil, c.dbError(err)
	}
	c.acct = acct
	return acct, exitOK
}

// sender sends with the account's passwords; IMAP is only for filing.
func (c *cli) sender(db *sql.DB, acct *inbox.Account) *inbox.Sender {
	s, err := shop.NewSender(context.Background(), db, acct, c.passwords())
	if err != nil { // a rate the settings refused to store cannot be read back: send unpaced rather than not at all
		return inbox.NewSender(db, acct, c.passwords())
	}
	return s
}

func (c *cli) printReply(o *inbox.Outgoing, asJSON bool, filing string) int {
	code := exitOK
	if o.State == "failed" {
		code = exitFailure
	}
	if asJSON {
		// As everywhere: a failure writes to stderr, stdout stays empty.
		if code == exitOK {
			c.printJSON(o)
		} else {
			c.printJSONTo(c.stderr, o)
		}
		return code
	}
	to := o.To.Addr
	if o.To.Name != "" {
		to = o.To.Name + " <" + o.To.Addr + ">"
	}
	data := map[string]any{"To": to, "Subject": o.Subject, "Err": c.sendProblem(o),
		"At": o.SendAt.In(c.loc).Format("2006-01-02 15:04")}
	switch {
	case o.State == "sent":
		fmt.Fprintln(c.stdout, c.t("cli.replySent", data))
		if !o.Appended || !o.Flagged {
			key := "cli.replyNotFiled"
			if filing != "" {
				key = "cli.replyNotFiledWhy"
			}
			fmt.Fprintln(c.stdout, c.t(key, map[string]any{"Err": filing}))
		}
	case o.State == "queued":
		fmt.Fprintln(c.stdout, c.t("cli.replyLater", data))
	case o.Permanent:
		c.say(c.t("cli.replyRefused", data))
	default:
		c.say(c.t("cli.replyFailed", data))
	}
	return code
}

// sendProblem says in plain words why a reply did not go, with what the
// server said after it.
func (c *cli) sendProblem(o *inbox.Outgoing) string { return shop.SendWords(c.lang, c.acct, o) }

// readBody reads the reply's text from a file, or standard input for "-".
func (c *cli) readBody(path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		b, err = os.ReadFile(path)
	}
	return strings.TrimSpace(string(b)), err
}

// parseLocalTime reads a time the owner typed, in the shop's zone:
// "2026-03-09 09:00" or RFC 3339.
func parseLocalTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, s)
}
