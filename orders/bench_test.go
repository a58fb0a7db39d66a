package orders

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const benchRows = 100000

// BenchmarkImport measures the whole import (two passes over the file,
// grouping, validation, customers, orders, items, indexes, one transaction)
// of a Shopify-shaped export with 100,000 line-item rows, and beside it
// sqlite3's own .import of the same file into one bare table.
//
//	go test -tags ci -run '^$' -bench Import -benchtime 3x ./orders
func BenchmarkImport(b *testing.B) {
	path := shopifyExportFile(b, benchRows)

	b.Run("empty-db", func(b *testing.B) {
		b.ReportAllocs()
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			db := newDB(b)
			b.StartTimer()
			start := time.Now()
			res, err := ImportFile(context.Background(), db, path, Options{})
			elapsed += time.Since(start)
			if err != nil || res.Rows != benchRows || len(res.Rejected) > 0 {
				b.Fatalf("import: %v rows %d rejected %d", err, res.Rows, len(res.Rejected))
			}
			if i == 0 {
				b.ReportMetric(float64(res.Orders.Inserted), "orders")
				b.ReportMetric(float64(res.Customers.Inserted), "customers")
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	})

	b.Run("unchanged", func(b *testing.B) {
		db := newDB(b)
		if _, err := ImportFile(context.Background(), db, path, Options{}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			res, err := ImportFile(context.Background(), db, path, Options{})
			if err != nil || res.Orders.Inserted+res.Orders.Updated != 0 {
				b.Fatalf("re-import: %v %+v", err, res.Orders)
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/time.Since(start).Seconds(), "rows/s")
	})

	// What sqlite3's .import does (every row of the file into one bare table
	// of text columns, in one transaction) done through modernc.org/sqlite,
	// the pure-Go SQLite this project must use: the ceiling this driver puts
	// on any import of the file.
	b.Run("modernc-bare-table", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			db := newDB(b)
			start := time.Now()
			if err := bareImport(db, path); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	})

	b.Run("sqlite3-dot-import", func(b *testing.B) {
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			b.Skip("sqlite3 is not installed (apt-get install sqlite3) - the anchor figure needs it")
		}
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			db := filepath.Join(b.TempDir(), "bare.db")
			start := time.Now()
			out, err := exec.Command(bin, db, ".import --csv "+path+" orders_export").CombinedOutput()
			elapsed += time.Since(start)
			if err != nil {
				b.Fatalf("sqlite3: %v %s", err, out)
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	})
}

// BenchmarkImport1M imports a 1,000,000-row export into an empty database,
// then again over the same data (all unchanged), and reports the peak Go heap
// and the process's peak resident memory of each. The changes are streamed
// to Options.OnChange, as the command line and the window take them, rather
// than gathered in Result.Changes (which holds ~200 bytes per new order).
// Run it alone, so that the resident peak is this import's:
//
//	go test -tags ci -run '^$' -bench Import1M -benchtime 1x ./orders
func BenchmarkImport1M(b *testing.B) {
	path := shopifyExportFile(b, 1000000)
	db := newDB(b)
	for _, name := range []string{"empty-db", "unchanged"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if name == "empty-db" && i > 0 {
					db = newDB(b)
				}
				runtime.GC()
				resetHWM()
				var peak atomic.Uint64
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() { // sample the heap while the import runs
					defer close(done)
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if v := m.HeapInuse + m.StackInuse; v > peak.Load() {
							peak.Store(v)
						}
						select {
						case <-stop:
							return
						case <-time.After(20 * time.Millisecond):
						}
					}
				}()
				changes := 0
				start := time.Now()
				res, err := ImportFile(context.Background(), db, path, Options{OnChange: func(Change) { changes++ }})
				elapsed := time.Since(start)
				close(stop)
				<-done
				if err != nil || res.Rows != 1000000 || len(res.Rejected) > 0 {
					b.Fatalf("import: %v", err)
				}
				if name == "empty-db" && changes != res.Orders.Inserted || name == "unchanged" && res.Orders.Unchanged != res.Imported() {
					b.Fatalf("changes %d, orders %+v", changes, res.Orders)
				}
				b.ReportMetric(float64(res.Rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
				if hwm := vmHWM(); hwm > 0 {
					b.ReportMetric(hwm, "peak-RSS-MB")
				}
			}
		})
	}
}

// bareImport loads a CSV file into a new table of text columns, 64 rows per
// INSERT, in one transaction, as sqlite3's .import would.
func bareImport(db *sql.DB, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return err
	}
	cols := make([]string, len(header))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i)
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("CREATE TABLE bare(" + strings.Join(cols, ", ") + ")"); err != nil {
		return err
	}
	one := "(" + strings.Repeat("?, ", len(header)-1) + "?)"
	stmt := func(rows int) string { return "INSERT INTO bare VALUES " + strings.Repeat(one+", ", rows-1) + one }
	full, err := tx.Prepare(stmt(64))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, 64*len(header))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i := range header {
			v := ""
			if i < len(rec) {
				v = rec[i]
			}
			args = append(args, v)
		}
		if len(args) == cap(args) {
			if _, err := full.Exec(args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if _, err := tx.Exec(stmt(len(args)/len(header)), args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// resetHWM starts the peak resident set size afresh (Linux; elsewhere vmHWM
// reports 0 anyway).
func resetHWM() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// vmHWM is the process's peak resident set size in MiB (Linux), 0 elsewhere.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
