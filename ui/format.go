package ui

import (
	"strconv"
	"strings"
	"time"
)

// How the window writes names, dates and counts for the owner. Money is
// written by orders.FormatMoney, which the command line shares.

// platformName is the shop platform as its makers write it.
func platformName(w *Window, p string) string {
	switch p {
	case "shopify":
		return "Shopify"
	case "woocommerce":
		return "WooCommerce"
	case "etsy":
		return "Etsy"
	case "tiendanube":
		return "Tiendanube"
	case "square":
		return "Square"
	case "prestashop":
		return "PrestaShop"
	case "squarespace":
		return "Squarespace"
	case "mercadolibre":
		return "Mercado Libre"
	case "generic", "":
		return w.t("ui.genericPlatform")
	}
	return p
}

// formatDate writes a day the way the owner reads it: 23/12/2025 in
// Spanish, Dec 23, 2025 in English.
func formatDate(t time.Time, loc *time.Location, lang string) string {
	t = t.In(loc)
	if lang == "en" {
		return t.Format("Jan 2, 2006")
	}
	return t.Format("02/01/2006")
}

// formatDateTime writes a clock time as the owner reads it, in the zone t
// is already in: 14/03/2024 10:00 in Spanish, Mar 14, 2024 10:00 in English.
func formatDateTime(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Jan 2, 2006 15:04")
	}
	return t.Format("02/01/2006 15:04")
}

// formatCount writes a count with the language's thousands separator:
// 20.480 filas, 20,480 rows.
func formatCount(n int, lang string) string {
	sep, ungrouped := ",", 3
	if lang == "es" {
		sep, ungrouped = ".", 4 // Spanish leaves four digits together: 2024 filas
	}
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= ungrouped {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
