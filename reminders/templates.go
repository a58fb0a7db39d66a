package reminders

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"mostrador/assets"
)

// Each rule's email is a Go text/template per language: the owner's own
// wording when saved (table template), else the embedded default
// (assets/templates). A template is checked when saved, against data shaped
// like what the rule really sends: an unknown field or a syntax error is
// reported then, with its line, never when the email goes.

// Fields are what a template can use. Order is set for thank-you, delivery,
// follow-up and reorder emails; Appointment for appointment emails.
type Fields struct {
	Name        string             // the customer's name as the shop has it
	FirstName   string             // the first word of it ("Ana"); "" when unknown
	Email       string             // the customer's address
	Shop        string             // the shop's name (shop.name)
	Owner       string             // the owner's name (shop.owner)
	Signature   string             // shop.signature, else the owner's and the shop's names
	Order       *OrderFields       // the order the email is about
	Appointment *AppointmentFields // the appointment the email is about
	Product     string             // reorder: the product running out
	Years       int                // birthday: years since the first order
}

// OrderFields describe an order for a template.
type OrderFields struct {
	Number      string       // as the platform writes it ("#1042")
	Items       []ItemFields // what was ordered
	Total       string       // "42,50 €" in the customer's language
	PlacedOn    string       // the day it was placed, in the customer's language
	Carrier     string       // delivery emails: the carrier, if known
	Tracking    string       // the tracking number, if known
	TrackingURL string       // the carrier's tracking page, if known
}

// ItemFields are one line of an order.
type ItemFields struct {
	Name     string
	Quantity int
}

// AppointmentFields describe an appointment for a template, with its day and
// time in the shop's time zone.
type AppointmentFields struct {
	Service  string
	Staff    string
	Day      string // "martes 3 de marzo" / "Tuesday 3 March"
	Time     string // "10:30"
	Location string
}

// templateKey names a rule's template: the rule, and for delivery and
// appointment emails the step.
func templateKey(rule, step string) string {
	switch rule {
	case Delivery, Appointment:
		return rule + "-" + step
	}
	return rule
}

// TemplateKeys lists every template a shop can edit.
func TemplateKeys() []string {
	return []string{ThankYou, Delivery + "-shipped", Delivery + "-delivered", FollowUp, Reorder,
		Appointment + "-" + StepConfirm, Appointment + "-" + StepUpdate, Appointment + "-" + StepCancel,
		Appointment + "-" + StepRemind24, Appointment + "-" + StepRemind2, Birthday}
}

