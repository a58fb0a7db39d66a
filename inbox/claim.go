package inbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// A row of the outbox is claimed (state sending) by one process before its
// message goes to the SMTP server, and recorded as sent or failed after. A
// process that dies in between (killed, a power cut) leaves the row
// "sending", and RecoverInterrupted must tell it from a row that another
// process (the window, a second command) is sending right now: taking that
// one for interrupted would let the owner send it again while it goes.
//
// Waiting until a claim is old (staleSending) tells them apart, but leaves
// a crashed row "sending", neither sendable nor editable, for ten minutes,
// and for the whole session of a window started again at once. So a claim
// names its process: host, PID namespace, pid, and a random token of this
// run (pids are reused; the token is not). A claim is abandoned for sure
// when it was made on this host, in this PID namespace, by a pid that no
// longer runs, or by this very pid in another run (the process that had our
// pid before us has ended). Anything else (another machine sharing the
// file, a sandbox with pids of its own, a pid since reused by another
// program, a system that cannot be asked) is not judged, and waits for
// staleSending as before. Either way an interrupted row becomes uncertain,
// never queued: no judgement here can send a message twice by itself.
//
// An OS lock held for the life of each sending process would be exact too,
// but wants the database's path and locking code for each system; a pid
// needs neither.

// process is a sending process as its claims name it; host and pns are
// one word each, "-" when unknown.
type process struct {
	pid            int
	run, host, pns string
}

// thisProcess is what this process's claims say; it is made once and never
// changes.
var thisProcess = newProcess()

func newProcess() process {
	host, _ := os.Hostname()
	pns, _ := os.Readlink("/proc/self/ns/pid") // Linux: "pid:[4026531836]"; elsewhere none
	var token [8]byte
	rand.Read(token[:])
	return process{pid: os.Getpid(), run: hex.EncodeToString(token[:]), host: word(host), pns: word(pns)}
}

// word is s as one word of a claim: "-" for none.
func word(s string) string {
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) {
		return "-"
	}
	return s
}

// claim is how the process is written in outbox.claimed_by.
func (p process) claim() string { return fmt.Sprintf("%d %s %s %s", p.pid, p.run, p.host, p.pns) }

// parseClaim reads a claim; false for one written before claims named
// their process (an empty one).
func parseClaim(s string) (process, bool) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return process{}, false
	}
	pid, err := strconv.Atoi(f[0])
	return process{pid: pid, run: f[1], host: f[2], pns: f[3]}, err == nil && pid > 0
}

// abandoned reports whether the process that wrote claim has ended, for
// sure; false when it may run, or cannot be told (see above).
func abandoned(claim string) bool {
	p, ok := parseClaim(claim)
	me := thisProcess
	switch {
	case !ok || p.host == "-" || p.host != me.host || p.pns != me.pns:
		return false
	case p.pid == me.pid:
		return p.run != me.run
	}
	return processGone(p.pid)
}
