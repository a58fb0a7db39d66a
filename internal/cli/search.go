package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"mostrador/internal/shop"
)

// searchLimit is how many of each kind (customers, orders, messages) one
// search shows.
const searchLimit = 20

// searchCmd looks for words in customers, orders and mail.
func (c *cli) searchCmd(args []string) int {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return c.usage(c.t("cli.searchWhat", nil))
	}
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	res, err := shop.Search(context.Background(), db, query, searchLimit)
	if err != nil {
		return c.dbError(err)
	}
	if *asJSON {
		c.printJSON(res)
		return exitOK
	}
	c.printResults(query, res)
	return exitOK
}

func (c *cli) printResults(query string, res *shop.Results) {
	w := c.stdout
	if len(res.Customers)+len(res.Orders)+len(res.Messages) == 0 {
		fmt.Fprintln(w, c.t("cli.searchNothing", map[string]any{"Query": query}))
		return
	}
	if len(res.Customers) > 0 {
		fmt.Fprintln(w, c.t("search.customers", nil)+":")
		for _, cu := range res.Customers {
			fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %s <%s>  %s", cu.Name, cu.Email, cu.Phone), " "))
		}
	}
	if len(res.Orders) > 0 {
		fmt.Fprintln(w, c.t("search.orders", nil)+":")
		for _, o := range res.Orders {
			when := ""
			if o.PlacedAt != nil {
				when = o.PlacedAt.In(c.loc).Format("2006-01-02")
			}
			line := fmt.Sprintf("  %s  %-10s %s <%s>  %s  %s", when, o.Number, o.Customer.Name, o.Customer.Email,
				c.t("status."+o.Status, nil), o.Tracking)
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	if len(res.Messages) > 0 {
		fmt.Fprintln(w, c.t("search.messages", nil)+":")
		for _, m := range res.Messages {
			who := m.From.Addr
			if m.From.Name != "" {
				who = m.From.Name + " <" + m.From.Addr + ">"
			}
			subject := m.Subject
			if subject == "" {
				subject = c.t("card.noSubject", nil)
			}
			fmt.Fprintf(w, "  %s  %s  %s\n", m.At.In(c.loc).Format("2006-01-02 15:04"), who, subject)
			if m.Snippet != "" {
				fmt.Fprintln(w, "      "+m.Snippet)
			}
		}
	}
}
