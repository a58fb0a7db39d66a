package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"mostrador/inbox"
	"mostrador/reminders"
)

// remindersCmd is "reminders run|list|enable|disable".
func (c *cli) remindersCmd(args []string) int {
	if len(args) == 0 {
		return c.usage(c.t("cli.remindersWhat", nil))
	}
	switch args[0] {
	case "run":
		return c.remindersRun(args[1:])
	case "list":
		return c.remindersList(args[1:])
	case "enable", "disable":
		return c.remindersEnable(args[0] == "enable", args[1:])
	case "supply":
		return c.remindersSupply(args[1:])
	case "send-again", "mark-sent":
		return c.remindersResolve(args[0], args[1:])
	}
	return c.usage(c.t("cli.remindersWhat", nil))
}

// remindersRun plans nothing new; it judges the jobs due now (or at --now),
// queues those the guards let go and sends them, once.
func (c *cli) remindersRun(args []string) int {
	fs := flag.NewFlagSet("reminders run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	nowFlag := fs.String("now", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.remindersWhat", nil))
	}
	clock := time.Now
	if *nowFlag != "" {
		at, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return c.usage(c.t("cli.flagBadValue", map[string]any{"Flag": "--now", "Value": *nowFlag}))
		}
		clock = func() time.Time { return at }
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
	if _, err := inbox.RecoverInterrupted(ctx, db); err != nil {
		return c.dbError(err)
	}
	sender := c.sender(db, acct)
	sender.Now = clock
	s := &reminders.Scheduler{DB: db, Now: clock,
		Mailbox: &reminders.InboxMailbox{Account: acct, Sender: sender, Now: clock}}
	var total reminders.Report
	for {
		rep, err := s.RunOnce(ctx)
		total.Queued += rep.Queued
		total.Skipped += rep.Skipped
		total.Postponed += rep.Postponed
		total.Cancelled += rep.Cancelled
		total.Next = rep.Next
		if err != nil {
			return c.fail(c.t("cli.remindersFailed", map[string]any{"Err": err.Error()}))
		}
		if !rep.More || ctx.Err() != nil {
			break
		}
	}
	if *asJSON {
		c.printJSON(total)
		return exitOK
	}
	next := "-"
	if !total.Next.IsZero() {
		next = total.Next.In(c.loc).Format("2006-01-02 15:04")
	}
	fmt.Fprintln(c.stdout, c.t("cli.remindersRun", map[string]any{"Queued": total.Queued, "Skipped": total.Skipped,
		"Postponed": total.Postponed, "Cancelled": total.Cancelled, "Next": next}))
	return exitOK
}

