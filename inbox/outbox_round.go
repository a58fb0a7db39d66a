package inbox

import (
	"context"
	"database/sql"
	"time"

	"github.com/emersion/go-imap/v2"
)

// What a round (Send, SendDue) keeps from one message to the next. A day's
// automated mail is hundreds of messages that each run the same few
// statements, and store a Sent copy: SQLite parsing those statements again
// for each message, and a transaction of its own for each copy (its
// thread, its search index), cost many times the SMTP exchange itself.

// stmt is q prepared once a round, on the database; the round's end
// closes it (closeStmts).
func (s *Sender) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.stmts.On = s.DB
	return s.stmts.Prepare(ctx, q)
}

func (s *Sender) closeStmts() { s.stmts.Close() }

// scanner is a row to scan: a *sql.Row, or the error that kept it from
// being asked for.
type scanner interface{ Scan(...any) error }

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// queryRow is QueryRowContext with the round's statement for q.
func (s *Sender) queryRow(ctx context.Context, q string, args ...any) scanner {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// exec is ExecContext with the round's statement for q, inside tx unless
// tx is nil.
func (s *Sender) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return st.ExecContext(ctx, args...)
}

// loadOutgoing is LoadOutgoing with the round's statement.
func (s *Sender) loadOutgoing(ctx context.Context, id int64) (*Outgoing, error) {
	o, err := scanOutbox(s.queryRow(ctx, selectOutgoing, id))
	if err != nil {
		return nil, err
	}
	return o.public(), nil
}

// sentCopy is a sent message whose copy goes into the database's Sent
// folder.
type sentCopy struct {
	o   *outboxRow
	raw []byte
	at  time.Time
}

// copyBatch is how many sent automated emails' copies wait at most before
// they are stored (and then filed on the server) together.
const copyBatch = 50

// keepCopy has a sent automated email's copy wait for the next ones (see
// copyLater), and stores the waiting copies once there are copyBatch.
func (s *Sender) keepCopy(ctx context.Context, c sentCopy) error {
	s.copies = append(s.copies, c)
	if len(s.copies) < copyBatch {
		return nil
	}
	return s.storeCopies(ctx)
}

// storeCopies stores the waiting copies in one transaction, then files
// them on the server, in that order as for a single reply: the server's
// copy, when a sync brings it, takes the place of the local one. When it
// fails the rows are sent all the same; the next round files them, and
// the sync brings their copies.
func (s *Sender) storeCopies(ctx context.Context) error {
	if len(s.copies) == 0 {
		return nil
	}
	copies := s.copies
	s.copies = nil
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.storeSent(ctx, tx, copies) }); err != nil {
		return err
	}
	for _, c := range copies {
		s.file(ctx, c.o)
	}
	return nil
}

// inTx runs writes in a transaction, and commits it unless they fail.
func (s *Sender) inTx(ctx context.Context, writes func(*sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := writes(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// storeSent stores sent messages' copies in the database's Sent folder,
// so that they show in their threads, and marks the originals answered
// there.
func (s *Sender) storeSent(ctx context.Context, tx *sql.Tx, copies []sentCopy) error {
	folder, err := sentFolderRow(ctx, tx)
	if err != nil {
		return err
	}
	st, err := newStorer(ctx, tx, s.Account.FromAddr)
	if err != nil {
		return err
	}
	defer st.close()
	rows := make([]row, len(copies))
	for i, c := range copies {
		rows[i] = prepare(s.Account.FromAddr, stored_{folder: folder, uid: -c.o.id, raw: c.raw, received: c.at,
			size: int64(len(c.raw)), flags: []imap.Flag{imap.FlagSeen}})
	}
	if _, err := st.store(ctx, rows); err != nil {
		return err
	}
	for _, c := range copies {
		if c.o.answers == "" {
			continue // answers nothing: nothing to mark
		}
		rows, err := tx.QueryContext(ctx, `UPDATE message SET answered = 1 WHERE message_id = ? AND message_id <> ''
			RETURNING thread_id`, c.o.answers)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t sql.NullInt64
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			st.th.touch(t)
		}
		rows.Close()
	}
	return st.finish(ctx)
}
