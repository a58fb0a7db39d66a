package orders

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// apptCustomerFormat lets the order log's writer find and create the
// customers of appointments, so that they are matched exactly as the
// customers of orders are. No order has an empty platform, so the writer
// finds no orders to load.
var apptCustomerFormat = &format{name: "appointments", source: "appointments"}

// apptStored is an appointment's values as stored; "" means unknown.
type apptStored struct {
	id, customerID   int64
	key, booking     string
	service, staff   string
	location, notes  string
	startsAt, endsAt string // UTC text
	timeZone         string
	status           string
	statusText       string
	matched          bool // a row of this file is this appointment
}

// apptItem is one row's appointment on its way to the table.
type apptItem struct {
	r   *apptRecord
	c   *cust
	key string
	old *apptStored // nil: new
}

// apptKey is the key of an appointment whose export has no booking id: who,
// when and what.
func apptKey(customer int64, start time.Time, service string) string {
	return "at:" + strconv.FormatInt(customer, 10) + "|" + timeText(start) + "|" + foldText(service)
}

// writeAppointments stores the file's appointments inside the import's
// transaction and fills in the counts and changes.
func writeAppointments(ctx context.Context, conn *sql.Conn, tx *sql.Tx, l *apptLayout, recs []*apptRecord, opts Options, res *AppointmentResult) error {
	source := l.format.name
	existing, err := loadAppointments(ctx, tx, source)
	if err != nil {
		return err
	}
	scratch := &Result{Changes: []Change{}, Rejected: []Rejection{}, Warnings: []Warning{}}
	cw, err := newWriter(ctx, conn, tx, apptCustomerFormat, opts.Now().UTC(), scratch)
	if err != nil {
		return err
	}
	defer cw.close()

	unifySpellings(recs)
	var items []*apptItem
	seen := map[string]int{} // key -> the row that had it first
	for _, r := range recs {
		it := &apptItem{r: r}
		var prev int64
		if r.booking != "" {
			it.key = "id:" + r.booking
			if first, dup := seen[it.key]; dup {
				res.reject(l, r.row, l.firstCol(aBooking), r.booking, "reject.duplicateAppointment", map[string]any{"Row": first})
				continue
			}
			if o := existing[it.key]; o != nil {
				prev = o.customerID
			}
		}
		// An empty cell never erases: the writer keeps a known name or phone.
		if it.c, err = cw.customer(&record{email: r.email, name: r.name, phone: r.phone}, prev); err != nil {
			return err
		}
		if r.booking == "" {
			it.key = apptKey(it.c.id, r.start, r.service)
			if first, dup := seen[it.key]; dup {
				res.reject(l, r.row, l.firstCol(aStart), "", "reject.duplicateAppointment", map[string]any{"Row": first})
				continue
			}
		}
		seen[it.key] = r.row
		if o := existing[it.key]; o != nil {
			it.old, o.matched = o, true
		}
		items = append(items, it)
	}
	pairMoved(items, existing, opts.Location)
	if err := cw.flush(); err != nil {
		return err
	}
	res.Customers = scratch.Customers

	aw := &apptWriter{ctx: ctx, tx: tx, source: source, zone: res.TimeZone, now: timeText(opts.Now().UTC()), res: res}
	if err := aw.prepare(); err != nil {
		return err
	}
	defer aw.close()
	for _, it := range items {
		if err := aw.write(it); err != nil {
			return fmt.Errorf("row %d: %w", it.r.row, err)
		}
	}
	return nil
}

// unifySpellings gives every row the first spelling the file has of a phone
// or a name that it writes several ways ("600 111 222" and "600111222",
// "JOSE NUNEZ" and "José Núñez"). A booking sheet lists one client on many
// rows; without this, each row would rewrite the customer with its own
// spelling, and importing the same file again would change the customer back
// and forth instead of nothing.
func unifySpellings(recs []*apptRecord) {
	phones, names := map[string]string{}, map[string]string{}
	for _, r := range recs {
		if k := phoneKey(r.phone); k != "" {
			if first, ok := phones[k]; ok {
				r.phone = first
			} else {
				phones[k] = r.phone
			}
		}
		if k := nameKey(r.name); k != "" {
			if first, ok := names[k]; ok {
				r.name = first
			} else {
				names[k] = r.name
			}
		}
	}
}