// remindersList prints the automated emails: planned, sent, and why not.
func (c *cli) remindersList(args []string) int {
	fs := flag.NewFlagSet("reminders list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	state := fs.String("state", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) > 0 {
		return c.usage(c.t("cli.remindersWhat", nil))
	}
	if *state != "" && !slices.Contains(reminders.ListStates(), *state) {
		return c.usage(c.t("cli.remindersState", map[string]any{"State": *state,
			"States": strings.Join(reminders.ListStates(), ", ")}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	jobs, err := reminders.List(context.Background(), db, *state, 0)
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(jobs)
		return exitOK
	}
	if len(jobs) == 0 {
		fmt.Fprintln(c.stdout, c.t("cli.remindersNone", nil))
		return exitOK
	}
	for _, j := range jobs {
		what := c.t(reminders.RuleKey(j.Rule), nil)
		switch {
		case j.Rule == reminders.Delivery || j.Rule == reminders.Appointment:
			what += " " + c.t("jobstep."+strings.ReplaceAll(j.Step, "-", ""), nil)
		case j.Step != "": // reorder: the product
			what += " " + j.Step
		}
		line := fmt.Sprintf("%-6d %-16s %-12s %-30s %-24s %s", j.ID, j.Due.In(c.loc).Format("2006-01-02 15:04"),
			c.t("jobstate."+j.State, nil), what, j.Customer, j.About)
		switch {
		case j.ErrorCode != "":
			line += " — " + c.sendProblem(&inbox.Outgoing{ErrorCode: j.ErrorCode, Error: j.Error})
		case j.Reason != "":
			line += " — " + c.t(j.Reason, nil)
		}
		fmt.Fprintln(c.stdout, line)
	}
	return exitOK
}

// remindersEnable switches rules on or off.
func (c *cli) remindersEnable(on bool, names []string) int {
	if len(names) == 0 {
		return c.usage(c.t("cli.remindersRules", map[string]any{"Rules": strings.Join(reminders.RuleNames(), ", ")}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	if err := reminders.Enable(ctx, db, names, on, time.Now()); err != nil {
		if errors.Is(err, reminders.ErrUnknownRule) {
			return c.usage(c.t("cli.remindersRules", map[string]any{"Rules": strings.Join(reminders.RuleNames(), ", ")}))
		}
		return c.dbError(err)
	}
	return c.printRules(ctx, db)
}

func (c *cli) printRules(ctx context.Context, db *sql.DB) int {
	rules, err := reminders.Rules(ctx, db)
	if err != nil {
		return c.dbError(err)
	}
	for _, r := range rules {
		state := c.t("cli.ruleOff", nil)
		if r.Enabled {
			state = c.t("cli.ruleOn", nil)
		}
		fmt.Fprintf(c.stdout, "%-12s %s\n", r.Rule, state)
	}
	return exitOK
}

// remindersSupply lists, sets or forgets how long products last.
func (c *cli) remindersSupply(args []string) int {
	fs := flag.NewFlagSet("reminders supply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	del := fs.Bool("delete", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	days := 0
	switch {
	case len(pos) == 2 && !*del:
		if days, err = strconv.Atoi(pos[1]); err != nil || days < 1 || days > 365 {
			return c.usage(c.t("cli.supplyDays", map[string]any{"Value": pos[1]}))
		}
	case len(pos) == 1 && *del, len(pos) == 0 && !*del:
	default:
		return c.usage(c.t("cli.supplyArgs", nil))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	switch {
	case *del:
		if err := reminders.DeleteSupply(ctx, db, pos[0]); errors.Is(err, reminders.ErrNoSupply) {
			return c.errorf("cli.supplyUnknown", map[string]any{"Product": pos[0]})
		} else if err != nil {
			return c.dbError(err)
		}
	case days > 0:
		if err := reminders.SetSupply(ctx, db, pos[0], days, time.Now()); err != nil {
			return c.dbError(err)
		}
	}
	list, err := reminders.Supplies(ctx, db)
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(list)
		return exitOK
	}
	for _, s := range list {
		fmt.Fprintln(c.stdout, c.t("cli.supplyLine", map[string]any{"Product": s.Product, "Days": s.Days}))
	}
	return exitOK
}

// remindersResolve is the owner's word on an email that failed or is
// uncertain: send it again, or record that it went.
func (c *cli) remindersResolve(what string, args []string) int {
	fs := flag.NewFlagSet("reminders "+what, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	var job int64
	if len(pos) == 1 {
		job, err = strconv.ParseInt(pos[0], 10, 64)
	}
	if len(pos) != 1 || err != nil {
		return c.usage(c.t("cli.remindersWhich", map[string]any{"Command": what}))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	id, err := reminders.OutboxID(ctx, db, job)
	if errors.Is(err, reminders.ErrNoJob) {
		return c.errorf("cli.remindersNoJob", map[string]any{"ID": job})
	}
	if err != nil {
		return c.dbError(err)
	}
	var o *inbox.Outgoing
	switch what {
	case "send-again":
		if err = inbox.SendAgain(ctx, db, id, time.Now()); err == nil {
			o, err = inbox.LoadOutgoing(ctx, db, id)
		}
	default:
		acct, code := c.account(ctx, db)
		if acct == nil {
			return code
		}
		o, err = c.sender(db, acct).MarkSent(ctx, id)
	}
	if errors.Is(err, inbox.ErrNotSendable) {
		return c.errorf("cli.remindersNotThen", map[string]any{"ID": job})
	}
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(o)
		return exitOK
	}
	key := "cli.remindersResolved.markSent"
	if what == "send-again" {
		key = "cli.remindersResolved.sendAgain"
	}
	fmt.Fprintln(c.stdout, c.t(key, map[string]any{"ID": job, "To": o.To.Addr}))
	return exitOK
}
