package orders

import (
	"errors"
	"io"
	"strings"
)

// apptField is what a column of a booking export means, whatever the booking
// tool calls it.
type apptField int

const (
	aNone        apptField = iota
	aBooking               // the tool's booking id
	aEmail                 // the client's email
	aName                  // the client's full name
	aFirstName             //
	aLastName              //
	aPhone                 //
	aService               // what was booked
	aStart                 // start date and time, or the date alone when a time column follows
	aStartTime             // start time of day, beside a date column
	aEnd                   // end date and time, or end time of day
	aEndDate               // end date, beside an end time column
	aDuration              // minutes, "1 h", "1:30", "90 min"
	aStaff                 // who attends the client
	aStatus                // booked, cancelled, no-show... in the tool's words
	aCancelled             // a yes/no column
	aCancelledAt           // when it was cancelled: not empty means cancelled
	aLocation              //
	aNotes                 //
	aIgnored               // known columns that are deliberately not read
	nApptFields
)

// apptColumn maps header spellings (normalized by headerKey) to a field.
// Earlier spellings win when several columns of one field have a value.
type apptColumn struct {
	f       apptField
	headers []string
}

// apptFormat is one booking tool's export. Detection requires every
// signature header; generic requires a start, a client and one of service,
// end, duration or staff.
type apptFormat struct {
	name      string // the format's name in reports, and the appointments' source
	signature []string
	columns   []apptColumn
}

func ac(f apptField, headers ...string) apptColumn { return apptColumn{f, headers} }

var apptFormats = []*apptFormat{
	{
		// Times are in the exporting account's zone; "Invitee Time Zone" is
		// the invitee's, for information only.
		name:      "calendly",
		signature: []string{"invitee email", "start date & time"},
		columns: []apptColumn{
			ac(aName, "invitee name"), ac(aFirstName, "invitee first name"), ac(aLastName, "invitee last name"),
			ac(aEmail, "invitee email"), ac(aPhone, "text reminder number", "invitee phone number"),
			ac(aService, "event type name"), ac(aStart, "start date & time"), ac(aEnd, "end date & time"),
			ac(aLocation, "location"), ac(aCancelled, "canceled"), ac(aStaff, "assigned to", "user name", "host name"),
			ac(aIgnored, "invitee time zone", "canceled by", "cancellation reason", "event created date & time",
				"event type uuid"),
		},
	},
	{
		name:      "calcom",
		signature: []string{"booking uid", "start time"},
		columns: []apptColumn{
			ac(aBooking, "booking uid"), ac(aName, "attendee name"), ac(aEmail, "attendee email"),
			ac(aPhone, "attendee phone", "attendee phone number"), ac(aService, "event type", "title"),
			ac(aStart, "start time"), ac(aEnd, "end time"), ac(aStatus, "status"), ac(aLocation, "location"),
			ac(aStaff, "host", "organizer", "user"), ac(aNotes, "description", "additional notes"),
		},
	},
}

