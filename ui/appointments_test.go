package ui

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// apptNow is the window's clock in these tests: Tuesday 10 March 2026,
// 10:00 in Madrid.
func apptNow(t *testing.T) (time.Time, *time.Location) {
	t.Helper()
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 3, 10, 10, 0, 0, 0, madrid), madrid
}

// openAppointments is the appointments room in a test window, on a shop in
// Madrid whose clock says now.
func openAppointments(t *testing.T, db *sql.DB, lang string, now time.Time) (*appointmentsView, fyne.Window) {
	t.Helper()
	if _, err := settings.Set(context.Background(), db, settings.ShopTimezone, now.Location().String()); err != nil {
		t.Fatal(err)
	}
	w, win := openWindow(t, db, lang)
	w.now = func() time.Time { return now }
	w.opts.Location = now.Location()
	v := newAppointmentsView(w)
	win.SetContent(v.content)
	return v, win
}

// sentMailbox stands in for the shop's outbox: it takes the scheduler's
// emails and remembers to whom they went.
type sentMailbox struct{ to []string }

func (m *sentMailbox) Queue(_ context.Context, _ *sql.Tx, e reminders.Email) (int64, error) {
	m.to = append(m.to, e.To.Addr+" "+e.Subject)
	return int64(len(m.to)), nil
}

func (m *sentMailbox) SendDue(context.Context) error { return nil }

