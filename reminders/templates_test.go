package reminders

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// Every default renders in both languages, greets by first name and is
// signed.
func TestDefaultTemplatesRender(t *testing.T) {
	for _, key := range TemplateKeys() {
		for _, lang := range []string{"es", "en"} {
			tpl, err := DefaultTemplate(key, lang)
			if err != nil {
				t.Fatal(err)
			}
			subject, body, err := render(tpl, sampleFields(key))
			if err != nil {
				t.Fatalf("%s (%s): %v", key, lang, err)
			}
			if subject == "" || strings.Contains(subject, "<no value>") || strings.Contains(body, "<no value>") {
				t.Errorf("%s (%s): subject %q body %q", key, lang, subject, body)
			}
			if !strings.Contains(body, "Ana") || !strings.HasSuffix(body, "Lucía\nTienda\n") {
				t.Errorf("%s (%s): not greeting Ana or not signed:\n%s", key, lang, body)
			}
		}
	}
}

// Without a first name the greeting still reads well.
func TestTemplateWithoutFirstName(t *testing.T) {
	tpl, err := DefaultTemplate(ThankYou, "es")
	if err != nil {
		t.Fatal(err)
	}
	f := sampleFields(ThankYou)
	f.FirstName = ""
	_, body, err := render(tpl, f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body, "¡Hola!\n") {
		t.Errorf("body starts %q", body[:20])
	}
}

// A customer's name with a line break in it cannot add a header.
func TestSubjectIsOneLine(t *testing.T) {
	tpl := Template{Key: ThankYou, Lang: "en", Subject: "Thanks {{.Name}}", Body: "x"}
	f := sampleFields(ThankYou)
	f.Name = "Ana\r\nBcc: everyone@example.com"
	subject, _, err := render(tpl, f)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Thanks Ana Bcc: everyone@example.com" {
		t.Errorf("subject %q", subject)
	}
}

// The owner's template is checked when saved: an unknown field, a field
// the rule does not have, or a syntax error, with its line.
func TestSaveTemplateChecks(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	for _, tc := range []struct {
		tpl        Template
		part, want string
		line       int
	}{
		{Template{Key: ThankYou, Lang: "es", Subject: "Gracias", Body: "Hola {{.FirstName}}\nTu pedido {{.Pedido}}\n"},
			"body", "unknown field Pedido", 2},
		{Template{Key: ThankYou, Lang: "es", Subject: "Gracias", Body: "Hola\n\n{{if .FirstName}}sin cerrar\n"},
			"body", "has no {{end}}", 4},
		{Template{Key: ThankYou, Lang: "en", Subject: "Thanks {{.Appointment.Day}}", Body: "x"},
			"subject", "nil pointer", 1},
		{Template{Key: ThankYou, Lang: "en", Subject: "Two\nlines", Body: "x"}, "subject", "more than one line", 0},
	} {
		err := SaveTemplate(ctx, db, tc.tpl, tuesday)
		var te *TemplateError
		if !errors.As(err, &te) || te.Part != tc.part || te.Line != tc.line || !strings.Contains(te.Problem, tc.want) {
			t.Errorf("SaveTemplate(%q / %q) = %v, want %s line %d: %s", tc.tpl.Subject, tc.tpl.Body, err, tc.part, tc.line, tc.want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM template`); n != 0 {
		t.Fatalf("%d faulty templates stored", n)
	}
	good := Template{Key: FollowUp, Lang: "es", Subject: "¿Qué tal, {{.FirstName}}?", Body: "Cuéntame.\n{{.Signature}}\n"}
	if err := SaveTemplate(ctx, db, good, tuesday); err != nil {
		t.Fatal(err)
	}
	got, err := LoadTemplate(ctx, db, FollowUp, "es")
	if err != nil || !got.Custom || got.Subject != good.Subject {
		t.Fatalf("LoadTemplate = %+v, %v", got, err)
	}
	if err := ResetTemplate(ctx, db, FollowUp, "es"); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadTemplate(ctx, db, FollowUp, "es"); got.Custom {
		t.Fatal("still the owner's after reset")
	}
}

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzTemplate: whatever the owner writes as a template, saving it either
// refuses it with a TemplateError or renders a one-line subject, never a
// panic, and customer data with line breaks cannot break the subject.
func FuzzTemplate(f *testing.F) {
	for _, key := range TemplateKeys() {
		for _, lang := range []string{"es", "en"} {
			tpl, err := DefaultTemplate(key, lang)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(key, tpl.Subject, tpl.Body, "Ana Pérez")
		}
	}
	f.Add(ThankYou, "{{.Name}}", "{{range .Order.Items}}{{.Name}}{{end}}", "Ana\r\nBcc: x@example.com")
	f.Add(Appointment+"-confirm", "{{template \"x\"}}", "{{define \"x\"}}{{end}}", "")
	f.Fuzz(func(t *testing.T, key, subject, body, name string) {
		if !validKey(key) {
			key = ThankYou
		}
		tpl := Template{Key: key, Lang: "es", Subject: subject, Body: body}
		fields := sampleFields(key)
		fields.Name, fields.FirstName = name, firstName(name)
		s, _, err := render(tpl, fields)
		if err != nil {
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("render error %v is not a TemplateError", err)
			}
			return
		}
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("subject %q has a line break", s)
		}
	})
}
