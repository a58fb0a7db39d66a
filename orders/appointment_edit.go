package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mostrador/internal/address"
	"mostrador/internal/settings"
)

// Appointments the owner books, moves and cancels in the window (or any
// caller without a booking export). Each action is one transaction that
// writes what an appointments import would write for the same news — the
// customer found or created by address as an import finds them, the row,
// the moved or cancelled event — through the import's own writer, so the
// AppointmentChange values are those an import would produce and the
// reminders plan them alike. The caller's within runs inside that
// transaction before the commit (as Options.WithinAppointments): the emails
// it plans land with the appointment or not at all.

// OwnSource is the source of appointments booked by the shop itself. Its
// keys ("own:<id>") never meet an export's, so an import neither moves nor
// duplicates them.
const OwnSource = "shop"

// NewAppointment is an appointment to book.
type NewAppointment struct {
	Email    string // the customer's address: required, the emails go there
	Name     string // "" keeps a known customer's name
	Phone    string // "" keeps a known customer's phone
	Service  string
	Staff    string
	Start    time.Time
	Duration time.Duration  // 0: no end known
	Zone     *time.Location // the shop's zone, for reminders at the right clock time; nil: Start's
}

// The reasons an action is refused, wrapped in an *AppointmentError that
// names the field.
var (
	ErrNoEmail       = errors.New("no email address")
	ErrBadEmail      = errors.New("not a valid email address")
	ErrNoStart       = errors.New("no start time")
	ErrPastStart     = errors.New("the time has already come")
	ErrBadDuration   = errors.New("the length is negative")
	ErrNoAppointment = errors.New("no such appointment")
	ErrCancelled     = errors.New("the appointment is cancelled")
)

// AppointmentError is an action refused because of what the owner gave: the
// field to correct, what it held, and why (one of the Err values above).
type AppointmentError struct {
	Field string // email, start, duration, appointment
	Value string
	Err   error
}