// jobsNow lists the appointment emails as "step state due" (due on the
// shop's clock), sorted.
func jobsNow(t *testing.T, db *sql.DB, loc *time.Location, state string) []string {
	t.Helper()
	list, err := reminders.List(context.Background(), db, state, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range list {
		if j.Rule != reminders.Appointment {
			t.Errorf("a job of rule %q", j.Rule)
		}
		out = append(out, fmt.Sprintf("%s %s %s", j.Step, j.State, j.Due.In(loc).Format("02/01 15:04")))
	}
	sort.Strings(out)
	return out
}

func mustJobs(t *testing.T, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// problemShown fails unless the open dialog says text, and keeps it open.
func problemShown(t *testing.T, v *appointmentsView, win fyne.Window, text string) {
	t.Helper()
	if v.form == nil || !v.form.problem.Visible() {
		t.Fatalf("no problem shown; the window shows:\n%s", strings.Join(screenTexts(win), "\n"))
	}
	mustShow(t, win, text)
}

// The proof: booking plans the confirmation and the reminders;
// moving the appointment replans them (the old time's reminders cancelled,
// an update of the invitation and the new time's reminders planned);
// cancelling withdraws the invitation. The room lists it at its local time
// throughout.
func TestAppointmentsRoomBooksMovesAndCancels(t *testing.T) {
	db := newShopDB(t)
	now, madrid := apptNow(t)
	v, win := openAppointments(t, db, "es", now)
	ctx := context.Background()
	mustShow(t, win, "Martes 10 de marzo", "No hay citas este día.", "Día", "Semana", "Hoy", "Nueva cita…")
	if !v.moveBtn.Disabled() || !v.cancelBtn.Disabled() {
		t.Errorf("Move and Cancel enabled with nothing selected")
	}

	test.Tap(v.newBtn)
	f := v.form
	if f == nil {
		t.Fatal("New opened no form")
	}
	mustShow(t, win, "Nueva cita", "Correo del cliente", "Reservar", "martes 10 de marzo", "11:00")
	test.Tap(f.ok)
	problemShown(t, v, win, "Escriba el correo del cliente: a él van la confirmación y los recordatorios.")
	test.Type(f.email, "ana.lopez@")
	test.Tap(f.ok)
	problemShown(t, v, win, "«ana.lopez@» no es una dirección de correo válida.")
	f.email.SetText("Ana.Lopez@example.es")
	f.name.SetText("Ana López")
	f.service.SetText("Corte")
	f.staff.SetText("Marta")
	f.clock.SetText("25:00")
	test.Tap(f.ok)
	problemShown(t, v, win, "«25:00» no es una hora: escriba, por ejemplo, 10:30.")
	f.clock.SetText("9:30") // today, but gone
	test.Tap(f.ok)
	problemShown(t, v, win, "Esa hora ya pasó: elija una que esté por llegar.")
	if n := len(jobsNow(t, db, madrid, "")); n != 0 {
		t.Fatalf("%d jobs planned by refused forms", n)
	}
	thursday := time.Date(2026, 3, 12, 0, 0, 0, 0, madrid)
	f.day.SetDate(&thursday)
	mustShow(t, win, "jueves 12 de marzo")
	f.clock.SetText("11:00")
	test.Tap(f.ok)
	if v.form != nil {
		t.Fatalf("the form stayed open: %s", f.problem.Text)
	}
	mustNotShow(t, win, "Nueva cita")
	// A confirmation now, reminders the day before and two hours before.
	mustJobs(t, jobsNow(t, db, madrid, "planned"),
		"confirm planned 10/03 10:00", "remind-24h planned 11/03 11:00", "remind-2h planned 12/03 09:00")
	mustShow(t, win, "Jueves 12 de marzo", "11:00–12:00", "Ana López", "Corte · Marta", "Reservada",
		"Cita reservada: Ana López, 12/03/2026 11:00.\nCorreos automáticos planificados: 3 (cita 3)")
	mustBeTranslated(t, win)
	if v.moveBtn.Disabled() || v.cancelBtn.Disabled() {
		t.Errorf("the new appointment is not selected for Move and Cancel")
	}

	// The confirmation goes, from the shop's account (saved; the outbox
	// stands in for its server).
	ep := func(proto string, port int) inbox.Endpoint {
		return inbox.Endpoint{Proto: proto, Security: inbox.Plain, Host: "127.0.0.1", Port: port, User: "tienda"}
	}
	if err := inbox.SaveAccount(ctx, db, &inbox.Account{IMAP: ep("imap", 143), SMTP: ep("smtp", 587),
		FromName: "Peluquería Lola", FromAddr: "tienda@example.com"}); err != nil {
		t.Fatal(err)
	}
	mail := &sentMailbox{}
	sched := &reminders.Scheduler{DB: db, Now: v.w.now, Mailbox: mail}
	if rep, err := sched.RunOnce(ctx); err != nil || rep.Queued != 1 {
		t.Fatalf("sending the confirmation: %+v %v", rep, err)
	}
	if len(mail.to) != 1 || !strings.HasPrefix(mail.to[0], "ana.lopez@example.es ") {
		t.Fatalf("sent %q", mail.to)
	}

	// Moved to Friday 16:30 through the form.
	later := now.Add(time.Hour)
	v.w.now = func() time.Time { return later }
	test.Tap(v.moveBtn)
	f = v.form
	if f == nil {
		t.Fatal("Move opened no form")
	}
	mustShow(t, win, "Cambiar la cita de Ana López", "Ana López · 12/03/2026 11:00 · Corte · Marta", "jueves 12 de marzo", "11:00")
	test.Tap(f.ok)
	problemShown(t, v, win, "La cita ya es a esa hora: no hay nada que cambiar.")
	friday := time.Date(2026, 3, 13, 0, 0, 0, 0, madrid)
	f.day.SetDate(&friday)
	f.clock.SetText("16:30")
	test.Tap(f.ok)
	if v.form != nil {
		t.Fatalf("the form stayed open: %s", f.problem.Text)
	}
	mustJobs(t, jobsNow(t, db, madrid, ""),
		"confirm queued 10/03 10:00",
		"remind-24h cancelled 11/03 11:00", "remind-2h cancelled 12/03 09:00", // the old time's
		"update planned 10/03 11:00", "remind-24h planned 12/03 16:30", "remind-2h planned 13/03 14:30")
	mustShow(t, win, "Viernes 13 de marzo", "16:30–17:30", "Ana López",
		"Cita de Ana López cambiada al 13/03/2026 16:30.\nCorreos automáticos planificados: 3 (cita 3)\n"+
			"Se anularon 2 correos automáticos que ya no tienen sentido.")
	mustNotShow(t, win, "11:00–12:00")

	// The week holds it, on its day, at its local time.
	v.mode.SetSelected("Semana")
	mustShow(t, win, "Semana del 9 al 15 de marzo", "vie 13 · 16:30–17:30")
	mustBeTranslated(t, win)

	// The navigation's count: none today; one on Friday.
	if n := v.today(); n != 0 {
		t.Errorf("today() = %d on Tuesday", n)
	}
	v.w.now = func() time.Time { return friday.Add(8 * time.Hour) }
	if n := v.today(); n != 1 {
		t.Errorf("today() = %d on Friday, want 1", n)
	}
	v.w.now = func() time.Time { return later }

	// Cancelled: what was planned is cancelled, and the customer, who had
	// the invitation, gets its cancellation.
	test.Tap(v.cancelBtn)
	f = v.form
	if f == nil {
		t.Fatal("Cancel opened no dialog")
	}
	mustShow(t, win, "¿Cancelar la cita?", "No, mantenerla", "Sí, cancelarla")
	test.Tap(f.ok)
	if v.form != nil {
		t.Fatalf("the dialog stayed open: %s", f.problem.Text)
	}
	mustJobs(t, jobsNow(t, db, madrid, "planned"), "cancel planned 10/03 11:00")
	mustShow(t, win, "Cancelada", "Cita de Ana López del 13/03/2026 16:30 cancelada.\nCorreos automáticos planificados: 1 (cita 1)\n"+
		"Se anularon 3 correos automáticos que ya no tienen sentido.")
	if !v.moveBtn.Disabled() || !v.cancelBtn.Disabled() {
		t.Errorf("Move and Cancel still enabled on a cancelled appointment")
	}
	v.w.now = func() time.Time { return friday.Add(8 * time.Hour) }
	if n := v.today(); n != 0 {
		t.Errorf("today() = %d on Friday after cancelling", n)
	}
	mustBeTranslated(t, win)
}

// Days and weeks step by calendar days across the change to summer time,
// and an appointment at 10:00 on the Monday after it is listed at 10:00;
// the hour the clocks skip cannot be booked. In English.
func TestAppointmentsRoomAcrossTheClockChange(t *testing.T) {
	db := newShopDB(t)
	_, madrid := apptNow(t)
	now := time.Date(2026, 3, 28, 12, 0, 0, 0, madrid) // Saturday; summer time from Sunday 02:00
	v, win := openAppointments(t, db, "en", now)
	mustShow(t, win, "Saturday, March 28", "No appointments this day.")
	test.Tap(v.next)
	mustShow(t, win, "Sunday, March 29")

	test.Tap(v.newBtn)
	f := v.form
	if f == nil {
		t.Fatal("New opened no form")
	}
	mustShow(t, win, "Sunday, March 29", "10:00") // the form opens on the morning of the day shown
	f.email.SetText("jo@example.com")
	f.name.SetText("Jo Bloggs")
	f.service.SetText("Colour")
	f.clock.SetText("02:30")
	test.Tap(f.ok)
	problemShown(t, v, win, "02:30 does not exist that day: the clocks go forward that night. Choose another time.")
	f.day.SetText("31/31/2026")
	test.Tap(f.ok)
	problemShown(t, v, win, "\"31/31/2026\" is not a date that can be read: pick it on the calendar.")
	monday := time.Date(2026, 3, 30, 0, 0, 0, 0, madrid)
	f.day.SetDate(&monday)
	f.clock.SetText("10")
	test.Tap(f.ok)
	if v.form != nil {
		t.Fatalf("the form stayed open: %s", f.problem.Text)
	}
	mustShow(t, win, "Monday, March 30", "10:00–11:00", "Jo Bloggs", "Colour", "Booked",
		"Appointment booked: Jo Bloggs, Mar 30, 2026 10:00.\nAutomated emails planned: 3 (appointment 3)")
	// The day before at 10:00 too, though that day is 23 hours long.
	mustJobs(t, jobsNow(t, db, madrid, "planned"),
		"confirm planned 28/03 12:00", "remind-24h planned 29/03 10:00", "remind-2h planned 30/03 08:00")
	list, err := orders.ListAppointments(context.Background(), db, monday, monday.AddDate(0, 0, 1))
	if err != nil || len(list) != 1 || list[0].StartsAt.UTC().Format("15:04") != "08:00" {
		t.Fatalf("stored %+v %v, want 08:00 UTC", list, err)
	}
	test.Tap(v.prev)
	test.Tap(v.prev)
	mustShow(t, win, "Saturday, March 28")
	test.Tap(v.todayBtn)
	mustShow(t, win, "Saturday, March 28")
	v.mode.SetSelected("Week")
	mustShow(t, win, "Week of March 23 – 29")
	test.Tap(v.next)
	mustShow(t, win, "Week of March 30 – April 5", "Mon 30 · 10:00–11:00")
	mustBeTranslated(t, win)
}

// Titles in both languages, and a week across two months and two years.
func TestAppointmentTitles(t *testing.T) {
	_, madrid := apptNow(t)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, madrid) }
	for _, tc := range []struct {
		got, want string
	}{
		{longDay(d(2026, 11, 23), "es", false), "lunes 23 de noviembre"},
		{longDay(d(2026, 11, 23), "en", false), "Monday, November 23"},
		{longDay(d(2027, 1, 6), "es", true), "miércoles 6 de enero de 2027"},
		{longDay(d(2027, 1, 6), "en", true), "Wednesday, January 6, 2027"},
		{shortDay(d(2026, 3, 14), "es"), "sáb 14"},
		{lengthLabel(90 * time.Minute), "1 h 30 min"},
		{lengthLabel(45 * time.Minute), "45 min"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		first       time.Time
		lang        string
		from, to    string
		currentYear int
	}{
		{d(2026, 11, 23), "es", "23", "29 de noviembre", 2026},
		{d(2026, 11, 23), "en", "November 23", "29", 2026},
		{d(2026, 11, 30), "es", "30 de noviembre", "6 de diciembre", 2026},
		{d(2026, 11, 30), "en", "November 30", "December 6", 2026},
		{d(2026, 12, 28), "es", "28 de diciembre de 2026", "3 de enero de 2027", 2026},
		{d(2027, 3, 1), "en", "March 1", "7, 2027", 2026},
	} {
		from, to := weekSpan(tc.first, tc.first.AddDate(0, 0, 6), tc.lang, tc.currentYear)
		if from != tc.from || to != tc.to {
			t.Errorf("%s %v: %q – %q, want %q – %q", tc.lang, tc.first, from, to, tc.from, tc.to)
		}
	}
	for in, want := range map[string]string{"10:30": "10:30", "9.05": "09:05", "7": "07:00", "10h15": "10:15",
		"24:00": "bad", "10:60": "bad", "diez": "bad", "": "bad"} {
		h, m, ok := parseClock(in)
		got := fmt.Sprintf("%02d:%02d", h, m)
		if !ok {
			got = "bad"
		}
		if got != want {
			t.Errorf("parseClock(%q) = %s, want %s", in, got, want)
		}
	}
}

// queueingMailbox writes the scheduler's emails into the shop's real
// outbox (without sending them) and remembers their Message-IDs, which a
// customer's answer refers to.
type queueingMailbox struct {
	acct *inbox.Account
	now  time.Time
	ids  []string
}

func (m *queueingMailbox) Queue(ctx context.Context, tx *sql.Tx, e reminders.Email) (int64, error) {
	id, msgID, err := inbox.QueueAuto(ctx, tx, m.acct, e, m.now)
	m.ids = append(m.ids, msgID)
	return id, err
}

func (m *queueingMailbox) SendDue(context.Context) error { return nil }

// A customer who answers the confirmation "Confirmo" is shown as having
// confirmed, beside the appointment.
func TestAppointmentsRoomShowsTheCustomersAnswer(t *testing.T) {
	s := newMailShop(t)
	_, madrid := apptNow(t)
	today := time.Now().In(madrid)
	now := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, madrid) // out of the quiet hours
	v, win := openAppointments(t, s.db, "es", now)
	ctx := context.Background()
	test.Tap(v.newBtn)
	f := v.form
	f.email.SetText("ana.lopez@example.es")
	f.name.SetText("Ana López")
	day := time.Date(today.Year(), today.Month(), today.Day()+3, 0, 0, 0, 0, madrid)
	f.day.SetDate(&day)
	f.clock.SetText("11:00")
	test.Tap(f.ok)
	if v.form != nil {
		t.Fatalf("the form stayed open: %s", f.problem.Text)
	}
	mustNotShow(t, win, "Confirmó por correo")

	mail := &queueingMailbox{acct: s.acct, now: now}
	if rep, err := (&reminders.Scheduler{DB: s.db, Now: v.w.now, Mailbox: mail}).RunOnce(ctx); err != nil || rep.Queued != 1 {
		t.Fatalf("sending the confirmation: %+v %v", rep, err)
	}
	raw := fmt.Sprintf("From: Ana López <ana.lopez@example.es>\r\nTo: tienda@example.com\r\nSubject: Re: tu cita\r\n"+
		"Message-ID: <ana-confirma@example.es>\r\nIn-Reply-To: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Confirmo\r\n\r\nAna\r\n", mail.ids[0], now.Add(time.Hour).Format(time.RFC1123Z))
	if _, err := s.imap.User.Append("INBOX", strings.NewReader(raw), &imap.AppendOptions{Time: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	replies, err := reminders.ReadReplies(ctx, s.db, now.Add(2*time.Hour))
	if err != nil || len(replies) != 1 || replies[0].Kind != "confirm" {
		t.Fatalf("replies %+v %v", replies, err)
	}
	v.reload()
	mustShow(t, win, "Confirmó por correo", "Ana López", "Reservada")
}
