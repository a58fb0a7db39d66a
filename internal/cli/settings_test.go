package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

func TestSettingsCommand(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "settings")
	o.want(t, exitOK)
	for _, line := range []string{
		"reminders.quiet_hours     = 21:00-08:00  (default)\n    hours without automated emails, like 21:00-08:00, or off\n",
		"shop.name                 =   (default)\n    the shop's name\n",
	} {
		if !strings.Contains(o.stdout, line) {
			t.Errorf("listing lacks %q:\n%s", line, o.stdout)
		}
	}

	o = mostrador(t, "--db", db, "settings", "shop.name", "Jabones Lola")
	o.want(t, exitOK)
	if o.stdout != "shop.name                 = Jabones Lola\n" {
		t.Errorf("set: %q", o.stdout)
	}
	o = mostrador(t, "--db", db, "settings", "shop.name")
	if o.want(t, exitOK); o.stdout != "Jabones Lola\n" {
		t.Errorf("get: %q", o.stdout)
	}
	o = mostrador(t, "--db", db, "settings", "--json", "shop.timezone", "america/santiago")
	o.want(t, exitOK)
	var set struct {
		Key, Value, Default string
		Set                 bool
	}
	decodeStrict(t, o.stdout, &set)
	if set.Key != "shop.timezone" || set.Value != "America/Santiago" || !set.Set {
		t.Errorf("set --json: %+v", set)
	}
	o = mostrador(t, "--db", db, "settings", "--json")
	o.want(t, exitOK)
	var all []struct {
		Key, Value, Default string
		Set                 bool
	}
	decodeStrict(t, o.stdout, &all)
	if len(all) != 8 {
		t.Errorf("%d settings listed: %s", len(all), o.stdout)
	}

	mostrador(t, "--db", db, "settings", "reminders.test_mode", "quizás").wantError(t, exitFailure, "es",
		"el ajuste reminders.test_mode no admite «quizás»: escriba true o false (sí o no)")
	mostrador(t, "--db", db, "--lang", "en", "settings", "shop.timezone", "Mars/Olympus").wantError(t, exitFailure, "en",
		`setting shop.timezone cannot be "Mars/Olympus": not a time zone; write it like Europe/Madrid or America/Santiago`)
	mostrador(t, "--db", db, "--lang", "en", "settings", "shop.tz", "UTC").wantError(t, exitUsage, "en",
		`unknown setting "shop.tz"; the settings are: reminders.quiet_hours, reminders.rate_per_minute, `+
			`reminders.test_mode, shop.language, shop.name, shop.owner, shop.signature, shop.timezone`)
	mostrador(t, "--db", db, "--lang", "en", "settings", "a", "b", "c").wantError(t, exitUsage, "en",
		`give "settings", "settings KEY" or "settings KEY VALUE"`)
	if o := mostrador(t, "--db", db, "settings", "shop.timezone"); o.stdout != "America/Santiago\n" {
		t.Errorf("a refused value changed the stored one: %s", o)
	}

	// A signature opens with "-- ", which is no option.
	o = mostrador(t, "--db", db, "settings", "shop.signature", "-- \nLola Peña\nJabones Lola")
	o.want(t, exitOK)
	if o = mostrador(t, "--db", db, "settings", "shop.signature", "--json"); !strings.Contains(o.stdout, `"value": "-- \nLola Peña\nJabones Lola"`) {
		t.Errorf("signature: %s", o)
	}
	mostrador(t, "--db", db, "--lang", "en", "settings", "reminders.rate_per_minute", "-5").wantError(t, exitFailure, "en",
		`setting reminders.rate_per_minute cannot be "-5": a whole number of emails per minute, from 1 to 600`)
	mostrador(t, "--db", db, "settings", "--", "shop.name", "-Lola-").want(t, exitOK)

	// shop.language speaks for the shop unless --lang is given.
	mostrador(t, "--db", db, "settings", "shop.language", "en").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "en",
		"no customer has the email nadie@example.com")
	mostrador(t, "--db", db, "--lang", "es", "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")
	// An empty value goes back to the default.
	mostrador(t, "--db", db, "settings", "shop.language", "").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")

	// A zone stored where it existed, read where it does not: commands that
	// need the zone say so; the settings command still opens, to fix it.
	sqldb, err := database.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Exec(`UPDATE setting SET value = 'Pacific/Atlantis' WHERE key = 'shop.timezone'`); err != nil {
		t.Fatal(err)
	}
	sqldb.Close()
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"el ajuste shop.timezone no admite «Pacific/Atlantis»: no es una zona horaria; escríbala como Europe/Madrid o America/Santiago")
	mostrador(t, "--db", db, "settings", "shop.timezone", "Europe/Madrid").want(t, exitOK)
	mostrador(t, "--db", db, "customer", "nadie@example.com").wantError(t, exitFailure, "es",
		"no hay ningún cliente con el correo nadie@example.com")
}

// shop.timezone is the zone of the times an export writes without one;
// without it, the computer's zone.
func TestShopTimezoneGovernsImport(t *testing.T) {
	t.Setenv("TZ", "UTC")
	db := isolate(t)
	file := filepath.Join(t.TempDir(), "pedidos.csv")
	write := func(number string) {
		data := "Pedido,Correo,Nombre,Fecha,Total\n" + number + ",ana@example.com,Ana,2024-03-05 10:00,10.00\n"
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("1001")
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)
	mostrador(t, "--db", db, "settings", "shop.timezone", "America/Santiago").want(t, exitOK)
	write("1002")
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)
	data := "Pedido,Correo,Nombre,Fecha,Total\n1003,ana@example.com,Ana,2024-03-05 23:30,10.00\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	mostrador(t, "--db", db, "import", "orders", file).want(t, exitOK)

	placed := map[string]string{}
	for _, o := range customerCard(t, db, "ana@example.com").Orders {
		placed[o.Number] = o.PlacedAt.UTC().Format(time.RFC3339)
	}
	// 10:00 in UTC; 10:00 in Santiago's summer time (UTC-3).
	if placed["1001"] != "2024-03-05T10:00:00Z" || placed["1002"] != "2024-03-05T13:00:00Z" ||
		placed["1003"] != "2024-03-06T02:30:00Z" {
		t.Errorf("placed at %v", placed)
	}
	// The card's text shows the shop's dates: 1003 is the 5th in Santiago.
	o := mostrador(t, "--db", db, "customer", "ana@example.com")
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "  2024-03-05  1003 ") {
		t.Errorf("card text:\n%s", o.stdout)
	}

	// Bookings too: 10:00 in Madrid is 09:00 UTC in March, and the card
	// shows the shop's clock time.
	mostrador(t, "--db", db, "settings", "shop.timezone", "Europe/Madrid").want(t, exitOK)
	o = mostrador(t, "--db", db, "--lang", "en", "import", "appointments", formats+"appointments_es.csv")
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "(times in Europe/Madrid)") {
		t.Errorf("import report:\n%s", o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "customer", "lucia.fernandez@example.com")
	o.want(t, exitOK)
	if !strings.Contains(o.stdout, "Appointments:\n  2024-03-14 10:00  Taller de cerámica (iniciación) (Marta)  Booked\n") || !strings.Contains(o.stdout, "No orders yet\n") {
		t.Errorf("card text:\n%s", o.stdout)
	}
	o = mostrador(t, "--db", db, "customer", "lucia.fernandez@example.com", "--json")
	if !strings.Contains(o.stdout, `"startsAt": "2024-03-14T09:00:00Z"`) {
		t.Errorf("card json:\n%s", o.stdout)
	}
}
