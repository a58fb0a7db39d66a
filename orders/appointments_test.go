package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func apptImport(t *testing.T, db *sql.DB, name string, opts Options) *AppointmentResult {
	t.Helper()
	if opts.Location == nil {
		opts.Location = madrid
	}
	res, err := ImportAppointmentsFile(context.Background(), db, fixture(name), opts)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func apptImportBytes(t *testing.T, db *sql.DB, data []byte, opts Options) *AppointmentResult {
	t.Helper()
	res, err := ImportAppointmentsBytes(context.Background(), db, "bookings.csv", data, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

func apptWantCounts(t *testing.T, res *AppointmentResult, ins, upd, unch int) {
	t.Helper()
	if res.Appointments != (AppointmentCounts{ins, upd, unch}) {
		t.Fatalf("appointments = %+v, want inserted %d updated %d unchanged %d", res.Appointments, ins, upd, unch)
	}
}

func apptNoRejections(t *testing.T, res *AppointmentResult) {
	t.Helper()
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected rows: %+v", res.Rejected)
	}
}

// apptOf is the appointment of a customer (by email) that starts at start
// (RFC 3339), as the card shows it.
func apptOf(t *testing.T, db *sql.DB, email, start string) Appointment {
	t.Helper()
	card := cardOf(t, db, email)
	for _, a := range card.Appointments {
		if a.StartsAt.Equal(at(start)) {
			return a
		}
	}
	t.Fatalf("%s has no appointment at %s: %+v", email, start, card.Appointments)
	return Appointment{}
}

func apptEnd(a Appointment) string {
	if a.EndsAt == nil {
		return "none"
	}
	return a.EndsAt.UTC().Format(time.RFC3339)
}

// apptDump is the appointment tables' whole content, bookkeeping included:
// a re-import must not even touch updated_at.
func apptDump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, coalesce(email,''), name, phone, created_at, updated_at FROM customer ORDER BY id`,
		`SELECT * FROM appointment ORDER BY id`,
		`SELECT * FROM appointment_event ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// apptChanges lists the changes as "booking-or-customer:kind".
func apptChanges(res *AppointmentResult) map[string]bool {
	out := map[string]bool{}
	for _, c := range res.Changes {
		who := c.Booking
		if who == "" {
			who = c.CustomerName
		}
		out[who+":"+c.Kind] = true
	}
	return out
}

func TestAppointmentSpanishSheet(t *testing.T) {
	db := newDB(t)
	res := apptImport(t, db, "appointments_es.csv", Options{})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 4, 0, 0)
	if res.Format != "generic" || res.Rows != 4 || res.Dialect.Delimiter != ";" || res.Dialect.DateOrder != "day/month/year" ||
		res.TimeZone != "Europe/Madrid" || res.Customers.Inserted != 4 || len(res.Warnings) != 0 {
		t.Fatalf("result = %+v", res)
	}
	a := apptOf(t, db, "lucia.fernandez@example.com", "2024-03-14T09:00:00Z")
	if a.Service != "Taller de cerámica (iniciación)" || a.Staff != "Marta" || a.Notes != "Trae delantal" ||
		apptEnd(a) != "2024-03-14T11:00:00Z" || a.Status != "booked" || a.TimeZone != "Europe/Madrid" || a.Source != "generic" {
		t.Fatalf("Lucía = %+v", a)
	}
	if l := a.Local(); l.Hour() != 10 || l.Day() != 14 {
		t.Fatalf("Lucía local time = %v", l)
	}
	// 2 April is after Spain moved to summer time (31 March): 17:00 is 15:00 UTC.
	if a := apptOf(t, db, "ana.perez@example.com", "2024-04-02T15:00:00Z"); apptEnd(a) != "2024-04-02T15:45:00Z" {
		t.Fatalf("Ana = %+v", a)
	}
	if a := apptOf(t, db, "JORDI.PUIG@example.cat", "2024-03-15T17:30:00Z"); a.Service != "Cata de café" || a.Notes != "" {
		t.Fatalf("Jordi = %+v", a)
	}
	// Pedro has no email: a customer who cannot be emailed, found by phone.
	var notes, phone string
	var email sql.NullString
	if err := db.QueryRow(`SELECT a.notes, c.phone, c.email FROM appointment a JOIN customer c ON c.id = a.customer_id
		WHERE c.name = 'Pedro Sánchez'`).Scan(&notes, &phone, &email); err != nil {
		t.Fatal(err)
	}
	if notes != "Viene con su hija; son 2 plazas" || phone != "699 888 777" || email.Valid {
		t.Fatalf("Pedro: notes %q phone %q email %v", notes, phone, email)
	}
	for _, c := range res.Changes {
		if c.Kind != "new" || c.Status != "booked" || c.TimeZone != "Europe/Madrid" || c.EndsAt == nil || c.AppointmentID == 0 {
			t.Fatalf("change = %+v", c)
		}
	}
}

func TestAppointmentCalendlyUSDaylightSaving(t *testing.T) {
	db := newDB(t)
	ny := mustZone("America/New_York")
	res := apptImport(t, db, "appointments_calendly.csv", Options{Location: ny})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 4, 0, 0)
	if res.Format != "calendly" || res.TimeZone != "America/New_York" || len(res.Warnings) != 0 {
		t.Fatalf("result = %+v", res)
	}
	// 3 March is still standard time (-5); 17 March is daylight time (-4),
	// the US having changed on 9 March 2025. "12:00 pm" is noon.
	o := apptOf(t, db, "olivia.bennett@example.com", "2025-03-03T16:00:00Z")
	if apptEnd(o) != "2025-03-03T17:30:00Z" || o.Service != "Pottery Wheel Intro (90 min)" || o.Location != "123 Main St, Studio B" {
		t.Fatalf("Olivia = %+v", o)
	}
	if i := apptOf(t, db, "ivan.castro@example.com", "2025-03-17T16:00:00Z"); apptEnd(i) != "2025-03-17T17:30:00Z" || i.Status != "booked" {
		t.Fatalf("Iván = %+v", i)
	}
	if c := apptOf(t, db, "carlos.mendoza@example.com", "2025-03-04T22:30:00Z"); apptEnd(c) != "2025-03-04T23:30:00Z" {
		t.Fatalf("Carlos = %+v", c)
	}
	if e := apptOf(t, db, "emma.wilson@example.com", "2025-03-15T14:00:00Z"); e.Status != "cancelled" {
		t.Fatalf("Emma's cancelled booking = %+v", e)
	}
	if card := cardOf(t, db, "olivia.bennett@example.com"); card.Customer.Phone != "+1 555-201-3344" {
		t.Fatalf("Olivia's phone (Text Reminder Number) = %q", card.Customer.Phone)
	}
}

