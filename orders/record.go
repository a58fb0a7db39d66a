package orders

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"mostrador/internal/address"
)

// amount is money that may be unknown (a file without that column, or an
// empty cell): unknown never overwrites what the database knows.
type amount struct {
	V  int64
	OK bool
}

// Item is one line of an order.
type Item struct {
	Quantity  int    `json:"quantity"`
	Name      string `json:"name"`
	SKU       string `json:"sku,omitempty"`
	Variant   string `json:"variant,omitempty"`
	UnitPrice *int64 `json:"unitPrice,omitempty"` // minor units
	LineTotal *int64 `json:"lineTotal,omitempty"`
}

// record is what one file says about one order, gathered from its rows.
type record struct {
	number   string
	firstRow int
	rows     []int

	email, name, phone  string
	firstName, lastName string
	placedAt            time.Time
	currency            string
	subtotal, shipping  amount
	tax, discount       amount
	total, refunded     amount
	rowTotals           []int64 // every Total cell of the order's rows
	payment             string  // pending paid partially_refunded refunded voided failed
	fulfillment         string  // unfulfilled partial shipped delivered
	cancelled           bool
	statusText          []string
	carrier, tracking   string
	trackingURL         string
	shippingMethod      string
	note                string
	shippedAt           time.Time
	deliveredAt         time.Time
	cancelledAt         time.Time
	items               []Item
	hasItems            bool // this file lists the order's items

	rejected bool         // an order-level value was unusable: none of its rows import
	badRows  map[int]bool // rows already reported with a problem of their own

	f   orderFields // set by prepare
	sum uint64      // fingerprint of f and the items, set by prepare
}

// prepare finishes a record and computes what the writer needs, on the
// parsing goroutine, so that the writing goroutine only writes.
func (r *record) prepare(source string) {
	r.finish()
	if r.rejected {
		return
	}
	r.f = r.fields()
	r.sum = r.hash(source, r.f)
}

// problem is why a row, or a cell of it, cannot be used.
type problem struct {
	col    int // -1: the row as a whole
	value  string
	reason string // a message key (see assets/translations)
	args   map[string]any
}

// statusWords maps what platforms and people write in status columns to what
// it means. Keys are folded (foldText) with "-" as space.
var statusWords = map[string]statusWord{}

type statusWord struct {
	payment, fulfillment string
	cancelled            bool
}

// paymentOnlyWords mean something else in a payment column than elsewhere.
var paymentOnlyWords = map[string]string{"recibido": "paid", "received": "paid", "recebido": "paid", "devuelto": "refunded"}

func init() {
	add := func(payment, fulfillment string, cancelled bool, words ...string) {
		for _, w := range words {
			statusWords[w] = statusWord{payment, fulfillment, cancelled}
		}
	}
	add("paid", "", false, "paid", "pagado", "pagada", "pago", "aprobado", "aprobada", "approved", "payment accepted",
		"pago aceptado", "pago recibido", "payment received", "acreditado", "pago aprobado", "confirmado", "confirmada")
	add("pending", "", false, "pending", "pendiente", "pendente", "pending payment", "pago pendiente", "awaiting payment",
		"aguardando pagamento", "en espera", "on hold", "authorized", "autorizado", "esperando pago", "esperando el pago",
		"a confirmar", "unpaid", "no pagado", "awaiting bank wire payment", "awaiting check payment",
		"awaiting cash on delivery validation", "en espera de pago por transferencia bancaria", "en espera de pago por cheque",
		"en espera de validacion por contra reembolso", "aguardando pagamento por transferencia")
	add("refunded", "", false, "refunded", "reembolsado", "reembolsada", "devuelto", "devuelta", "estornado", "reembolso",
		"devolucion", "returned")
	add("partially_refunded", "", false, "partially refunded", "parcialmente reembolsado", "reembolso parcial")
	add("voided", "", true, "voided", "anulado")
	add("failed", "", false, "failed", "fallido", "fallida", "rechazado", "rechazada", "pago rechazado", "declined", "recusado")
	add("paid", "unfulfilled", false, "processing", "procesando", "en proceso", "en preparacion", "preparando",
		"processing in progress", "preparacion en curso", "preparacao em andamento")
	add("", "unfulfilled", false, "unfulfilled", "no enviado", "nao enviado", "no empaquetado", "empaquetado",
		"listo para enviar", "por enviar", "sin enviar", "pendiente de envio", "a enviar", "ready to ship", "not shipped",
		"nao empacotado", "empacotado", "pronto para envio")
	add("", "partial", false, "partial", "partially fulfilled", "parcial", "parcialmente enviado")
	add("", "shipped", false, "fulfilled", "shipped", "enviado", "enviada", "despachado", "despachada", "en camino",
		"en transito", "in transit", "em transito", "completed", "completado", "completada", "completo",
		"concluido", "dispatched", "sent", "enviado pelos correios")
	add("", "delivered", false, "delivered", "entregado", "entregada", "entregue", "recibido", "received", "picked up",
		"retirado")
	add("", "", true, "cancelled", "canceled", "cancelado", "cancelada", "anulada", "cancelled order", "cancelada por el vendedor",
		"cancelada por el comprador", "trash")
}

