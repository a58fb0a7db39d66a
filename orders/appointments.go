package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"mostrador/internal/settings"
)

// AppointmentResult is what an appointments import did (or, with DryRun,
// would do).
type AppointmentResult struct {
	File         string            `json:"file"`
	Format       string            `json:"format"` // calendly, calcom, generic
	Dialect      Dialect           `json:"dialect"`
	TimeZone     string            `json:"timeZone"` // the zone times without an offset were read in
	Rows         int               `json:"rows"`
	Appointments AppointmentCounts `json:"appointments"`
	Customers    struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	} `json:"customers"`
	Changes  []AppointmentChange `json:"changes"`
	Rejected []Rejection         `json:"rejected"`
	Warnings []Warning           `json:"warnings"`
	DryRun   bool                `json:"dryRun"`
}

// AppointmentCounts counts appointments by what the import did to them.
type AppointmentCounts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Imported reports how many appointments the import wrote, or found already
// as the file says.
func (r *AppointmentResult) Imported() int {
	return r.Appointments.Inserted + r.Appointments.Updated + r.Appointments.Unchanged
}

// AppointmentChange is something an import noticed about an appointment: the
// input of the reminders. The import itself sends nothing.
type AppointmentChange struct {
	Kind          string     `json:"kind"` // new moved cancelled updated
	Source        string     `json:"source"`
	AppointmentID int64      `json:"appointmentId"`
	Booking       string     `json:"booking,omitempty"` // the export's booking id
	Row           int        `json:"row"`               // the file's row that said so
	CustomerID    int64      `json:"customerId"`
	CustomerEmail string     `json:"customerEmail,omitempty"`
	CustomerName  string     `json:"customerName,omitempty"`
	Service       string     `json:"service,omitempty"`
	Staff         string     `json:"staff,omitempty"`
	StartsAt      time.Time  `json:"startsAt"`
	EndsAt        *time.Time `json:"endsAt,omitempty"`
	TimeZone      string     `json:"timeZone,omitempty"`
	Status        string     `json:"status"`         // booked cancelled completed no_show
	From          *time.Time `json:"from,omitempty"` // moved: the start it had
	Fields        []string   `json:"fields,omitempty"`
}

// Appointment is a booking as the customer card shows it.
type Appointment struct {
	ID         int64      `json:"id"`
	Source     string     `json:"source"`
	Booking    string     `json:"booking,omitempty"`
	Service    string     `json:"service,omitempty"`
	Staff      string     `json:"staff,omitempty"`
	StartsAt   time.Time  `json:"startsAt"`
	EndsAt     *time.Time `json:"endsAt,omitempty"`
	TimeZone   string     `json:"timeZone,omitempty"`
	Status     string     `json:"status"` // booked cancelled completed no_show
	StatusText string     `json:"statusText,omitempty"`
	Location   string     `json:"location,omitempty"`
	Notes      string     `json:"notes,omitempty"`
}

// Local is the appointment's start in the zone it was booked in (the shop's).
func (a Appointment) Local() time.Time {
	if a.TimeZone != "" {
		if loc, err := time.LoadLocation(a.TimeZone); err == nil {
			return a.StartsAt.In(loc)
		}
	}
	return a.StartsAt.In(time.Local)
}

// ImportAppointmentsFile imports a booking export (CSV, TSV or XLSX) from
// disk: Calendly, Cal.com, or any sheet with a start, a client and a service,
// end, duration or staff column, in Spanish or English.
func ImportAppointmentsFile(ctx context.Context, db *sql.DB, path string, opts Options) (*AppointmentResult, error) {
	return importAppointments(ctx, db, filepath.Base(path), fileOpener(path), opts)
}

// ImportAppointmentsBytes imports a booking export held in memory.
func ImportAppointmentsBytes(ctx context.Context, db *sql.DB, name string, data []byte, opts Options) (*AppointmentResult, error) {
	return importAppointments(ctx, db, name, bytesOpener(data), opts)
}