func (e *AppointmentError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("appointment %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("appointment %s %q: %v", e.Field, e.Value, e.Err)
}

func (e *AppointmentError) Unwrap() error { return e.Err }

// WithinAppointment runs inside an appointment action's transaction with
// its changes, before the commit; its error undoes the action. Same shape
// as Options.WithinAppointments.
type WithinAppointment = func(ctx context.Context, tx *sql.Tx, changes []AppointmentChange) error

// CreateAppointment books an appointment: one change of kind "new".
func CreateAppointment(ctx context.Context, db *sql.DB, a NewAppointment, now time.Time, within WithinAppointment) ([]AppointmentChange, error) {
	email := address.Normalize(a.Email)
	switch {
	case email == "":
		return nil, &AppointmentError{Field: "email", Err: ErrNoEmail}
	case !address.Valid(email):
		return nil, &AppointmentError{Field: "email", Value: strings.TrimSpace(a.Email), Err: ErrBadEmail}
	case a.Start.IsZero():
		return nil, &AppointmentError{Field: "start", Err: ErrNoStart}
	case !a.Start.After(now):
		return nil, &AppointmentError{Field: "start", Value: timeText(a.Start), Err: ErrPastStart}
	case a.Duration < 0:
		return nil, &AppointmentError{Field: "duration", Value: a.Duration.String(), Err: ErrBadDuration}
	}
	zone := a.Zone
	if zone == nil {
		zone = a.Start.Location()
	}
	r := &apptRecord{email: email, name: strings.TrimSpace(a.Name), phone: strings.TrimSpace(a.Phone),
		service: strings.TrimSpace(a.Service), staff: strings.TrimSpace(a.Staff), start: a.Start.UTC()}
	if a.Duration > 0 {
		r.end = r.start.Add(a.Duration)
	}
	return editAppointment(ctx, db, now, within, func(e *apptEdit) error {
		// The order log's writer finds the customer by address, or adds
		// them, exactly as an import does (a name or phone given replaces
		// the stored one; an empty one keeps it).
		scratch := &Result{Changes: []Change{}, Rejected: []Rejection{}, Warnings: []Warning{}}
		cw, err := newWriter(ctx, e.conn, e.tx, apptCustomerFormat, now.UTC(), scratch)
		if err != nil {
			return err
		}
		defer cw.close()
		c, err := cw.customer(&record{email: r.email, name: r.name, phone: r.phone}, 0)
		if err != nil {
			return err
		}
		if err := cw.flush(); err != nil {
			return err
		}
		// The key needs the row's id: a placeholder, unique inside this
		// transaction, until the insert gives it.
		aw := e.writer(OwnSource, settings.ZoneName(zone))
		if err := aw.prepare(); err != nil {
			return err
		}
		defer aw.close()
		if err := aw.write(&apptItem{r: r, c: c, key: "own:new"}); err != nil {
			return err
		}
		id := e.res.Changes[0].AppointmentID
		_, err = e.tx.ExecContext(ctx, `UPDATE appointment SET booking_key = ? WHERE id = ?`,
			"own:"+strconv.FormatInt(id, 10), id)
		return err
	})
}

// MoveAppointment moves an appointment to another start, keeping its
// length: one change of kind "moved" (none when it already starts then).
func MoveAppointment(ctx context.Context, db *sql.DB, id int64, newStart, now time.Time, within WithinAppointment) ([]AppointmentChange, error) {
	switch {
	case newStart.IsZero():
		return nil, &AppointmentError{Field: "start", Err: ErrNoStart}
	case !newStart.After(now):
		return nil, &AppointmentError{Field: "start", Value: timeText(newStart), Err: ErrPastStart}
	}
	return changeAppointment(ctx, db, id, now, within, func(r *apptRecord) { r.start = newStart.UTC() })
}

// CancelAppointment calls an appointment off: one change of kind
// "cancelled".
func CancelAppointment(ctx context.Context, db *sql.DB, id int64, now time.Time, within WithinAppointment) ([]AppointmentChange, error) {
	return changeAppointment(ctx, db, id, now, within, func(r *apptRecord) { r.status = "cancelled" })
}

// changeAppointment writes a stored appointment again as an import would
// see it in a later export: as it is, but for what edit changes.
func changeAppointment(ctx context.Context, db *sql.DB, id int64, now time.Time, within WithinAppointment,
	edit func(*apptRecord)) ([]AppointmentChange, error) {
	return editAppointment(ctx, db, now, within, func(e *apptEdit) error {
		old, err := storedAppointment(ctx, e.tx, id)
		if err != nil {
			return err
		}
		if old.status == "cancelled" {
			return &AppointmentError{Field: "appointment", Value: strconv.FormatInt(id, 10), Err: ErrCancelled}
		}
		start, _ := time.Parse(timeLayout, old.startsAt)
		r := &apptRecord{booking: old.booking, service: old.service, staff: old.staff, location: old.location,
			notes: old.notes, start: start, status: old.status, statusText: old.statusText}
		edit(r)
		aw := e.writer(old.source, old.timeZone)
		if err := aw.prepare(); err != nil {
			return err
		}
		defer aw.close()
		return aw.write(&apptItem{r: r, c: &cust{id: old.customerID}, key: old.key, old: &old.apptStored})
	})
}

// apptEdit is one action's transaction.
type apptEdit struct {
	ctx  context.Context
	conn *sql.Conn
	tx   *sql.Tx
	now  time.Time
	res  *AppointmentResult
}

func (e *apptEdit) writer(source, zone string) *apptWriter {
	return &apptWriter{ctx: e.ctx, tx: e.tx, source: source, zone: zone, now: timeText(e.now), res: e.res}
}

// editAppointment runs do in a transaction, then within with the changes
// it made, and commits; nothing is written when either fails or nothing
// changed.
func editAppointment(ctx context.Context, db *sql.DB, now time.Time, within WithinAppointment,
	do func(*apptEdit) error) ([]AppointmentChange, error) {
	conn, err := db.Conn(ctx) // the customers' writer batches on it (see batch)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	e := &apptEdit{ctx: ctx, conn: conn, tx: tx, now: now.UTC(), res: &AppointmentResult{Changes: []AppointmentChange{}}}
	if err := do(e); err != nil {
		return nil, err
	}
	if len(e.res.Changes) == 0 {
		return e.res.Changes, nil
	}
	if within != nil {
		if err := within(ctx, tx, e.res.Changes); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("appointment: commit: %w", err)
	}
	return e.res.Changes, nil
}

// storedRow is an appointment as stored, with its source.
type storedRow struct {
	apptStored
	source string
}

func storedAppointment(ctx context.Context, tx *sql.Tx, id int64) (storedRow, error) {
	var a storedRow
	err := tx.QueryRowContext(ctx, `SELECT id, customer_id, source, booking_key, booking_id, service, staff, location,
		notes, starts_at, coalesce(ends_at, ''), time_zone, status, status_text FROM appointment WHERE id = ?`, id).
		Scan(&a.id, &a.customerID, &a.source, &a.key, &a.booking, &a.service, &a.staff, &a.location, &a.notes,
			&a.startsAt, &a.endsAt, &a.timeZone, &a.status, &a.statusText)
	if errors.Is(err, sql.ErrNoRows) {
		return a, &AppointmentError{Field: "appointment", Value: strconv.FormatInt(id, 10), Err: ErrNoAppointment}
	}
	return a, err
}