// applyStatus reads one status cell into the record. A payment column only
// speaks of payment ("Recibido" there is money received), a shipping column
// only of the parcel; any column may say the order was cancelled. Unknown
// words are kept as text only.
func (r *record) applyStatus(v string, col field) {
	key := foldText(strings.ReplaceAll(v, "-", " "))
	key = strings.TrimPrefix(key, "wc ")
	if key == "" {
		return
	}
	found := false
	for _, t := range r.statusText {
		if t == v {
			found = true
		}
	}
	if !found {
		r.statusText = append(r.statusText, v)
	}
	w, ok := statusWords[key]
	switch col {
	case fPaymentStatus:
		if p, found := paymentOnlyWords[key]; found {
			w, ok = statusWord{payment: p}, true
		}
		w.fulfillment = ""
	case fFulfillmentStatus:
		w.payment = ""
	}
	if !ok {
		return
	}
	if w.payment != "" && (r.payment == "" || w.payment == "refunded" || w.payment == "partially_refunded") {
		r.payment = w.payment
	}
	if w.fulfillment != "" && fulfillmentRank(w.fulfillment) > fulfillmentRank(r.fulfillment) {
		r.fulfillment = w.fulfillment
	}
	if w.cancelled {
		r.cancelled = true
	}
}

func fulfillmentRank(s string) int {
	switch s {
	case "unfulfilled":
		return 1
	case "partial":
		return 2
	case "shipped":
		return 3
	case "delivered":
		return 4
	}
	return 0
}

// parser turns rows into records for one file.
type parser struct {
	l        *layout
	loc      *time.Location
	order    dateOrder
	mark     decimalMark
	currency string // the file's currency when the file names one only once (a header)
}

// orderKey is the order number of a row as written, cleaned of Excel's
// formula guard and surrounding space.
func (p *parser) orderKey(row []string) string {
	v, _ := p.l.value(row, fNumber)
	return strings.TrimSpace(unformula(v))
}

