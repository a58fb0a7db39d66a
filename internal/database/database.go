// Package database opens Mostrador's single SQLite file and applies the numbered
// migrations that each domain package owns. It knows no table of its own but the
// one that records which migration each package has reached.
package database

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (and creates, with its folder, if needed) the database file at path
// with WAL, foreign keys and a busy timeout on every connection. Transactions
// start IMMEDIATE so that two writers wait for each other instead of failing
// half-way with SQLITE_BUSY.
func Open(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("database path is empty")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder %s: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Temporary tables and statement journals in memory: a multi-row INSERT
	// otherwise writes its rollback journal to a temporary file page by page.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("open database %s: journal mode is %q, want wal (is the file on a network drive?)", path, mode)
	}
	return db, nil
}

// Migrations are one package's schema steps, in order. Step i (0-based) brings
// the package's schema to version i+1. Steps are never edited once released:
// a change is a new step at the end.
type Migrations struct {
	Package string
	Steps   []string
}

// NewerError reports a database written by a newer Mostrador than this one.
// Such a database is left exactly as it is.
type NewerError struct {
	Package     string
	Have, Known int
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("this database was written by a newer version of Mostrador "+
		"(%s schema version %d; this version knows up to %d). Update Mostrador to open it; "+
		"the database was not changed", e.Package, e.Have, e.Known)
}

const versionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	package TEXT PRIMARY KEY,
	version INTEGER NOT NULL
)`

// Migrate brings every package's schema up to date in one transaction. If any
// package's recorded version is newer than the steps this binary has, nothing
// is changed and a *NewerError is returned.
func Migrate(db *sql.DB, sets ...Migrations) (err error) {
	// Check first, without writing, so that a newer database is never touched
	// (not even by creating the version table).
	have, err := versions(db)
	if err != nil {
		return err
	}
	for _, s := range sets {
		if v := have[s.Package]; v > len(s.Steps) {
			return &NewerError{Package: s.Package, Have: v, Known: len(s.Steps)}
		}
	}
	pending := false
	for _, s := range sets {
		if have[s.Package] < len(s.Steps) {
			pending = true
		}
	}
	if !pending {
		return nil
	}

	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err = tx.Exec(versionTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, s := range sets {
		// Read again inside the transaction: another process may have migrated
		// between the check above and BEGIN IMMEDIATE.
		var v int
		err = tx.QueryRow(`SELECT version FROM schema_version WHERE package = ?`, s.Package).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			v, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("migrate %s: %w", s.Package, err)
		}
		if v > len(s.Steps) {
			return &NewerError{Package: s.Package, Have: v, Known: len(s.Steps)}
		}
		for i := v; i < len(s.Steps); i++ {
			if _, err = tx.Exec(s.Steps[i]); err != nil {
				return fmt.Errorf("migrate %s to version %d: %w", s.Package, i+1, err)
			}
		}
		if v < len(s.Steps) {
			if _, err = tx.Exec(`INSERT INTO schema_version(package, version) VALUES(?, ?)
				ON CONFLICT(package) DO UPDATE SET version = excluded.version`, s.Package, len(s.Steps)); err != nil {
				return fmt.Errorf("migrate %s: %w", s.Package, err)
			}
		}
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// versions reads the recorded schema version of every package; an empty map
// for a new database.
func versions(db *sql.DB) (map[string]int, error) {
	out := map[string]int{}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return out, nil
	}
	rows, err := db.Query(`SELECT package, version FROM schema_version`)
	if err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var v int
		if err := rows.Scan(&p, &v); err != nil {
			return nil, fmt.Errorf("read schema version: %w", err)
		}
		out[p] = v
	}
	return out, rows.Err()
}
