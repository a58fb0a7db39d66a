package orders

import (
	"context"
	"database/sql"
	"time"
)

// AppointmentRow is an appointment of the shop's calendar, with its
// customer.
type AppointmentRow struct {
	Appointment
	Customer Customer `json:"customer"`
}

// DayRange is the day that t falls on in the shop's zone, from midnight to
// midnight: 23 or 25 hours on the days the clocks change.
func DayRange(t time.Time, loc *time.Location) (from, to time.Time) {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// WeekRange is the week, Monday to Sunday, that t falls on in the shop's
// zone.
func WeekRange(t time.Time, loc *time.Location) (from, to time.Time) {
	l := t.In(loc)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	y, m, d := l.Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, loc), time.Date(y, m, d-back+7, 0, 0, 0, 0, loc)
}

// ListAppointments lists the appointments that start in [from, to),
// cancelled ones too, earliest first.
func ListAppointments(ctx context.Context, db *sql.DB, from, to time.Time) ([]AppointmentRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT a.id, a.source, a.booking_id, a.service, a.staff, a.starts_at, a.ends_at,
		a.time_zone, a.status, a.status_text, a.location, a.notes, c.id, c.email, c.name, c.phone
		FROM appointment a JOIN customer c ON c.id = a.customer_id
		WHERE a.starts_at >= ? AND a.starts_at < ? ORDER BY a.starts_at, a.id`, timeText(from), timeText(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AppointmentRow{}
	for rows.Next() {
		var r AppointmentRow
		var start string
		var end, email sql.NullString
		if err := rows.Scan(&r.ID, &r.Source, &r.Booking, &r.Service, &r.Staff, &start, &end, &r.TimeZone,
			&r.Status, &r.StatusText, &r.Location, &r.Notes, &r.Customer.ID, &email, &r.Customer.Name,
			&r.Customer.Phone); err != nil {
			return nil, err
		}
		if t := parseTimeText(start); t != nil {
			r.StartsAt = *t
		}
		r.EndsAt = parseStored(end)
		r.Customer.Email, r.Customer.Emailable = email.String, email.Valid
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountBooked counts the appointments still booked that start in [from,
// to): what the day holds.
func CountBooked(ctx context.Context, db *sql.DB, from, to time.Time) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM appointment
		WHERE status = 'booked' AND starts_at >= ? AND starts_at < ?`, timeText(from), timeText(to)).Scan(&n)
	return n, err
}
