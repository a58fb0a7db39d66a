package database

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestMigrateAppliesStepsOnceAndInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "shop.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := Migrations{Package: "demo", Steps: []string{
		`CREATE TABLE a(x INTEGER)`,
		`ALTER TABLE a ADD COLUMN y TEXT`,
	}}
	for i := 0; i < 2; i++ { // second run must be a no-op, not a "duplicate column" error
		if err := Migrate(db, m); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO a(x, y) VALUES(1, 'z')`); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version WHERE package='demo'`).Scan(&v); err != nil || v != 2 {
		t.Fatalf("version = %d, %v; want 2", v, err)
	}
	var fk int
	db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if fk != 1 {
		t.Fatalf("foreign_keys = %d, want 1", fk)
	}
}

func TestMigrateFailureRollsBackEverything(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = Migrate(db,
		Migrations{Package: "good", Steps: []string{`CREATE TABLE good(x)`}},
		Migrations{Package: "bad", Steps: []string{`CREATE TABLE bad(x)`, `THIS IS NOT SQL`}},
	)
	if err == nil {
		t.Fatal("want an error from the broken step")
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('good','bad','schema_version')`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d tables survived a failed migration, want 0", n)
	}
}

func TestNewerDatabaseIsRefusedAndLeftUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE a(x)`, `CREATE TABLE b(x)`, `CREATE TABLE c(x)`}
	if err := Migrate(db, Migrations{Package: "orders", Steps: steps}); err != nil {
		t.Fatal(err)
	}
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.Close()
	before, _ := os.ReadFile(path)

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = Migrate(db, Migrations{Package: "orders", Steps: steps[:1]}, Migrations{Package: "inbox", Steps: []string{`CREATE TABLE m(x)`}})
	var newer *NewerError
	if !errors.As(err, &newer) || newer.Have != 3 || newer.Known != 1 || newer.Package != "orders" {
		t.Fatalf("err = %v, want NewerError orders 3 > 1", err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'm'`).Scan(&n)
	if n != 0 {
		t.Fatal("a newer database was modified")
	}
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("database file bytes changed")
	}
}
