package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/settings"
	"mostrador/internal/shop"
	"mostrador/orders"
)

// shopInfo is how the shop signs its emails.
type shopInfo struct {
	name, owner, signature string
}

func loadShop(ctx context.Context, db *sql.DB, acct *inbox.Account) (shopInfo, error) {
	var s shopInfo
	for key, dst := range map[string]*string{settings.ShopName: &s.name, settings.ShopOwner: &s.owner} {
		v, err := settings.Get(ctx, db, key)
		if err != nil {
			return s, err
		}
		*dst = strings.TrimSpace(v.Value)
	}
	if acct != nil {
		sig, err := shop.Signature(ctx, db, acct)
		if err != nil {
			return s, err
		}
		s.signature = sig
	}
	if s.signature == "" {
		s.signature = strings.TrimSpace(s.owner + "\n" + s.name)
	}
	return s, nil
}

// errGone: what a job is about is no longer in the order log.
var errGone = errors.New("no longer in the order log")

// errInvitation: the appointment's calendar invitation cannot be written.
var errInvitation = errors.New("calendar invitation")

// jobData is what the change said that the email tells.
type jobData struct {
	Carrier     string `json:"carrier"`
	Tracking    string `json:"tracking"`
	TrackingURL string `json:"trackingUrl"`
	Sequence    int    `json:"sequence"`
	Years       int    `json:"years"`
}

// optOutWords are what a customer replies to stop automated email.
var optOutWords = map[string]string{"es": "BAJA", "en": "STOP"}

// compose writes a job's email: the rule's template in the customer's
// language, the opt-out line, and for appointments the invitation.
func (e *env) compose(ctx context.Context, j dueJob, card *orders.Card, p pref) (*Email, error) {
	lang := p.lang
	if lang != "es" && lang != "en" {
		lang = e.lang
	}
	var data jobData
	if err := json.Unmarshal([]byte(j.data), &data); err != nil {
		return nil, fmt.Errorf("job data %q: %w", j.data, err)
	}
	f, appt, err := e.fields(j, card, data, lang)
	if err != nil {
		return nil, err
	}
	tpl, err := e.template(ctx, templateKey(j.rule, j.step), lang)
	if err != nil {
		return nil, err
	}
	subject, body, err := render(tpl, f)
	if err != nil {
		return nil, err
	}
	word := optOutWords[lang]
	body = strings.TrimRight(body, "\n") + "\n\n" + assets.Translate(lang, "automail.footer",
		map[string]any{"Word": word, "Shop": e.shop.name}) + "\n"
	to := inbox.Address{Name: card.Customer.Name, Addr: card.Customer.Email}
	if e.testMode {
		subject = assets.Translate(lang, "automail.testSubject", map[string]any{"Email": to.Addr}) + " " + subject
		to = inbox.Address{Name: e.acct.FromName, Addr: e.acct.FromAddr}
	}
	fromName := e.shop.owner
	if fromName == "" {
		fromName = e.acct.FromName
	}
	mail := &Email{FromName: fromName, To: to, Subject: subject, Text: body, ReplyTo: e.acct.FromAddr,
		Unsubscribe: "mailto:" + e.acct.FromAddr + "?subject=" + word}
	if appt != nil && j.rule == Appointment && (j.step == StepConfirm || j.step == StepUpdate || j.step == StepCancel) {
		method := "REQUEST"
		if j.step == StepCancel {
			method = "CANCEL"
		}
		if mail.Calendar, err = e.invitation(j, appt, f, data.Sequence, method, to); err != nil {
			// A calendar that cannot be written (an address it refuses):
			// this email is skipped, the others go on.
			return nil, fmt.Errorf("%w: %v", errInvitation, err)
		}
		mail.CalendarMethod = method
	}
	return mail, nil
}

// template is a template's wording, read once a round.
func (e *env) template(ctx context.Context, key, lang string) (Template, error) {
	k := [2]string{key, lang}
	if t, ok := e.templates[k]; ok {
		return t, nil
	}
	t, err := LoadTemplate(ctx, e.db, key, lang)
	if err != nil {
		return t, err
	}
	if e.templates == nil {
		e.templates = map[[2]string]Template{}
	}
	e.templates[k] = t
	return t, nil
}

