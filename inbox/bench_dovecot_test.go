package inbox_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mostrador/inbox"
	"mostrador/inbox/internal/dovecot"
	"mostrador/internal/database"
)

const benchMessages = 10000

// BenchmarkDovecot10k measures Mostrador's sync of a 10,000-message INBOX
// from a local Dovecot over TLS, and beside it mbsync (Debian's isync), the
// C tool that mirrors IMAP into Maildir, on the same mailbox: first into an
// empty database or Maildir, then a resync with nothing changed.
//
//	go test -tags ci -run '^$' -bench Dovecot10k -benchtime 3x ./inbox
//
// The four are sub-benchmarks of one so that the mailbox is made once, and
// removed at the end: one Dovecot, seeded with shopMail(10000) and read
// through once so that its index and the page cache are warm for every run
// alike.
//
// Each op is one whole sync as its command does it, minus the process start
// for Mostrador: open (or create) the database, dial, TLS handshake, login,
// sync INBOX and Sent, log out, close. mbsync runs as a child process; its
// Maildir is on tmpfs (/dev/shm), where writing a file per message costs
// least, while Mostrador's database is in b.TempDir(), where the owner's
// would be (its disk). ms/op is wall-clock time, Dovecot's serving
// included; cpu-ms/op is the client's alone (Dovecot's is the same for
// both, on the other core).
func BenchmarkDovecot10k(b *testing.B) {
	srv := dovecot.Start(b, dovecot.Options{Users: map[string]string{shopUser: shopPassword}})
	seedStart := time.Now()
	if err := srv.Seed(shopUser, "INBOX", shopMail(benchMessages)); err != nil {
		b.Fatal(err)
	}
	warmUp(b, srv)
	b.Logf("seeded and read %d messages in %v (Dovecot %s)", benchMessages, time.Since(seedStart).Round(time.Millisecond), srv.Version)

	b.Run("mostrador-sync", func(b *testing.B) {
		b.StopTimer() // measure times the ops alone, not the setup around them
		path := filepath.Join(b.TempDir(), "shop.db")
		var reps map[string]inbox.FolderReport
		b.ReportAllocs()
		measure(b, func() time.Duration {
			return selfCPU(func() { reps = mostradorSync(b, srv, path) })
		}, func() {
			if got := reps["inbox"].New; got != benchMessages || !reps["inbox"].Complete {
				b.Fatalf("first sync stored %d messages, want %d: %+v", got, benchMessages, reps)
			}
			removeDB(b, path)
		})
	})
	b.Run("mbsync-sync", func(b *testing.B) {
		b.StopTimer()
		mb := newMbsync(b, srv)
		measure(b, func() time.Duration { return mb.run(b) }, func() {
			mb.check(b)
			mb.empty(b)
		})
	})
	b.Run("mostrador-resync", func(b *testing.B) {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "shop.db")
		mostradorSync(b, srv, path)
		var reps map[string]inbox.FolderReport
		b.ReportAllocs()
		measure(b, func() time.Duration {
			return selfCPU(func() { reps = mostradorSync(b, srv, path) })
		}, func() {
			if r := reps["inbox"]; r.New+r.Updated+r.Expunged != 0 || !r.Complete {
				b.Fatalf("no-change resync changed something: %+v", r)
			}
		})
	})
	b.Run("mbsync-resync", func(b *testing.B) {
		b.StopTimer()
		mb := newMbsync(b, srv)
		mb.run(b)
		// mbsync sleeps a second when it finds a Maildir folder changed
		// within the current second (strace shows a 1 s clock_nanosleep
		// before it reads INBOX/cur), so a resync right after the sync
		// takes a second longer. A real resync comes minutes later: wait
		// that second out here, untimed.
		time.Sleep(1100 * time.Millisecond)
		measure(b, func() time.Duration { return mb.run(b) }, func() { mb.check(b) })
	})
}