// Template is the wording of one rule's email in one language.
type Template struct {
	Key     string `json:"key"` // see TemplateKeys
	Lang    string `json:"lang"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Custom  bool   `json:"custom"` // the owner's, not the default
}

// DefaultTemplate is the embedded wording of a template.
func DefaultTemplate(key, lang string) (Template, error) {
	data, err := assets.Templates.ReadFile("templates/" + lang + "/" + key + ".txt")
	if err != nil {
		return Template{}, fmt.Errorf("no default template %s (%s): %w", key, lang, err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	head, body, ok := strings.Cut(text, "\n\n")
	subject, found := strings.CutPrefix(head, "Subject: ")
	if !ok || !found {
		return Template{}, fmt.Errorf("default template %s (%s): want a Subject line, a blank line and the body", key, lang)
	}
	return Template{Key: key, Lang: lang, Subject: subject, Body: strings.TrimRight(body, "\n") + "\n"}, nil
}

// LoadTemplate is the template in use: the owner's, else the default.
func LoadTemplate(ctx context.Context, db *sql.DB, key, lang string) (Template, error) {
	var t Template
	err := db.QueryRowContext(ctx, `SELECT subject, body FROM template WHERE key = ? AND lang = ?`, key, lang).
		Scan(&t.Subject, &t.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultTemplate(key, lang)
	}
	if err != nil {
		return Template{}, err
	}
	t.Key, t.Lang, t.Custom = key, lang, true
	return t, nil
}

// TemplateError is a template refused when saved: which part, which line,
// and what is wrong ("unknown field Pedido", a syntax error).
type TemplateError struct {
	Key, Lang string
	Part      string // subject or body
	Line      int    // 0: unknown
	Problem   string
}

func (e *TemplateError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("template %s (%s), %s line %d: %s", e.Key, e.Lang, e.Part, e.Line, e.Problem)
	}
	return fmt.Sprintf("template %s (%s), %s: %s", e.Key, e.Lang, e.Part, e.Problem)
}

// SaveTemplate checks the owner's wording of a template and stores it;
// nothing is stored when it has a fault.
func SaveTemplate(ctx context.Context, db *sql.DB, t Template, now time.Time) error {
	if !validKey(t.Key) {
		return fmt.Errorf("%w: no template %q (the templates: %s)", ErrUnknownRule, t.Key, strings.Join(TemplateKeys(), ", "))
	}
	if t.Lang != "es" && t.Lang != "en" {
		return fmt.Errorf("template %s: language %q: es or en", t.Key, t.Lang)
	}
	if strings.TrimSpace(t.Subject) == "" {
		return &TemplateError{Key: t.Key, Lang: t.Lang, Part: "subject", Problem: "empty"}
	}
	if strings.ContainsAny(t.Subject, "\r\n") {
		return &TemplateError{Key: t.Key, Lang: t.Lang, Part: "subject", Problem: "more than one line"}
	}
	if _, _, err := render(t, sampleFields(t.Key)); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `INSERT INTO template(key, lang, subject, body, updated_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(key, lang) DO UPDATE SET subject = excluded.subject, body = excluded.body,
		updated_at = excluded.updated_at`, t.Key, t.Lang, t.Subject, t.Body, stamp(now))
	return err
}

// ResetTemplate goes back to the default wording.
func ResetTemplate(ctx context.Context, db *sql.DB, key, lang string) error {
	_, err := db.ExecContext(ctx, `DELETE FROM template WHERE key = ? AND lang = ?`, key, lang)
	return err
}

func validKey(key string) bool {
	for _, k := range TemplateKeys() {
		if k == key {
			return true
		}
	}
	return false
}

// sampleFields are data shaped like what a template's rule sends, for the
// check on save: every field its rule fills is filled.
func sampleFields(key string) Fields {
	f := Fields{Name: "Ana Pérez", FirstName: "Ana", Email: "ana@example.com", Shop: "Tienda", Owner: "Lucía",
		Signature: "Lucía\nTienda", Product: "Jabón de lavanda", Years: 2}
	if strings.HasPrefix(key, Appointment) {
		f.Appointment = &AppointmentFields{Service: "Corte", Staff: "Lucía", Day: "martes 3 de marzo", Time: "10:30",
			Location: "Calle Mayor 1"}
	} else if key != Birthday {
		f.Order = &OrderFields{Number: "#1042", Items: []ItemFields{{Name: "Jabón de lavanda", Quantity: 2}},
			Total: "12,50 €", PlacedOn: "1 de marzo", Carrier: "Correos", Tracking: "PK123", TrackingURL: "https://example.com/t"}
	}
	return f
}

// templateLine finds "template: name:LINE:" in text/template's errors.
var templateLine = regexp.MustCompile(`template: [^:]*:(\d+):(\d+:)?\s*`)

// render renders a template: the subject as one line of plain text (a
// customer's name with a line break in it cannot add a header), the body
// as it comes.
func render(t Template, f Fields) (subject, body string, err error) {
	parts := []struct {
		name, text string
		out        *string
	}{{"subject", t.Subject, &subject}, {"body", t.Body, &body}}
	for _, p := range parts {
		tt, err := template.New(p.name).Option("missingkey=error").Parse(p.text)
		if err == nil {
			var b bytes.Buffer
			if err = tt.Execute(&b, f); err == nil {
				*p.out = b.String()
				continue
			}
		}
		te := &TemplateError{Key: t.Key, Lang: t.Lang, Part: p.name, Problem: err.Error()}
		if m := templateLine.FindStringSubmatchIndex(te.Problem); m != nil {
			te.Line, _ = strconv.Atoi(te.Problem[m[2]:m[3]])
			te.Problem = te.Problem[m[1]:]
		}
		te.Problem = strings.Replace(te.Problem, "can't evaluate field", "unknown field", 1)
		if strings.Contains(te.Problem, "unexpected EOF") {
			te.Problem = "an {{if}}, {{range}} or {{with}} has no {{end}}"
		}
		return "", "", te
	}
	return oneLine(subject), body, nil
}

// oneLine makes text one line: control characters become spaces, runs of
// space one.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
