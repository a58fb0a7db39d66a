package orders

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// batch gathers rows for one table and inserts them many at a time: one
// multi-row INSERT costs about as much as a single-row one, and per-statement
// overhead is most of a bulk import's time.
//
// The statements run on the driver's connection itself (sql.Conn.Raw),
// inside the import's transaction on that same connection: database/sql would
// otherwise allocate and convert every argument again on every execution, a
// fifth of a bulk import's allocations. The arguments live in one reused
// slice of driver values.
type batch struct {
	ctx    context.Context
	conn   *sql.Conn
	prefix string // INSERT INTO t(a, b, c) VALUES
	cols   int
	size   int // rows per full statement
	full   driver.Stmt
	args   []driver.NamedValue
	n      int // values queued in args
}

func newBatch(ctx context.Context, conn *sql.Conn, table, columns string, size int) (*batch, error) {
	// OR ROLLBACK: a conflict here is a bug that ends the import anyway, and
	// without the ABORT default SQLite keeps no statement journal.
	b := &batch{ctx: ctx, conn: conn, prefix: "INSERT OR ROLLBACK INTO " + table + "(" + columns + ") VALUES ",
		cols: strings.Count(columns, ",") + 1, size: size}
	b.args = make([]driver.NamedValue, b.cols*size)
	for i := range b.args {
		b.args[i].Ordinal = i + 1
	}
	var err error
	b.full, err = b.prepare(b.statement(size))
	return b, err
}

func (b *batch) statement(rows int) string {
	one := "(" + strings.Repeat("?, ", b.cols-1) + "?)"
	return b.prefix + strings.Repeat(one+", ", rows-1) + one
}

func (b *batch) prepare(query string) (driver.Stmt, error) {
	var s driver.Stmt
	err := b.raw(func(dc any) error {
		var err error
		if p, ok := dc.(driver.ConnPrepareContext); ok {
			s, err = p.PrepareContext(b.ctx, query)
		} else if c, ok := dc.(driver.Conn); ok {
			s, err = c.Prepare(query)
		} else {
			err = fmt.Errorf("the database driver's connection is a %T", dc)
		}
		return err
	})
	if err != nil {
		// A driver may hand back a typed nil with its error: never keep it.
		return nil, err
	}
	return s, nil
}

func (b *batch) exec(s driver.Stmt, args []driver.NamedValue) error {
	return b.raw(func(any) error {
		x, ok := s.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("the database driver's statement is a %T", s)
		}
		_, err := x.ExecContext(b.ctx, args)
		return err
	})
}

// raw runs f on the driver connection. A panic in f, or driver.ErrBadConn
// from it, would make database/sql close the connection that the import's
// open transaction holds, and wait for it forever: both come back as plain
// errors instead, and the transaction rolls back as for any other error.
func (b *batch) raw(f func(dc any) error) error {
	var err error
	rawErr := b.conn.Raw(func(dc any) (ferr error) {
		defer func() {
			if p := recover(); p != nil {
				ferr = fmt.Errorf("database driver: %v", p)
			}
			if errors.Is(ferr, driver.ErrBadConn) {
				ferr = fmt.Errorf("database connection lost: %w", errBadConn)
			}
			err = ferr
		}()
		return f(dc)
	})
	if err != nil {
		return err
	}
	return rawErr
}

// errBadConn stands for driver.ErrBadConn, which must not reach database/sql
// from inside the import's transaction.
var errBadConn = errors.New("bad connection")

// add queues one row; a full batch goes to the database at once. A row with
// a value of a type the driver does not take is refused whole.
func (b *batch) add(vals ...any) error {
	if len(vals) != b.cols {
		return fmt.Errorf("%s: %d values for %d columns", b.prefix, len(vals), b.cols)
	}
	row := b.args[b.n : b.n+b.cols]
	for i, v := range vals {
		switch x := v.(type) {
		case int:
			v = int64(x)
		case nil, int64, string, float64, bool, []byte:
		default:
			for j := range row[:i] {
				row[j].Value = nil
			}
			return fmt.Errorf("%s: a value of type %T", b.prefix, v)
		}
		row[i].Value = v
	}
	b.n += b.cols
	if b.n < len(b.args) {
		return nil
	}
	b.n = 0
	return b.exec(b.full, b.args)
}

// flush writes what is queued.
func (b *batch) flush() error {
	if b == nil || b.n == 0 {
		return nil
	}
	s, err := b.prepare(b.statement(b.n / b.cols))
	if err != nil {
		return err
	}
	err = b.exec(s, b.args[:b.n])
	b.raw(func(any) error { return s.Close() })
	b.n = 0
	return err
}

func (b *batch) close() {
	if b != nil && b.full != nil {
		b.raw(func(any) error { return b.full.Close() })
		b.full = nil
	}
}
