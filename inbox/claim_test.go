package inbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// A process started right after a crash makes what the dead process was
// sending uncertain at once, not ten minutes later; what a live process is
// sending, or what cannot be told, it leaves alone until staleSending.
func TestRecoverTellsDeadSendersFromLiveOnes(t *testing.T) {
	rs := newReplyShop(t)
	// A process that has ended: this test binary, run for no test.
	ended := exec.Command(os.Args[0], "-test.run=^$")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	me := thisProcess
	other := func(pid int, host string) string {
		return process{pid: pid, run: "0123456789abcdef", host: host, pns: me.pns}.claim()
	}
	claims := []struct {
		name, by    string
		interrupted bool
	}{
		{"a process that has ended", other(ended.ProcessState.Pid(), me.host), true},
		{"an earlier run that had this pid", other(me.pid, me.host), true},
		{"this process, sending it now", me.claim(), false},
		{"another process that runs", other(os.Getppid(), me.host), false},
		{"a process on another machine", other(ended.ProcessState.Pid(), "caja-2"), false},
		{"a process in another PID namespace", process{pid: ended.ProcessState.Pid(), run: "0123456789abcdef",
			host: me.host, pns: "pid:[1]"}.claim(), false},
		{"a version that did not name its process", "", false},
	}
	ids := make([]int64, len(claims))
	for i, c := range claims {
		ids[i] = rs.reply(t, fmt.Sprintf("Hola %d", i), time.Time{}).ID
		if _, err := rs.db.Exec(`UPDATE outbox SET state = 'sending', attempts = 1, claimed_by = ?, updated_at = ?
			WHERE id = ?`, c.by, storedTime(time.Now()), ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	n, err := RecoverInterrupted(context.Background(), rs.db)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i, c := range claims {
		o, err := LoadOutgoing(context.Background(), rs.db, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if c.interrupted {
			want++
		}
		if (o.State == "uncertain") != c.interrupted || (!c.interrupted && o.State != "sending") {
			t.Errorf("claimed by %s: %s", c.name, o.State)
		}
	}
	if n != want {
		t.Errorf("recovered %d, want %d", n, want)
	}
	// Uncertain is never sent again by itself.
	if done, err := rs.sender(t, false).SendDue(context.Background()); err != nil || len(done) != 0 ||
		len(rs.smtp.Messages()) != 0 {
		t.Errorf("sent after recovery: %+v, %v", done, err)
	}

	// Ten minutes on, a claim that could not be judged is taken for
	// interrupted all the same; this process's own too (a send that hangs).
	if _, err := rs.db.Exec(`UPDATE outbox SET updated_at = ? WHERE state = 'sending'`,
		storedTime(time.Now().Add(-staleSending-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if n, err := RecoverInterrupted(context.Background(), rs.db); err != nil || n != len(claims)-want {
		t.Errorf("recovered %d stale claims, %v; want %d", n, err, len(claims)-want)
	}
}

// A claim names the process that made it.
func TestSendClaimsForThisProcess(t *testing.T) {
	rs := newReplyShop(t)
	o := rs.reply(t, "Hola", time.Time{})
	if _, err := rs.sender(t, false).Send(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	var by string
	if err := rs.db.QueryRow(`SELECT claimed_by FROM outbox WHERE id = ?`, o.ID).Scan(&by); err != nil {
		t.Fatal(err)
	}
	if p, ok := parseClaim(by); !ok || p != thisProcess || abandoned(by) {
		t.Errorf("claimed by %q (%+v, %v), want %q", by, p, ok, thisProcess.claim())
	}
}