func TestAppointmentCalcomMadridDSTDay(t *testing.T) {
	db := newDB(t)
	res := apptImport(t, db, "appointments_calcom.csv", Options{})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 5, 0, 0)
	if res.Format != "calcom" || res.Customers.Inserted != 4 {
		t.Fatalf("result = %+v", res)
	}
	// Spain moved to summer time at 02:00 on Sunday 30 March 2025: 10:00 on
	// Saturday is 09:00 UTC, 10:00 on Sunday is 08:00 UTC.
	sat := apptOf(t, db, "laura.soto@example.es", "2025-03-29T09:00:00Z")
	sun := apptOf(t, db, "hugo.blanco@example.com", "2025-03-30T08:00:00Z")
	if sat.Local().Hour() != 10 || sun.Local().Hour() != 10 || apptEnd(sun) != "2025-03-30T11:00:00Z" || sun.Booking != "bk_2Mf6tR1yZc" {
		t.Fatalf("Saturday %+v, Sunday %+v", sat, sun)
	}
	marta := cardOf(t, db, "marta.gil@example.com")
	if len(marta.Appointments) != 2 || marta.Appointments[0].Status != "cancelled" || marta.Appointments[0].StatusText != "rejected" ||
		marta.Appointments[1].Status != "booked" || marta.Appointments[1].Location != "Estudio Barro, Calle del Pez 14, Madrid" {
		t.Fatalf("Marta's appointments = %+v", marta.Appointments)
	}
	if z := apptOf(t, db, "zoe.turner@example.com", "2025-04-02T16:00:00Z"); z.Status != "cancelled" {
		t.Fatalf("Zoe = %+v", z)
	}
}

