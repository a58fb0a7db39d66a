package orders

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// field is what a column means to the import, whatever the platform calls it.
type field int

const (
	fNone field = iota
	fNumber
	fEmail
	fName
	fFirstName
	fLastName
	fPhone
	fDate
	fTime
	fCurrency
	fSubtotal
	fShipping
	fTax
	fDiscount
	fTotal
	fRefunded
	fPaymentStatus
	fFulfillmentStatus
	fOrderStatus
	fShippedAt
	fDeliveredAt
	fCancelledAt
	fCarrier
	fTracking
	fTrackingURL
	fShippingMethod
	fNote
	fItemName
	fItemSKU
	fItemQty
	fItemPrice
	fItemTotal
	fItemVariant
	fItemsPacked // "2× Jabón de oliva, 1× Vela" (WooCommerce Analytics)
	fLineItem    // "name:Jabón|sku:JAB|quantity:2|total:9.00" (WebToffee), one column per item
	nFields
)

var fieldNames = [nFields]string{"", "order number", "email", "name", "first name", "last name", "phone",
	"date", "time", "currency", "subtotal", "shipping", "tax", "discount", "total", "refunded",
	"payment status", "fulfillment status", "status", "shipped date", "delivered date", "cancelled date",
	"carrier", "tracking number", "tracking link", "shipping method", "note", "item name", "item SKU",
	"item quantity", "item price", "item total", "item variant", "products", "line item"}

func (f field) String() string { return fieldNames[f] }

// isMoney and isDate tell which fields the dialect sniffing looks at.
func (f field) isMoney() bool {
	switch f {
	case fSubtotal, fShipping, fTax, fDiscount, fTotal, fRefunded, fItemPrice, fItemTotal:
		return true
	}
	return false
}

func (f field) isDate() bool {
	switch f {
	case fDate, fShippedAt, fDeliveredAt, fCancelledAt:
		return true
	}
	return false
}

// column maps header spellings (normalized by headerKey) to a field. Earlier
// columns of the same field win when both have a value (Shopify's Phone before
// Billing Phone before Shipping Phone).
type column struct {
	f       field
	headers []string
}

// format is one platform's export. Detection requires every signature header.
type format struct {
	name      string // what --format and the report call it
	platform  string // orders are keyed by (platform, number)
	source    string // which kind of file of that platform (Etsy has two)
	signature []string
	columns   []column
	dateOrder dateOrder // the platform always writes this order, or unknown
	noGeneric bool      // do not add generic columns for headers it leaves unmapped
}

func c(f field, headers ...string) column { return column{f, headers} }