// apptGeneric recognizes hand-made sheets and the exports of other booking
// tools by common Spanish and English column names.
var apptGeneric = &apptFormat{
	name: "generic",
	columns: []apptColumn{
		ac(aBooking, "booking id", "booking uid", "booking number", "booking code", "booking reference",
			"appointment id", "id de reserva", "id reserva", "n reserva", "numero de reserva", "codigo de reserva",
			"id cita", "id de la cita", "localizador", "id", "uid", "booking", "booking #", "booking no",
			"appointment #", "reserva #", "# reserva", "n de reserva"),
		ac(aEmail, "email", "e-mail", "correo", "correo electronico", "mail", "email address", "client email",
			"customer email", "email del cliente", "correo del cliente", "email cliente", "correo cliente",
			"attendee email", "invitee email", "guest email"),
		ac(aName, "nombre", "name", "cliente", "client", "client name", "customer", "customer name",
			"nombre del cliente", "nombre cliente", "nombre y apellido", "nombre y apellidos", "nombre completo",
			"full name", "attendee name", "invitee name", "guest", "guest name"),
		ac(aFirstName, "first name", "nombre de pila"),
		ac(aLastName, "last name", "apellido", "apellidos", "surname"),
		ac(aPhone, "telefono", "phone", "tel", "tel.", "movil", "celular", "whatsapp", "phone number", "mobile",
			"numero de telefono", "telefono del cliente", "client phone", "attendee phone"),
		ac(aService, "servicio", "service", "servicios", "services", "tratamiento", "treatment", "tipo de cita",
			"appointment type", "event type", "event type name", "clase", "class", "actividad", "title", "titulo",
			"evento", "event"),
		// "start", "inicio"... are placed by matchApptLayout (see apptStartEither).
		ac(aStart, "start date & time", "start date and time", "start datetime", "starts at", "fecha y hora",
			"fecha y hora de inicio", "fecha/hora", "fecha hora", "date & time", "date and time", "fecha", "date",
			"start date", "fecha de inicio", "fecha inicio", "dia", "day", "fecha de la cita", "appointment date",
			"fecha cita"),
		ac(aStartTime, "hora", "hora de inicio", "hora inicio", "time", "appointment time", "hora de la cita",
			"hora cita", "desde"),
		ac(aEnd, "end date & time", "end date and time", "end datetime", "ends at", "end", "end time", "fin",
			"hora de fin", "hora fin", "hora final", "hora de finalizacion", "termina", "finaliza", "hasta",
			"fecha y hora de fin"),
		ac(aEndDate, "end date", "fecha de fin", "fecha fin"),
		ac(aDuration, "duracion", "duration", "duracion (min)", "duracion en minutos", "duracion (minutos)",
			"duration (minutes)", "duration (mins)", "minutos", "minutes", "length", "tiempo", "duracion min",
			"duracion (h)", "duracion (horas)", "duracion en horas", "duration (h)", "duration (hours)", "duration (hrs)"),
		ac(aStaff, "profesional", "staff", "staff member", "empleado", "empleada", "estilista", "peluquero",
			"peluquera", "barbero", "terapeuta", "tecnico", "tecnica", "provider", "service provider", "employee",
			"atendido por", "atiende", "host", "professional", "especialista", "monitor", "monitora", "profesor",
			"profesora", "instructor", "recurso", "resource"),
		ac(aStatus, "estado", "status", "estado de la cita", "estado de la reserva", "booking status",
			"appointment status"),
		ac(aCancelled, "cancelada", "cancelado", "canceled", "cancelled", "anulada"),
		ac(aCancelledAt, "cancelled at", "canceled at", "fecha de cancelacion", "cancelada el"),
		ac(aLocation, "location", "ubicacion", "lugar", "sala", "sucursal", "centro", "local"),
		ac(aNotes, "notas", "nota", "notes", "note", "comentarios", "comentario", "observaciones", "comments",
			"additional notes", "descripcion", "description"),
		ac(aIgnored, "invitee time zone", "fecha de reserva", "reservado el", "booked on", "created at", "creado",
			"fecha de creacion"),
	},
}

// apptStartEither are headers that hold a whole date and time when no other
// column holds the date (Cal.com's "Start Time"), and a time of day when one
// does ("Fecha;Inicio;Fin").
var apptStartEither = []string{"start time", "start", "inicio", "comienzo", "empieza"}

// apptFormatNames are the values Options.Format accepts for appointments.
var apptFormatNames = []string{"auto", "calendly", "calcom", "generic"}

// apptLayout is a booking export's header mapped to fields.
type apptLayout struct {
	format    *apptFormat
	header    []string
	headerRow int
	cols      [nApptFields][]int
	hoursCol  map[int]bool // duration columns whose header says hours
	unmapped  []string
}

func matchApptLayout(f *apptFormat, header []string) *apptLayout {
	l := &apptLayout{format: f, header: header, hoursCol: map[int]bool{}}
	present := map[string]int{}
	for i, h := range header {
		k, _ := headerKey(h)
		if _, dup := present[k]; !dup && k != "" {
			present[k] = i
		}
	}
	for _, s := range f.signature {
		if _, ok := present[s]; !ok {
			return nil
		}
	}
	used := make([]bool, len(header))
	assign := func(cols []apptColumn, fallback bool) {
		for _, col := range cols {
			if fallback && len(l.cols[col.f]) > 0 {
				continue // the tool already has this field
			}
			for _, h := range col.headers {
				if i, ok := present[h]; ok && !used[i] {
					used[i] = true
					l.cols[col.f] = append(l.cols[col.f], i)
				}
			}
		}
	}
	assign(f.columns, false)
	if f != apptGeneric {
		assign(apptGeneric.columns, true)
	}
	var either []int
	for _, h := range apptStartEither {
		if i, ok := present[h]; ok && !used[i] {
			used[i] = true
			either = append(either, i)
		}
	}
	if len(l.cols[aStart]) > 0 {
		l.cols[aStartTime] = append(either, l.cols[aStartTime]...)
	} else {
		l.cols[aStart] = either
	}
	if f == apptGeneric {
		client := len(l.cols[aEmail]) > 0 || len(l.cols[aName]) > 0 || len(l.cols[aFirstName]) > 0 || len(l.cols[aPhone]) > 0
		booking := len(l.cols[aService]) > 0 || len(l.cols[aEnd]) > 0 || len(l.cols[aDuration]) > 0 || len(l.cols[aStaff]) > 0
		if len(l.cols[aStart]) == 0 || !client || !booking {
			return nil
		}
	}
	for _, i := range l.cols[aDuration] {
		h := " " + strings.ToLower(header[i]) + " "
		for _, w := range []string{"(h)", " h ", "hora", "hour", "(hrs)"} {
			if strings.Contains(h, w) {
				l.hoursCol[i] = true
			}
		}
	}
	for i, u := range used {
		if !u && strings.TrimSpace(header[i]) != "" {
			l.unmapped = append(l.unmapped, strings.TrimSpace(header[i]))
		}
	}
	return l
}

