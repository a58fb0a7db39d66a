package reminders

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"mostrador/orders"
)

func planAppointments(t *testing.T, db *sql.DB, now time.Time, changes ...orders.AppointmentChange) Planned {
	t.Helper()
	p, err := (&Planner{DB: db, Now: func() time.Time { return now }}).Appointments(context.Background(), changes)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func appt(kind string, start time.Time) orders.AppointmentChange {
	return orders.AppointmentChange{Kind: kind, AppointmentID: 7, CustomerID: 3, CustomerEmail: "ana@example.com",
		Service: "Corte", StartsAt: start, TimeZone: "Europe/Madrid", Status: "booked"}
}

func steps(list []jobRow) string {
	var s []string
	for _, j := range list {
		s = append(s, j.Step+"/"+j.State)
	}
	return strings.Join(s, " ")
}

// Booked three days ahead: a confirmation now, reminders 24 h and 2 h before.
func TestAppointmentPlansConfirmationAndReminders(t *testing.T) {
	db := testDB(t)
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	planAppointments(t, db, tuesday, appt("new", start))
	got := jobs(t, db, "")
	if steps(got) != "confirm/planned remind-24h/planned remind-2h/planned" {
		t.Fatalf("jobs: %s", steps(got))
	}
	if !got[0].Due.Equal(tuesday) || !got[1].Due.Equal(start.Add(-24*time.Hour)) || !got[2].Due.Equal(start.Add(-2*time.Hour)) {
		t.Errorf("due times %v %v %v", got[0].Due, got[1].Due, got[2].Due)
	}
	if got[0].Data != `{"sequence":0}` {
		t.Errorf("confirmation data %s", got[0].Data)
	}
	// Planned twice, nothing new.
	if p := planAppointments(t, db, tuesday.Add(time.Minute), appt("new", start)); p.Total() != 0 {
		t.Errorf("planned again: %+v", p)
	}
}

// Booked 90 minutes ahead: the confirmation alone.
func TestAppointmentBookedShortlyBefore(t *testing.T) {
	db := testDB(t)
	planAppointments(t, db, tuesday, appt("new", tuesday.Add(90*time.Minute)))
	if got := steps(jobs(t, db, "")); got != "confirm/planned" {
		t.Fatalf("jobs: %s", got)
	}
}

// A reminder that would fall in the quiet hours goes the evening before; an
// appointment at 09:00 has its 2-hour reminder (07:00) moved to 20:45.
func TestAppointmentReminderOutOfQuietHours(t *testing.T) {
	db := testDB(t)
	start := time.Date(2026, 3, 13, 9, 0, 0, 0, madrid)
	planAppointments(t, db, tuesday, appt("new", start))
	r := jobs(t, db, "step = ?", StepRemind2)
	if len(r) != 1 || !r[0].Due.Equal(time.Date(2026, 3, 12, 20, 45, 0, 0, madrid)) {
		t.Fatalf("2-hour reminder: %+v", r)
	}
}

// A moved appointment cancels the reminders of its old time, sends an
// update of the invitation the customer had (SEQUENCE 1) and plans
// reminders for the new time; cancelled, it cancels what is pending and
// withdraws the invitation (METHOD:CANCEL, SEQUENCE 1: the update had not
// gone yet).
func TestAppointmentMovedThenCancelled(t *testing.T) {
	db := testDB(t)
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	planAppointments(t, db, tuesday, appt("new", start))
	markQueued(t, db, StepConfirm) // the confirmation went
	moved := start.Add(48 * time.Hour)
	c := appt("moved", moved)
	c.From = &start
	planAppointments(t, db, tuesday.Add(time.Hour), c)
	old := jobs(t, db, "version = ?", start.Unix())
	if steps(old) != "confirm/queued remind-24h/cancelled remind-2h/cancelled" || old[1].Reason != "job.appointmentMoved" {
		t.Fatalf("old time's jobs: %s %+v", steps(old), old)
	}
	now := jobs(t, db, "version = ?", moved.Unix())
	if steps(now) != "update/planned remind-24h/planned remind-2h/planned" || now[0].Data != `{"sequence":1}` {
		t.Fatalf("new time's jobs: %s %+v", steps(now), now)
	}

	planAppointments(t, db, tuesday.Add(2*time.Hour), appt("cancelled", moved))
	if got := steps(jobs(t, db, "state = 'planned'")); got != "cancel/planned" {
		t.Fatalf("after cancelling, planned: %s", got)
	}
	if c := jobs(t, db, "step = ?", StepCancel); c[0].Data != `{"sequence":1}` {
		t.Errorf("cancellation data %s", c[0].Data)
	}
}

// An appointment moved before its confirmation went is confirmed at its
// new time, and one cancelled before anything went is withdrawn silently.
func TestAppointmentMovedBeforeAnythingWent(t *testing.T) {
	db := testDB(t)
	start := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	planAppointments(t, db, tuesday, appt("new", start))
	moved := start.Add(time.Hour)
	planAppointments(t, db, tuesday, appt("moved", moved))
	if got := steps(jobs(t, db, "state = 'planned'")); got != "confirm/planned remind-24h/planned remind-2h/planned" {
		t.Fatalf("planned: %s", got)
	}
	if c := jobs(t, db, "state = 'planned' AND step = ?", StepConfirm); c[0].Version != moved.Unix() {
		t.Fatalf("the confirmation is for %d, want the new time", c[0].Version)
	}
	planAppointments(t, db, tuesday, appt("cancelled", moved))
	if got := jobs(t, db, "state = 'planned'"); len(got) != 0 {
		t.Fatalf("after cancelling: %s", steps(got))
	}
}

// markQueued marks planned jobs of a step as handed to the outbox, as the
// scheduler does when it sends them.
func markQueued(t *testing.T, db *sql.DB, step string) {
	t.Helper()
	if _, err := db.Exec(`UPDATE job SET state = 'queued' WHERE state = 'planned' AND step = ?`, step); err != nil {
		t.Fatal(err)
	}
}

// An appointment that has begun, or one in last year's export, plans nothing.
func TestPastAppointmentPlansNothing(t *testing.T) {
	db := testDB(t)
	p := planAppointments(t, db, tuesday, appt("new", tuesday.AddDate(-1, 0, 0)), appt("new", tuesday.Add(-time.Minute)))
	if p.Total() != 0 || p.TooOld != 2 {
		t.Fatalf("planned %+v", p)
	}
}

// The 24-hour reminder is the day before at the same time on the shop's
// clock, also across a DST change (a 23-hour day in Madrid in March, a
// 25-hour one in Santiago in April).
func TestAppointmentReminderAcrossDST(t *testing.T) {
	santiago := zone(t, "America/Santiago")
	for _, tc := range []struct {
		name  string
		loc   *time.Location
		start time.Time
		now   time.Time
	}{
		{"Madrid, spring forward", madrid, time.Date(2026, 3, 29, 10, 0, 0, 0, madrid), time.Date(2026, 3, 25, 10, 0, 0, 0, madrid)},
		{"Madrid, fall back", madrid, time.Date(2026, 10, 25, 10, 0, 0, 0, madrid), time.Date(2026, 10, 20, 10, 0, 0, 0, madrid)},
		{"Santiago, fall back", santiago, time.Date(2026, 4, 5, 10, 0, 0, 0, santiago), time.Date(2026, 4, 1, 10, 0, 0, 0, santiago)},
		{"Santiago, spring forward", santiago, time.Date(2026, 9, 6, 10, 0, 0, 0, santiago), time.Date(2026, 9, 1, 10, 0, 0, 0, santiago)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := testDB(t)
			setting(t, db, "shop.timezone", tc.loc.String())
			c := appt("new", tc.start)
			c.TimeZone = tc.loc.String()
			planAppointments(t, db, tc.now, c)
			r := jobs(t, db, "step = ?", StepRemind24)
			want := time.Date(tc.start.Year(), tc.start.Month(), tc.start.Day()-1, 10, 0, 0, 0, tc.loc)
			if len(r) != 1 || !r[0].Due.Equal(want) {
				t.Fatalf("24-hour reminder %+v, want %v", r, want)
			}
			if h := tc.start.Sub(r[0].Due).Hours(); h == 24 {
				t.Fatalf("the test does not cross a DST change (%v hours)", h)
			}
		})
	}
}

