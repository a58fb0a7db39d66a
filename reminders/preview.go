package reminders

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mostrador/assets"
	"mostrador/orders"
)

// Preview renders a template, saved or still being written, as one
// customer would read it: their name, their latest order and their next
// appointment (else their latest), the shop's signature, and the line on
// how to stop these emails that every one gets. What the customer lacks
// (an appointment for a shop customer who never booked one, or no
// customer at all: customer 0) comes from sample data, so that every
// template can be previewed. A template with a fault gives its
// *TemplateError, as saving it would.
func Preview(ctx context.Context, db *sql.DB, t Template, customer int64, now time.Time) (subject, body string, err error) {
	e, err := loadEnv(ctx, db, now)
	if err != nil {
		return "", "", err
	}
	sample := sampleFields(t.Key)
	f := sample
	f.Shop, f.Owner, f.Signature = e.shop.name, e.shop.owner, e.shop.signature
	if customer != 0 {
		card, err := orders.CardByID(ctx, db, customer)
		if err != nil {
			return "", "", err
		}
		j, data := previewJob(t.Key, card, now)
		if f, _, err = e.fields(j, card, data, t.Lang); err != nil {
			return "", "", err
		}
		// What this customer has not: the sample's, as the rule would fill it.
		if f.Order == nil {
			f.Order = sample.Order
		}
		if f.Appointment == nil {
			f.Appointment = sample.Appointment
		}
		if f.Product == "" {
			f.Product = sample.Product
		}
	}
	if subject, body, err = render(t, f); err != nil {
		return "", "", err
	}
	// As compose adds it to every automated email.
	body = strings.TrimRight(body, "\n") + "\n\n" + assets.Translate(t.Lang, "automail.footer",
		map[string]any{"Word": optOutWords[t.Lang], "Shop": e.shop.name}) + "\n"
	return subject, body, nil
}

// previewJob is a job of the template's rule about the customer's latest
// order or most relevant appointment, as planning would make it.
func previewJob(key string, card *orders.Card, now time.Time) (dueJob, jobData) {
	rule, step := key, ""
	for _, r := range RuleNames() {
		if s, ok := strings.CutPrefix(key, r+"-"); ok {
			rule, step = r, s
		}
	}
	j := dueJob{rule: rule, step: step, customer: card.Customer.ID}
	var data jobData
	if rule == Appointment {
		if a := previewAppointment(card.Appointments, now); a != nil {
			j.appointment, j.version = a.ID, a.StartsAt.Unix()
		}
		return j, data
	}
	if rule != Birthday && len(card.Orders) > 0 {
		o := card.Orders[0] // latest first
		j.order = o.ID
		if rule == Reorder && len(o.Items) > 0 {
			j.step = o.Items[0].Name
		}
	}
	if first := card.Totals.FirstOrder; first != nil {
		data.Years = max(1, now.Year()-first.Year())
	} else {
		data.Years = 1
	}
	return j, data
}

// previewAppointment is the customer's next booked appointment, else the
// latest one; nil when none.
func previewAppointment(list []orders.Appointment, now time.Time) *orders.Appointment {
	var next *orders.Appointment
	for i := range list { // latest first
		a := &list[i]
		if a.Status == "booked" && a.StartsAt.After(now) {
			next = a
		}
	}
	if next == nil && len(list) > 0 {
		next = &list[0]
	}
	return next
}