// detectApptLayout tries the booking tools (or the one named) on a row.
func detectApptLayout(row []string, want string) *apptLayout {
	for _, f := range apptFormats {
		if want == "auto" || want == f.name {
			if l := matchApptLayout(f, row); l != nil {
				return l
			}
		}
	}
	if want == "auto" || want == "generic" {
		// A shop platform's order export is never a booking list, whatever
		// columns it shares with one (Square's Date, Time and Customer Name).
		for _, f := range formats {
			if matchLayout(f, row) != nil {
				return nil
			}
		}
		return matchApptLayout(apptGeneric, row)
	}
	return nil
}

// expectedApptHeaders says, for an error message, what the header needs.
func expectedApptHeaders(want string) string {
	var out []string
	for _, f := range apptFormats {
		if want == "auto" || want == f.name {
			out = append(out, f.name+": "+strings.Join(f.signature, ", "))
		}
	}
	if want == "auto" || want == "generic" {
		out = append(out, "generic: a start column (inicio, fecha y hora, fecha + hora, start, date + time, ...), "+
			"a client column (nombre, correo, teléfono, name, email, phone, ...) and a service, end, duration "+
			"or staff column (servicio, fin, duración, profesional, service, end, duration, staff, ...)")
	}
	return strings.Join(out, "; ")
}

// value returns the first non-empty cell of a field's columns and its index
// (-1 when all are empty).
func (l *apptLayout) value(row []string, f apptField) (string, int) {
	for _, i := range l.cols[f] {
		if i < len(row) {
			if v := strings.TrimSpace(row[i]); v != "" {
				return v, i
			}
		}
	}
	return "", -1
}

func (l *apptLayout) has(f apptField) bool { return len(l.cols[f]) > 0 }

func (l *apptLayout) firstCol(f apptField) int {
	if len(l.cols[f]) > 0 {
		return l.cols[f][0]
	}
	return -1
}

func (l *apptLayout) colName(i int) string {
	if i >= 0 && i < len(l.header) {
		return strings.TrimSpace(l.header[i])
	}
	return ""
}

// apptSniffed is what the first pass learned about a booking export.
type apptSniffed struct {
	layout         *apptLayout
	order          dateOrder
	ambiguousDates bool
	dateExample    string
}

// sniffAppointments finds the header row (perhaps below title rows), then
// reads the dates until one settles the day/month order, as sniff does for
// orders.
func sniffAppointments(src rowSource, want string, forced dateOrder) (*apptSniffed, error) {
	sn := &apptSniffed{order: forced}
	var err error
	sn.layout, err = findHeader(src, func(fields []string, row int) *apptLayout {
		l := detectApptLayout(fields, want)
		if l != nil {
			l.header, l.headerRow = fields, row
		}
		return l
	})
	if err != nil {
		return nil, err
	}
	if sn.layout == nil {
		code := "import.notAppointments"
		if want != "auto" {
			code = "import.notThisFormat"
		}
		return nil, &FileError{Code: code, Args: map[string]any{"Format": want, "Expected": expectedApptHeaders(want)}}
	}
	if sn.order != orderUnknown {
		return sn, nil
	}
	l := sn.layout
	var dateCols []int
	for _, f := range []apptField{aStart, aEnd, aEndDate, aCancelledAt} {
		dateCols = append(dateCols, l.cols[f]...)
	}
	slashSeen, plainDates := false, 0
	for sn.order == orderUnknown && (slashSeen || plainDates < 1000) {
		_, fields, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, i := range dateCols {
			if i >= len(fields) || !isSlashDate(apptStripWeekday(fields[i])) {
				if i < len(fields) && strings.TrimSpace(fields[i]) != "" {
					plainDates++ // ISO dates throughout: nothing to settle
				}
				continue
			}
			v := apptStripWeekday(fields[i])
			slashSeen = true
			if sn.dateExample == "" {
				sn.dateExample = v
			}
			if o := slashDateEvidence(v); o != orderUnknown {
				sn.order = o
				break
			}
		}
	}
	if slashSeen && sn.order == orderUnknown {
		sn.order, sn.ambiguousDates = orderDMY, true
	}
	return sn, nil
}
