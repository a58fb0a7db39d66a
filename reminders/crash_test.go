package reminders

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/inboxtest"
	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/internal/shop"
)

// The crash test: a batch of automated emails is sent by a process that is
// killed (SIGKILL: no defer, no signal handler) at random points, before,
// during and between SMTP DATA, and started again, many times. However it
// ends, each job went at most once, and each is sent, failed, skipped or
// uncertain: none lost, none sent twice.

// crashDBEnv names the shop's database to the child process: the test
// binary started again plays `mostrador reminders run` (see TestMain).
const crashDBEnv = "MOSTRADOR_CRASH_DB"

// TestMain lets the test binary play the sending process that the crash
// test kills.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashDBEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild sends what is due in the shop at path the way `mostrador
// reminders run` does (internal/cli/reminders.go): the same recovery at
// start, the same Sender (passwords from the environment, the shop's rate)
// and Scheduler, on the real clock. It tells the parent how far it got on
// stdout, and says "done" once nothing is left to send.
func crashChild(path string) int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Println("error", err)
		return 1
	}
	db, err := database.Open(path)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	if err := migrate(db); err != nil {
		return fail(err)
	}
	acct, err := inbox.LoadAccount(ctx, db)
	if err != nil {
		return fail(err)
	}
	n, err := inbox.RecoverInterrupted(ctx, db)
	if err != nil {
		return fail(err)
	}
	fmt.Println("recovered", n)
	sender, err := shop.NewSender(ctx, db, acct, &inbox.Secrets{})
	if err != nil {
		return fail(err)
	}
	s := &Scheduler{DB: db, Mailbox: &InboxMailbox{Account: acct, Sender: sender}}
	for {
		rep, err := s.RunOnce(ctx)
		if err != nil {
			return fail(err)
		}
		fmt.Println("round queued", rep.Queued, "skipped", rep.Skipped, "postponed", rep.Postponed)
		if !rep.More {
			break
		}
	}
	// What a killed run queued and did not send went out in the rounds
	// above: RunOnce has the outbox send whatever is due. Nothing may be
	// left queued.
	var left int
	if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE state = 'queued'`).Scan(&left); err != nil {
		return fail(err)
	}
	if left > 0 {
		return fail(fmt.Errorf("%d emails left queued", left))
	}
	fmt.Println("done")
	return 0
}

// Where the parent kills the child.
const (
	killAtStart = "start" // a while after it starts: recovering, judging, queueing, sending
	killAtRcpt  = "rcpt"  // at the nth RCPT TO: claimed, nothing handed over yet
	killAtData  = "data"  // once the server has the nth message, before its 250
	killAfter   = "after" // a moment after the nth message: recording it, filing it in Sent, claiming the next
)

// kill is where a run's child is killed; at "": nowhere, it runs to the end.
type kill struct {
	at   string
	n    int           // killAtRcpt, killAtData, killAfter: at the nth
	wait time.Duration // killAtStart: from the start; killAfter: from the nth message
}

// randomKill picks a kill.
func randomKill(rng *rand.Rand) kill {
	k := kill{at: []string{killAtStart, killAtRcpt, killAtData, killAfter}[rng.IntN(4)], n: 1 + rng.IntN(30)}
	switch k.at {
	case killAtStart:
		k.wait = time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
	case killAfter:
		k.wait = time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
	}
	return k
}

func (k kill) String() string {
	switch k.at {
	case "":
		return "not killed"
	case killAtStart:
		return fmt.Sprintf("killed %v after the start", k.wait.Round(time.Millisecond))
	case killAfter:
		return fmt.Sprintf("killed %v after message %d", k.wait.Round(time.Microsecond), k.n)
	}
	return fmt.Sprintf("killed at %s %d", k.at, k.n)
}

// killer kills the running child where its run was told to.
type killer struct {
	mu   sync.Mutex
	proc *os.Process // nil: no child
	kill kill
}

func (k *killer) arm(p *os.Process, at kill) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc, k.kill = p, at
	if at.at == killAtStart {
		k.killLater()
	}
}

// hit counts a point the SMTP server reached (killAtRcpt or killAtData),
// and kills there when it is the one. It runs in the server's session:
// killed at once, the child dies before it hears the server's answer.
func (k *killer) hit(at string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	counts := k.kill.at == at || k.kill.at == killAfter && at == killAtData
	if k.proc == nil || !counts {
		return
	}
	if k.kill.n--; k.kill.n != 0 {
		return // not yet, or done with
	}
	if k.kill.at == killAfter {
		k.killLater()
		return
	}
	k.proc.Kill()
}

// killLater kills the child after k.kill.wait, if it still runs by then;
// k.mu held.
func (k *killer) killLater() {
	p := k.proc
	time.AfterFunc(k.kill.wait, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.proc == p {
			p.Kill()
		}
	})
}

func (k *killer) disarm() {
	k.mu.Lock()
	k.proc = nil
	k.mu.Unlock()
}

func TestCrashedSenderSendsEachJobAtMostOnce(t *testing.T) {
	const jobs, maxKills = 500, 25
	start := time.Now()
	sh := newShop(t)
	var path string
	if err := sh.db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	// 600 a minute, the most the owner may set: a round never waits for the rate.
	setting(t, sh.db, settings.RatePerMinute, "600")
	// The real clock: quiet hours far from now, whenever the test runs.
	quiet := time.Now().In(madrid).Add(10 * time.Hour)
	setting(t, sh.db, settings.QuietHours, quiet.Format("15:04")+"-"+quiet.Add(time.Hour).Format("15:04"))

	// 500 customers ordered an hour and a half ago: 500 thank-you notes due
	// now, with days to go before their deadline.
	var csv strings.Builder
	csv.WriteString(ordersHeader)
	placed := time.Now().Add(-90 * time.Minute)
	for i := range jobs {
		csv.WriteString(orderLine(fmt.Sprintf("C-%d", i), placed, fmt.Sprintf("cliente%03d@example.com", i), "Jabón",
			"Paid", "", ""))
	}
	if p := importOrders(t, sh.db, time.Now(), csv.String()); p.Jobs[ThankYou] != jobs {
		t.Fatalf("planned %+v, want %d thank-you notes", p, jobs)
	}

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	k := &killer{}
	sh.smtp.Delay(3 * time.Millisecond) // 500 take seconds: kills land mid-send
	sh.smtp.Refuse(func(string) error { k.hit(killAtRcpt); return nil })
	sh.smtp.OnReceive(func(inboxtest.Received) { k.hit(killAtData) })

	kills := map[string]int{}
	for run := 1; ; run++ {
		plan := kill{}
		if run <= maxKills {
			plan = randomKill(rng)
		}
		out, killed := runCrashChild(t, path, k, plan)
		t.Logf("run %d, %v: %s", run, plan, strings.Join(out, "; "))
		if killed {
			kills[plan.at]++
			continue
		}
		if len(out) == 0 || out[len(out)-1] != "done" {
			t.Fatalf("run %d ended on its own before it was done", run)
		}
		break
	}
	killed := 0
	for _, n := range kills {
		killed += n
	}
	t.Logf("killed %d times: %v", killed, kills)
	checkCrashOutcome(t, sh.db, sh.smtp.Messages(), jobs, killed)
	// A copy appended to Sent just before a kill is found there by the
	// next run, not appended again: at most one copy per email sent.
	st, err := sh.imap.User.Status("Sent", &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	var sentRows int
	if err := sh.db.QueryRow(`SELECT count(*) FROM outbox WHERE state = 'sent'`).Scan(&sentRows); err != nil {
		t.Fatal(err)
	}
	t.Logf("copies in Sent: %d for %d sent", *st.NumMessages, sentRows)
	if int(*st.NumMessages) > sentRows {
		t.Errorf("%d copies in Sent for %d emails sent", *st.NumMessages, sentRows)
	}
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// runCrashChild runs the child once, killed where plan says, and returns
// the lines it printed and whether it was killed.
func runCrashChild(t *testing.T, path string, k *killer, plan kill) ([]string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path, "MOSTRADOR_SMTP_PASSWORD="+inboxtest.Password,
		"MOSTRADOR_IMAP_PASSWORD="+inboxtest.Password)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.arm(cmd.Process, plan)
	stuck := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	cmd.Wait()
	k.disarm()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !stuck.Stop() {
		t.Fatalf("the child was still at it after 30 s: %s", strings.Join(lines, "; "))
	}
	// Killed: ended by a signal, and only this test sends one.
	killed := cmd.ProcessState.ExitCode() == -1
	if !killed && cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("the child failed: %s", strings.Join(lines, "; "))
	}
	return lines, killed
}

// checkCrashOutcome checks what the SMTP server got against what the shop
// recorded: each job delivered at most once; each sent, failed, skipped or
// uncertain; each recorded sent delivered.
func checkCrashOutcome(t *testing.T, db *sql.DB, got []inboxtest.Received, jobs, kills int) {
	t.Helper()
	ctx := context.Background()
	delivered := map[string]int{} // by Message-ID
	perAddr := map[string]int{}
	for _, r := range got {
		m, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		delivered[strings.Trim(m.Header.Get("Message-Id"), "<>")]++
		for _, to := range r.To {
			perAddr[to]++
		}
	}
	list, err := List(ctx, db, "", 2*jobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != jobs {
		t.Fatalf("%d jobs, want %d", len(list), jobs)
	}
	tally := map[string]int{}
	uncertainDelivered := 0
	for _, j := range list {
		var msgID string
		if j.OutboxID != 0 {
			if err := db.QueryRow(`SELECT message_id FROM outbox WHERE id = ?`, j.OutboxID).Scan(&msgID); err != nil {
				t.Fatal(err)
			}
		}
		d := delivered[msgID]
		delete(delivered, msgID)
		tally[j.State]++
		if perAddr[j.Customer] > 1 || d > 1 {
			t.Errorf("job %d to %s delivered %d times (%d to the address)", j.ID, j.Customer, d, perAddr[j.Customer])
		}
		switch j.State {
		case "sent":
			if d != 1 {
				t.Errorf("job %d recorded sent, delivered %d times", j.ID, d)
			}
		case "uncertain":
			uncertainDelivered += d
		case "failed", "skipped":
			if d != 0 {
				t.Errorf("job %d is %s (%s%s), but was delivered", j.ID, j.State, j.Reason, j.Error)
			}
		default:
			t.Errorf("job %d left %s", j.ID, j.State)
		}
	}
	for id, n := range delivered {
		t.Errorf("%d deliveries of %q, no job's", n, id)
	}
	t.Logf("%d delivered; sent %d, uncertain %d (of them delivered %d), failed %d, skipped %d",
		len(got), tally["sent"], tally["uncertain"], uncertainDelivered, tally["failed"], tally["skipped"])
	if tally["sent"]+uncertainDelivered != len(got) {
		t.Errorf("%d delivered, %d of them recorded sent and %d uncertain", len(got), tally["sent"], uncertainDelivered)
	}
	// A sender claims one row at a time: each kill leaves one at the most.
	if tally["uncertain"] > kills {
		t.Errorf("%d uncertain after %d kills", tally["uncertain"], kills)
	}
}