// addRow merges one row into r. Order-level problems mark the whole record
// rejected; item problems reject only the row.
func (p *parser) addRow(r *record, rowNum int, row []string) []problem {
	var probs []problem
	l := p.l
	if r.firstRow == 0 {
		r.firstRow = rowNum
	}
	r.rows = append(r.rows, rowNum)
	set := func(dst *string, f field, clean func(string) string) {
		if *dst != "" {
			return
		}
		if v, _ := l.value(row, f); v != "" {
			if clean != nil {
				v = clean(v)
			}
			*dst = v
		}
	}
	if v, col := l.value(row, fEmail); v != "" && r.email == "" {
		e := address.Normalize(unformula(v))
		if !address.Valid(e) {
			probs = append(probs, problem{col: col, value: v, reason: "reject.email"})
			r.rejected = true
		} else {
			r.email = e
		}
	}
	set(&r.name, fName, cleanName)
	set(&r.firstName, fFirstName, cleanName)
	set(&r.lastName, fLastName, cleanName)
	set(&r.phone, fPhone, cleanPhone)
	if c, _ := l.value(row, fCurrency); c != "" && r.currency == "" {
		r.currency = strings.ToUpper(strings.TrimSpace(c))
	}
	set(&r.carrier, fCarrier, unformula)
	set(&r.tracking, fTracking, func(s string) string { return strings.TrimSpace(unformula(s)) })
	set(&r.trackingURL, fTrackingURL, nil)
	set(&r.shippingMethod, fShippingMethod, nil)
	set(&r.note, fNote, nil)

	for _, f := range []field{fPaymentStatus, fFulfillmentStatus, fOrderStatus} {
		for _, i := range l.cols[f] {
			if i < len(row) {
				r.applyStatus(strings.TrimSpace(row[i]), f)
			}
		}
	}

	date := func(dst *time.Time, f field, withTime bool) {
		v, col := l.value(row, f)
		if v == "" || !dst.IsZero() {
			return
		}
		if withTime {
			if t, _ := l.value(row, fTime); t != "" {
				v += " " + t
			}
		}
		t, err := parseDate(v, p.order, p.loc, true)
		if err != nil {
			probs = append(probs, problem{col: col, value: v, reason: "reject.date"})
			r.rejected = true
			return
		}
		*dst = t.UTC()
	}
	date(&r.placedAt, fDate, true)
	date(&r.shippedAt, fShippedAt, false)
	date(&r.deliveredAt, fDeliveredAt, false)
	date(&r.cancelledAt, fCancelledAt, false)

	money := func(dst *amount, f field) {
		v, col := l.value(row, f)
		if v == "" || dst.OK {
			return
		}
		m, code, err := parseMoney(v, p.currencyFor(r, col), p.mark)
		if err != nil {
			probs = append(probs, problem{col: col, value: v, reason: "reject.amount"})
			r.rejected = true
			return
		}
		if code != "" && r.currency == "" {
			r.currency = code
		}
		*dst = amount{m, true}
	}
	money(&r.subtotal, fSubtotal)
	money(&r.shipping, fShipping)
	money(&r.tax, fTax)
	money(&r.discount, fDiscount)
	money(&r.total, fTotal)
	if v, col := l.value(row, fTotal); v != "" {
		if m, _, err := parseMoney(v, p.currencyFor(r, col), p.mark); err == nil {
			r.rowTotals = append(r.rowTotals, m)
		}
	}
	money(&r.refunded, fRefunded)
	if r.discount.OK && r.discount.V < 0 {
		r.discount.V = -r.discount.V // some exports write discounts negative
	}

	probs = append(probs, p.items(r, row)...)
	if r.currency == "" {
		// No currency column or code in the amounts: the one the file's
		// headers name ("Total (CLP)"), if any.
		r.currency = p.currency
		for i := 0; r.currency == "" && i < len(p.l.colCur); i++ {
			r.currency = p.l.colCur[i]
		}
	}
	return probs
}

// currencyFor is the currency that decides how many decimals an amount in
// column col has.
func (p *parser) currencyFor(r *record, col int) string {
	if col >= 0 && col < len(p.l.colCur) && p.l.colCur[col] != "" {
		return p.l.colCur[col]
	}
	if r.currency != "" {
		return r.currency
	}
	return p.currency
}

// items reads the line items a row carries, in whichever shape the format has.
func (p *parser) items(r *record, row []string) []problem {
	l := p.l
	if l.has(fItemsPacked) {
		r.hasItems = true
		if v, _ := l.value(row, fItemsPacked); v != "" && len(r.items) == 0 {
			r.items = append(r.items, unpackItems(v)...)
		}
		return nil
	}
	if len(l.lineItems) > 0 {
		r.hasItems = true
		var probs []problem
		for _, i := range l.lineItems {
			if i >= len(row) || strings.TrimSpace(row[i]) == "" {
				continue
			}
			it, ok := p.webToffeeItem(r, row[i])
			if !ok {
				probs = append(probs, problem{col: i, value: row[i], reason: "reject.item"})
				continue
			}
			r.items = append(r.items, it)
		}
		return probs
	}
	if !l.has(fItemName) {
		return nil
	}
	r.hasItems = true
	name, _ := l.value(row, fItemName)
	if name == "" {
		return nil // an order row without an item (Shopify shipping-only lines, totals rows)
	}
	it := Item{Name: name, Quantity: 1}
	it.SKU, _ = l.value(row, fItemSKU)
	it.SKU = strings.TrimSpace(unformula(it.SKU))
	it.Variant, _ = l.value(row, fItemVariant)
	if q, col := l.value(row, fItemQty); q != "" {
		n, err := parseQuantity(q)
		if err != nil {
			return []problem{{col: col, value: q, reason: "reject.quantity"}}
		}
		it.Quantity = n
	}
	for _, pf := range []struct {
		f   field
		dst **int64
	}{{fItemPrice, &it.UnitPrice}, {fItemTotal, &it.LineTotal}} {
		v, col := l.value(row, pf.f)
		if v == "" {
			continue
		}
		m, code, err := parseMoney(v, p.currencyFor(r, col), p.mark)
		if err != nil {
			return []problem{{col: col, value: v, reason: "reject.amount"}}
		}
		if code != "" && r.currency == "" {
			r.currency = code
		}
		*pf.dst = &m
	}
	fillItemMoney(&it)
	r.items = append(r.items, it)
	return nil
}

