package orders

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options steer one import.
type Options struct {
	Format    string         // auto (default) or a platform name
	DateOrder string         // "dmy" or "mdy" to settle dates like 03/05/2024; "" decides from the file
	DryRun    bool           // report what would happen, write nothing
	Location  *time.Location // the shop's time zone, for dates without an offset
	Now       func() time.Time
	// Progress, if set, is called every few thousand rows with the data rows
	// read so far. It is called from a goroutine of the import's own.
	Progress func(rows int)
	// OnChange, if set, receives each change as the import makes it, and
	// Result.Changes stays empty: a caller importing years of history need
	// not hold every "new order" at once. The changes count only if the
	// import then returns without error (and, without DryRun, committed).
	// A change of Kind "reset" means the import started over (a file whose
	// rows of one order are scattered is read again, gathering orders
	// first): forget the changes received before it.
	OnChange func(Change)
	// WithinOrders, if set, runs inside the import's transaction once every
	// row is written, before the commit (in a dry run, before the
	// rollback), with the changes (none when OnChange takes them). What it
	// writes, such as the automated emails the changes plan, lands with the
	// import or not at all: a crash cannot keep the orders and lose their
	// emails, and a dry run sees the rows as they would be. Its error
	// undoes the import.
	WithinOrders func(ctx context.Context, tx *sql.Tx, changes []Change) error
	// WithinAppointments is WithinOrders for an appointments import.
	WithinAppointments func(ctx context.Context, tx *sql.Tx, changes []AppointmentChange) error
}

// Result is what an import did (or, with DryRun, would do).
type Result struct {
	File      string      `json:"file"`
	Format    string      `json:"format"`
	Source    string      `json:"source"`
	Dialect   Dialect     `json:"dialect"`
	Rows      int         `json:"rows"`
	Orders    OrderCounts `json:"orders"`
	Customers struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	} `json:"customers"`
	Changes  []Change    `json:"changes"`
	Rejected []Rejection `json:"rejected"`
	Warnings []Warning   `json:"warnings"`
	DryRun   bool        `json:"dryRun"`
}

// OrderCounts counts orders by what the import did to them.
type OrderCounts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Imported reports whether the import wrote (or would write) anything.
func (r *Result) Imported() int { return r.Orders.Inserted + r.Orders.Updated + r.Orders.Unchanged }

// Rejection is a row that was not imported, and why.
type Rejection struct {
	Row    int            `json:"row"`
	Column string         `json:"column"`
	Value  string         `json:"value"`
	Code   string         `json:"code"` // a translation key: reject.date, reject.email, ...
	Args   map[string]any `json:"args,omitempty"`
}

// Warning is something the owner should know that did not stop the import.
type Warning struct {
	Code string         `json:"code"`
	Args map[string]any `json:"args,omitempty"`
}

// FileError is an import that could not start: unreadable file, unknown
// format. Nothing was written.
type FileError struct {
	File string
	Code string // translation key
	Args map[string]any
	Err  error
}

func (e *FileError) Error() string {
	msg := e.Code
	for k, v := range e.Args {
		msg += fmt.Sprintf(" %s=%v", k, v)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return fmt.Sprintf("import %s: %s", e.File, msg)
}

func (e *FileError) Unwrap() error { return e.Err }

// ImportFile imports an order export (CSV, TSV or XLSX) from disk.
func ImportFile(ctx context.Context, db *sql.DB, path string, opts Options) (*Result, error) {
	return importRows(ctx, db, filepath.Base(path), fileOpener(path), opts)
}

// ImportBytes imports an export held in memory (drag and drop, tests).
func ImportBytes(ctx context.Context, db *sql.DB, name string, data []byte, opts Options) (*Result, error) {
	return importRows(ctx, db, name, bytesOpener(data), opts)
}

// fileOpener opens a file on disk for each pass: a workbook or text.
func fileOpener(path string) func() (rowSource, string, error) {
	return func() (rowSource, string, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		if isXLSX(f) {
			f.Close()
			return openXLSX(path)
		}
		return openText(f)
	}
}

// bytesOpener reads a file held in memory for each pass.
func bytesOpener(data []byte) func() (rowSource, string, error) {
	return func() (rowSource, string, error) {
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return openXLSXReader(bytes.NewReader(data))
		}
		return openText(io.NopCloser(bytes.NewReader(data)))
	}
}

// closingSource closes the file once the rows are read.
type closingSource struct {
	*csvSource
	c io.Closer
}

func (s closingSource) Close() error { return s.c.Close() }

func openText(f io.ReadCloser) (rowSource, string, error) {
	text, enc, err := decodeText(f)
	if err != nil {
		f.Close()
		return nil, "", err
	}
	// Peek at the decoded text to choose the delimiter.
	br := newPeekReader(text)
	sample, err := br.peek(sniffSize)
	if err != nil {
		f.Close()
		return nil, "", err
	}
	d := sniffDelimiter(sample)
	return closingSource{newCSVSource(br, d), f}, enc + "\x00" + string(d), nil
}

