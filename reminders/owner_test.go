package reminders

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// jobIDs lists the ids of the jobs List gives in a state.
func jobIDs(t *testing.T, list []Job, rule string) []int64 {
	t.Helper()
	var out []int64
	for _, j := range list {
		if j.Rule == rule {
			out = append(out, j.ID)
		}
	}
	return out
}

// The owner cancels a planned thank-you: it is cancelled with the owner as
// the reason, and never sent; a second cancel, or one of a job that does
// not exist, says so.
func TestCancelStopsAPlannedJob(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	planned, err := List(ctx, s.db, "planned", 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := jobIDs(t, planned, ThankYou)
	if len(ids) != 1 {
		t.Fatalf("planned %+v, want one thank-you", planned)
	}
	if err := Cancel(ctx, s.db, ids[0], s.now); err != nil {
		t.Fatal(err)
	}
	got := jobs(t, s.db, "")
	if len(got) != 1 || got[0].State != "cancelled" || got[0].Reason != ReasonOwnerCancelled {
		t.Fatalf("after cancel: %+v", got)
	}
	if rep := s.run(t); rep.Queued != 0 || len(s.smtp.Messages()) != 0 {
		t.Fatalf("a cancelled job went: %+v", rep)
	}
	if err := Cancel(ctx, s.db, ids[0], s.now); !errors.Is(err, ErrNotPlanned) {
		t.Errorf("cancel twice: %v, want ErrNotPlanned", err)
	}
	if err := Cancel(ctx, s.db, 9999, s.now); !errors.Is(err, ErrNoJob) {
		t.Errorf("cancel of no job: %v, want ErrNoJob", err)
	}
}

// "Send now" makes a job due in two days go in the next round.
func TestSendNowSendsAPlannedJobAtOnce(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	if err := SetDelay(ctx, s.db, ThankYou, 48*time.Hour, s.now); err != nil {
		t.Fatal(err)
	}
	s.order(t, "P-1", s.now.Add(-10*time.Minute), "Paid", "", "")
	if rep := s.run(t); rep.Queued != 0 {
		t.Fatalf("sent before its time: %+v", rep)
	}
	planned, err := List(ctx, s.db, "planned", 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := jobIDs(t, planned, ThankYou)
	if len(ids) != 1 || !planned[0].Due.After(s.now.Add(47*time.Hour)) {
		t.Fatalf("planned %+v, want one thank-you due in two days", planned)
	}
	if err := SendNow(ctx, s.db, ids[0], s.now); err != nil {
		t.Fatal(err)
	}
	if got := jobs(t, s.db, ""); len(got) != 1 || !got[0].Due.Equal(s.now) {
		t.Fatalf("after send now: %+v", got)
	}
	if rep := s.run(t); rep.Queued != 1 || len(s.smtp.Messages()) != 1 {
		t.Fatalf("send now did not send: %+v, %d emails", rep, len(s.smtp.Messages()))
	}
	if err := SendNow(ctx, s.db, ids[0], s.now); !errors.Is(err, ErrNotPlanned) {
		t.Errorf("send now of a sent job: %v, want ErrNotPlanned", err)
	}
}

// What needs the owner's look: a skipped job for a week, an uncertain one
// until the owner decides.
func TestNeedsAttentionCountsRecentSkipsAndUncertain(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	count := func(since time.Time) int {
		t.Helper()
		n, err := NeedsAttention(ctx, s.db, since)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(s.now.Add(-time.Hour)); n != 0 {
		t.Fatalf("an empty shop needs attention: %d", n)
	}
	// Ana asked for no automated email: her thank-you is skipped.
	s.order(t, "P-1", s.now.Add(-2*time.Hour), "Paid", "", "")
	if err := SetOptOut(ctx, s.db, customerID(t, s, "ana@example.com"), OptOut{All: true}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got := jobs(t, s.db, ""); len(got) != 1 || got[0].State != "skipped" {
		t.Fatalf("jobs %+v, want one skipped", got)
	}
	if n := count(s.now.Add(-time.Hour)); n != 1 {
		t.Errorf("a skip of this hour counts %d, want 1", n)
	}
	if n := count(s.now.Add(time.Hour)); n != 0 {
		t.Errorf("a skip older than the window counts %d, want 0", n)
	}
	// Another order of hers is sent, and then taken for uncertain (as a
	// crash mid-send leaves it): it counts however old.
	if err := SetOptOut(ctx, s.db, customerID(t, s, "ana@example.com"), OptOut{}, "owner", s.now); err != nil {
		t.Fatal(err)
	}
	s.order(t, "P-2", s.now.Add(-2*time.Hour), "Paid", "", "")
	s.run(t)
	if _, err := s.db.Exec(`UPDATE outbox SET state = 'uncertain'`); err != nil {
		t.Fatal(err)
	}
	if n := count(s.now.Add(24 * time.Hour)); n != 1 {
		t.Errorf("an uncertain email counts %d, want 1", n)
	}
	if n := count(s.now.Add(-time.Hour)); n != 2 {
		t.Errorf("a recent skip and an uncertain email count %d, want 2", n)
	}
}

func customerID(t *testing.T, s *shopEnv, email string) int64 {
	t.Helper()
	var id int64
	if err := s.db.QueryRow(`SELECT id FROM customer WHERE email = ?`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A refused template says what is wrong in a way the window can word.
func TestTemplateFaults(t *testing.T) {
	db := testDB(t)
	for _, tc := range []struct {
		subject, body string
		kind, field   string
	}{
		{"Gracias", "Hola\n{{.Pedido}}", FaultUnknownField, ".Pedido"},
		{"Gracias", "{{.Order.Numero}}", FaultUnknownField, ".Order.Numero"},
		{"Gracias {{.Appointment.Day}}", "x", FaultNotForRule, ".Appointment.Day"},
		{"Gracias", "{{if .FirstName}}sin cerrar", FaultNoEnd, ""},
		{" ", "x", FaultEmpty, ""},
		{"Dos\nlíneas", "x", FaultTwoLines, ""},
		{"Gracias {{.Name", "x", FaultSyntax, ""},
		{"Gracias", "{{.Name | nope}}", FaultSyntax, ""},
	} {
		err := SaveTemplate(context.Background(), db, Template{Key: ThankYou, Lang: "es", Subject: tc.subject,
			Body: tc.body}, tuesday)
		var te *TemplateError
		if !errors.As(err, &te) {
			t.Fatalf("%q / %q: %v, want a TemplateError", tc.subject, tc.body, err)
		}
		if kind, field := te.Fault(); kind != tc.kind || field != tc.field {
			t.Errorf("%q / %q: fault %s %q, want %s %q (%v)", tc.subject, tc.body, kind, field, tc.kind, tc.field, err)
		}
		if strings.Contains(te.Detail(), "executing") {
			t.Errorf("detail %q keeps the template's wrapping", te.Detail())
		}
	}
}

// Every field FieldsFor offers renders in that template, and the
// templates of the rules are every template, once.
func TestFieldsForAndTemplatesOf(t *testing.T) {
	var all []string
	for _, rule := range RuleNames() {
		keys := TemplatesOf(rule)
		if len(keys) == 0 {
			t.Errorf("rule %s has no template", rule)
		}
		all = append(all, keys...)
	}
	if want := TemplateKeys(); !slices.Equal(all, want) {
		t.Errorf("TemplatesOf gives %v, want %v", all, want)
	}
	for _, key := range TemplateKeys() {
		fields := FieldsFor(key)
		for _, f := range fields {
			text := "{{" + f + "}}"
			if f == ".Order.Items" {
				text = "{{range .Order.Items}}{{.Quantity}} {{.Name}}{{end}}"
			}
			if _, _, err := render(Template{Key: key, Lang: "es", Subject: "x", Body: text}, sampleFields(key)); err != nil {
				t.Errorf("%s offers %s, which fails: %v", key, f, err)
			}
		}
		orderEmail := !strings.HasPrefix(key, Appointment) && key != Birthday
		if orderEmail != slices.Contains(fields, ".Order.Number") {
			t.Errorf("%s offers %v", key, fields)
		}
	}
	if !TimingEditable(FollowUp) || TimingEditable(Appointment) || TimingEditable(Birthday) {
		t.Error("TimingEditable is wrong")
	}
	if TemplateKeyOf(Reorder, "Jabón") != Reorder || TemplateKeyOf(Delivery, "shipped") != "delivery-shipped" {
		t.Error("TemplateKeyOf is wrong")
	}
	if gap, week := FrequencyCap(); gap != capGap || week != capPerWeek {
		t.Errorf("FrequencyCap = %v, %d", gap, week)
	}
}
