package reminders

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"mostrador/inbox"
	"mostrador/internal/settings"
	"mostrador/orders"
)

// The frequency cap: non-transactional emails (follow-ups, reorder
// reminders, greetings) to one customer.
const (
	capGap     = 16 * time.Hour     // at most one in this long
	capWeek    = 7 * 24 * time.Hour // and at most capPerWeek in this long
	capPerWeek = 2
	// waitRecheck is how soon a job that waits for the shop's answer to the
	// customer looks again.
	waitRecheck = 2 * time.Hour
)

// env is what every job of a round is judged against.
type env struct {
	db       *sql.DB
	now      time.Time
	rules    map[string]RuleSetting
	quiet    Quiet
	zone     *time.Location
	testMode bool
	lang     string         // the shop's language
	shop     shopInfo       // names and signature
	acct     *inbox.Account // nil: no mailbox yet
	// templates are the wordings the round has read, by key and language:
	// a round of hundreds of emails uses a handful.
	templates map[[2]string]Template
}

func loadEnv(ctx context.Context, db *sql.DB, now time.Time) (*env, error) {
	e := &env{db: db, now: now}
	var err error
	if e.rules, err = settingsOf(ctx, db); err != nil {
		return nil, err
	}
	if e.quiet, err = quietOf(ctx, db); err != nil {
		return nil, err
	}
	e.zone = e.quiet.Zone
	test, err := settings.Get(ctx, db, settings.TestMode)
	if err != nil {
		return nil, err
	}
	e.testMode = test.Value == "true"
	lang, err := settings.Get(ctx, db, settings.ShopLanguage)
	if err != nil {
		return nil, err
	}
	e.lang = lang.Value
	if e.lang == "" {
		e.lang = "es"
	}
	e.acct, err = inbox.LoadAccount(ctx, db)
	if errors.Is(err, inbox.ErrNoAccount) {
		e.acct, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.shop, err = loadShop(ctx, db, e.acct); err != nil {
		return nil, err
	}
	return e, nil
}

// pref is what a customer asked for (contact_pref).
type pref struct {
	optedOut, optedOutAppointments, badAddress bool
	lang                                       string
}

func loadPref(ctx context.Context, db *sql.DB, customer int64) (pref, error) {
	var p pref
	err := db.QueryRowContext(ctx, `SELECT opted_out IS NOT NULL, opted_out_appointments IS NOT NULL,
		bad_address IS NOT NULL, language FROM contact_pref WHERE customer_id = ?`, customer).
		Scan(&p.optedOut, &p.optedOutAppointments, &p.badAddress, &p.lang)
	if errors.Is(err, sql.ErrNoRows) {
		return pref{}, nil
	}
	return p, err
}

// guard runs the guards on a job: a verdict to stop or postpone it, or the
// email to send.
func (e *env) guard(ctx context.Context, j dueJob) (verdict, *Email, error) {
	r, _ := ruleNamed(j.rule)
	if !e.rules[j.rule].Enabled {
		return verdict{cancel: "job.ruleOff"}, nil, nil
	}
	if j.deadline != nil && e.now.After(*j.deadline) {
		return verdict{skip: "job.missed"}, nil, nil
	}
	card, err := orders.CardByID(ctx, e.db, j.customer)
	if errors.Is(err, orders.ErrNoCustomer) {
		return verdict{skip: "job.noCustomer"}, nil, nil
	}
	if err != nil {
		return verdict{}, nil, err
	}
	if !card.Customer.Emailable || card.Customer.Email == "" {
		return verdict{skip: "job.noEmail"}, nil, nil
	}
	p, err := loadPref(ctx, e.db, j.customer)
	if err != nil {
		return verdict{}, nil, err
	}
	switch {
	case p.badAddress:
		return verdict{skip: "job.badAddress"}, nil, nil
	case p.optedOut && (j.rule != Appointment || p.optedOutAppointments), p.optedOutAppointments && j.rule == Appointment:
		return verdict{skip: "job.optedOut"}, nil, nil
	}
	if !j.anytime {
		if later, quiet := e.quiet.Move(e.now, j.critical, e.now); quiet {
			return verdict{postpone: later, why: "job.quiet"}, nil, nil
		}
	}
	if !j.transactional {
		if later, err := e.capped(ctx, j.customer); err != nil || !later.IsZero() {
			return verdict{postpone: later, why: "job.cap"}, nil, err
		}
	}
	if r.waitsForReply {
		addrs := []string{card.Customer.Email}
		for _, mc := range card.Merged {
			if mc.Email != "" && mc.Email != card.Customer.Email {
				addrs = append(addrs, mc.Email)
			}
		}
		waiting, err := e.waitingForShop(ctx, addrs)
		if err != nil || waiting {
			return verdict{postpone: e.now.Add(waitRecheck), why: "job.waitingForShop"}, nil, err
		}
	}
	if e.acct == nil {
		return verdict{}, nil, nil // judged; written once there is a mailbox
	}
	mail, err := e.compose(ctx, j, card, p)
	var te *TemplateError
	switch {
	case errors.As(err, &te):
		return verdict{skip: "job.template"}, nil, nil
	case errors.Is(err, errGone):
		return verdict{skip: "job.gone"}, nil, nil
	case errors.Is(err, errInvitation):
		return verdict{skip: "job.badMessage"}, nil, nil
	}
	return verdict{}, mail, err
}

// capped is when the frequency cap lets the customer's next
// non-transactional email go, or zero: now.
func (e *env) capped(ctx context.Context, customer int64) (time.Time, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT queued_at FROM job WHERE customer_id = ? AND state = 'queued'
		AND transactional = 0 AND queued_at > ? ORDER BY queued_at DESC`, customer, stamp(e.now.Add(-capWeek)))
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var sent []time.Time
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return time.Time{}, err
		}
		t, err := parseStamp(s)
		if err != nil {
			return time.Time{}, err
		}
		sent = append(sent, t)
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, err
	}
	var later time.Time
	if len(sent) > 0 && e.now.Sub(sent[0]) < capGap {
		later = sent[0].Add(capGap)
	}
	if len(sent) >= capPerWeek {
		if t := sent[capPerWeek-1].Add(capWeek); t.After(later) {
			later = t
		}
	}
	return later, nil
}

// waitingForShop reports whether the customer has written (from any of
// their addresses: a merged customer has several) and waits for the
// shop's answer: a follow-up or a reorder reminder then reads as if nobody
// listened.
func (e *env) waitingForShop(ctx context.Context, addrs []string) (bool, error) {
	threads, err := inbox.ThreadsWith(ctx, e.db, addrs, nil)
	if err != nil {
		return false, err
	}
	for _, t := range threads {
		if t.WaitingSince != nil {
			return true, nil
		}
	}
	return false, nil
}
