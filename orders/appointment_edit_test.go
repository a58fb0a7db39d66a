package orders

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// monday is "now" in these tests: Monday 9 March 2026, 09:00 in Madrid.
var monday = time.Date(2026, 3, 9, 9, 0, 0, 0, madrid)

// recorder is a within that keeps what it was given.
type recorder struct {
	calls   int
	changes []AppointmentChange
}

func (r *recorder) within(_ context.Context, tx *sql.Tx, changes []AppointmentChange) error {
	r.calls++
	r.changes = append(r.changes, changes...)
	return nil
}

func book(t *testing.T, db *sql.DB, a NewAppointment) AppointmentChange {
	t.Helper()
	var rec recorder
	changes, err := CreateAppointment(context.Background(), db, a, monday, rec.within)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != "new" || rec.calls != 1 || !reflect.DeepEqual(rec.changes, changes) {
		t.Fatalf("changes %+v, within got %d calls %+v", changes, rec.calls, rec.changes)
	}
	return changes[0]
}

func ana(start time.Time) NewAppointment {
	return NewAppointment{Email: "  Ana.Lopez@Example.ES ", Name: "Ana López", Phone: "600 111 222",
		Service: "Corte y peinado", Staff: "Marta", Start: start, Duration: 45 * time.Minute, Zone: madrid}
}

// apptRow is the stored row as a test compares it.
func apptRow(t *testing.T, db *sql.DB, id int64) string {
	t.Helper()
	var source, key, start, end, zone, status string
	var cust int64
	if err := db.QueryRow(`SELECT source, booking_key, customer_id, starts_at, coalesce(ends_at, ''), time_zone, status
		FROM appointment WHERE id = ?`, id).Scan(&source, &key, &cust, &start, &end, &zone, &status); err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{source, key, start, end, zone, status}, " ")
}

