package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

// jobJSON is the documented shape of a job in "reminders list --json".
type jobJSON struct {
	ID        int64      `json:"id"`
	Rule      string     `json:"rule"`
	Step      string     `json:"step"`
	Customer  string     `json:"customer"`
	Name      string     `json:"name"`
	About     string     `json:"about"`
	Due       time.Time  `json:"due"`
	State     string     `json:"state"`
	Reason    string     `json:"reason"`
	ErrorCode string     `json:"errorCode"`
	Error     string     `json:"error"`
	SentAt    *time.Time `json:"sentAt"`
	OutboxID  int64      `json:"outboxId"`
}

func remindersList(t *testing.T, db string, args ...string) []jobJSON {
	t.Helper()
	o := mostrador(t, append([]string{"--db", db, "reminders", "list", "--json"}, args...)...)
	o.want(t, exitOK)
	var out []jobJSON
	decodeStrict(t, o.stdout, &out)
	return out
}

func TestRemindersCommandsWithoutMailbox(t *testing.T) {
	db := isolate(t)
	if got := remindersList(t, db); len(got) != 0 {
		t.Fatalf("a new shop lists %+v", got)
	}
	mostrador(t, "--db", db, "--lang", "en", "reminders", "enable", "nope").wantError(t, exitUsage, "en",
		"name the rules: thank-you, delivery, follow-up, reorder, appointment, birthday or all")
	mostrador(t, "--db", db, "--lang", "en", "reminders", "list", "--state", "lost").wantError(t, exitUsage, "en",
		`unknown state "lost": use planned, queued, sending, sent, failed, uncertain, expired, skipped, cancelled, attention`)
	o := mostrador(t, "--db", db, "--lang", "en", "reminders", "disable", "thank-you")
	if o.want(t, exitOK); !strings.Contains(o.stdout, "thank-you    off") || !strings.Contains(o.stdout, "delivery     on") ||
		!strings.Contains(o.stdout, "birthday     off") {
		t.Errorf("rules:\n%s", o.stdout)
	}
	if o := mostrador(t, "--db", db, "--lang", "en", "reminders", "run"); o.code != exitFailure ||
		!strings.Contains(o.stderr, "no mailbox") {
		t.Errorf("run without a mailbox: %s", o)
	}
}

