package ui

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// importRecent imports orders placed an hour ago by each customer (name and
// email), and plans their emails in the import, as the window's import
// does. The quiet hours are off: the tests run at any hour.
func importRecent(t *testing.T, db *sql.DB, customers ...[2]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := settings.Set(ctx, db, settings.QuietHours, "off"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var csv strings.Builder
	csv.WriteString("Order,Date,Customer,Email,Item,Qty,Price,Total,Status\n")
	for i, c := range customers {
		fmt.Fprintf(&csv, "R-%d,%s,%s,%s,Vela de higo,2,9.50,19.00,Paid\n", i+1,
			now.Add(-time.Hour).Format("2006-01-02 15:04"), c[0], c[1])
	}
	res, err := orders.ImportBytes(ctx, db, "pedidos.csv", []byte(csv.String()), orders.Options{Location: time.UTC,
		WithinOrders: func(ctx context.Context, tx *sql.Tx, changes []orders.Change) error {
			_, err := (&reminders.Planner{DB: db}).OrdersIn(ctx, tx, changes)
			return err
		}})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
}

var (
	martina  = [2]string{"Martina Gómez", "martina@example.com"}
	federico = [2]string{"Federico Ruiz", "federico@example.com"}
)

// openAutomations shows the Automations screen alone in a test window of
// the real window's size.
func openAutomations(t *testing.T, db *sql.DB, lang string) (*automationsView, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	w := New(db, win, Options{Lang: lang, Location: time.UTC})
	v := newAutomationsView(w)
	win.SetContent(v.content)
	win.Resize(fyne.NewSize(1100, 720))
	screenTexts(win) // draws the lists' rows
	return v, win
}

func customerID(t *testing.T, db *sql.DB, email string) int64 {
	t.Helper()
	rows, err := orders.ListCustomers(context.Background(), db, email, 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("customer %s: %v %+v", email, err, rows)
	}
	return rows[0].ID
}

func rule(t *testing.T, db *sql.DB, name string) reminders.RuleSetting {
	t.Helper()
	rules, err := reminders.Rules(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Rule == name {
			return r
		}
	}
	t.Fatalf("no rule %s", name)
	return reminders.RuleSetting{}
}

// mustShowContaining fails unless some text on screen contains want.
func mustShowContaining(t *testing.T, win fyne.Window, want string) {
	t.Helper()
	texts := screenTexts(win)
	for _, s := range texts {
		if strings.Contains(s, want) {
			return
		}
	}
	t.Errorf("the window shows no text with %q; it shows:\n%s", want, strings.Join(texts, "\n"))
}

// tapSwitch taps a switch on its box, as the mouse would: a row's switch is
// as high as the row, its box in the middle.
func tapSwitch(c *widget.Check) {
	test.TapAt(c, fyne.NewPos(theme.Padding()*2, c.Size().Height/2))
}

// The switch of a rule switches it in the database, both ways.
func TestRuleSwitchSwitchesTheRule(t *testing.T) {
	db := newShopDB(t)
	v, win := openAutomations(t, db, "es")
	followUp, birthday := v.rules.checks[reminders.FollowUp], v.rules.checks[reminders.Birthday]
	if followUp == nil || birthday == nil {
		t.Fatalf("the rules list drew no switch for every rule: %v", v.rules.checks)
	}
	if !followUp.Checked || birthday.Checked {
		t.Fatalf("switches drawn follow-up %v, birthday %v; want on, off (the defaults)", followUp.Checked, birthday.Checked)
	}
	tapSwitch(followUp)
	if rule(t, db, reminders.FollowUp).Enabled {
		t.Error("the follow-up is still on after its switch was tapped")
	}
	mustShow(t, win, "Preguntar qué tal fue", "«Preguntar qué tal fue» está desactivada: sus correos planificados no saldrán mientras siga así.")
	tapSwitch(v.rules.checks[reminders.Birthday])
	if !rule(t, db, reminders.Birthday).Enabled {
		t.Error("the anniversary greeting is still off after its switch was tapped")
	}
	tapSwitch(v.rules.checks[reminders.FollowUp])
	if !rule(t, db, reminders.FollowUp).Enabled {
		t.Error("the follow-up did not go back on")
	}
	mustBeTranslatedBut(t, win, v)
}

// The timing typed for a rule is its timing, and the list says it.
func TestTimingChangesTheRulesDelay(t *testing.T) {
	db := newShopDB(t)
	v, win := openAutomations(t, db, "es")
	for i, r := range v.rules.rules {
		if r.Rule == reminders.FollowUp {
			v.rules.list.Select(i)
		}
	}
	mustShow(t, win, "Cuándo sale: 7 días después de la entrega.")
	v.editor.amount.SetText("36")
	v.editor.unit.SetSelectedIndex(1) // hours
	v.editor.changeTiming()
	if d := rule(t, db, reminders.FollowUp).Delay; d != 36*time.Hour {
		t.Errorf("follow-up delay %v, want 36h", d)
	}
	mustShow(t, win, "36 horas después de la entrega", "Cuándo sale: 36 horas después de la entrega.")
	v.editor.amount.SetText("muchos")
	v.editor.changeTiming()
	mustShow(t, win, "Escriba un número entero, por ejemplo 3, que no pase de un año en total.")
	if d := rule(t, db, reminders.FollowUp).Delay; d != 36*time.Hour {
		t.Errorf("follow-up delay %v after a refused timing", d)
	}
}

// A template with a field Mostrador does not know is not saved, and the
// owner is told which line; a good one is.
func TestSavingATemplateChecksIt(t *testing.T) {
	db := newShopDB(t)
	v, win := openAutomations(t, db, "es")
	if v.editor.key != reminders.ThankYou {
		t.Fatalf("the editor opens %q, want the thank-you", v.editor.key)
	}
	es := v.editor.current()
	if es.lang != "es" {
		t.Fatalf("the Spanish window opens the %s wording", es.lang)
	}
	es.body.SetText("Hola {{.FirstName}}\nTu pedido {{.Pedido}} ya está en marcha.\n")
	test.Tap(es.save)
	want := "Línea 2 del texto: {{.Pedido}} no es un dato que Mostrador conozca. " +
		"Revise cómo está escrito; los datos que puede usar aparecen debajo."
	if es.fault.Text != want || !es.fault.Visible() {
		t.Errorf("fault %q (shown %v), want %q", es.fault.Text, es.fault.Visible(), want)
	}
	mustShow(t, win, "No se guardó: corrija el error que se indica debajo del texto.")
	if tpl, err := reminders.LoadTemplate(context.Background(), db, reminders.ThankYou, "es"); err != nil || tpl.Custom {
		t.Fatalf("a faulty template was stored: %+v %v", tpl, err)
	}

	es.body.SetText("Hola {{.FirstName}}\nTu pedido {{.Order.Number}} ya está en marcha.\n")
	test.Tap(es.save)
	tpl, err := reminders.LoadTemplate(context.Background(), db, reminders.ThankYou, "es")
	if err != nil || !tpl.Custom || !strings.Contains(tpl.Body, "ya está en marcha") {
		t.Fatalf("the good template was not stored: %+v %v", tpl, err)
	}
	if es.fault.Visible() {
		t.Error("the fault is still shown after a good save")
	}
	mustShow(t, win, "Texto suyo", "«Gracias por el pedido» guardado: los próximos correos saldrán con este texto.")
}

// The preview is the template being written, for the customer picked:
// her first name, her order; with nobody picked, the sample's.
func TestPreviewShowsThePickedCustomer(t *testing.T) {
	db := newShopDB(t)
	importRecent(t, db, martina, federico)
	v, win := openAutomations(t, db, "es")
	p := v.editor.preview
	p.picker.SetText("federico@")
	if !strings.HasPrefix(p.body.Text, "¡Hola, Federico!") || strings.Contains(p.body.Text, "Ana") {
		t.Errorf("preview for Federico:\n%s", p.body.Text)
	}
	p.picker.SetText(martina[0] + " <" + martina[1] + ">")
	if !strings.HasPrefix(p.body.Text, "¡Hola, Martina!") {
		t.Errorf("preview for Martina:\n%s", p.body.Text)
	}
	// Live: what the owner types shows at once, unsaved.
	v.editor.current().subject.SetText("{{.FirstName}}, gracias por tu compra")
	if p.subject.Text != "Martina, gracias por tu compra" {
		t.Errorf("preview subject %q", p.subject.Text)
	}
	mustNotShow(t, win, "No ha elegido ningún cliente: se usan datos de ejemplo.")
	p.picker.SetText("")
	if !strings.HasPrefix(p.body.Text, "¡Hola, Ana!") {
		t.Errorf("sample preview:\n%s", p.body.Text)
	}
	mustShow(t, win, "No ha elegido ningún cliente: se usan datos de ejemplo.")
	// A shop without a name signs its emails without one: the preview says so.
	mustShowContaining(t, win, "La tienda aún no tiene nombre")
	if _, err := settings.Set(context.Background(), db, settings.ShopName, "Velas Martina"); err != nil {
		t.Fatal(err)
	}
	p.render()
	mustNotShow(t, win, v.w.t("auto.noShopName"))
	if !strings.Contains(p.body.Text, "Es un correo automático de Velas Martina.") {
		t.Errorf("the preview's last line does not name the shop:\n%s", p.body.Text)
	}
	// A fault shows where the email would.
	v.editor.current().subject.SetText("{{.Pedido}}")
	if !p.fault.Visible() || !strings.HasPrefix(p.fault.Text, "En el asunto: {{.Pedido}} no es un dato") {
		t.Errorf("preview fault %q (shown %v)", p.fault.Text, p.fault.Visible())
	}
}

// Quiet hours and pace are stored as settings reads them; a value it
// refuses is said and not stored; test mode switches, with a warning.
func TestSendingSettings(t *testing.T) {
	db := newShopDB(t)
	v, win := openAutomations(t, db, "es")
	v.tabs.SelectIndex(2)
	s := v.sending
	if s.quiet.Text != "21:00-08:00" || s.rate.Text != "30" {
		t.Fatalf("shown quiet %q, rate %q; want the defaults", s.quiet.Text, s.rate.Text)
	}
	mustShow(t, win, "Cada cliente recibe como mucho un correo de seguimiento, de reposición o de felicitación cada "+
		"16 horas, y 2 por semana. Los avisos de pedidos y citas salen siempre. Este límite es fijo.")
	s.quiet.SetText("22-7")
	s.rate.SetText("12")
	s.save()
	ctx := context.Background()
	if q, _ := settings.Get(ctx, db, settings.QuietHours); q.Value != "22:00-07:00" {
		t.Errorf("quiet hours stored %q", q.Value)
	}
	if r, _ := settings.Get(ctx, db, settings.RatePerMinute); r.Value != "12" {
		t.Errorf("rate stored %q", r.Value)
	}
	mustShow(t, win, "Ajustes de envío guardados.", "22:00-07:00")
	s.quiet.SetText("por la noche")
	s.save()
	mustShowContaining(t, win, "No se guardó: las horas de silencio se escriben HH:MM-HH:MM")
	if q, _ := settings.Get(ctx, db, settings.QuietHours); q.Value != "22:00-07:00" {
		t.Errorf("a refused value was stored: %q", q.Value)
	}

	if v.banner.Visible() && v.banner.Text == v.w.t("auto.banner.testMode") {
		t.Fatal("the test mode warning shows before test mode is on")
	}
	test.Tap(s.testMode)
	if m, _ := settings.Get(ctx, db, settings.TestMode); m.Value != "true" {
		t.Errorf("test mode stored %q", m.Value)
	}
	mustShow(t, win, "Modo de prueba activado: los correos automáticos le llegan a usted, no a los clientes.")
	mustBeTranslatedBut(t, win, v)
}

// Every screen of Automations, in both languages, is translated.
func TestAutomationsInBothLanguages(t *testing.T) {
	for _, tc := range []struct{ lang, rules, emails, sending string }{
		{"es", "Agradecer cada pedido", "Planificados (1)", "Horas de silencio"},
		{"en", "Thank each order", "Planned (1)", "Quiet hours"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			db := newShopDB(t)
			importRecent(t, db, martina)
			v, win := openAutomations(t, db, tc.lang)
			for i := range v.rules.rules {
				v.rules.list.Select(i)
				mustBeTranslatedBut(t, win, v)
			}
			v.rules.list.Select(0)
			mustShow(t, win, tc.rules)
			v.tabs.SelectIndex(1)
			for i := range 3 {
				v.outbox.tabs.SelectIndex(i)
				mustBeTranslatedBut(t, win, v)
			}
			mustShow(t, win, tc.emails)
			v.tabs.SelectIndex(2)
			mustShow(t, win, tc.sending)
			mustBeTranslatedBut(t, win, v)
		})
	}
}

// mustBeTranslatedBut is mustBeTranslated, leaving out what is meant to
// hold template braces: the template being edited and the fields' help.
func mustBeTranslatedBut(t *testing.T, win fyne.Window, v *automationsView) {
	t.Helper()
	skip := map[string]bool{v.editor.fields.Text: true}
	for _, le := range v.editor.langs {
		skip[le.subject.Text], skip[le.body.Text] = true, true
	}
	for _, s := range screenTexts(win) {
		if skip[s] {
			continue
		}
		if rawKey.MatchString(strings.TrimSpace(s)) || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
			t.Errorf("untranslated text on screen: %q", s)
		}
	}
}
