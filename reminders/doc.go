// Package reminders will hold the automated follow-up: rules, templates, the
// outbox and the in-process scheduler with its guards. It turns the changes
// that orders.Import reports into planned emails. (Issue: "Automated
// follow-up".)
package reminders