func fillItemMoney(it *Item) {
	if it.UnitPrice == nil && it.LineTotal != nil && it.Quantity != 0 && *it.LineTotal%int64(it.Quantity) == 0 {
		u := *it.LineTotal / int64(it.Quantity)
		it.UnitPrice = &u
	}
	if it.LineTotal == nil && it.UnitPrice != nil {
		t := *it.UnitPrice * int64(it.Quantity)
		it.LineTotal = &t
	}
}

// parseQuantity reads "2", "2.0", "2,00", "1 u.".
func parseQuantity(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimRightFunc(unformula(s), func(r rune) bool { return unicode.IsLetter(r) || r == '.' || r == ' ' }))
	if i := strings.IndexAny(s, ".,"); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < -100000 || n > 1000000 {
		return 0, errMoneyFormat
	}
	return n, nil
}

var packedItem = regexp.MustCompile(`(?:^|,\s*)(\d+)\s*[×x]\s+`)

// unpackItems splits WooCommerce Analytics' "2× Jabón de oliva, 1× Vela".
func unpackItems(s string) []Item {
	locs := packedItem.FindAllStringSubmatchIndex(s, -1)
	if len(locs) == 0 {
		return []Item{{Quantity: 1, Name: strings.TrimSpace(s)}}
	}
	var out []Item
	for i, loc := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		q, _ := strconv.Atoi(s[loc[2]:loc[3]])
		if name := strings.TrimSpace(s[loc[1]:end]); name != "" {
			out = append(out, Item{Quantity: q, Name: name})
		}
	}
	return out
}

// webToffeeItem reads "name:Jabón|product_id:12|sku:JAB|quantity:2|total:9.00".
func (p *parser) webToffeeItem(r *record, cell string) (Item, bool) {
	it := Item{Quantity: 1}
	for _, part := range strings.Split(cell, "|") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "name":
			it.Name = v
		case "sku":
			it.SKU = v
		case "quantity", "qty":
			n, err := parseQuantity(v)
			if err != nil {
				return it, false
			}
			it.Quantity = n
		case "total":
			m, _, err := parseMoney(v, p.currencyFor(r, -1), markDot)
			if err != nil {
				return it, false
			}
			it.LineTotal = &m
		}
	}
	fillItemMoney(&it)
	return it, it.Name != ""
}

// finish completes a record once all its rows are in: a name from first and
// last names, and status implied by dates.
func (r *record) finish() {
	// A Total column whose value differs between the rows of one order holds
	// line totals (hand-made sheets): the order's total is their sum.
	if len(r.rowTotals) > 1 {
		var sum int64
		differ := false
		for _, v := range r.rowTotals {
			sum += v
			differ = differ || v != r.rowTotals[0]
		}
		if differ {
			r.total = amount{sum, true}
		}
	}
	if r.name == "" {
		r.name = strings.TrimSpace(r.firstName + " " + r.lastName)
	}
	if !r.cancelledAt.IsZero() {
		r.cancelled = true
	}
	if !r.deliveredAt.IsZero() && fulfillmentRank(r.fulfillment) < 4 {
		r.fulfillment = "delivered"
	}
	if !r.shippedAt.IsZero() && fulfillmentRank(r.fulfillment) < 3 {
		r.fulfillment = "shipped"
	}
	if r.tracking != "" && fulfillmentRank(r.fulfillment) < 3 && !r.cancelled {
		r.fulfillment = "shipped" // a tracking number means the parcel left
	}
	if r.refunded.OK && r.refunded.V > 0 && r.payment != "refunded" {
		if r.total.OK && r.refunded.V >= r.total.V {
			r.payment = "refunded"
		} else {
			r.payment = "partially_refunded"
		}
	}
}

// cleanName trims and collapses spaces; names written all in capitals by a
// form are kept as written.
func cleanName(s string) string { return strings.Join(strings.Fields(unformula(s)), " ") }

// cleanPhone keeps a phone as written but without Excel's guards.
func cleanPhone(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(unformula(s), "'"))
	return s
}

// phoneKey is the last 8 digits of a phone number, enough to match the same
// line written with or without country and area prefixes.
func phoneKey(phone string) string {
	var d []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			d = append(d, phone[i])
		}
	}
	if len(d) < 6 {
		return ""
	}
	if len(d) > 8 {
		d = d[len(d)-8:]
	}
	return string(d)
}

// nameKey folds a name for matching: "JOSÉ  Núñez" and "jose nunez" match.
func nameKey(name string) string { return foldText(name) }