// formats in detection order: the most specific first, generic last.
var formats = []*format{
	{
		name: "shopify", platform: "shopify", source: "shopify",
		signature: []string{"name", "financial status", "fulfillment status", "lineitem name"},
		columns: []column{
			c(fNumber, "name"), c(fEmail, "email"), c(fName, "billing name", "shipping name"),
			c(fPhone, "phone", "billing phone", "shipping phone"), c(fDate, "created at"),
			c(fCurrency, "currency"), c(fSubtotal, "subtotal"), c(fShipping, "shipping"), c(fTax, "taxes"),
			c(fDiscount, "discount amount"), c(fTotal, "total"), c(fRefunded, "refunded amount"),
			c(fPaymentStatus, "financial status"), c(fFulfillmentStatus, "fulfillment status"),
			c(fShippedAt, "fulfilled at"), c(fCancelledAt, "cancelled at"), c(fShippingMethod, "shipping method"),
			c(fNote, "notes"), c(fItemName, "lineitem name"), c(fItemSKU, "lineitem sku"),
			c(fItemQty, "lineitem quantity"), c(fItemPrice, "lineitem price"),
		},
	},
	{
		name: "squarespace", platform: "squarespace", source: "squarespace",
		signature: []string{"order id", "financial status", "fulfillment status", "lineitem name"},
		columns: []column{
			c(fNumber, "order id"), c(fEmail, "email"), c(fName, "billing name", "shipping name"),
			c(fPhone, "billing phone", "shipping phone"), c(fDate, "created at", "paid at"),
			c(fCurrency, "currency"), c(fSubtotal, "subtotal"), c(fShipping, "shipping"), c(fTax, "taxes"),
			c(fDiscount, "discount amount"), c(fTotal, "total"), c(fRefunded, "amount refunded"),
			c(fPaymentStatus, "financial status"), c(fFulfillmentStatus, "fulfillment status"),
			c(fShippedAt, "fulfilled at"), c(fCancelledAt, "cancelled at"), c(fShippingMethod, "shipping method"),
			c(fNote, "notes", "private notes"), c(fItemName, "lineitem name"), c(fItemSKU, "lineitem sku"),
			c(fItemQty, "lineitem quantity"), c(fItemPrice, "lineitem price"), c(fItemVariant, "lineitem variant"),
		},
	},
	{
		name: "etsy", platform: "etsy", source: "etsy-items", dateOrder: orderMDY,
		signature: []string{"order id", "item name", "transaction id"},
		columns: []column{
			c(fNumber, "order id"), c(fName, "ship name"), c(fDate, "sale date"), c(fShippedAt, "date shipped"),
			c(fCurrency, "currency"), c(fItemName, "item name"), c(fItemQty, "quantity"), c(fItemPrice, "price"),
			c(fItemTotal, "item total"), c(fItemSKU, "sku"), c(fItemVariant, "variations"),
		},
		noGeneric: true,
	},
	{
		name: "etsy", platform: "etsy", source: "etsy-orders", dateOrder: orderMDY,
		signature: []string{"order id", "number of items", "order total"},
		columns: []column{
			c(fNumber, "order id"), c(fName, "full name"), c(fFirstName, "first name"), c(fLastName, "last name"),
			c(fDate, "sale date"), c(fShippedAt, "date shipped"), c(fCurrency, "currency"),
			c(fSubtotal, "order value"), c(fShipping, "shipping", "delivery"), c(fTax, "sales tax"),
			c(fDiscount, "discount amount"), c(fTotal, "order total"), c(fOrderStatus, "status"),
		},
		noGeneric: true,
	},
	{
		name: "woocommerce", platform: "woocommerce", source: "woocommerce-analytics",
		signature: []string{"order #", "net sales", "customer type"},
		columns: []column{
			c(fNumber, "order #"), c(fDate, "date"), c(fOrderStatus, "status"), c(fName, "customer"),
			c(fItemsPacked, "product(s)", "products"),
			c(fSubtotal, "net sales"), // products after coupons, without shipping or tax: not the order total
		},
		noGeneric: true,
	},
	{
		name: "woocommerce", platform: "woocommerce", source: "woocommerce-webtoffee", dateOrder: orderMDY,
		signature: []string{"order number", "order date", "line item 1"},
		columns: []column{
			c(fNumber, "order number", "order id"), c(fDate, "order date"), c(fOrderStatus, "status"),
			c(fEmail, "customer email", "billing email"), c(fFirstName, "billing first name", "shipping first name"),
			c(fLastName, "billing last name", "shipping last name"), c(fPhone, "billing phone"),
			c(fCurrency, "order currency"), c(fSubtotal, "order subtotal"), c(fShipping, "shipping total"),
			c(fTax, "order total tax", "tax total"), c(fDiscount, "cart discount", "discount total"),
			c(fTotal, "order total"), c(fRefunded, "refunded total"), c(fNote, "customer note"),
			c(fShippingMethod, "shipping method"), c(fShippedAt, "completed date"),
		},
	},
	{
		name: "woocommerce", platform: "woocommerce", source: "woocommerce",
		signature: []string{"order number", "order status", "email (billing)"},
		columns: []column{
			c(fNumber, "order number"), c(fOrderStatus, "order status"), c(fDate, "order date"),
			c(fNote, "customer note"), c(fFirstName, "first name (billing)", "first name (shipping)"),
			c(fLastName, "last name (billing)", "last name (shipping)"), c(fEmail, "email (billing)", "customer email"),
			c(fPhone, "phone (billing)", "phone (shipping)"), c(fCurrency, "currency", "order currency"),
			c(fItemName, "name", "item name", "product name"), c(fItemSKU, "sku"), c(fItemVariant, "product variation"),
			c(fItemQty, "quantity", "qty"), c(fItemPrice, "item cost"), c(fItemTotal, "item total", "order line total"),
			c(fShipping, "order shipping amount"), c(fRefunded, "order refund amount"), c(fTotal, "order total amount"),
			c(fSubtotal, "order subtotal amount"), c(fTax, "order total tax amount"), c(fDiscount, "cart discount amount"),
			c(fShippingMethod, "shipping method title", "shipping method"), c(fShippedAt, "completed date", "date completed"),
		},
	},
	{
		name: "tiendanube", platform: "tiendanube", source: "tiendanube", dateOrder: orderDMY,
		signature: []string{"numero de orden", "estado del envio"},
		columns: []column{
			c(fNumber, "numero de orden"), c(fEmail, "email"), c(fDate, "fecha"), c(fOrderStatus, "estado de la orden"),
			c(fPaymentStatus, "estado del pago"), c(fFulfillmentStatus, "estado del envio"), c(fCurrency, "moneda"),
			c(fSubtotal, "subtotal de productos"), c(fDiscount, "descuento"), c(fShipping, "costo de envio"),
			c(fTotal, "total"), c(fName, "nombre del comprador", "nombre para el envio"),
			c(fPhone, "telefono", "telefono para el envio"), c(fShippingMethod, "medio de envio"),
			c(fNote, "notas del comprador"), c(fShippedAt, "fecha de envio"), c(fItemName, "nombre del producto"),
			c(fItemPrice, "precio del producto"), c(fItemQty, "cantidad del producto"), c(fItemSKU, "sku"),
			c(fTracking, "codigo de tracking del envio"), c(fCancelledAt, "fecha y hora de cancelacion"),
		},
		noGeneric: true,
	},
	{
		name: "tiendanube", platform: "tiendanube", source: "tiendanube", dateOrder: orderDMY,
		signature: []string{"numero do pedido", "status do envio"},
		columns: []column{
			c(fNumber, "numero do pedido"), c(fEmail, "e-mail", "email"), c(fDate, "data"),
			c(fOrderStatus, "status do pedido"), c(fPaymentStatus, "status do pagamento"),
			c(fFulfillmentStatus, "status do envio"), c(fCurrency, "moeda"), c(fSubtotal, "subtotal"),
			c(fDiscount, "desconto"), c(fShipping, "valor do frete"), c(fTotal, "total"),
			c(fName, "nome do comprador", "nome para a entrega"), c(fPhone, "telefone", "telefone para a entrega"),
			c(fShippingMethod, "forma de entrega"), c(fNote, "anotacoes do comprador"), c(fShippedAt, "data de envio"),
			c(fItemName, "nome do produto"), c(fItemPrice, "valor do produto"),
			c(fItemQty, "quantidade comprada", "quantidade do produto"), c(fItemSKU, "sku"),
			c(fTracking, "codigo de rastreio do envio"), c(fCancelledAt, "data e hora do cancelamento", "data de cancelamento"),
		},
		noGeneric: true,
	},
	{
		name: "square", platform: "square", source: "square",
		signature: []string{"transaction id", "gross sales", "item"},
		columns: []column{
			c(fNumber, "transaction id"), c(fDate, "date"), c(fTime, "time"), c(fName, "customer name"),
			c(fItemName, "item"), c(fItemQty, "qty"), c(fItemVariant, "price point name"), c(fItemSKU, "sku"),
			c(fItemTotal, "gross sales"),
		},
		noGeneric: true,
	},
	{
		name: "prestashop", platform: "prestashop", source: "prestashop",
		signature: []string{"reference", "new client", "delivery"},
		columns: []column{
			c(fNumber, "reference"), c(fName, "customer"), c(fTotal, "total"), c(fOrderStatus, "status"), c(fDate, "date"),
		},
		noGeneric: true,
	},
	{
		name: "prestashop", platform: "prestashop", source: "prestashop",
		signature: []string{"referencia", "nuevo cliente", "entrega"},
		columns: []column{
			c(fNumber, "referencia"), c(fName, "cliente"), c(fTotal, "total"), c(fOrderStatus, "estado"), c(fDate, "fecha"),
		},
		noGeneric: true,
	},
	{
		name: "mercadolibre", platform: "mercadolibre", source: "mercadolibre",
		signature: []string{"# de venta", "fecha de venta"},
		columns: []column{
			// "Total" is what Mercado Libre pays the shop, after its fees and
			// the shipping it charges; what the buyer paid for the products
			// is "Ingresos por productos" (and shipping, "Ingresos por envío").
			c(fNumber, "# de venta"), c(fDate, "fecha de venta"), c(fOrderStatus, "estado"),
			c(fItemQty, "unidades"), c(fTotal, "ingresos por productos", "total"), c(fShipping, "ingresos por envio"),
			c(fName, "comprador"), c(fCarrier, "transportista"),
			c(fTracking, "numero de seguimiento"), c(fTrackingURL, "url de seguimiento"),
			c(fItemName, "titulo de la publicacion"), c(fItemSKU, "sku"),
			c(fItemPrice, "precio unitario de venta de la publicacion"), c(fShippedAt, "fecha en camino"),
			c(fDeliveredAt, "fecha entregado"),
		},
	},
}