// pairMoved finds, in rows without a booking id, the appointments that moved.
// Such a row's key holds its start, so a moved appointment looks new. It is
// taken as the move of an appointment when exactly one new row and exactly
// one stored appointment that the file no longer lists share the client and
// service, and the stored one falls within the days the file covers (so its
// absence means something). Anything less certain stays a new appointment
// beside the old one.
func pairMoved(items []*apptItem, existing map[string]*apptStored, loc *time.Location) {
	if len(items) == 0 {
		return
	}
	first, last := items[0].r.start, items[0].r.start
	news := map[string][]*apptItem{}
	group := func(cust int64, service string) string { return strconv.FormatInt(cust, 10) + "|" + foldText(service) }
	for _, it := range items {
		if it.r.start.Before(first) {
			first = it.r.start
		}
		if it.r.start.After(last) {
			last = it.r.start
		}
		if it.r.booking == "" && it.old == nil {
			g := group(it.c.id, it.r.service)
			news[g] = append(news[g], it)
		}
	}
	if len(news) == 0 {
		return
	}
	y, m, d := first.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	y, m, d = last.In(loc).Date()
	to := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	olds := map[string][]*apptStored{}
	for _, o := range existing {
		if o.matched || o.status != "booked" || !strings.HasPrefix(o.key, "at:") {
			continue
		}
		t, err := time.Parse(timeLayout, o.startsAt)
		if err != nil || t.Before(from) || !t.Before(to) {
			continue
		}
		g := group(o.customerID, o.service)
		olds[g] = append(olds[g], o)
	}
	for g, n := range news {
		if o := olds[g]; len(n) == 1 && len(o) == 1 {
			n[0].old, o[0].matched = o[0], true
		}
	}
}

func loadAppointments(ctx context.Context, tx *sql.Tx, source string) (map[string]*apptStored, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, customer_id, booking_key, booking_id, service, staff, location, notes,
		starts_at, coalesce(ends_at, ''), time_zone, status, status_text FROM appointment WHERE source = ?`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*apptStored{}
	for rows.Next() {
		a := &apptStored{}
		if err := rows.Scan(&a.id, &a.customerID, &a.key, &a.booking, &a.service, &a.staff, &a.location, &a.notes,
			&a.startsAt, &a.endsAt, &a.timeZone, &a.status, &a.statusText); err != nil {
			return nil, err
		}
		out[a.key] = a
	}
	return out, rows.Err()
}

// apptWriter inserts and updates appointments. Booking exports are small:
// one statement per appointment is fast enough.
type apptWriter struct {
	ctx          context.Context
	tx           *sql.Tx
	source       string
	zone         string
	now          string
	res          *AppointmentResult
	ins, upd, ev *sql.Stmt
	cust         *sql.Stmt
	names        map[int64][2]string // customer id -> email, name
}

func (w *apptWriter) prepare() error {
	var err error
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = w.tx.PrepareContext(w.ctx, q)
		}
	}
	prep(&w.ins, `INSERT INTO appointment(customer_id, source, booking_key, booking_id, service, staff, location,
		notes, starts_at, ends_at, time_zone, status, status_text, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(&w.upd, `UPDATE appointment SET customer_id = ?, booking_key = ?, booking_id = ?, service = ?, staff = ?,
		location = ?, notes = ?, starts_at = ?, ends_at = ?, time_zone = ?, status = ?, status_text = ?,
		updated_at = ? WHERE id = ?`)
	prep(&w.ev, `INSERT INTO appointment_event(appointment_id, kind, seen_at, detail) VALUES(?, ?, ?, ?)`)
	prep(&w.cust, `SELECT coalesce(email, ''), name FROM customer WHERE id = ?`)
	w.names = map[int64][2]string{}
	return err
}

// who fills in the customer's email and name as stored (a row may have
// left them out), for the reminders.
func (w *apptWriter) who(c *AppointmentChange) error {
	v, ok := w.names[c.CustomerID]
	if !ok {
		if err := w.cust.QueryRowContext(w.ctx, c.CustomerID).Scan(&v[0], &v[1]); err != nil {
			return fmt.Errorf("customer %d: %w", c.CustomerID, err)
		}
		w.names[c.CustomerID] = v
	}
	c.CustomerEmail, c.CustomerName = v[0], v[1]
	return nil
}

func (w *apptWriter) close() {
	for _, s := range []*sql.Stmt{w.ins, w.upd, w.ev, w.cust} {
		if s != nil {
			s.Close()
		}
	}
}

// fields are what the row says, as they would be stored.
func (w *apptWriter) fields(it *apptItem) apptStored {
	r := it.r
	return apptStored{customerID: it.c.id, key: it.key, booking: r.booking, service: r.service, staff: r.staff,
		location: r.location, notes: r.notes, startsAt: timeText(r.start), endsAt: timeText(r.end),
		timeZone: w.zone, status: r.status, statusText: r.statusText}
}

func (w *apptWriter) write(it *apptItem) error {
	n := w.fields(it)
	base := AppointmentChange{Source: w.source, Booking: it.r.booking, Row: it.r.row, CustomerID: it.c.id}
	if err := w.who(&base); err != nil {
		return err
	}
	if it.old == nil {
		if n.status == "" {
			n.status = "booked"
		}
		res, err := w.ins.ExecContext(w.ctx, n.customerID, w.source, n.key, n.booking, n.service, n.staff, n.location,
			n.notes, n.startsAt, nullText(n.endsAt), n.timeZone, n.status, n.statusText, w.now, w.now)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		w.res.Appointments.Inserted++
		w.res.Changes = append(w.res.Changes, n.change(base, "new", id))
		return nil
	}
	old := *it.old
	m := mergeAppt(old, n)
	changes := diffAppt(old, m)
	if len(changes) == 0 && old.key == m.key {
		w.res.Appointments.Unchanged++
		return nil
	}
	if _, err := w.upd.ExecContext(w.ctx, m.customerID, m.key, m.booking, m.service, m.staff, m.location, m.notes,
		m.startsAt, nullText(m.endsAt), m.timeZone, m.status, m.statusText, w.now, old.id); err != nil {
		return err
	}
	if len(changes) == 0 {
		w.res.Appointments.Unchanged++ // only the key's spelling changed
		return nil
	}
	w.res.Appointments.Updated++
	for _, ch := range changes {
		c := m.change(base, ch.kind, old.id)
		c.Fields = ch.fields
		detail := strings.Join(ch.fields, ",")
		if ch.kind == "moved" {
			c.From = parseTimeText(old.startsAt)
			detail = old.startsAt + " -> " + m.startsAt
		}
		if _, err := w.ev.ExecContext(w.ctx, old.id, ch.kind, w.now, detail); err != nil {
			return err
		}
		w.res.Changes = append(w.res.Changes, c)
	}
	return nil
}

func (a apptStored) change(base AppointmentChange, kind string, id int64) AppointmentChange {
	c := base
	c.Kind, c.AppointmentID = kind, id
	c.Service, c.Staff, c.TimeZone, c.Status = a.service, a.staff, a.timeZone, a.status
	if t := parseTimeText(a.startsAt); t != nil {
		c.StartsAt = *t
	}
	c.EndsAt = parseTimeText(a.endsAt)
	return c
}

func parseTimeText(s string) *time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return nil
	}
	return &t
}