// An import plans the thank-you; "reminders run" sends it once through the
// shop's SMTP server, and the list shows it sent.
func TestImportPlansAndRunSends(t *testing.T) {
	db, _, smtpSrv := mailShopServers(t)
	mostrador(t, "--db", db, "settings", "shop.timezone", "UTC").want(t, exitOK)
	mostrador(t, "--db", db, "settings", "shop.owner", "Lola Peña").want(t, exitOK)
	csv := filepath.Join(t.TempDir(), "nuevos.csv")
	placed := time.Now().UTC().Add(-2 * time.Hour)
	if err := os.WriteFile(csv, []byte("Order,Date,Name,Email,Currency,Item,Qty,Price,Total,Status\n"+
		"2001,"+placed.Format("2006-01-02 15:04")+",Ana Pérez,ana@example.com,EUR,Vela de soja,1,12.00,12.00,Paid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := mostrador(t, "--db", db, "--lang", "en", "import", "orders", "--dry-run", csv)
	if o.want(t, exitOK); !strings.Contains(o.stdout, "This import would plan 1 automated email (thank-you 1)") {
		t.Errorf("dry run:\n%s", o.stdout)
	}
	o = mostrador(t, "--db", db, "--lang", "en", "import", "orders", csv)
	if o.want(t, exitOK); !strings.Contains(o.stdout, "Automated emails planned: 1 (thank-you 1)") {
		t.Errorf("import:\n%s", o.stdout)
	}
	if got := remindersList(t, db, "--state", "planned"); len(got) != 1 || got[0].Rule != "thank-you" ||
		got[0].Customer != "ana@example.com" {
		t.Fatalf("planned: %+v", got)
	}
	// At noon tomorrow (whatever the hour the test runs: no quiet hours).
	noon := time.Now().UTC().Truncate(24 * time.Hour).Add(36 * time.Hour).Format(time.RFC3339)
	sentBefore := len(smtpSrv.Messages())
	o = mostrador(t, "--db", db, "reminders", "run", "--now", noon, "--json")
	o.want(t, exitOK)
	var rep struct {
		Queued, Skipped, Postponed, Cancelled int
		Next                                  *time.Time
		More                                  bool
	}
	if err := json.Unmarshal([]byte(o.stdout), &rep); err != nil || rep.Queued != 1 {
		t.Fatalf("run: %s (%v)", o.stdout, err)
	}
	msgs := smtpSrv.Messages()[sentBefore:]
	if len(msgs) != 1 || msgs[0].To[0] != "ana@example.com" || !strings.Contains(string(msgs[0].Data), "Auto-Submitted: auto-generated") {
		t.Fatalf("sent %d: %+v", len(msgs), msgs)
	}
	if got := remindersList(t, db, "--state", "sent"); len(got) != 1 || got[0].SentAt == nil {
		t.Fatalf("sent list: %+v", got)
	}
	// The card shows it.
	var card cardJSON
	o = mostrador(t, "--db", db, "customer", "ana@example.com", "--json")
	o.want(t, exitOK)
	decodeStrict(t, o.stdout, &card)
	if j := card.Automation.Jobs; len(j) != 1 || j[0].State != "sent" || j[0].Rule != "thank-you" {
		t.Errorf("card automation: %+v", card.Automation)
	}
	// Run again: nothing twice.
	mostrador(t, "--db", db, "reminders", "run", "--now", noon).want(t, exitOK)
	if n := len(smtpSrv.Messages()) - sentBefore; n != 1 {
		t.Fatalf("%d emails after a second run", n)
	}

	// An email left uncertain (the connection dropped after DATA): the
	// owner records it as sent, or sends it again.
	id := strconv.FormatInt(remindersList(t, db, "--state", "sent")[0].ID, 10)
	mostrador(t, "--db", db, "--lang", "en", "reminders", "send-again", id).wantError(t, exitFailure, "en",
		"automated email "+id+" is not waiting for your decision (only failed or uncertain ones are)")
	sqlExec(t, db, `UPDATE outbox SET state = 'uncertain' WHERE auto = 1`)
	o = mostrador(t, "--db", db, "--lang", "en", "reminders", "mark-sent", id)
	if o.want(t, exitOK); o.stdout != "Email "+id+" to ana@example.com is recorded as sent\n" {
		t.Errorf("mark-sent: %q", o.stdout)
	}
	sqlExec(t, db, `UPDATE outbox SET state = 'uncertain' WHERE auto = 1`)
	mostrador(t, "--db", db, "reminders", "send-again", id).want(t, exitOK)
	mostrador(t, "--db", db, "reminders", "run", "--now", noon).want(t, exitOK)
	if n := len(smtpSrv.Messages()) - sentBefore; n != 2 {
		t.Fatalf("%d emails after sending again, want 2", n)
	}
	mostrador(t, "--db", db, "--lang", "en", "reminders", "mark-sent", "999").wantError(t, exitFailure, "en",
		"automated email 999 does not exist or never reached the outbox")
}

// sqlExec changes a test shop's database behind the command line's back,
// as a crash or another program would.
func sqlExec(t *testing.T, dbPath, q string) {
	t.Helper()
	db, err := database.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

func TestRemindersSupply(t *testing.T) {
	db := isolate(t)
	o := mostrador(t, "--db", db, "--lang", "en", "reminders", "supply", "Café molido 250g", "30")
	if o.want(t, exitOK); o.stdout != "Café molido 250g: lasts 30 days\n" {
		t.Errorf("stdout %q", o.stdout)
	}
	mostrador(t, "--db", db, "--lang", "en", "reminders", "supply", "Vela", "0").wantError(t, exitUsage, "en",
		`"0" is not a number of days from 1 to 365`)
	mostrador(t, "--db", db, "--lang", "en", "reminders", "supply", "Vela", "--delete").wantError(t, exitFailure, "en",
		`"Vela" is not in the list of products that run out`)
	mostrador(t, "--db", db, "reminders", "supply", "café molido 250G", "--delete").want(t, exitOK)
	if o := mostrador(t, "--db", db, "reminders", "supply", "--json"); o.stdout != "[]\n" {
		t.Errorf("after deleting: %q", o.stdout)
	}
}
