package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/orders"
	"mostrador/reminders"
)

func (c *cli) customerCmd(args []string) int {
	fs := flag.NewFlagSet("customer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	if len(pos) != 1 {
		return c.usage(c.t("cli.customerWho", nil))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	card, err := shop.ByEmail(context.Background(), db, pos[0])
	if errors.Is(err, shop.ErrNoCustomer) {
		return c.errorf("cli.noCustomer", map[string]any{"Email": pos[0]})
	}
	if err != nil {
		return c.dbError(err)
	}
	auto, err := reminders.ForCustomer(context.Background(), db, card.Customer.ID)
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(struct {
			*shop.Card
			Automation *reminders.Automation `json:"automation"`
		}{card, auto})
		return exitOK
	}
	c.printCard(card)
	c.printAutomation(auto)
	return exitOK
}

// printAutomation says what the card knows of the automated emails: an
// opt-out, a refused address, the customer's scores and answers, and the
// emails planned.
func (c *cli) printAutomation(a *reminders.Automation) {
	w := c.stdout
	day := func(t *time.Time) string { return t.In(c.loc).Format("2006-01-02") }
	switch {
	case a.OptedOutAppointments != nil:
		fmt.Fprintln(w, c.t("card.optedOutAll", map[string]any{"Date": day(a.OptedOutAppointments)}))
	case a.OptedOut != nil:
		fmt.Fprintln(w, c.t("card.optedOut", map[string]any{"Date": day(a.OptedOut)}))
	}
	if a.BadAddress != nil {
		fmt.Fprintln(w, c.t("card.badAddress", map[string]any{"Date": day(a.BadAddress)}))
	}
	for _, r := range a.Replies {
		fmt.Fprintln(w, "  "+c.t("card.reply."+r.Kind, map[string]any{"Date": day(&r.At), "Text": r.Text, "Value": r.Value}))
	}
	planned := 0
	for _, j := range a.Jobs {
		if j.State == "planned" {
			planned++
		}
	}
	if planned > 0 {
		fmt.Fprintln(w, c.t("card.plannedEmails", map[string]any{"Count": planned}))
	}
}

func (c *cli) printCard(card *shop.Card) {
	w := c.stdout
	cu := card.Customer
	fmt.Fprintf(w, "%s <%s>\n", cu.Name, cu.Email)
	if cu.Phone != "" {
		fmt.Fprintln(w, c.t("card.phone", map[string]any{"Phone": cu.Phone}))
	}
	var ltv []string
	for _, m := range card.Totals.LifetimeValue {
		ltv = append(ltv, orders.FormatMoney(m.Minor, m.Currency, c.lang))
	}
	if card.Totals.OrderCount == 0 {
		fmt.Fprintln(w, c.t("card.noOrders", nil))
	} else {
		fmt.Fprintln(w, c.t("card.totals", map[string]any{"Count": card.Totals.OrderCount, "Value": strings.Join(ltv, " + ")}))
	}
	for _, o := range card.Orders {
		when := ""
		if o.PlacedAt != nil {
			when = o.PlacedAt.In(c.loc).Format("2006-01-02")
		}
		total := ""
		if o.Total != nil {
			total = orders.FormatMoney(*o.Total, o.Currency, c.lang)
		}
		line := fmt.Sprintf("  %s  %-10s %s  %s  %s", when, o.Number, total, c.t("status."+o.Status, nil), trackingText(o))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		for _, it := range o.Items {
			fmt.Fprintf(w, "      %d × %s\n", it.Quantity, it.Name)
		}
	}
	if len(card.Appointments) > 0 {
		fmt.Fprintln(w, c.t("card.appointments", nil)+":")
	}
	for _, a := range card.Appointments {
		what := a.Service
		if a.Staff != "" {
			what = strings.TrimSpace(what + " (" + a.Staff + ")")
		}
		line := fmt.Sprintf("  %s  %s  %s", a.Local().Format("2006-01-02 15:04"), what, c.t("appt.status."+a.Status, nil))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	c.printThreads(card.Threads)
}

// printThreads lists the customer's conversations, newest first, saying
// which wait for an answer and for how long.
func (c *cli) printThreads(threads []inbox.Thread) {
	if len(threads) == 0 {
		return
	}
	w := c.stdout
	fmt.Fprintln(w, c.t("card.threads", nil)+":")
	now := time.Now()
	for _, t := range threads {
		subject := t.Subject
		if subject == "" {
			subject = c.t("card.noSubject", nil)
		}
		fmt.Fprintln(w, "  "+c.t("card.threadLine", map[string]any{"Date": t.LastAt.In(c.loc).Format("2006-01-02 15:04"),
			"Subject": subject, "Count": t.Messages}))
		switch {
		case t.WaitingSince != nil:
			fmt.Fprintln(w, "      "+c.t("card.waiting", map[string]any{"Wait": assets.Duration(c.lang, t.Waiting(now))}))
		case t.FirstResponse != nil:
			fmt.Fprintln(w, "      "+c.t("card.firstResponse", map[string]any{
				"Wait": assets.Duration(c.lang, time.Duration(*t.FirstResponse)*time.Second)}))
		}
		if t.Snippet != "" {
			fmt.Fprintln(w, "      "+t.Snippet)
		}
	}
}

func trackingText(o orders.Order) string {
	return strings.TrimSpace(o.Carrier + " " + o.Tracking)
}
