package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// What the owner does with the automated emails from the window: cancel one
// that is planned, send it now, count those that need a look; and what the
// window needs to know to show the rules and their templates in the
// owner's words.

// ErrNotPlanned: the job is no longer planned (it went, was skipped or
// cancelled meanwhile), so the owner's word on it comes too late.
var ErrNotPlanned = errors.New("not planned any more")

// ReasonOwnerCancelled is the reason of a job the owner cancelled.
const ReasonOwnerCancelled = "job.ownerCancelled"

// Cancel cancels a planned job at the owner's word: it will not be sent,
// and the outbox says why. A job no longer planned is left as it is
// (ErrNotPlanned); one that does not exist is ErrNoJob.
func Cancel(ctx context.Context, db *sql.DB, job int64, now time.Time) error {
	return changePlanned(ctx, db, job, `state = 'cancelled', reason = ?, updated_at = ?`, ReasonOwnerCancelled, stamp(now))
}

// SendNow makes a planned job due now, so that the scheduler's next round
// (woken with Scheduler.Wake) takes it at once. The guards still run: in
// the quiet hours, or when the customer had another email a moment ago,
// it waits as any other would, and its reason says so.
func SendNow(ctx context.Context, db *sql.DB, job int64, now time.Time) error {
	return changePlanned(ctx, db, job, `due_at = ?, reason = '', updated_at = ?`, stamp(now), stamp(now))
}

// changePlanned updates a job that is still planned.
func changePlanned(ctx context.Context, db *sql.DB, job int64, set string, args ...any) error {
	res, err := db.ExecContext(ctx, `UPDATE job SET `+set+` WHERE id = ? AND state = 'planned'`, append(args, job)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var state string
	err = db.QueryRowContext(ctx, `SELECT state FROM job WHERE id = ?`, job).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("job %d: %w", job, ErrNoJob)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("job %d is %s: %w", job, state, ErrNotPlanned)
}

// NeedsAttention counts the automated emails the owner should look at:
// every uncertain one (only the owner can say whether it went), and those
// that failed or were skipped since since. Older failures and skips stay
// in the list (List "attention") without calling for a look forever.
func NeedsAttention(ctx context.Context, db *sql.DB, since time.Time) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM job j LEFT JOIN outbox o ON o.id = j.outbox_id
		WHERE o.state = 'uncertain'
		   OR ((j.state = 'skipped' OR o.state = 'failed') AND coalesce(o.updated_at, j.updated_at) >= ?)`,
		stamp(since)).Scan(&n)
	return n, err
}

// FrequencyCap is the limit on the emails a customer gets that are not
// about something they did (follow-ups, reorder reminders, greetings): at
// most one in gap, and perWeek in a week. Order and appointment emails are
// exempt.
func FrequencyCap() (gap time.Duration, perWeek int) { return capGap, capPerWeek }

// TimingEditable reports whether a rule's timing is the owner's to set
// (SetDelay): the thank-you, delivery, follow-up and reorder emails. An
// appointment's reminders go 24 and 2 hours before it, and a greeting on
// its day.
func TimingEditable(rule string) bool {
	switch rule {
	case ThankYou, Delivery, FollowUp, Reorder:
		return true
	}
	return false
}

// TemplatesOf lists the templates of a rule's emails: one, or one per step
// (delivery: shipped and delivered; appointment: confirmation, change,
// cancellation and the two reminders).
func TemplatesOf(rule string) []string {
	var out []string
	for _, k := range TemplateKeys() {
		if k == rule || strings.HasPrefix(k, rule+"-") {
			out = append(out, k)
		}
	}
	return out
}

// TemplateKeyOf is the template a job's email is written from.
func TemplateKeyOf(rule, step string) string { return templateKey(rule, step) }

// FieldsFor lists the data a template can use, as the owner writes it
// between braces ("{{.FirstName}}"), the most used first.
func FieldsFor(key string) []string {
	out := []string{".FirstName", ".Name", ".Email", ".Shop", ".Owner", ".Signature"}
	f := sampleFields(key)
	if f.Order != nil {
		out = append(out, ".Order.Number", ".Order.Total", ".Order.PlacedOn", ".Order.Items")
		if strings.HasPrefix(key, Delivery) {
			out = append(out, ".Order.Carrier", ".Order.Tracking", ".Order.TrackingURL")
		}
	}
	if f.Appointment != nil {
		out = append(out, ".Appointment.Day", ".Appointment.Time", ".Appointment.Service", ".Appointment.Staff",
			".Appointment.Location")
	}
	switch key {
	case Reorder:
		out = append(out, ".Product")
	case Birthday:
		out = append(out, ".Years")
	}
	return out
}

// The faults of a template the owner wrote (TemplateError.Fault), for
// words in the owner's language.
const (
	FaultUnknownField = "unknownField" // a field no email has ("{{.Pedido}}")
	FaultNotForRule   = "notForRule"   // a field this email has not (an appointment in a thank-you)
	FaultNoEnd        = "noEnd"        // an {{if}}, {{range}} or {{with}} without its {{end}}
	FaultEmpty        = "empty"        // an empty subject
	FaultTwoLines     = "twoLines"     // a subject of more than one line
	FaultSyntax       = "syntax"       // anything else between the braces
)

// faultAt finds the field text/template names in an execution error:
// `executing "body" at <.Order.Numero>: ...`.
var faultAt = regexp.MustCompile(`^executing "[^"]*" at <([^>]*)>: `)

// Fault says what is wrong with a refused template: one of the Fault*
// kinds, and the field as the owner wrote it (".Pedido"), when a field is
// to blame.
func (e *TemplateError) Fault() (kind, field string) {
	p := e.Problem
	if m := faultAt.FindStringSubmatch(p); m != nil {
		field = m[1]
		p = p[len(m[0]):]
	}
	switch {
	case p == "empty":
		return FaultEmpty, ""
	case p == "more than one line":
		return FaultTwoLines, ""
	case strings.Contains(p, "has no {{end}}"):
		return FaultNoEnd, ""
	case field != "" && strings.HasPrefix(p, "unknown field"):
		return FaultUnknownField, field
	case field != "" && strings.HasPrefix(p, "nil pointer"):
		return FaultNotForRule, field
	}
	return FaultSyntax, field
}

// Detail is the problem without the template's own wrapping, for a fault
// of kind FaultSyntax ("unclosed action", `function "nope" not defined`).
func (e *TemplateError) Detail() string {
	return faultAt.ReplaceAllString(e.Problem, "")
}