// fields are the template's data for a job, and the appointment it is
// about (if any).
func (e *env) fields(j dueJob, card *orders.Card, data jobData, lang string) (Fields, *orders.Appointment, error) {
	c := card.Customer
	f := Fields{Name: c.Name, FirstName: firstName(c.Name), Email: c.Email, Shop: e.shop.name, Owner: e.shop.owner,
		Signature: e.shop.signature, Years: data.Years}
	if j.order != 0 {
		o := findOrder(card, j.order)
		if o == nil {
			return f, nil, fmt.Errorf("order %d of customer %d: %w", j.order, c.ID, errGone)
		}
		of := &OrderFields{Number: o.Number, Carrier: o.Carrier, Tracking: o.Tracking, TrackingURL: o.TrackingURL}
		for _, it := range o.Items {
			of.Items = append(of.Items, ItemFields{Name: it.Name, Quantity: it.Quantity})
		}
		if o.Total != nil {
			of.Total = orders.FormatMoney(*o.Total, o.Currency, lang)
		}
		if o.PlacedAt != nil {
			of.PlacedOn = formatDay(o.PlacedAt.In(e.zone), lang)
		}
		if data.Tracking != "" { // as the delivery change said it
			of.Carrier, of.Tracking, of.TrackingURL = data.Carrier, data.Tracking, data.TrackingURL
		}
		f.Order = of
	}
	if j.rule == Reorder {
		f.Product = j.step
	}
	var appt *orders.Appointment
	if j.appointment != 0 {
		for i := range card.Appointments {
			if card.Appointments[i].ID == j.appointment {
				appt = &card.Appointments[i]
			}
		}
		if appt == nil {
			return f, nil, fmt.Errorf("appointment %d of customer %d: %w", j.appointment, c.ID, errGone)
		}
		// The time the job is about: a cancellation tells the time that
		// was cancelled, which the row still has.
		start := time.Unix(j.version, 0).In(e.apptZone(appt))
		f.Appointment = &AppointmentFields{Service: appt.Service, Staff: appt.Staff, Day: formatDay(start, lang),
			Time: formatTime(start, lang), Location: appt.Location}
	}
	return f, appt, nil
}

func (e *env) apptZone(a *orders.Appointment) *time.Location {
	if a.TimeZone != "" {
		if loc, err := time.LoadLocation(a.TimeZone); err == nil {
			return loc
		}
	}
	return e.zone
}

// invitation is the .ics of an appointment email.
func (e *env) invitation(j dueJob, a *orders.Appointment, f Fields, seq int, method string, to inbox.Address) ([]byte, error) {
	start := time.Unix(j.version, 0)
	end := start.Add(time.Hour)
	if a.EndsAt != nil && a.StartsAt.Unix() == j.version && a.EndsAt.After(start) {
		end = *a.EndsAt // an end no later than the start (a sheet's slip) keeps the hour
	}
	domain := "mostrador.invalid"
	if _, d, ok := strings.Cut(e.acct.FromAddr, "@"); ok && d != "" {
		domain = d
	}
	summary := a.Service
	if e.shop.name != "" {
		summary = strings.TrimSpace(strings.TrimPrefix(summary+" — "+e.shop.name, " — "))
	}
	return ICS(Invitation{UID: fmt.Sprintf("appointment-%d@%s", a.ID, domain), Sequence: seq, Method: method,
		Start: start, End: end, Zone: e.apptZone(a), Summary: summary, Description: a.Notes, Location: a.Location,
		Organizer: Person{Name: f.Owner, Email: e.acct.FromAddr}, Attendee: Person{Name: to.Name, Email: to.Addr},
		Stamp: e.now})
}

func findOrder(card *orders.Card, id int64) *orders.Order {
	for i := range card.Orders {
		if card.Orders[i].ID == id {
			return &card.Orders[i]
		}
	}
	return nil
}

// firstName is the first word of a name, when it reads like one (not an
// address, not initials alone).
func firstName(name string) string {
	fields := strings.Fields(name)
	if len(fields) == 0 || strings.Contains(fields[0], "@") || len([]rune(fields[0])) < 2 {
		return ""
	}
	return fields[0]
}

var (
	weekdays = map[string][7]string{
		"es": {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	months = map[string][12]string{
		"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
			"noviembre", "diciembre"},
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
			"November", "December"},
	}
)

// formatDay writes a day as people say it: "martes 3 de marzo", "Tuesday 3
// March".
func formatDay(t time.Time, lang string) string {
	if lang == "en" {
		return fmt.Sprintf("%s %d %s", weekdays["en"][t.Weekday()], t.Day(), months["en"][t.Month()-1])
	}
	return fmt.Sprintf("%s %d de %s", weekdays["es"][t.Weekday()], t.Day(), months["es"][t.Month()-1])
}

// formatTime writes a time of day: "10:30" in Spanish, "10:30 am" in
// English.
func formatTime(t time.Time, lang string) string {
	if lang == "en" {
		return strings.ToLower(t.Format("3:04 pm"))
	}
	return t.Format("15:04")
}