// mergeAppt lays what a file says over what is known: an empty cell never
// erases, and a moved appointment without an end keeps its length.
func mergeAppt(old, n apptStored) apptStored {
	m := old
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	m.customerID, m.key = n.customerID, n.key
	str(&m.booking, n.booking)
	str(&m.service, n.service)
	str(&m.staff, n.staff)
	str(&m.location, n.location)
	str(&m.notes, n.notes)
	str(&m.timeZone, n.timeZone)
	str(&m.status, n.status)
	str(&m.statusText, n.statusText)
	m.startsAt = n.startsAt
	switch {
	case n.endsAt != "":
		m.endsAt = n.endsAt
	case old.endsAt != "" && n.startsAt != old.startsAt:
		s0, e0, s1 := parseTimeText(old.startsAt), parseTimeText(old.endsAt), parseTimeText(n.startsAt)
		if s0 != nil && e0 != nil && s1 != nil {
			m.endsAt = timeText(s1.Add(e0.Sub(*s0)))
		}
	}
	return m
}

type apptDiff struct {
	kind   string
	fields []string
}

// diffAppt names what changed: cancelled and moved, which the reminders act
// on, and every other field as one "updated".
func diffAppt(old, m apptStored) []apptDiff {
	var out []apptDiff
	cancelledNow := m.status == "cancelled" && old.status != "cancelled"
	moved := m.startsAt != old.startsAt && m.status != "cancelled"
	if cancelledNow {
		out = append(out, apptDiff{kind: "cancelled"})
	}
	if moved {
		out = append(out, apptDiff{kind: "moved"})
	}
	var fields []string
	note := func(name string, changed bool) {
		if changed {
			fields = append(fields, name)
		}
	}
	sameLength := func() bool {
		s0, e0, s1, e1 := parseTimeText(old.startsAt), parseTimeText(old.endsAt), parseTimeText(m.startsAt), parseTimeText(m.endsAt)
		return s0 != nil && e0 != nil && s1 != nil && e1 != nil && e0.Sub(*s0) == e1.Sub(*s1)
	}
	note("customer", old.customerID != m.customerID)
	note("booking", old.booking != m.booking)
	note("service", old.service != m.service)
	note("staff", old.staff != m.staff)
	note("startsAt", old.startsAt != m.startsAt && !moved)
	note("endsAt", old.endsAt != m.endsAt && !(moved && sameLength()))
	note("timeZone", old.timeZone != m.timeZone)
	note("status", old.status != m.status && !cancelledNow)
	// The tool's own words alone are news only when they replace other words.
	note("statusText", old.statusText != "" && old.statusText != m.statusText && old.status == m.status)
	note("location", old.location != m.location)
	note("notes", old.notes != m.notes)
	if len(fields) > 0 {
		out = append(out, apptDiff{kind: "updated", fields: fields})
	}
	return out
}

// customerAppointments lists a customer's appointments, latest first, for
// the card.
func customerAppointments(ctx context.Context, db *sql.DB, customerID int64) ([]Appointment, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, source, booking_id, service, staff, starts_at, ends_at, time_zone,
		status, status_text, location, notes FROM appointment WHERE customer_id = ? ORDER BY starts_at DESC, id DESC`,
		customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Appointment{}
	for rows.Next() {
		var a Appointment
		var start string
		var end sql.NullString
		if err := rows.Scan(&a.ID, &a.Source, &a.Booking, &a.Service, &a.Staff, &start, &end, &a.TimeZone,
			&a.Status, &a.StatusText, &a.Location, &a.Notes); err != nil {
			return nil, err
		}
		if t := parseTimeText(start); t != nil {
			a.StartsAt = *t
		}
		a.EndsAt = parseStored(end)
		out = append(out, a)
	}
	return out, rows.Err()
}