// peekReader lets the delimiter sniffing look ahead without losing bytes.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		chunk := make([]byte, n-len(p.buf))
		k, err := p.r.Read(chunk)
		p.buf = append(p.buf, chunk[:k]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return p.buf, nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func closeSource(s rowSource) {
	if c, ok := s.(io.Closer); ok {
		c.Close()
	}
}

const maxTitleRows = 30 // how far below the top a header row is looked for

// importRows runs the two passes: a look through the file to find its header,
// format, date order and decimal mark, then the import itself in one
// transaction.
func importRows(ctx context.Context, db *sql.DB, name string, open func() (rowSource, string, error), opts Options) (*Result, error) {
	if opts.Format == "" {
		opts.Format = "auto"
	}
	if !validFormat(opts.Format) {
		return nil, &FileError{File: name, Code: "import.unknownFormatFlag", Args: map[string]any{"Format": opts.Format, "Known": strings.Join(formatNames, ", ")}}
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	res := &Result{File: name, DryRun: opts.DryRun, Changes: []Change{}, Rejected: []Rejection{}, Warnings: []Warning{}}

	src, kind, err := open()
	if err != nil {
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	forced := orderUnknown
	switch opts.DateOrder {
	case "dmy":
		forced = orderDMY
	case "mdy":
		forced = orderMDY
	case "":
	default:
		closeSource(src)
		return nil, &FileError{File: name, Code: "import.badDateOrder", Args: map[string]any{"Value": opts.DateOrder}}
	}
	sn, err := sniff(src, opts.Format, forced)
	closeSource(src)
	if err != nil {
		if fe, ok := err.(*FileError); ok {
			fe.File = name
			return nil, fe
		}
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	l := sn.layout
	res.Format, res.Source = l.format.name, l.format.source
	enc, delim, _ := strings.Cut(kind, "\x00")
	res.Dialect = Dialect{Encoding: enc, Delimiter: delim, HeaderRow: l.headerRow}
	if sn.mark != markUnknown {
		res.Dialect.Decimal = string(rune(sn.mark))
	}
	if sn.order != orderUnknown {
		res.Dialect.DateOrder = sn.order.String()
	}
	if sn.ambiguousDates {
		res.Warnings = append(res.Warnings, Warning{Code: "warn.dateOrder", Args: map[string]any{"Example": sn.dateExample, "Order": sn.order.String()}})
	}
	if len(l.unmapped) > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "warn.unmapped", Args: map[string]any{"Columns": strings.Join(l.unmapped, ", ")}})
	}

	done, err := write(ctx, db, name, open, sn, opts, res)
	if errors.Is(err, errScattered) {
		// The rows of some order are not next to each other: start again,
		// gathering every order in memory before writing.
		sn.scattered = true
		if opts.OnChange != nil {
			opts.OnChange(Change{Kind: "reset"})
		}
		*res = Result{File: res.File, Format: res.Format, Source: res.Source, Dialect: res.Dialect, DryRun: res.DryRun,
			Changes: []Change{}, Rejected: []Rejection{}, Warnings: res.Warnings}
		done, err = write(ctx, db, name, open, sn, opts, res)
	}
	if err != nil {
		return nil, err
	}
	return done, nil
}

// write is the second pass: the rows into the database in one transaction,
// committed only if something was imported and this is not a dry run.
func write(ctx context.Context, db *sql.DB, name string, open func() (rowSource, string, error), sn *sniffed,
	opts Options, res *Result) (*Result, error) {
	src, _, err := open()
	if err != nil {
		return nil, &FileError{File: name, Code: "import.unreadable", Err: err}
	}
	defer closeSource(src)
	p := &parser{l: sn.layout, loc: opts.Location, order: sn.order, mark: sn.mark, currency: sn.currency}

	// One connection of the pool: the writer's batches run on the driver's
	// connection under this transaction (see batch).
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, conn, tx, sn.layout.format, opts.Now().UTC(), res)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	defer w.close()
	w.emailColumn, w.onChange = sn.layout.columnName(fEmail), opts.OnChange
	err = feed(ctx, src, p, sn, w, res, opts.Progress)
	if err == nil {
		err = w.flush()
	}
	if isDuplicateOrder(err) {
		err = errScattered
	}
	if err != nil {
		if errors.Is(err, errScattered) || errors.As(err, new(*FileError)) || ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	w.close()
	if opts.WithinOrders != nil && res.Imported() > 0 {
		if err := opts.WithinOrders(ctx, tx, res.Changes); err != nil {
			return nil, fmt.Errorf("import %s: %w", name, err)
		}
	}
	if opts.DryRun || res.Imported() == 0 {
		return res, nil // rolled back by the deferred Rollback
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import %s: commit: %w", name, err)
	}
	return res, nil
}

func validFormat(f string) bool {
	for _, n := range formatNames {
		if n == f {
			return true
		}
	}
	return false
}

// feed reads the data rows, groups them into orders and hands each order to
// the writer. Parsing and writing run side by side: a goroutine reads and
// prepares records while this one writes them. Rows of one order usually
// follow each other; when a file scatters them, the orders are gathered in
// memory and written at the end.
func feed(ctx context.Context, src rowSource, p *parser, sn *sniffed, w *writer, res *Result, progress func(int)) error {
	recs := make(chan *record, 64)
	stop := make(chan struct{})
	var parsed []Rejection // the parser's rejections; the writer's go to res.Rejected
	var rows int
	var perr error
	go func() {
		defer close(recs)
		send := func(r *record) bool {
			r.prepare(p.l.format.source)
			select {
			case recs <- r:
				return true
			case <-stop:
				return false
			}
		}
		rows, perr = parse(ctx, src, p, sn, res.File, &parsed, progress, send)
	}()
	var werr error
	for r := range recs {
		if werr == nil {
			if werr = w.write(r); werr != nil {
				close(stop) // the parser stops at its next record
			}
		}
	}
	res.Rows = rows
	if werr != nil {
		return werr
	}
	if perr != nil {
		return perr
	}
	// Every rejection in row order, the parser's first for the same row.
	all := append(parsed, res.Rejected...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Row < all[j].Row })
	res.Rejected = all
	return nil
}

