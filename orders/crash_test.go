package orders

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

// TestMain lets the test binary play the importing process that the crash
// test kills.
func TestMain(m *testing.M) {
	if db, file := os.Getenv("MOSTRADOR_CRASH_DB"), os.Getenv("MOSTRADOR_CRASH_FILE"); db != "" {
		os.Exit(crashChild(db, file))
	}
	os.Exit(m.Run())
}

// crashChild imports file into db, telling the parent how far it got, and
// never expects to finish: the parent kills it.
func crashChild(dbPath, file string) int {
	db, err := database.Open(dbPath)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	if err := database.Migrate(db, Migrations); err != nil {
		fmt.Println("error", err)
		return 1
	}
	_, err = ImportFile(context.Background(), db, file, Options{Progress: func(rows int) {
		fmt.Println("progress", rows)
		os.Stdout.Sync()
	}})
	fmt.Println("finished", err)
	return 0
}

func TestKilledImportLeavesDatabaseAsBefore(t *testing.T) {
	dbPath := t.TempDir() + "/shop.db"
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	importFixture(t, db, "shopify_orders.csv", Options{})
	before := dump(t, db)
	db.Close()

	big := shopifyExportFile(t, 200000)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MOSTRADOR_CRASH_DB="+dbPath, "MOSTRADOR_CRASH_FILE="+big)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it in the middle of writing: progress is reported from the second
	// pass, inside the transaction.
	killed := false
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		line := sc.Text()
		if rows, ok := strings.CutPrefix(line, "progress "); ok {
			if n, _ := strconv.Atoi(rows); n >= 60000 {
				cmd.Process.Kill()
				killed = true
				break
			}
		}
		if strings.HasPrefix(line, "finished") || strings.HasPrefix(line, "error") {
			t.Fatalf("child ended before it could be killed: %s", line)
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatal("the child never reported progress")
	}

	db, err = database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if after := dump(t, db); after != before {
		t.Fatalf("a killed import changed the database (%d → %d bytes of dump)", len(before), len(after))
	}
}
