package inbox

import (
	"slices"
	"strings"
	"testing"
)

func TestAddressLists(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Address
	}{
		{`"Pérez, Ana" <Ana.Perez@Example.com>, jose@example.com`, []Address{{"Pérez, Ana", "ana.perez@example.com"}, {"", "jose@example.com"}}},
		{`=?utf-8?Q?Jos=C3=A9?= <jose@example.com>`, []Address{{"José", "jose@example.com"}}},
		// Encoded words inside quotes, which net/mail leaves alone.
		{`"=?utf-8?Q?Mar=C3=ADa_L=C3=B3pez?=" <maria@example.com>`, []Address{{"María López", "maria@example.com"}}},
		// Outlook repeats the address as the name.
		{`'ana@example.com' <ana@example.com>`, []Address{{"", "ana@example.com"}}},
		{`ana@example.com (Ana Torres)`, []Address{{"Ana Torres", "ana@example.com"}}},
		{`undisclosed-recipients:;`, nil},
		{`Clientes: ana@example.com, jose@example.com;`, []Address{{"", "ana@example.com"}, {"", "jose@example.com"}}},
		// Broken lists that net/mail refuses.
		{`Ana Pérez ana@example.com; <jose@example.com>`, []Address{{"Ana Pérez", "ana@example.com"}, {"", "jose@example.com"}}},
		{`Perez, Ana <ana@example.com>`, []Address{{"", "perez"}, {"Ana", "ana@example.com"}}},
		{`"Tienda" <tienda@example.com`, []Address{{"Tienda", "tienda@example.com"}}},
		{`<mailto:Info@Shop.COM>`, []Address{{"", "info@shop.com"}}},
		{`=?x-foo?Q?Caf=E9?= <cafe@example.com>`, []Address{{"Café", "cafe@example.com"}}},
	} {
		p := &mimeParser{out: &Parsed{}}
		got := p.addressList(tc.in, "To")
		if !slices.Equal(got, tc.want) {
			t.Errorf("addressList(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// However many times an address is wrapped in "mailto:", in any case, its
// join key is one that address.Normalize leaves as it is.
func TestCleanAddrMailto(t *testing.T) {
	for _, in := range []string{
		"mailto:Ana@Example.com",
		"MailTo:ana@example.com",
		strings.Repeat("mailto:", 6) + "ana@example.com",
		strings.Repeat("MAILTO:mailto:", 4) + "Ana@Example.COM",
	} {
		if got := cleanAddr(in); got != "ana@example.com" {
			t.Errorf("cleanAddr(%q) = %q", in, got)
		}
	}
	p := ParseMessage([]byte("To: <" + strings.Repeat("mailto:", 6) + "ana@example.com>\n\nhola"))
	checkParsed(t, p)
	if len(p.To) != 1 || p.To[0].Addr != "ana@example.com" {
		t.Errorf("To = %+v", p.To)
	}
}

// net/mail passes the bytes of a "UTF-8" encoded word on unchecked: a
// display name in Latin-1 mislabelled as UTF-8 is guessed, as header text
// is elsewhere, and a name is always valid UTF-8.
func TestAddressNameMislabelledUTF8(t *testing.T) {
	for in, want := range map[string]Address{
		`=?UTF-8?Q?Mar=EDa_L=F3pez?= <maria@example.com>`: {"María López", "maria@example.com"},
		`=?UTF-8?Q?=80?=<0@0>`:                            {"€", "0@0"},
		`=?UTF-8?Q?Jos=C3=A9_=FF?= <jose@example.com>`:    {"José \uFFFD", "jose@example.com"},
	} {
		p := &mimeParser{out: &Parsed{}}
		if got := p.addressList(in, "From"); !slices.Equal(got, []Address{want}) {
			t.Errorf("addressList(%q) = %+v, want %+v", in, got, want)
		}
	}
}