func TestAppointmentSalonSheetWindows1252TitleRowsDurations(t *testing.T) {
	db := newDB(t)
	res := apptImport(t, db, "appointments_salon_es.csv", Options{})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 6, 0, 0)
	if res.Dialect.Encoding != "windows-1252" || res.Dialect.HeaderRow != 4 || res.Rows != 6 || res.Customers.Inserted != 4 {
		t.Fatalf("result = %+v", res)
	}
	// Summer time ended on 27 October 2024: +2 before, +1 after.
	for _, c := range []struct{ email, start, end, status, service string }{
		{"carmen.ruiz@example.com", "2024-10-25T07:30:00Z", "2024-10-25T08:15:00Z", "booked", "Corte señora"},
		{"isabel.martin@example.es", "2024-10-26T08:00:00Z", "2024-10-26T09:00:00Z", "cancelled", "Peinado de fiesta"},
		{"carmen.ruiz@example.com", "2024-10-26T10:00:00Z", "2024-10-26T10:30:00Z", "completed", "Manicura"},
		{"teresa.vidal@example.com", "2024-10-28T17:30:00Z", "2024-10-28T19:00:00Z", "booked", "Tinte raíz"},
	} {
		a := apptOf(t, db, c.email, c.start)
		if apptEnd(a) != c.end || a.Status != c.status || a.Service != c.service {
			t.Errorf("%s at %s = %+v", c.email, c.start, a)
		}
	}
	// Pilar has no email: her two rows, phones written two ways, are one customer.
	rows, err := db.Query(`SELECT a.starts_at, a.ends_at, a.status, a.staff, a.notes FROM appointment a
		JOIN customer c ON c.id = a.customer_id WHERE c.name = 'Pilar Gómez' ORDER BY a.starts_at`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s, e, st, staff, notes string
		rows.Scan(&s, &e, &st, &staff, &notes)
		got = append(got, s+" "+e+" "+st+" "+staff+" "+notes)
	}
	rows.Close()
	want := []string{
		"2024-10-25T15:30:00Z 2024-10-25T17:45:00Z booked Rocío Alergia al amoniaco: usar tinte sin amoniaco",
		"2024-10-28T15:00:00Z 2024-10-28T16:30:00Z no_show Lola ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Pilar's appointments:\n%q\nwant\n%q", got, want)
	}
	if n := len(cardOf(t, db, "carmen.ruiz@example.com").Appointments); n != 2 {
		t.Fatalf("Carmen has %d appointments, want 2 (the second row has only her phone)", n)
	}
}

func TestAppointmentEnglishSheetSeparateTimesAndBookingNumbers(t *testing.T) {
	db := newDB(t)
	res := apptImport(t, db, "appointments_sheet_en.csv", Options{Location: mustZone("America/New_York")})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 4, 0, 0)
	if res.Dialect.DateOrder != "month/day/year" || res.Customers.Inserted != 3 {
		t.Fatalf("result = %+v", res)
	}
	grace := cardOf(t, db, "grace.miller@example.com")
	if len(grace.Appointments) != 2 {
		t.Fatalf("Grace's appointments = %+v", grace.Appointments)
	}
	g := grace.Appointments[0] // latest first
	if g.Booking != "1043" || !g.StartsAt.Equal(at("2025-03-15T15:00:00Z")) || apptEnd(g) != "2025-03-15T16:30:00Z" || g.Staff != "Sam" {
		t.Fatalf("Grace's hot stones = %+v", g)
	}
	if n := apptOf(t, db, "noah.kim@example.com", "2025-03-14T17:30:00Z"); apptEnd(n) != "2025-03-14T18:15:00Z" || n.Notes != "First visit, sensitive skin" {
		t.Fatalf("Noah = %+v", n)
	}
}

func TestAppointmentReimportChangesNothing(t *testing.T) {
	for _, name := range []string{"appointments_es.csv", "appointments_calendly.csv", "appointments_calcom.csv",
		"appointments_salon_es.csv", "appointments_sheet_en.csv"} {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			first := apptImport(t, db, name, Options{Now: func() time.Time { return at("2025-01-01T00:00:00Z") }})
			before := apptDump(t, db)
			res := apptImport(t, db, name, Options{Now: func() time.Time { return at("2025-02-01T00:00:00Z") }})
			apptWantCounts(t, res, 0, 0, first.Appointments.Inserted)
			if res.Customers.Inserted != 0 || res.Customers.Updated != 0 || len(res.Changes) != 0 {
				t.Fatalf("re-import changed something: %+v", res)
			}
			if after := apptDump(t, db); after != before {
				t.Fatalf("database differs after re-import:\n%s\n---\n%s", before, after)
			}
		})
	}
}

