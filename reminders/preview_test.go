package reminders

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mostrador/internal/settings"
	"mostrador/orders"
)

// previewShop is a shop with one customer, Martina, and her order P-7 of
// two candles.
func previewShop(t *testing.T) (*shopEnv, int64) {
	t.Helper()
	s := newShop(t)
	importOrders(t, s.db, s.now, ordersHeader+
		"P-7,"+s.now.Add(-3*time.Hour).In(madrid).Format("2006-01-02 15:04")+
		",Martina Gómez,martina@example.com,Vela de higo,2,9.50,19.00,Shipped,SEUR,SE-55\n")
	return s, customerID(t, s, "martina@example.com")
}

func preview(t *testing.T, s *shopEnv, key, lang string, customer int64) (string, string) {
	t.Helper()
	tpl, err := DefaultTemplate(key, lang)
	if err != nil {
		t.Fatal(err)
	}
	subject, body, err := Preview(context.Background(), s.db, tpl, customer, s.now)
	if err != nil {
		t.Fatalf("%s (%s): %v", key, lang, err)
	}
	return subject, body
}

// The preview of an order email reads as the customer would get it: her
// first name, her order, the shop's signature and the opt-out line.
func TestPreviewUsesTheCustomersOwnData(t *testing.T) {
	s, martina := previewShop(t)
	subject, body := preview(t, s, ThankYou, "es", martina)
	if !strings.Contains(subject, "P-7") {
		t.Errorf("subject %q does not name her order", subject)
	}
	for _, want := range []string{"¡Hola, Martina!", "2 × Vela de higo", "Lola Peña\nJabones Lola", "responde BAJA"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Ana") || strings.Contains(body, "Jabón de lavanda") {
		t.Errorf("body has sample data for a customer with her own:\n%s", body)
	}
	_, body = preview(t, s, Delivery+"-shipped", "en", martina)
	if !strings.Contains(body, "Hi Martina") || !strings.Contains(body, "SE-55") || !strings.Contains(body, "reply STOP") {
		t.Errorf("delivery preview in English:\n%s", body)
	}
	_, body = preview(t, s, Reorder, "es", martina)
	if !strings.Contains(body, "Vela de higo") {
		t.Errorf("reorder preview is not about her product:\n%s", body)
	}
}

// A customer who never booked still previews an appointment email, with a
// sample appointment; her own booking when she has one.
func TestPreviewOfAppointmentEmails(t *testing.T) {
	s, martina := previewShop(t)
	subject, body := preview(t, s, Appointment+"-"+StepConfirm, "es", martina)
	if !strings.Contains(subject, "martes 3 de marzo") || !strings.Contains(body, "Martina") {
		t.Errorf("no sample appointment: %q\n%s", subject, body)
	}
	start := time.Date(2026, 3, 20, 17, 30, 0, 0, madrid)
	res, err := orders.ImportAppointmentsBytes(context.Background(), s.db, "citas.csv", []byte(
		"Nombre;Correo;Servicio;Inicio;Duración\nMartina Gómez;martina@example.com;Manicura;"+
			start.Format("02/01/2006 15:04")+";45\n"), orders.Options{Now: s.clock, Location: madrid})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
	subject, body = preview(t, s, Appointment+"-"+StepConfirm, "es", martina)
	if !strings.Contains(subject, "viernes 20 de marzo a las 17:30") || !strings.Contains(body, "Manicura") {
		t.Errorf("not her appointment: %q\n%s", subject, body)
	}
}

// Without a customer the preview uses the sample, with the shop's own
// signature; a faulty template gives its fault, as saving would.
func TestPreviewWithoutCustomerAndWithFault(t *testing.T) {
	s, _ := previewShop(t)
	setting(t, s.db, settings.ShopOwner, "Lola")
	_, body := preview(t, s, FollowUp, "es", 0)
	if !strings.Contains(body, "Ana") || !strings.Contains(body, "Lola\nJabones Lola") {
		t.Errorf("sample preview:\n%s", body)
	}
	_, _, err := Preview(context.Background(), s.db, Template{Key: ThankYou, Lang: "es", Subject: "Hola",
		Body: "Hola\n{{.Pedido}}\n"}, 0, s.now)
	var te *TemplateError
	if !errors.As(err, &te) || te.Line != 2 {
		t.Errorf("faulty preview: %v", err)
	}
}