// Booked at 20:30 for 09:00 the next day: the 2-hour reminder would go at
// 20:45 (out of the quiet hours), a quarter of an hour after the
// confirmation: it is not planned. A cancellation at 03:00 for next week
// waits for the morning.
func TestAppointmentNightTimings(t *testing.T) {
	db := testDB(t)
	evening := time.Date(2026, 3, 10, 20, 30, 0, 0, madrid)
	start := time.Date(2026, 3, 11, 9, 0, 0, 0, madrid)
	planAppointments(t, db, evening, appt("new", start))
	if got := steps(jobs(t, db, "")); got != "confirm/planned" {
		t.Fatalf("jobs: %s", got)
	}
	markQueued(t, db, StepConfirm)
	night := time.Date(2026, 3, 11, 3, 0, 0, 0, madrid)
	later := appt("cancelled", start.AddDate(0, 0, 7))
	planAppointments(t, db, night, appt("moved", start.AddDate(0, 0, 7)))
	planAppointments(t, db, night, later)
	c := jobs(t, db, "step = ?", StepCancel)
	if len(c) != 1 || !c[0].Due.Equal(time.Date(2026, 3, 11, 8, 0, 0, 0, madrid)) {
		t.Fatalf("cancellation %+v, want it at 08:00", c)
	}
}

// Moved to another time and back: the customer is told each time, with a
// SEQUENCE one higher, and the first time's reminders come back; planning
// a change twice still plans nothing new.
func TestAppointmentMovedBackAndForth(t *testing.T) {
	db := testDB(t)
	t1 := time.Date(2026, 3, 13, 11, 0, 0, 0, madrid)
	t2 := t1.Add(48 * time.Hour)
	move := func(to time.Time) Planned {
		c := appt("moved", to)
		return planAppointments(t, db, tuesday, c)
	}
	planAppointments(t, db, tuesday, appt("new", t1))
	markQueued(t, db, StepConfirm)
	move(t2)
	markQueued(t, db, StepUpdate)
	move(t1)
	if p := move(t1); p.Total() != 0 {
		t.Fatalf("the same move twice planned %+v", p)
	}
	planned := jobs(t, db, "state = 'planned'")
	if steps(planned) != "update/planned remind-24h/planned remind-2h/planned" || planned[0].Data != `{"sequence":2}` ||
		planned[0].Version != t1.Unix() || planned[1].Version != t1.Unix() {
		t.Fatalf("back at the first time: %s %+v", steps(planned), planned)
	}
	markQueued(t, db, StepUpdate)
	move(t2)
	if u := jobs(t, db, "state = 'planned' AND step = ?", StepUpdate); len(u) != 1 || u[0].Data != `{"sequence":3}` ||
		u[0].Version != t2.Unix() {
		t.Fatalf("and again to the second: %+v", u)
	}
}