// generic recognizes hand-made sheets by common Spanish, English and
// Portuguese column names.
var generic = &format{
	name: "generic", platform: "generic", source: "generic",
	columns: []column{
		c(fNumber, "pedido", "n pedido", "no pedido", "nro pedido", "numero de pedido", "num pedido", "# pedido",
			"pedido #", "n de pedido", "order", "order number", "order no", "order id", "order #", "orden", "numero de orden",
			"n de orden", "id pedido", "id del pedido", "venta", "n de venta", "numero de venta", "referencia",
			"reference", "numero do pedido", "order ref"),
		c(fEmail, "email", "e-mail", "correo", "correo electronico", "mail", "email address", "customer email",
			"billing email", "email del cliente", "correo del cliente", "email cliente", "correo cliente", "buyer email"),
		c(fName, "nombre", "name", "cliente", "customer", "customer name", "nombre del cliente", "nombre cliente",
			"nombre y apellido", "nombre completo", "comprador", "nombre del comprador", "full name", "buyer",
			"buyer name", "billing name", "nome", "nome do cliente", "client"),
		c(fFirstName, "first name", "nombre de pila"),
		c(fLastName, "last name", "apellido", "apellidos", "surname", "sobrenome"),
		c(fPhone, "telefono", "phone", "tel", "tel.", "celular", "movil", "whatsapp", "phone number",
			"numero de telefono", "telefono del cliente", "telefone"),
		c(fDate, "fecha", "date", "order date", "fecha de pedido", "fecha del pedido", "fecha de compra",
			"created at", "created", "fecha de venta", "purchase date", "data", "data do pedido"),
		c(fTime, "hora", "time"),
		c(fCurrency, "moneda", "currency", "divisa", "moeda"),
		c(fSubtotal, "subtotal"),
		c(fShipping, "envio", "costo de envio", "gastos de envio", "shipping", "shipping cost", "frete"),
		c(fTax, "iva", "impuestos", "tax", "taxes", "impuesto"),
		c(fDiscount, "descuento", "discount", "desconto"),
		c(fTotal, "total", "importe", "importe total", "monto", "monto total", "order total", "amount",
			"total amount", "total del pedido", "valor total", "precio total"),
		c(fRefunded, "reembolsado", "refunded", "importe reembolsado", "refund"),
		c(fOrderStatus, "estado", "status", "order status", "estado del pedido", "situacion"),
		c(fPaymentStatus, "estado del pago", "payment status", "pago", "financial status"),
		c(fFulfillmentStatus, "estado del envio", "shipping status", "fulfillment status", "envio estado"),
		c(fShippedAt, "fecha de envio", "shipped at", "date shipped", "ship date", "shipped date", "fecha envio", "enviado el"),
		c(fDeliveredAt, "fecha de entrega", "delivered at", "delivery date", "delivered date", "entregado el"),
		c(fCancelledAt, "fecha de cancelacion", "cancelled at", "canceled at"),
		c(fCarrier, "transportista", "carrier", "empresa de envio", "courier", "shipping carrier", "mensajeria",
			"paqueteria", "empresa de transporte", "correo de envio", "transportadora"),
		c(fTracking, "seguimiento", "tracking", "tracking number", "numero de seguimiento", "codigo de seguimiento",
			"n de seguimiento", "guia", "numero de guia", "tracking code", "tracking no", "codigo de rastreo",
			"codigo de rastreio", "rastreo"),
		c(fTrackingURL, "url de seguimiento", "tracking url", "tracking link", "enlace de seguimiento", "link de seguimiento"),
		c(fShippingMethod, "metodo de envio", "shipping method", "forma de envio", "medio de envio"),
		c(fNote, "notas", "nota", "note", "notes", "comentarios", "comentario", "observaciones", "comments"),
		c(fItemName, "producto", "product", "item", "articulo", "item name", "product name", "nombre del producto",
			"descripcion", "description", "produto", "servicio"),
		c(fItemSKU, "sku", "codigo", "codigo de producto", "ref", "product code"),
		c(fItemQty, "cantidad", "qty", "quantity", "unidades", "units", "cant", "cant.", "quantidade"),
		c(fItemPrice, "precio", "price", "unit price", "precio unitario", "p. unitario", "preco", "preco unitario"),
		c(fItemTotal, "total linea", "line total", "item total", "subtotal linea"),
		c(fItemVariant, "variante", "variant", "variation", "talla", "size", "color"),
	},
}

