package reminders

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"mostrador/orders"
)

// planIn is the within the window gives the appointment actions: the
// emails planned in the action's own transaction, on the injected clock.
func planIn(db *sql.DB, now time.Time, out *Planned) orders.WithinAppointment {
	return func(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) (err error) {
		*out, err = (&Planner{DB: db, Now: func() time.Time { return now }}).AppointmentsIn(ctx, tx, changes)
		return err
	}
}

// Booked in the window, the confirmation went; moved in the window, the
// old time's reminders are cancelled and the customer gets an update
// (SEQUENCE 1) and reminders of the new time; cancelled, the invitation
// is withdrawn.
func TestAppointmentMovedInTheWindowReplansItsReminders(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	var p Planned
	changes, err := orders.CreateAppointment(ctx, db, orders.NewAppointment{Email: "ana@example.com", Name: "Ana",
		Service: "Corte", Start: start, Duration: time.Hour, Zone: madrid}, tuesday, planIn(db, tuesday, &p))
	if err != nil {
		t.Fatal(err)
	}
	if p.Jobs[Appointment] != 3 {
		t.Fatalf("planned %+v", p)
	}
	if got := steps(jobs(t, db, "")); got != "confirm/planned remind-24h/planned remind-2h/planned" {
		t.Fatalf("after booking: %s", got)
	}
	id := changes[0].AppointmentID
	if n := len(jobs(t, db, "appointment_id = ? AND version = ?", id, start.Unix())); n != 3 {
		t.Fatalf("%d jobs for appointment %d at its time, want 3", n, id)
	}
	markQueued(t, db, StepConfirm)

	moved := start.Add(48 * time.Hour)
	later := tuesday.Add(time.Hour)
	if _, err := orders.MoveAppointment(ctx, db, id, moved, later, planIn(db, later, &p)); err != nil {
		t.Fatal(err)
	}
	if p.Jobs[Appointment] != 3 || p.Cancelled != 2 {
		t.Fatalf("planned on moving %+v", p)
	}
	old := jobs(t, db, "version = ?", start.Unix())
	if steps(old) != "confirm/queued remind-24h/cancelled remind-2h/cancelled" || old[1].Reason != "job.appointmentMoved" {
		t.Fatalf("old time's jobs: %s %+v", steps(old), old)
	}
	now := jobs(t, db, "version = ?", moved.Unix())
	if steps(now) != "update/planned remind-24h/planned remind-2h/planned" || now[0].Data != `{"sequence":1}` ||
		!now[0].Due.Equal(later) || !now[1].Due.Equal(moved.Add(-24*time.Hour)) {
		t.Fatalf("new time's jobs: %s %+v", steps(now), now)
	}

	if _, err := orders.CancelAppointment(ctx, db, id, later, planIn(db, later, &p)); err != nil {
		t.Fatal(err)
	}
	if got := steps(jobs(t, db, "state = 'planned'")); got != "cancel/planned" {
		t.Fatalf("after cancelling, planned: %s", got)
	}
}

// A failed planning leaves the appointment where it was: the move and its
// emails land together or not at all.
func TestAppointmentMoveUndoneWithItsEmails(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	var p Planned
	changes, err := orders.CreateAppointment(ctx, db, orders.NewAppointment{Email: "ana@example.com", Service: "Corte",
		Start: start, Zone: madrid}, tuesday, planIn(db, tuesday, &p))
	if err != nil {
		t.Fatal(err)
	}
	id := changes[0].AppointmentID
	plan := planIn(db, tuesday, &p)
	_, err = orders.MoveAppointment(ctx, db, id, start.Add(time.Hour), tuesday,
		func(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) error {
			if err := plan(ctx, tx, changes); err != nil {
				return err
			}
			return context.Canceled // planned, then something failed before the commit
		})
	if err != context.Canceled {
		t.Fatalf("move: %v", err)
	}
	if got := steps(jobs(t, db, "state = 'planned' AND version = ?", start.Unix())); got != "confirm/planned remind-24h/planned remind-2h/planned" {
		t.Fatalf("jobs of the kept time: %s", got)
	}
	if n := len(jobs(t, db, "version <> ?", start.Unix())); n != 0 {
		t.Fatalf("%d jobs of the time it was not moved to", n)
	}
	var startsAt string
	if err := db.QueryRow(`SELECT starts_at FROM appointment WHERE id = ?`, id).Scan(&startsAt); err != nil {
		t.Fatal(err)
	}
	if startsAt != "2026-03-13T10:00:00Z" {
		t.Fatalf("the appointment moved to %s", startsAt)
	}
}
