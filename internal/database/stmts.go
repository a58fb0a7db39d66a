package database

import (
	"context"
	"database/sql"
)

// Stmts prepares each statement once on a database or transaction and
// keeps it: SQLite parsing a statement costs more than running it, and a
// batch (a sync's, a send round's, a planning's) runs the same few many
// times. The zero value is not usable: set On.
type Stmts struct {
	On interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}
	m map[string]*sql.Stmt
}

// Prepare is q prepared, once.
func (s *Stmts) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.m[q]; ok {
		return st, nil
	}
	st, err := s.On.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.m == nil {
		s.m = map[string]*sql.Stmt{}
	}
	s.m[q] = st
	return st, nil
}

// Exec runs q's statement.
func (s *Stmts) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := s.Prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// Query runs q's statement.
func (s *Stmts) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.Prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Close closes the statements (a transaction's also close when it ends).
func (s *Stmts) Close() {
	for _, st := range s.m {
		st.Close()
	}
	clear(s.m)
}