// formatNames are the values --format accepts.
var formatNames = []string{"auto", "shopify", "woocommerce", "etsy", "tiendanube", "square", "prestashop",
	"squarespace", "mercadolibre", "generic"}

// headerKey normalizes a header cell for matching: accents removed, lower
// case, "_" as space, spaces collapsed, a trailing three-letter note in
// brackets removed ("Total (CLP)", "Precio (IVA)"), and returned when it is a
// currency code.
func headerKey(h string) (key string, currency string) {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	if i := strings.LastIndexByte(h, '('); i > 0 && strings.HasSuffix(h, ")") {
		if code := strings.ToUpper(strings.TrimSpace(h[i+1 : len(h)-1])); isUpperCode(code) {
			h = strings.TrimSpace(h[:i])
			if isoCurrencies[code] {
				currency = code
			}
		}
	}
	return foldText(h), currency
}

// isoCurrencies are the ISO 4217 codes a header may name ("Total (CLP)"):
// other three letters in brackets ("Precio (IVA)", "Código (SKU)") are not a
// currency, and must not decide how many decimals a column has.
var isoCurrencies = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
		BOV BRL BSD BTN BWP BYN BZD CAD CDF CHF CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN
		ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
		KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
		MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
		SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU
		UYW UZS VED VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG ZWL`) {
		m[c] = true
	}
	return m
}()

// A transform chain keeps state while it runs, so each use gets its own:
// imports parse and write on different goroutines.
var accentStrippers = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

var ordinalSigns = strings.NewReplacer("º", "", "°", "", "ª", "")

// Fold is text as it is compared: lower case, without accents, single
// spaces (see foldText). Others that read what customers write use it too.
func Fold(s string) string { return foldText(s) }

// foldText lower-cases, removes accents and collapses whitespace and "_".
func foldText(s string) string {
	if s == "" {
		return ""
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		stripper := accentStrippers.Get().(transform.Transformer)
		if t, _, err := transform.String(stripper, s); err == nil {
			s = t
		}
		accentStrippers.Put(stripper)
		s = ordinalSigns.Replace(s)
	}
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	return strings.Join(strings.Fields(s), " ")
}

// layout is a file's header mapped to fields.
type layout struct {
	format    *format
	header    []string
	headerRow int
	cols      [nFields][]int // column indexes per field, by priority
	colCur    []string       // currency named in a column's header ("Total (CLP)")
	lineItems []int          // WebToffee line_item_N columns
	unmapped  []string
}

// matchLayout maps a header row to format f, or returns nil when f's
// signature is not there. For generic it requires an order number and an
// email or a customer name.
func matchLayout(f *format, header []string) *layout {
	keys := make([]string, len(header))
	l := &layout{format: f, header: header, colCur: make([]string, len(header))}
	present := map[string]int{}
	for i, h := range header {
		keys[i], l.colCur[i] = headerKey(h)
		if _, dup := present[keys[i]]; !dup {
			present[keys[i]] = i
		}
	}
	for _, s := range f.signature {
		if _, ok := present[s]; !ok {
			return nil
		}
	}
	used := make([]bool, len(header))
	assign := func(cols []column, fallback bool) {
		for _, col := range cols {
			if fallback && len(l.cols[col.f]) > 0 {
				continue // the platform already has this field
			}
			for _, h := range col.headers {
				if i, ok := present[h]; ok && !used[i] {
					used[i] = true
					l.cols[col.f] = append(l.cols[col.f], i)
				}
			}
		}
	}
	assign(f.columns, false)
	if f.source == "woocommerce-webtoffee" {
		for i, k := range keys {
			if strings.HasPrefix(k, "line item ") && isDigits(strings.TrimPrefix(k, "line item ")) {
				used[i] = true
				l.lineItems = append(l.lineItems, i)
			}
		}
	}
	if !f.noGeneric && f != generic {
		assign(generic.columns, true)
	}
	if f == generic {
		if len(l.cols[fNumber]) == 0 || len(l.cols[fEmail]) == 0 && len(l.cols[fName]) == 0 && len(l.cols[fFirstName]) == 0 {
			return nil
		}
	}
	for i, u := range used {
		if !u && strings.TrimSpace(header[i]) != "" {
			l.unmapped = append(l.unmapped, header[i])
		}
	}
	return l
}

// detectLayout tries every format (or those of the platform named) on a row.
func detectLayout(row []string, want string) *layout {
	for _, f := range formats {
		if want == "auto" || want == f.name {
			if l := matchLayout(f, row); l != nil {
				return l
			}
		}
	}
	if want == "auto" || want == "generic" {
		return matchLayout(generic, row)
	}
	return nil
}

// expectedHeaders says, for an error message, what a format's header needs.
func expectedHeaders(want string) string {
	var out []string
	for _, f := range formats {
		if want == "auto" || want == f.name {
			out = append(out, f.name+" ("+f.source+"): "+strings.Join(f.signature, ", "))
		}
	}
	if want == "auto" || want == "generic" {
		out = append(out, "generic: an order number column (pedido, order, ...) and an email or name column (correo, email, nombre, name, ...)")
	}
	return strings.Join(out, "; ")
}

// value returns the first non-empty cell of a field's columns, and the index
// of the column it came from (-1 when empty).
func (l *layout) value(row []string, f field) (string, int) {
	for _, i := range l.cols[f] {
		if i < len(row) {
			if v := strings.TrimSpace(row[i]); v != "" {
				return v, i
			}
		}
	}
	return "", -1
}

func (l *layout) has(f field) bool { return len(l.cols[f]) > 0 }
