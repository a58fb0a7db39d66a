package orders

import (
	"context"
	"database/sql/driver"
	"errors"
	"testing"
	"time"
)

// within fails the test if f does not return in time: the failures these
// tests guard against are hangs inside database/sql.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v: a connection held by the open transaction is waited for", d)
	}
}

// A row with a value the driver does not take is refused whole: the rows
// after it land in their own columns.
func TestBatchRefusesAWholeRow(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	b, err := newBatch(ctx, conn, "customer", "id, email, name, phone, phone_key, name_key, created_at, updated_at", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := b.add(int64(1), "a@example.com", "Ana", "", "", "ana", time.Now(), ""); err == nil {
		t.Fatal("a time.Time value was taken")
	}
	if err := b.add(int64(2), "b@example.com", "Bea", "", "", "bea", "2024-01-01", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	if err := b.add(3, nil, "Cy", "600", "600", "cy", "2024-01-01", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := tx.QueryRow(`SELECT group_concat(id || ':' || coalesce(email, '-') || ':' || name, ' ') FROM customer`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "2:b@example.com:Bea 3:-:Cy" {
		t.Errorf("customers = %q", got)
	}
}

// A statement that cannot be prepared, or a driver that reports a bad
// connection or panics, inside the import's transaction: an error comes
// back, nothing hangs, and the transaction still rolls back.
func TestBatchErrorsUnderTheTransaction(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, func() {
		b, err := newBatch(ctx, conn, "no_such_table", "id, email", 4)
		if err == nil || b.full != nil {
			t.Errorf("prepare on a missing table: %v, statement %v", err, b.full)
		}
		b.close()
		b = &batch{ctx: ctx, conn: conn}
		if err := b.raw(func(any) error { return driver.ErrBadConn }); !errors.Is(err, errBadConn) {
			t.Errorf("a bad connection came back as %v", err)
		}
		if err := b.raw(func(any) error { panic("driver bug") }); err == nil {
			t.Error("a driver panic came back as no error")
		}
		if _, err := tx.Exec(`INSERT INTO customer(id, email, name, phone, phone_key, name_key, created_at, updated_at)
			VALUES(1, 'a@example.com', 'Ana', '', '', 'ana', '', '')`); err != nil {
			t.Errorf("the transaction is unusable after the errors: %v", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Errorf("rollback: %v", err)
		}
	})
	if n := count(t, db, `SELECT count(*) FROM customer`); n != 0 {
		t.Errorf("%d customers after the rollback", n)
	}
}

// Cancelling an import at any point ends it with the context's error and
// leaves the database as it was, or lets it finish whole.
func TestCancelledImportLeavesNothing(t *testing.T) {
	path := shopifyExportFile(t, 20000)
	for _, after := range []time.Duration{0, 5, 20, 60, 150, 300} {
		db := newDB(t)
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(after*time.Millisecond, cancel)
		var res *Result
		var err error
		within(t, 60*time.Second, func() { res, err = ImportFile(ctx, db, path, Options{Location: madrid}) })
		timer.Stop()
		cancel()
		orders, custs := count(t, db, `SELECT count(*) FROM orders`), count(t, db, `SELECT count(*) FROM customer`)
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			t.Errorf("cancel after %v ms: %v", after, err)
		case err != nil && (orders != 0 || custs != 0):
			t.Errorf("cancel after %v ms left %d orders and %d customers", after, orders, custs)
		case err == nil && orders != res.Orders.Inserted:
			t.Errorf("finished import: %d orders stored, %d reported", orders, res.Orders.Inserted)
		}
	}
}
