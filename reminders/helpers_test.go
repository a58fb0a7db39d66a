package reminders

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"mostrador/inbox"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
)

// testDB is a shop database with every package's tables, in Europe/Madrid.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrate(db); err != nil {
		t.Fatal(err)
	}
	setting(t, db, settings.ShopTimezone, "Europe/Madrid")
	return db
}

// migrate gives db every package's tables, as the app does at start.
func migrate(db *sql.DB) error {
	return database.Migrate(db, orders.Migrations, settings.Migrations, inbox.Migrations, Migrations)
}

func setting(t testing.TB, db *sql.DB, key, value string) {
	t.Helper()
	if _, err := settings.Set(context.Background(), db, key, value); err != nil {
		t.Fatal(err)
	}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// jobRow is a job as a test looks at it.
type jobRow struct {
	Rule, Step, State, Reason string
	Due                       time.Time
	Version                   int64
	Data                      string
}

func jobs(t *testing.T, db *sql.DB, where string, args ...any) []jobRow {
	t.Helper()
	if where == "" {
		where = "1"
	}
	return rowsOf(t, db, func(rows *sql.Rows, j *jobRow) error {
		var due string
		if err := rows.Scan(&j.Rule, &j.Step, &j.State, &j.Reason, &due, &j.Version, &j.Data); err != nil {
			return err
		}
		var err error
		j.Due, err = parseStamp(due)
		return err
	}, `SELECT rule, step, state, reason, due_at, version, data FROM job WHERE `+where+` ORDER BY due_at, id`, args...)
}

// rowsOf is every row q gives, read by scan.
func rowsOf[T any](tb testing.TB, db *sql.DB, scan func(*sql.Rows, *T) error, q string, args ...any) []T {
	tb.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