func TestAppointmentLaterExportMovedAndCancelled(t *testing.T) {
	db := newDB(t)
	apptImport(t, db, "appointments_calcom.csv", Options{})
	res := apptImport(t, db, "appointments_calcom_later.csv", Options{})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 1, 3, 2)
	want := map[string]bool{"bk_4Tz9qL2wXe:new": true, "bk_9Kd3vB8sQw:moved": true, "bk_2Mf6tR1yZc:cancelled": true,
		"bk_7Hq2xN4pLm:updated": true}
	if got := apptChanges(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	for _, c := range res.Changes {
		switch c.Kind {
		case "moved":
			if c.From == nil || !c.From.Equal(at("2025-03-29T09:00:00Z")) || !c.StartsAt.Equal(at("2025-03-29T11:30:00Z")) ||
				c.CustomerEmail != "laura.soto@example.es" || c.EndsAt == nil || !c.EndsAt.Equal(at("2025-03-29T13:30:00Z")) {
				t.Errorf("moved = %+v", c)
			}
		case "cancelled":
			if c.Status != "cancelled" || !c.StartsAt.Equal(at("2025-03-30T08:00:00Z")) || c.CustomerName != "Hugo Blanco" {
				t.Errorf("cancelled = %+v", c)
			}
		case "updated":
			if !reflect.DeepEqual(c.Fields, []string{"location"}) {
				t.Errorf("updated = %+v", c)
			}
		}
	}
	if n := count(t, db, `SELECT count(*) FROM appointment`); n != 6 {
		t.Fatalf("%d appointments, want 6 (moved ones are not duplicated)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM appointment_event`); n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
	// And the later file again: nothing more.
	again := apptImport(t, db, "appointments_calcom_later.csv", Options{})
	apptWantCounts(t, again, 0, 0, 6)
}

func TestAppointmentLaterSheetWithoutBookingIDs(t *testing.T) {
	db := newDB(t)
	apptImport(t, db, "appointments_es.csv", Options{})
	res := apptImport(t, db, "appointments_es_later.csv", Options{})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 1, 2, 2)
	want := map[string]bool{"Jordi Puig:moved": true, "Pedro Sánchez:cancelled": true, "Lucía Fernández:new": true}
	if got := apptChanges(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	// Jordi's tasting moved a week on; the old time is gone.
	jordi := cardOf(t, db, "jordi.puig@example.cat")
	if len(jordi.Appointments) != 1 || !jordi.Appointments[0].StartsAt.Equal(at("2024-03-21T17:30:00Z")) ||
		apptEnd(jordi.Appointments[0]) != "2024-03-21T18:30:00Z" {
		t.Fatalf("Jordi = %+v", jordi.Appointments)
	}
	// Lucía booked the same workshop again: a second appointment, not a move.
	if n := len(cardOf(t, db, "lucia.fernandez@example.com").Appointments); n != 2 {
		t.Fatalf("Lucía has %d appointments, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM appointment WHERE status = 'cancelled'`); n != 1 {
		t.Fatalf("%d cancelled, want Pedro's only", n)
	}
}

func TestAppointmentRejectedRows(t *testing.T) {
	db := newDB(t)
	res := apptImport(t, db, "appointments_bad.csv", Options{})
	apptWantCounts(t, res, 2, 0, 0)
	type rej struct {
		Row           int
		Column, Value string
		Code          string
	}
	var got []rej
	for _, r := range res.Rejected {
		got = append(got, rej{r.Row, r.Column, r.Value, r.Code})
	}
	want := []rej{
		{3, "Fecha", "31/02/2025", "reject.date"},
		{4, "Hora", "25:00", "reject.time"},
		{5, "Duración", "un rato", "reject.duration"},
		{6, "Correo", "", "reject.noClient"},
		{7, "Correo", "carmen@", "reject.email"},
		{8, "Fecha", "", "reject.noDate"},
		{9, "Fin", "11:00", "reject.endBeforeStart"},
		{10, "Fecha", "", "reject.duplicateAppointment"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%+v\nwant\n%+v", got, want)
	}
	if res.Rejected[7].Args["Row"] != 2 {
		t.Fatalf("duplicate args = %v", res.Rejected[7].Args)
	}
	if i := apptOf(t, db, "ivan.castro@example.com", "2025-03-20T18:00:00Z"); apptEnd(i) != "2025-03-20T19:30:00Z" {
		t.Fatalf("Iván (end from the Fin column) = %+v", i)
	}
	// Nobody from a rejected row became a customer.
	if n := count(t, db, `SELECT count(*) FROM customer`); n != 2 {
		t.Fatalf("%d customers, want 2", n)
	}
}

func TestAppointmentDryRunWritesNothing(t *testing.T) {
	db := newDB(t)
	apptImport(t, db, "appointments_calcom.csv", Options{})
	before := apptDump(t, db)
	res := apptImport(t, db, "appointments_calcom_later.csv", Options{DryRun: true})
	apptWantCounts(t, res, 1, 3, 2)
	if !res.DryRun || len(res.Changes) != 4 || res.Customers.Inserted != 1 {
		t.Fatalf("dry run = %+v", res)
	}
	if after := apptDump(t, db); after != before {
		t.Fatalf("a dry run wrote:\n%s\n---\n%s", before, after)
	}
	empty := newDB(t)
	apptImport(t, empty, "appointments_salon_es.csv", Options{DryRun: true})
	if n := count(t, empty, `SELECT count(*) FROM appointment`) + count(t, empty, `SELECT count(*) FROM customer`); n != 0 {
		t.Fatalf("a dry run into an empty database left %d rows", n)
	}
}

func TestAppointmentNotAnAppointmentsFile(t *testing.T) {
	db := newDB(t)
	for _, name := range []string{"shopify_orders.csv", "generic_es.csv", "not_orders.csv", "square_items.csv",
		"woocommerce_plugin.csv", "tiendanube_es.csv"} {
		_, err := ImportAppointmentsFile(context.Background(), db, fixture(name), Options{Location: madrid})
		fe := fileError(t, err)
		if fe.Code != "import.notAppointments" || !strings.Contains(fmt.Sprint(fe.Args["Expected"]), "calendly") || fe.File != name {
			t.Fatalf("%s: %+v", name, fe)
		}
	}
	_, err := ImportAppointmentsFile(context.Background(), db, fixture("appointments_calendly.csv"), Options{Format: "calcom"})
	if fe := fileError(t, err); fe.Code != "import.notThisFormat" {
		t.Fatalf("calendly as calcom: %+v", fe)
	}
	_, err = ImportAppointmentsFile(context.Background(), db, fixture("appointments_es.csv"), Options{Format: "shopify"})
	if fe := fileError(t, err); fe.Code != "import.unknownFormatFlag" {
		t.Fatalf("--format shopify: %+v", fe)
	}
	_, err = ImportAppointmentsFile(context.Background(), db, fixture("no_such_file.csv"), Options{})
	if fe := fileError(t, err); fe.Code != "import.unreadable" {
		t.Fatalf("missing file: %+v", fe)
	}
	if n := count(t, db, `SELECT count(*) FROM customer`); n != 0 {
		t.Fatalf("%d customers written", n)
	}
}

func TestAppointmentSantiagoDSTAndDurations(t *testing.T) {
	db := newDB(t)
	scl := mustZone("America/Santiago")
	// Chile left summer time at midnight on 6/7 April 2024 (-3 to -4) and
	// went back at midnight on 7/8 September (-4 to -3). A 90-minute session
	// starting at 22:30 on 6 April lasts 90 minutes across the change.
	data := []byte("Cliente,Teléfono,Servicio,Fecha,Hora,Duración\n" +
		"Valentina Rojas,+56 9 8765 4321,Masaje,06/04/2024,22:30,90 min\n" +
		"Valentina Rojas,+56 9 8765 4321,Masaje,07/04/2024,10:00,1 h\n" +
		"Valentina Rojas,+56 9 8765 4321,Facial,07/09/2024,10:00,1:30\n" +
		"Valentina Rojas,+56 9 8765 4321,Facial,08/09/2024,10:00,1h30\n" +
		"Valentina Rojas,+56 9 8765 4321,Facial,30/09/2024,10:00,2 horas\n")
	res := apptImportBytes(t, db, data, Options{Location: scl})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 5, 0, 0)
	if res.TimeZone != "America/Santiago" || res.Customers.Inserted != 1 {
		t.Fatalf("result = %+v", res)
	}
	rows, err := db.Query(`SELECT starts_at, ends_at, time_zone FROM appointment ORDER BY starts_at`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s, e, z string
		rows.Scan(&s, &e, &z)
		got = append(got, s+" "+e+" "+z)
	}
	rows.Close()
	want := []string{
		"2024-04-07T01:30:00Z 2024-04-07T03:00:00Z America/Santiago",
		"2024-04-07T14:00:00Z 2024-04-07T15:00:00Z America/Santiago",
		"2024-09-07T14:00:00Z 2024-09-07T15:30:00Z America/Santiago",
		"2024-09-08T13:00:00Z 2024-09-08T14:30:00Z America/Santiago",
		"2024-09-30T13:00:00Z 2024-09-30T15:00:00Z America/Santiago",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("times:\n%q\nwant\n%q", got, want)
	}
}

func TestAppointmentDurationColumnInHours(t *testing.T) {
	db := newDB(t)
	data := []byte("Cliente;Correo;Tratamiento;Fecha y hora;Duración (h)\n" +
		"Marta Gil;marta.gil@example.com;Masaje;jueves, 06/03/2025 10:00;1,5\n" +
		"Laura Soto;laura.soto@example.es;Masaje;14/03/2025 10:00;2\n")
	res := apptImportBytes(t, db, data, Options{Location: madrid})
	apptNoRejections(t, res)
	if m := apptOf(t, db, "marta.gil@example.com", "2025-03-06T09:00:00Z"); apptEnd(m) != "2025-03-06T10:30:00Z" {
		t.Fatalf("Marta = %+v", m)
	}
	if l := apptOf(t, db, "laura.soto@example.es", "2025-03-14T09:00:00Z"); apptEnd(l) != "2025-03-14T11:00:00Z" {
		t.Fatalf("Laura = %+v", l)
	}
}

func TestAppointmentXLSXSerialDatesOnDSTDay(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"Agenda del estudio"},
		{},
		{"Fecha", "Hora", "Nombre", "Correo", "Servicio", "Duración"},
		// 45746 is 30 March 2025, the day Spain moves to summer time;
		// 0.4166... is 10:00. Serials in a date column with the time apart...
		{45746, 10.0 / 24, "Laura Soto", "laura.soto@example.es", "Esmaltado", 120},
		// ... and a whole date-and-time serial with no separate time.
		{45746 + 16.5/24, nil, "Hugo Blanco", "hugo.blanco@example.com", "Torno", 0.0625},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	db := newDB(t)
	res := apptImportBytes(t, db, buf.Bytes(), Options{Location: madrid})
	apptNoRejections(t, res)
	apptWantCounts(t, res, 2, 0, 0)
	if res.Dialect.Delimiter != "xlsx" || res.Dialect.HeaderRow != 3 {
		t.Fatalf("dialect = %+v", res.Dialect)
	}
	if l := apptOf(t, db, "laura.soto@example.es", "2025-03-30T08:00:00Z"); apptEnd(l) != "2025-03-30T10:00:00Z" {
		t.Fatalf("Laura = %+v", l)
	}
	// 16:30 summer time; the fraction 0.0625 of a day is 1 h 30 min.
	if h := apptOf(t, db, "hugo.blanco@example.com", "2025-03-30T14:30:00Z"); apptEnd(h) != "2025-03-30T16:00:00Z" {
		t.Fatalf("Hugo = %+v", h)
	}
}

func TestAppointmentAmbiguousDatesAreReported(t *testing.T) {
	db := newDB(t)
	data := []byte("Name,Email,Service,Date,Time,Duration\n" +
		"Grace Miller,grace.miller@example.com,Massage,03/05/2025,10:00,60\n" +
		"Zoe Turner,zoe.turner@example.com,Massage,04/06/2025,11:00,60\n")
	res := apptImportBytes(t, db, data, Options{Location: madrid})
	if len(res.Warnings) != 1 || res.Warnings[0].Code != "warn.dateOrder" || res.Dialect.DateOrder != "day/month/year" {
		t.Fatalf("warnings %+v dialect %+v", res.Warnings, res.Dialect)
	}
	apptOf(t, db, "grace.miller@example.com", "2025-05-03T08:00:00Z") // 3 May, read day first
	other := newDB(t)
	res = apptImportBytes(t, other, data, Options{Location: madrid, DateOrder: "mdy"})
	if len(res.Warnings) != 0 || res.Dialect.DateOrder != "month/day/year" {
		t.Fatalf("with mdy: warnings %+v dialect %+v", res.Warnings, res.Dialect)
	}
	apptOf(t, other, "grace.miller@example.com", "2025-03-05T09:00:00Z")
}

func TestAppointmentEmptyCellNeverErases(t *testing.T) {
	db := newDB(t)
	apptImport(t, db, "appointments_es.csv", Options{})
	// The same sheet later, with notes, phone and staff left blank.
	data := []byte("Nombre;Correo;Teléfono;Servicio;Inicio;Duración;Profesional;Notas\n" +
		"Lucía Fernández;lucia.fernandez@example.com;;Taller de cerámica (iniciación);14/03/2024 10:00;120;;\n")
	res := apptImportBytes(t, db, data, Options{Location: madrid})
	apptWantCounts(t, res, 0, 0, 1)
	a := apptOf(t, db, "lucia.fernandez@example.com", "2024-03-14T09:00:00Z")
	if a.Notes != "Trae delantal" || a.Staff != "Marta" || cardOf(t, db, "lucia.fernandez@example.com").Customer.Phone != "612 345 678" {
		t.Fatalf("blank cells erased data: %+v", a)
	}
}

func TestAppointmentCardShowsAppointmentsBesideOrders(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "generic_es.csv", Options{})
	res := apptImport(t, db, "appointments_es.csv", Options{})
	// Lucía, Jordi and Pedro (by phone: he has no email) already bought something.
	if res.Customers.Inserted != 1 {
		t.Fatalf("customers = %+v, want only Ana new", res.Customers)
	}
	card := cardOf(t, db, "lucia.fernandez@example.com")
	if len(card.Orders) != 1 || len(card.Appointments) != 1 || card.Appointments[0].Service != "Taller de cerámica (iniciación)" {
		t.Fatalf("card = %+v", card)
	}
	b, err := json.Marshal(card)
	if err != nil || !strings.Contains(string(b), `"appointments":[{"id":`) || !strings.Contains(string(b), `"timeZone":"Europe/Madrid"`) {
		t.Fatalf("card JSON = %s (%v)", b, err)
	}
	// A customer without appointments has an empty list, not null.
	if b, _ := json.Marshal(cardOf(t, db, "carmen.ruiz@example.com")); !strings.Contains(string(b), `"appointments":[]`) {
		t.Fatalf("card JSON = %s", b)
	}
}

func TestAppointmentDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"60": time.Hour, "90 min": 90 * time.Minute, "1 h": time.Hour, "1:30": 90 * time.Minute, "1h30": 90 * time.Minute,
		"1 h 30 min": 90 * time.Minute, "1,5 h": 90 * time.Minute, "2 horas": 2 * time.Hour, "45'": 45 * time.Minute,
		"2 horas y 15 minutos": 135 * time.Minute, "30 minutos": 30 * time.Minute, "0.0625": 90 * time.Minute,
		"1.5 hours": 90 * time.Minute, "120 mins.": 2 * time.Hour, "01:00:00": time.Hour,
	} {
		got, err := parseApptDuration(in, false)
		if err != nil || got != want {
			t.Errorf("parseApptDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := parseApptDuration("1.5", true); err != nil || got != 90*time.Minute {
		t.Errorf("hours column 1.5 = %v, %v", got, err)
	}
	for _, in := range []string{"", "un rato", "0", "-30", "1.5", "30 15", "25 h", "TBD", "1:5"} {
		if got, err := parseApptDuration(in, false); err == nil {
			t.Errorf("parseApptDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestAppointmentClockTimes(t *testing.T) {
	for in, want := range map[string]string{
		"10:00": "10:00:00", "9:30": "09:30:00", "17.30": "17:30:00", "17h30": "17:30:00", "10h": "10:00:00",
		"17 h": "17:00:00", "6:30 PM": "18:30:00", "12:00 pm": "12:00:00", "12:15 am": "00:15:00", "10am": "10:00:00",
		"19:29 hs.": "19:29:00", "0.4375": "10:30:00", "10:00:30": "10:00:30", "8 p.m.": "20:00:00",
	} {
		h, m, s, _, err := apptClock(in, madrid)
		if got := fmt.Sprintf("%02d:%02d:%02d", h, m, s); err != nil || got != want {
			t.Errorf("apptClock(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"25:00", "10", "13 pm", "tarde", "10:75", ""} {
		if _, _, _, _, err := apptClock(in, madrid); err == nil {
			t.Errorf("apptClock(%q) accepted", in)
		}
	}
}