// parse is feed's reading half. It returns the number of data rows read.
func parse(ctx context.Context, src rowSource, p *parser, sn *sniffed, file string, rejected *[]Rejection,
	progress func(int), send func(*record) bool) (int, error) {
	var cur *record
	var pending map[string]*record // scattered files only
	var pendingOrder []string
	stopped := false
	flush := func(r *record) {
		if r != nil && pending == nil && !stopped {
			stopped = !send(r)
		}
	}
	reject := func(row, col int, value, code string, args map[string]any) {
		name := ""
		if col >= 0 && col < len(p.l.header) {
			name = strings.TrimSpace(p.l.header[col])
		}
		*rejected = append(*rejected, Rejection{Row: row, Column: name, Value: value, Code: code, Args: args})
	}
	rows := 0
	for !stopped {
		row, fields, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if row > 0 && fields == nil {
				// A malformed line (a quote never closed): rejecting it and
				// going on could misalign its neighbours; stop with a clear error.
				return rows, &FileError{File: file, Code: "import.malformed", Args: map[string]any{"Row": row}, Err: err}
			}
			return rows, &FileError{File: file, Code: "import.unreadable", Err: err}
		}
		if row <= p.l.headerRow || blankRow(fields) {
			continue
		}
		rows++
		if rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return rows, err
			}
			if progress != nil {
				progress(rows)
			}
		}
		key := p.orderKey(fields)
		if key == "" {
			if isTotalsRow(fields) {
				rows--
				continue
			}
			reject(row, p.l.firstCol(fNumber), "", "reject.noNumber", nil)
			continue
		}
		if cur == nil || cur.number != key {
			flush(cur)
			if sn.scattered {
				if pending == nil {
					pending = map[string]*record{}
				}
				if r, ok := pending[key]; ok {
					cur = r
				} else {
					cur = &record{number: key}
					pending[key] = cur
					pendingOrder = append(pendingOrder, key)
				}
			} else {
				cur = &record{number: key}
			}
		}
		for _, pr := range p.addRow(cur, row, fields) {
			reject(row, pr.col, pr.value, pr.reason, pr.args)
			if cur.badRows == nil {
				cur.badRows = map[int]bool{}
			}
			cur.badRows[row] = true
		}
	}
	if pending == nil {
		flush(cur)
		return rows, nil
	}
	for _, k := range pendingOrder {
		if !send(pending[k]) {
			break
		}
	}
	return rows, nil
}

func (res *Result) reject(l *layout, row, col int, value, code string, args map[string]any) {
	name := ""
	if col >= 0 && col < len(l.header) {
		name = strings.TrimSpace(l.header[col])
	}
	res.Rejected = append(res.Rejected, Rejection{Row: row, Column: name, Value: value, Code: code, Args: args})
}

func (l *layout) columnName(f field) string {
	if i := l.firstCol(f); i >= 0 {
		return strings.TrimSpace(l.header[i])
	}
	return ""
}

func (l *layout) firstCol(f field) int {
	if len(l.cols[f]) > 0 {
		return l.cols[f][0]
	}
	return -1
}

func blankRow(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// isTotalsRow recognizes the "Total" line that people and some exports add
// under the data.
func isTotalsRow(fields []string) bool {
	for _, f := range fields {
		switch foldText(f) {
		case "total", "totales", "totals", "total general", "grand total":
			return true
		}
	}
	return false
}
