package address

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		" Ana.Perez@Example.COM ": "ana.perez@example.com",
		"<jose@tienda.es>":        "jose@tienda.es",
		"mailto:Info@Shop.com":    "info@shop.com",
		"":                        "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"ana@example.com": true, "a.b+c@sub.shop.com.ar": true,
		"ana@": false, "@example.com": false, "ana@example": false, "ana@@example.com": false,
		"ana perez@example.com": false, "ana@example..com": false, "ana@.com": false, "ana@com.": false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
