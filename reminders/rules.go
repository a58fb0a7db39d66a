package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rules: what a good shop would send by hand if it had the time.
const (
	ThankYou    = "thank-you"   // after a new order
	Delivery    = "delivery"    // when an order is shipped, and when it is delivered
	FollowUp    = "follow-up"   // a week after delivery: did all go well?
	Reorder     = "reorder"     // before a product runs out
	Appointment = "appointment" // confirmation, reminders, moves and cancellations, with an invitation
	Birthday    = "birthday"    // the anniversary of the first order
)

// rule is what a rule is when the owner has changed nothing.
type rule struct {
	name          string
	on            bool          // switched on by default
	delay         time.Duration // its timing: see each rule
	transactional bool          // about something the customer did: exempt from the frequency cap
	waitsForReply bool          // waits while the customer waits for the shop's answer
}

// rules in the order the owner sees them. The delays: thank-you after the
// order was placed; delivery at once; follow-up after delivery; reorder
// before the supply ends; appointment reminders are fixed (24 h and 2 h
// before); birthday greetings on the day.
var rules = []rule{
	{name: ThankYou, on: true, delay: time.Hour, transactional: true},
	{name: Delivery, on: true, delay: 0, transactional: true},
	{name: FollowUp, on: true, delay: 7 * 24 * time.Hour, waitsForReply: true},
	{name: Reorder, on: true, delay: 3 * 24 * time.Hour, waitsForReply: true},
	{name: Appointment, on: true, delay: 0, transactional: true},
	{name: Birthday, on: false, delay: 0, waitsForReply: true},
}

func ruleNamed(name string) (rule, bool) {
	i := slices.IndexFunc(rules, func(r rule) bool { return r.name == name })
	if i < 0 {
		return rule{}, false
	}
	return rules[i], true
}

// RuleNames lists the rules.
func RuleNames() []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.name
	}
	return out
}

// ErrUnknownRule names a rule that does not exist.
var ErrUnknownRule = errors.New("unknown rule")

// RuleSetting is a rule as the owner has set it.
type RuleSetting struct {
	Rule          string        `json:"rule"`
	Enabled       bool          `json:"enabled"`
	Delay         time.Duration `json:"delay"`
	Transactional bool          `json:"transactional"`
}

// Rules reads every rule's setting.
func Rules(ctx context.Context, db *sql.DB) ([]RuleSetting, error) {
	rows, err := db.QueryContext(ctx, `SELECT rule, enabled, delay FROM rule_setting`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := map[string]RuleSetting{}
	for rows.Next() {
		var s RuleSetting
		var delay string
		if err := rows.Scan(&s.Rule, &s.Enabled, &delay); err != nil {
			return nil, err
		}
		if delay != "" {
			if s.Delay, err = time.ParseDuration(delay); err != nil {
				return nil, fmt.Errorf("rule %s: delay %q: %w", s.Rule, delay, err)
			}
		}
		set[s.Rule] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]RuleSetting, len(rules))
	for i, r := range rules {
		s, ok := set[r.name]
		if !ok {
			s.Enabled = r.on
		}
		if !ok || s.Delay == 0 {
			s.Delay = r.delay
		}
		s.Rule, s.Transactional = r.name, r.transactional
		out[i] = s
	}
	return out, nil
}

// settingsOf is the rules' settings by name.
func settingsOf(ctx context.Context, db *sql.DB) (map[string]RuleSetting, error) {
	list, err := Rules(ctx, db)
	if err != nil {
		return nil, err
	}
	out := make(map[string]RuleSetting, len(list))
	for _, s := range list {
		out[s.Rule] = s
	}
	return out, nil
}

// Enable switches rules on or off; "all" names every rule.
func Enable(ctx context.Context, db *sql.DB, names []string, on bool, now time.Time) error {
	var list []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			list = append(list, RuleNames()...)
			continue
		}
		if _, ok := ruleNamed(n); !ok {
			return fmt.Errorf("%w: %q (the rules: %s, all)", ErrUnknownRule, n, strings.Join(RuleNames(), ", "))
		}
		list = append(list, n)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, n := range list {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule_setting(rule, enabled, updated_at) VALUES(?, ?, ?)
			ON CONFLICT(rule) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
			n, on, stamp(now)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SetDelay sets a rule's timing (0: its default).
func SetDelay(ctx context.Context, db *sql.DB, name string, d time.Duration, now time.Time) error {
	r, ok := ruleNamed(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownRule, name)
	}
	if d < 0 || d > 365*24*time.Hour {
		return fmt.Errorf("rule %s: delay %v: between 0 and a year", name, d)
	}
	delay := ""
	if d != 0 {
		delay = d.String()
	}
	_, err := db.ExecContext(ctx, `INSERT INTO rule_setting(rule, enabled, delay, updated_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(rule) DO UPDATE SET delay = excluded.delay, updated_at = excluded.updated_at`,
		name, r.on, delay, stamp(now))
	return err
}

const timeLayout = "2006-01-02T15:04:05Z"

// stamp is how times are stored: UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseStamp(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

// RuleKey is the translation key of a rule's name in the owner's language
// (rule.thankYou...).
func RuleKey(name string) string {
	switch name {
	case ThankYou:
		return "rule.thankYou"
	case FollowUp:
		return "rule.followUp"
	}
	return "rule." + name
}
