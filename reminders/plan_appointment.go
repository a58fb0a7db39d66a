package reminders

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"mostrador/inbox"
	"mostrador/orders"
)

// Appointment emails: a confirmation with a calendar invitation when the
// appointment is made, reminders 24 hours and 2 hours before, an update
// (the same invitation, SEQUENCE one higher) when it moves, and a
// cancellation (METHOD:CANCEL) when it is called off. Each version of an
// appointment (its start) has its own jobs: a move cancels the reminders of
// the old time and plans those of the new one.

// The appointment steps.
const (
	StepConfirm  = "confirm"
	StepUpdate   = "update"
	StepCancel   = "cancel"
	StepRemind24 = "remind-24h"
	StepRemind2  = "remind-2h"
)

// Appointments plans the jobs of appointment changes.
func (p *Planner) Appointments(ctx context.Context, changes []orders.AppointmentChange) (Planned, error) {
	return p.appointments(ctx, changes)
}

// AppointmentsIn plans them in the caller's transaction, as OrdersIn.
func (p *Planner) AppointmentsIn(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) (Planned, error) {
	return p.appointments(ctx, changes, tx)
}

func (p *Planner) appointments(ctx context.Context, changes []orders.AppointmentChange, in ...*sql.Tx) (Planned, error) {
	pl, err := p.begin(ctx, in...)
	if err != nil {
		return Planned{}, err
	}
	for _, c := range changes {
		if err = pl.appointment(c); err != nil {
			break
		}
	}
	return p.end(pl, err)
}

func (pl *planning) appointment(c orders.AppointmentChange) error {
	if c.CustomerEmail == "" {
		pl.out.NoEmail++
		return nil
	}
	about := fmt.Sprintf("appointment:%d", c.AppointmentID)
	version := c.StartsAt.Unix()
	switch c.Kind {
	case "new", "moved":
		if c.Status != "booked" {
			return nil
		}
		// What was planned for another time and has not gone is pointless now.
		if err := pl.cancel("job.appointmentMoved", `appointment_id = ? AND version <> ?`, c.AppointmentID,
			version); err != nil {
			return err
		}
		if err := pl.withdraw("the appointment moved", `appointment_id = ? AND version <> ? AND step IN (?, ?)`,
			c.AppointmentID, version, StepRemind24, StepRemind2); err != nil {
			return err
		}
		if !c.StartsAt.After(pl.now) {
			pl.out.TooOld++ // an appointment that has begun: nothing to tell
			return nil
		}
		base := job{rule: Appointment, customer: c.CustomerID, about: about, version: version,
			appointment: c.AppointmentID, critical: true}
		// A customer who was told of another time gets an update of that
		// invitation; one told nothing yet, a confirmation; one told this
		// time (or about to be), nothing new.
		latest, told, err := pl.told(c.AppointmentID)
		if err != nil {
			return err
		}
		if latest != version {
			step := StepConfirm
			if told > 0 {
				step = StepUpdate
			}
			j := base
			j.step, j.due, j.deadline, j.data = step, pl.now, c.StartsAt, map[string]any{"sequence": told}
			// Each announcement its own key: an appointment moved back to a
			// time it had is announced again.
			j.about = fmt.Sprintf("%s#%d", about, told)
			// The customer has just booked or moved it: the confirmation goes
			// even in the quiet hours when the morning would be too late.
			if moved, quiet := pl.quiet.Move(pl.now, true, pl.now); quiet && moved.After(c.StartsAt) {
				j.anytime = true
			}
			if _, err := pl.plan(j); err != nil {
				return err
			}
		}
		// The day before at the same time on the shop's clock (across a
		// DST change that is 23 or 25 hours), and two hours before.
		dayBefore := c.StartsAt.In(pl.zoneOf(c.TimeZone)).AddDate(0, 0, -1)
		for _, r := range []struct {
			step string
			due  time.Time
			ok   time.Duration
		}{{StepRemind24, dayBefore, lateReminder24}, {StepRemind2, c.StartsAt.Add(-2 * time.Hour), lateReminder2}} {
			due := r.due
			if moved, quiet := pl.quiet.Move(due, true, pl.now); quiet {
				due = moved // where it will go: the gap counts from there
			}
			if due.Before(pl.now.Add(reminderGap)) {
				continue // too close to the confirmation
			}
			j := base
			j.step, j.due, j.deadline, j.revive = r.step, due, c.StartsAt.Add(-r.ok), "job.appointmentMoved"
			if _, err := pl.plan(j); err != nil {
				return err
			}
		}
	case "cancelled":
		if err := pl.cancel("job.appointmentCancelled", `appointment_id = ? AND step <> ?`, c.AppointmentID,
			StepCancel); err != nil {
			return err
		}
		if err := pl.withdraw("the appointment was cancelled", `appointment_id = ? AND step IN (?, ?, ?)`,
			c.AppointmentID, StepRemind24, StepRemind2, StepUpdate); err != nil {
			return err
		}
		if !c.StartsAt.After(pl.now) {
			pl.out.TooOld++
			return nil
		}
		// Only a customer who was sent the invitation needs it withdrawn.
		_, told, err := pl.told(c.AppointmentID)
		if err != nil || told == 0 {
			return err
		}
		j := job{rule: Appointment, step: StepCancel, customer: c.CustomerID, about: fmt.Sprintf("%s#%d", about, told),
			version:     version,
			appointment: c.AppointmentID, due: pl.now, deadline: c.StartsAt, data: map[string]any{"sequence": told},
			critical: true}
		// In the quiet hours it waits for the morning, unless the
		// appointment comes first.
		if moved, quiet := pl.quiet.Move(pl.now, true, pl.now); quiet && moved.After(c.StartsAt) {
			j.anytime = true
		}
		_, err = pl.plan(j)
		return err
	}
	return nil
}

// withdraw stops the emails of queued jobs a condition selects that still
// wait in the outbox (a reminder of a time that moved). Not in a dry run's
// counts: they were planned already.
func (pl *planning) withdraw(why, where string, args ...any) error {
	ids, err := queuedOutbox(pl.ctx, pl.tx, where, args...)
	if err != nil {
		return err
	}
	_, err = inbox.Withdraw(pl.ctx, pl.tx, ids, why, pl.now)
	return err
}

// zoneOf is an appointment's time zone: its own, else the shop's.
func (pl *planning) zoneOf(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return pl.quiet.Zone
}

// told reads what the customer was told of an appointment: the time of
// the latest invitation planned or sent (0: none), and how many were sent
// (the next invitation's SEQUENCE).
func (pl *planning) told(appointment int64) (latest int64, sent int, err error) {
	err = pl.tx.QueryRowContext(pl.ctx, `SELECT
		coalesce((SELECT version FROM job WHERE appointment_id = ?1 AND step IN (?2, ?3) AND state IN ('planned', 'queued')
			ORDER BY id DESC LIMIT 1), 0),
		(SELECT count(*) FROM job WHERE appointment_id = ?1 AND step IN (?2, ?3, ?4) AND state = 'queued')`,
		appointment, StepConfirm, StepUpdate, StepCancel).Scan(&latest, &sent)
	return latest, sent, err
}