func events(t *testing.T, db *sql.DB, id int64) string {
	t.Helper()
	rows, err := db.Query(`SELECT kind, seen_at, detail FROM appointment_event WHERE appointment_id = ? ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, seen, detail string
		if err := rows.Scan(&kind, &seen, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+"@"+seen+" "+detail)
	}
	return strings.Join(out, "; ")
}

func TestCreateAppointmentFindsOrAddsTheCustomer(t *testing.T) {
	db := newDB(t)
	start := time.Date(2026, 3, 12, 10, 0, 0, 0, madrid)
	c := book(t, db, ana(start))
	if c.Source != OwnSource || c.CustomerEmail != "ana.lopez@example.es" || c.CustomerName != "Ana López" ||
		c.Service != "Corte y peinado" || c.Staff != "Marta" || !c.StartsAt.Equal(start) || c.EndsAt == nil ||
		!c.EndsAt.Equal(start.Add(45*time.Minute)) || c.TimeZone != "Europe/Madrid" || c.Status != "booked" ||
		c.From != nil || c.AppointmentID == 0 || c.CustomerID == 0 {
		t.Fatalf("change %+v", c)
	}
	if got, want := apptRow(t, db, c.AppointmentID), "shop own:1 2026-03-12T09:00:00Z 2026-03-12T09:45:00Z Europe/Madrid booked"; got != want {
		t.Fatalf("stored %q, want %q", got, want)
	}
	// An import records no event for a new appointment; neither does the window.
	if ev := events(t, db, c.AppointmentID); ev != "" {
		t.Errorf("events of a new appointment: %s", ev)
	}
	card := cardOf(t, db, "ana.lopez@example.es")
	if card.Customer.Name != "Ana López" || card.Customer.Phone != "600 111 222" || len(card.Appointments) != 1 {
		t.Fatalf("card %+v", card)
	}

	// The same customer again, written otherwise and without a name: found
	// by address, name and phone kept.
	again := ana(start.AddDate(0, 0, 7))
	again.Email, again.Name, again.Phone, again.Duration = "ANA.LOPEZ@example.es", "", "", 0
	c2 := book(t, db, again)
	if c2.CustomerID != c.CustomerID || c2.CustomerName != "Ana López" || c2.EndsAt != nil || c2.AppointmentID == c.AppointmentID {
		t.Fatalf("second change %+v (first customer %d)", c2, c.CustomerID)
	}
	if n := count(t, db, `SELECT count(*) FROM customer`); n != 1 {
		t.Fatalf("%d customers, want 1", n)
	}
	if got := apptRow(t, db, c2.AppointmentID); !strings.HasPrefix(got, "shop own:2 2026-03-19T09:00:00Z  Europe/Madrid") {
		t.Fatalf("second stored %q", got)
	}
}

func TestMoveThenCancelAppointment(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 12, 10, 0, 0, 0, madrid)
	id := book(t, db, ana(start)).AppointmentID
	later := start.Add(50 * time.Hour) // Saturday 14 March, 12:00
	var rec recorder
	changes, err := MoveAppointment(ctx, db, id, later, monday.Add(time.Hour), rec.within)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || rec.calls != 1 {
		t.Fatalf("changes %+v, within called %d times", changes, rec.calls)
	}
	m := changes[0]
	if m.Kind != "moved" || m.AppointmentID != id || !m.StartsAt.Equal(later) || m.From == nil || !m.From.Equal(start) ||
		m.EndsAt == nil || !m.EndsAt.Equal(later.Add(45*time.Minute)) || m.Status != "booked" ||
		m.CustomerEmail != "ana.lopez@example.es" || m.TimeZone != "Europe/Madrid" || len(m.Fields) != 0 {
		t.Fatalf("moved %+v", m)
	}
	if got, want := apptRow(t, db, id), "shop own:1 2026-03-14T11:00:00Z 2026-03-14T11:45:00Z Europe/Madrid booked"; got != want {
		t.Fatalf("stored %q, want %q", got, want)
	}
	if got, want := events(t, db, id), "moved@2026-03-09T09:00:00Z 2026-03-12T09:00:00Z -> 2026-03-14T11:00:00Z"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}

	// Moved to where it is: nothing written, nothing to plan.
	rec = recorder{}
	if changes, err := MoveAppointment(ctx, db, id, later, monday, rec.within); err != nil || len(changes) != 0 || rec.calls != 0 {
		t.Fatalf("a move to the same time: %+v %v, within called %d times", changes, err, rec.calls)
	}

	changes, err = CancelAppointment(ctx, db, id, monday.Add(2*time.Hour), rec.within)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != "cancelled" || changes[0].Status != "cancelled" ||
		!changes[0].StartsAt.Equal(later) || changes[0].From != nil {
		t.Fatalf("cancelled %+v", changes)
	}
	if got := apptRow(t, db, id); !strings.HasSuffix(got, " cancelled") {
		t.Fatalf("stored %q", got)
	}
	if got := events(t, db, id); !strings.HasSuffix(got, "; cancelled@2026-03-09T10:00:00Z ") {
		t.Fatalf("events %q", got)
	}

	// A cancelled appointment is neither moved nor cancelled again.
	for name, do := range map[string]func() error{
		"move":   func() error { _, err := MoveAppointment(ctx, db, id, later.Add(time.Hour), monday, nil); return err },
		"cancel": func() error { _, err := CancelAppointment(ctx, db, id, monday, nil); return err },
	} {
		err := do()
		var ae *AppointmentError
		if !errors.Is(err, ErrCancelled) || !errors.As(err, &ae) || ae.Field != "appointment" {
			t.Errorf("%s a cancelled appointment: %v", name, err)
		}
	}
}

func TestAppointmentActionsRefuseWhatCannotBe(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 12, 10, 0, 0, 0, madrid)
	id := book(t, db, ana(start)).AppointmentID
	with := func(f func(*NewAppointment)) NewAppointment {
		a := ana(start)
		f(&a)
		return a
	}
	for _, tc := range []struct {
		name  string
		do    func() error
		field string
		err   error
	}{
		{"no email", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Email = "  " }), monday, nil)
			return err
		}, "email", ErrNoEmail},
		{"bad email", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Email = "ana@" }), monday, nil)
			return err
		}, "email", ErrBadEmail},
		{"no start", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Start = time.Time{} }), monday, nil)
			return err
		}, "start", ErrNoStart},
		{"booked in the past", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Start = monday.Add(-time.Hour) }), monday, nil)
			return err
		}, "start", ErrPastStart},
		{"booked now", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Start = monday }), monday, nil)
			return err
		}, "start", ErrPastStart},
		{"negative length", func() error {
			_, err := CreateAppointment(ctx, db, with(func(a *NewAppointment) { a.Duration = -time.Minute }), monday, nil)
			return err
		}, "duration", ErrBadDuration},
		{"moved to the past", func() error {
			_, err := MoveAppointment(ctx, db, id, monday.Add(-time.Minute), monday, nil)
			return err
		}, "start", ErrPastStart},
		{"move unknown", func() error { _, err := MoveAppointment(ctx, db, id+99, start, monday, nil); return err },
			"appointment", ErrNoAppointment},
		{"cancel unknown", func() error { _, err := CancelAppointment(ctx, db, id+99, monday, nil); return err },
			"appointment", ErrNoAppointment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var ae *AppointmentError
			if !errors.Is(err, tc.err) || !errors.As(err, &ae) || ae.Field != tc.field {
				t.Fatalf("err = %v, want %v on %s", err, tc.err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("the message %q does not name the field", err)
			}
		})
	}
	if n := count(t, db, `SELECT count(*) FROM appointment`); n != 1 {
		t.Fatalf("%d appointments after refused actions, want 1", n)
	}
	if got := apptRow(t, db, id); !strings.Contains(got, "2026-03-12T09:00:00Z") || !strings.HasSuffix(got, "booked") {
		t.Fatalf("the appointment changed: %s", got)
	}
}

// A within that fails undoes the whole action: no customer, no
// appointment, no move, no event.
func TestFailingWithinRollsBack(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	boom := errors.New("the emails could not be planned")
	fail := func(context.Context, *sql.Tx, []AppointmentChange) error { return boom }
	start := time.Date(2026, 3, 12, 10, 0, 0, 0, madrid)
	if _, err := CreateAppointment(ctx, db, ana(start), monday, fail); !errors.Is(err, boom) {
		t.Fatalf("create: %v", err)
	}
	if n := count(t, db, `SELECT (SELECT count(*) FROM customer) + (SELECT count(*) FROM appointment)`); n != 0 {
		t.Fatalf("%d rows left by a failed create", n)
	}
	id := book(t, db, ana(start)).AppointmentID
	before := apptDump(t, db)
	if _, err := MoveAppointment(ctx, db, id, start.Add(time.Hour), monday, fail); !errors.Is(err, boom) {
		t.Fatalf("move: %v", err)
	}
	if _, err := CancelAppointment(ctx, db, id, monday, fail); !errors.Is(err, boom) {
		t.Fatalf("cancel: %v", err)
	}
	if after := apptDump(t, db); after != before {
		t.Fatalf("a failed move or cancel changed the tables:\n%s\n---\n%s", before, after)
	}
}

// Moving and cancelling an imported appointment gives the changes a later
// export saying the same would give, so the reminders plan them alike.
func TestActionsChangeLikeAnImport(t *testing.T) {
	imported := newDB(t)
	apptImport(t, imported, "appointments_calcom.csv", Options{})
	res := apptImport(t, imported, "appointments_calcom_later.csv", Options{})
	byImport := map[string]AppointmentChange{}
	for _, c := range res.Changes {
		c.Row = 0
		byImport[c.Booking+":"+c.Kind] = c
	}

	db := newDB(t)
	apptImport(t, db, "appointments_calcom.csv", Options{})
	idOf := func(booking string) int64 {
		var id int64
		if err := db.QueryRow(`SELECT id FROM appointment WHERE booking_id = ?`, booking).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	now := at("2025-03-20T10:00:00Z")
	ctx := context.Background()
	moved, err := MoveAppointment(ctx, db, idOf("bk_9Kd3vB8sQw"), at("2025-03-29T11:30:00Z"), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := CancelAppointment(ctx, db, idOf("bk_2Mf6tR1yZc"), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(moved, cancelled...) {
		want, ok := byImport[c.Booking+":"+c.Kind]
		if !ok {
			t.Fatalf("no import change like %+v", c)
		}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("window %+v\nimport %+v", c, want)
		}
	}
	if len(moved)+len(cancelled) != 2 {
		t.Fatalf("changes %+v %+v", moved, cancelled)
	}
}

// Spain moves to summer time on Sunday 29 March 2026: 10:00 on the Monday
// after is 08:00 UTC (09:00 UTC the week before), and the day view of that
// Monday lists it at 10:00; the Sunday itself is 23 hours long.
func TestAppointmentAfterTheChangeToSummerTime(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 30, 10, 0, 0, 0, madrid)
	before := time.Date(2026, 3, 23, 10, 0, 0, 0, madrid)
	id := book(t, db, ana(start)).AppointmentID
	book(t, db, ana(before))
	if got := apptRow(t, db, id); !strings.Contains(got, " 2026-03-30T08:00:00Z ") {
		t.Fatalf("stored %q, want 08:00 UTC", got)
	}
	from, to := DayRange(start, madrid)
	list, err := ListAppointments(ctx, db, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Local().Format("15:04 MST") != "10:00 CEST" ||
		list[0].Customer.Email != "ana.lopez@example.es" || !list[0].Customer.Emailable {
		t.Fatalf("day list %+v", list)
	}
	if from, to := DayRange(time.Date(2026, 3, 29, 12, 0, 0, 0, madrid), madrid); to.Sub(from) != 23*time.Hour {
		t.Errorf("the day of the change lasts %v", to.Sub(from))
	}
	// The week of the change, Monday to Sunday, then the next: one each.
	wf, wt := WeekRange(time.Date(2026, 3, 29, 23, 0, 0, 0, madrid), madrid)
	if !wf.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, madrid)) || !wt.Equal(time.Date(2026, 3, 30, 0, 0, 0, 0, madrid)) {
		t.Fatalf("week %v – %v", wf, wt)
	}
	for _, w := range []time.Time{wf, wt} {
		from, to := WeekRange(w, madrid)
		list, err := ListAppointments(ctx, db, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Local().Hour() != 10 || list[0].Local().Minute() != 0 {
			t.Fatalf("week of %v: %+v", w, list)
		}
	}
}

// The listing is in start order, cancelled ones included; the count is of
// those still booked.
func TestListAndCountAppointments(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 12, 0, 0, 0, 0, madrid)
	var ids []int64
	for _, h := range []int{17, 9, 12} {
		a := ana(day.Add(time.Duration(h) * time.Hour))
		a.Service = "at " + time.Duration(h*int(time.Hour)).String()
		ids = append(ids, book(t, db, a).AppointmentID)
	}
	book(t, db, ana(day.Add(24*time.Hour+9*time.Hour))) // the next day
	if _, err := CancelAppointment(ctx, db, ids[2], monday, nil); err != nil {
		t.Fatal(err)
	}
	from, to := DayRange(day, madrid)
	list, err := ListAppointments(ctx, db, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Local().Format("15:04")+" "+a.Status)
	}
	if strings.Join(got, ", ") != "09:00 booked, 12:00 cancelled, 17:00 booked" {
		t.Fatalf("list %v", got)
	}
	if n, err := CountBooked(ctx, db, from, to); err != nil || n != 2 {
		t.Fatalf("booked that day: %d %v", n, err)
	}
}