// importAppointments runs the two passes, as the order import does: a look
// through the file for its header row and day/month order, then the rows
// into the database in one transaction, rolled back on a dry run.
func importAppointments(ctx context.Context, db *sql.DB, name string, open func() (rowSource, string, error), opts Options) (*AppointmentResult, error) {
	if opts.Format == "" {
		opts.Format = "auto"
	}
	known := false
	for _, n := range apptFormatNames {
		known = known || n == opts.Format
	}
	if !known {
		return nil, &FileError{File: name, Code: "import.unknownFormatFlag", Args: map[string]any{"Format": opts.Format, "Known": strings.Join(apptFormatNames, ", ")}}
	}
	forced := orderUnknown
	switch opts.DateOrder {
	case "dmy":
		forced = orderDMY
	case "mdy":
		forced = orderMDY
	case "":
	default:
		return nil, &FileError{File: name, Code: "import.badDateOrder", Args: map[string]any{"Value": opts.DateOrder}}
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	res := &AppointmentResult{File: name, DryRun: opts.DryRun, TimeZone: settings.ZoneName(opts.Location),
		Changes: []AppointmentChange{}, Rejected: []Rejection{}, Warnings: []Warning{}}

	src, kind, err := open()
	if err != nil {
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	sn, err := sniffAppointments(src, opts.Format, forced)
	closeSource(src)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = name
			return nil, fe
		}
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	l := sn.layout
	res.Format = l.format.name
	enc, delim, _ := strings.Cut(kind, "\x00")
	res.Dialect = Dialect{Encoding: enc, Delimiter: delim, HeaderRow: l.headerRow}
	if sn.order != orderUnknown {
		res.Dialect.DateOrder = sn.order.String()
	}
	if sn.ambiguousDates {
		res.Warnings = append(res.Warnings, Warning{Code: "warn.dateOrder", Args: map[string]any{"Example": sn.dateExample, "Order": sn.order.String()}})
	}
	if len(l.unmapped) > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "warn.unmapped", Args: map[string]any{"Columns": strings.Join(l.unmapped, ", ")}})
	}

	recs, err := readAppointments(ctx, name, open, sn, opts, res)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx) // the customers' writer batches on it (see batch)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	defer tx.Rollback()
	if err := writeAppointments(ctx, conn, tx, l, recs, opts, res); err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	sortRejections(res.Rejected)
	if opts.WithinAppointments != nil && res.Imported() > 0 {
		if err := opts.WithinAppointments(ctx, tx, res.Changes); err != nil {
			return nil, fmt.Errorf("import %s: %w", name, err)
		}
	}
	if opts.DryRun || res.Imported() == 0 {
		return res, nil // rolled back by the deferred Rollback
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import %s: commit: %w", name, err)
	}
	return res, nil
}

// readAppointments is the second pass's reading half: every data row parsed,
// the unreadable ones reported. Booking exports are small enough to hold:
// the writer needs the whole file to tell a moved appointment from a new one.
func readAppointments(ctx context.Context, name string, open func() (rowSource, string, error), sn *apptSniffed,
	opts Options, res *AppointmentResult) ([]*apptRecord, error) {
	src, _, err := open()
	if err != nil {
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	defer closeSource(src)
	p := &apptParser{l: sn.layout, loc: opts.Location, order: sn.order}
	var recs []*apptRecord
	for {
		row, fields, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if row > 0 && fields == nil {
				return nil, &FileError{File: name, Code: "import.malformed", Args: map[string]any{"Row": row}, Err: err}
			}
			return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
		}
		if row <= p.l.headerRow || blankRow(fields) {
			continue
		}
		res.Rows++
		if res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if opts.Progress != nil {
				opts.Progress(res.Rows)
			}
		}
		r, probs := p.parseRow(row, fields)
		for _, pr := range probs {
			res.reject(p.l, row, pr.col, pr.value, pr.reason, pr.args)
		}
		if len(probs) == 0 {
			recs = append(recs, r)
		}
	}
	return recs, nil
}

func (res *AppointmentResult) reject(l *apptLayout, row, col int, value, code string, args map[string]any) {
	res.Rejected = append(res.Rejected, Rejection{Row: row, Column: l.colName(col), Value: value, Code: code, Args: args})
}

// sortRejections puts rejections in row order, keeping each row's own order.
func sortRejections(r []Rejection) {
	sort.SliceStable(r, func(i, j int) bool { return r[i].Row < r[j].Row })
}
