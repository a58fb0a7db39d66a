package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/reminders"
)

// syncCmd syncs the mailbox once: INBOX and Sent into the database.
func (c *cli) syncCmd(args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.syncArgs", map[string]any{"Arg": pos[0]}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	acct, code := c.account(ctx, db)
	if acct == nil {
		return code
	}
	pw, _, err := c.passwords().Password(acct.IMAP, "IMAP")
	if err != nil {
		return c.fail(c.connProblem(acct.IMAP, err))
	}
	client, err := (&inbox.Dialer{Trusted: acct.Trusted}).DialIMAP(acct.IMAP, pw, nil)
	if err != nil {
		return c.fail(c.connProblem(acct.IMAP, err))
	}
	defer client.Close()
	reps, err := (&inbox.Syncer{DB: db, Client: client, ShopAddr: acct.FromAddr}).Sync(ctx, inbox.SyncOptions{})
	if err != nil {
		// What was stored stays; the next sync goes on from there.
		return c.fail(c.t("cli.syncFailed", map[string]any{"Err": c.connProblem(acct.IMAP, err)}))
	}
	client.Logout().Wait()
	added, err := shop.AddCorrespondents(ctx, db)
	if err != nil {
		return c.dbError(err)
	}
	// Replies whose time has come, or whose wait after a failure is over,
	// go now; sent ones not yet in Sent are filed.
	if _, err := inbox.RecoverInterrupted(ctx, db); err != nil {
		return c.dbError(err)
	}
	// The owner's replies; the automated emails go with "reminders run".
	sender := c.sender(db, acct)
	sender.RepliesOnly = true
	replies, err := sender.SendDue(ctx)
	if err != nil {
		return c.dbError(err)
	}
	if replies == nil {
		replies = []inbox.Outgoing{}
	}
	// What customers answered to the automated emails: BAJA stops them
	// now, not at the window's next sync.
	answers, err := reminders.ReadReplies(ctx, db, time.Now())
	if err != nil {
		return c.dbError(err)
	}
	if answers == nil {
		answers = []reminders.Reply{}
	}
	if *asJSON {
		c.printJSON(map[string]any{"folders": reps, "newCustomers": added, "replies": replies, "customerReplies": answers})
		return exitOK
	}
	for _, r := range reps {
		fmt.Fprintln(c.stdout, c.t("cli.syncFolder", map[string]any{"Folder": r.Folder, "New": r.New, "Updated": r.Updated,
			"Expunged": r.Expunged, "Seconds": fmt.Sprintf("%.1f", r.Seconds)}))
	}
	if added > 0 {
		fmt.Fprintln(c.stdout, c.t("cli.syncCustomers", map[string]any{"Count": added}))
	}
	for i := range replies {
		c.printReply(&replies[i], false, "")
	}
	for _, a := range answers {
		fmt.Fprintln(c.stdout, c.t("cli.customerReply."+a.Kind, map[string]any{"Text": a.Text, "Value": a.Value}))
	}
	return exitOK
}
