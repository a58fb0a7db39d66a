package orders

import (
	"context"
	"database/sql"
	"strings"
)

// batch gathers rows for one table and inserts them many at a time: one
// multi-row INSERT costs about as much as a single-row one, and per-statement
// overhead is most of a bulk import's time.
type batch struct {
	tx     *sql.Tx
	prefix string // INSERT INTO t(a, b, c) VALUES
	cols   int
	size   int // rows per full statement
	full   *sql.Stmt
	args   []any
}

func newBatch(ctx context.Context, tx *sql.Tx, table, columns string, size int) (*batch, error) {
	// OR ROLLBACK: a conflict here is a bug that ends the import anyway, and
	// without the ABORT default SQLite keeps no statement journal.
	b := &batch{tx: tx, prefix: "INSERT OR ROLLBACK INTO " + table + "(" + columns + ") VALUES ",
		cols: strings.Count(columns, ",") + 1, size: size}
	var err error
	b.full, err = tx.PrepareContext(ctx, b.statement(size))
	return b, err
}

func (b *batch) statement(rows int) string {
	one := "(" + strings.Repeat("?, ", b.cols-1) + "?)"
	return b.prefix + strings.Repeat(one+", ", rows-1) + one
}

// add queues one row; a full batch goes to the database at once.
func (b *batch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.cols*b.size {
		return nil
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush writes what is queued.
func (b *batch) flush(ctx context.Context) error {
	if b == nil || len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.statement(len(b.args)/b.cols), b.args...)
	b.args = b.args[:0]
	return err
}

func (b *batch) close() {
	if b != nil && b.full != nil {
		b.full.Close()
	}
}
