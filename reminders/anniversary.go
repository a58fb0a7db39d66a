package reminders

import (
	"context"
	"fmt"
	"time"

	"mostrador/orders"
)

// The birthday rule greets a customer on the anniversary of their first
// order (the shops' exports carry no birth dates): planned by the clock,
// not by a change, on the day, at greetingHour on the shop's clock.

const greetingHour = 10

// PlanAnniversaries plans today's greetings, if the rule is on. Planning
// twice plans nothing new (the job's version is the year).
func (p *Planner) PlanAnniversaries(ctx context.Context) (Planned, error) {
	pl, err := p.begin(ctx)
	if err != nil {
		return Planned{}, err
	}
	if !pl.rules[Birthday].Enabled {
		return p.end(pl, nil)
	}
	zone := pl.quiet.Zone
	today := pl.now.In(zone)
	// The UTC days around today's local one hold every first order whose
	// local anniversary is today.
	var days []string
	for d := -1; d <= 1; d++ {
		days = append(days, today.AddDate(0, 0, d).Format("01-02"))
	}
	firsts, err := orders.FirstOrdersOn(ctx, p.DB, days)
	if err != nil {
		return p.end(pl, err)
	}
	y, m, d := today.Date()
	end := time.Date(y, m, d+1, 0, 0, 0, 0, zone)
	for _, f := range firsts {
		local := f.At.In(zone)
		years := y - local.Year()
		if local.Month() != m || local.Day() != d || years < 1 {
			continue
		}
		j := job{rule: Birthday, customer: f.CustomerID, about: fmt.Sprintf("customer:%d", f.CustomerID),
			version: int64(y), due: time.Date(y, m, d, greetingHour, 0, 0, 0, zone), deadline: end,
			data: map[string]any{"years": years}}
		if _, err := pl.plan(j); err != nil {
			return p.end(pl, err)
		}
	}
	return p.end(pl, nil)
}