// measure runs op b.N times with the timer running around op alone, and
// after, untimed, after each. op returns the CPU time the client used. It
// reports per op: milliseconds, messages of the mailbox per second (on a
// resync: how fast it is checked) and the client's CPU milliseconds.
func measure(b *testing.B, op func() time.Duration, after func()) {
	var cpu time.Duration
	for range b.N {
		b.StartTimer()
		cpu += op()
		b.StopTimer()
		after()
	}
	elapsed := b.Elapsed()
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(benchMessages*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// selfCPU runs f and returns the CPU time this process used meanwhile, in
// all its threads (the garbage collector's too).
func selfCPU(f func()) time.Duration {
	before := cpuTime()
	f()
	return cpuTime() - before
}

// warmUp reads the whole INBOX once, as the benchmarks will: Dovecot numbers
// the seeded files and builds its index, and the files enter the page cache.
func warmUp(b *testing.B, srv *dovecot.Server) {
	c := srv.Client(b, shopUser)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		b.Fatal(err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n := 0
	for cmd.Next() != nil {
		n++ // the message's data is skipped when the next one is read
	}
	if err := cmd.Close(); err != nil || n != benchMessages {
		b.Fatalf("warm-up read %d messages: %v", n, err)
	}
	c.Logout().Wait()
}

// mostradorSync is what `mostrador sync` does after its flags and keyring:
// open the database, dial, sync, close.
func mostradorSync(b *testing.B, srv *dovecot.Server, path string) map[string]inbox.FolderReport {
	db, err := database.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := database.Migrate(db, inbox.Migrations); err != nil {
		b.Fatal(err)
	}
	ep := inbox.Endpoint{Proto: "imap", Security: inbox.TLS, Host: srv.Host, Port: srv.TLSPort, User: shopUser}
	c, err := (&inbox.Dialer{Trusted: []string{srv.Fingerprint}}).DialIMAP(ep, shopPassword, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	reps, err := (&inbox.Syncer{DB: db, Client: c, ShopAddr: shopUser}).Sync(context.Background(), inbox.SyncOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		b.Fatal(err)
	}
	out := map[string]inbox.FolderReport{}
	for _, r := range reps {
		out[r.Role] = r
	}
	return out
}

func removeDB(b *testing.B, path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
}

// cpuTime is the CPU time this process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mbsync is one mbsync channel from the Dovecot's INBOX and Sent to a
// Maildir on tmpfs, pulling only, as Mostrador does.
type mbsync struct {
	bin, config, maildir string
}

const mbsyncConfig = `IMAPAccount dovecot
Host %s
Port %d
User %s
Pass "%s"
SSLType IMAPS
SystemCertificates no
CertificateFile %s

IMAPStore dovecot
Account dovecot

MaildirStore tmpfs
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel shop
Far :dovecot:
Near :tmpfs:
Patterns INBOX Sent
Sync Pull
Create Near
SyncState *
`

func newMbsync(b *testing.B, srv *dovecot.Server) *mbsync {
	bin, err := exec.LookPath("mbsync")
	if err != nil {
		b.Skip("mbsync is not installed (apt-get install isync): no figure to compare with")
	}
	dir, err := os.MkdirTemp("/dev/shm", "mostrador-mbsync-")
	if err != nil {
		b.Skipf("no tmpfs for mbsync's Maildir: %v", err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	mb := &mbsync{bin: bin, config: filepath.Join(dir, "mbsyncrc"), maildir: filepath.Join(dir, "mail")}
	// The server's own certificate, trusted as a host certificate: pinned,
	// as Mostrador pins it by fingerprint.
	cert := filepath.Join(dir, "dovecot.pem")
	conf := fmt.Sprintf(mbsyncConfig, srv.Host, srv.TLSPort, shopUser, shopPassword, cert, mb.maildir, mb.maildir)
	for name, data := range map[string][]byte{cert: srv.CertPEM, mb.config: []byte(conf)} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	mb.empty(b)
	return mb
}

// empty makes the Maildir's folder empty, as before a first sync: mbsync
// creates the mailboxes in it, but not the folder itself.
func (mb *mbsync) empty(b *testing.B) {
	if err := os.RemoveAll(mb.maildir); err != nil {
		b.Fatal(err)
	}
	if err := os.Mkdir(mb.maildir, 0o700); err != nil {
		b.Fatal(err)
	}
}

// run syncs once and returns mbsync's CPU time.
func (mb *mbsync) run(b *testing.B) time.Duration {
	cmd := exec.Command(mb.bin, "-c", mb.config, "-q", "shop")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		b.Fatalf("mbsync: %v\n%s", err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// check makes sure mbsync did store the whole INBOX.
func (mb *mbsync) check(b *testing.B) {
	n := 0
	for _, sub := range []string{"cur", "new"} {
		files, err := os.ReadDir(filepath.Join(mb.maildir, "INBOX", sub))
		if err != nil {
			b.Fatal(err)
		}
		n += len(files)
	}
	if n != benchMessages {
		b.Fatalf("mbsync stored %d messages, want %d", n, benchMessages)
	}
}
