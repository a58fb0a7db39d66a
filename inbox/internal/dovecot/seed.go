package dovecot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Mail is one message for Seed.
type Mail struct {
	Raw      []byte      // the whole message, lines ending in CRLF or LF
	Received time.Time   // its INTERNALDATE; the zero time means now
	Flags    []imap.Flag // system flags only: \Seen, \Answered, \Flagged, \Draft, \Deleted
}

type maildirFlag struct {
	letter byte
	flag   imap.Flag
}

// maildirFlags are the system flags and their letters in Maildir's info
// field.
var maildirFlags = []maildirFlag{
	{'D', imap.FlagDraft}, {'F', imap.FlagFlagged}, {'R', imap.FlagAnswered},
	{'S', imap.FlagSeen}, {'T', imap.FlagDeleted},
}

// Seed puts mails into user's mailbox by writing Maildir files, not through
// IMAP: for filling a mailbox with thousands of messages (10,000 in under
// 3 s on the 2-core development VM), which APPEND on one connection does
// five times slower and Deliver, a login per message, a hundred times
// slower. The files are stored as
// Dovecot stores an APPENDed message (LF line ends, sizes in the name,
// INTERNALDATE as the modification time) and moved in through tmp/, as a
// delivery agent would, so Seed may run while clients are connected. Dovecot
// numbers them, in the order given, when the mailbox is next opened.
//
// mailbox is "INBOX" or another folder's IMAP name ('/'-separated).
func (s *Server) Seed(user, mailbox string, mails []Mail) error {
	if _, ok := s.Users[user]; !ok {
		return fmt.Errorf("dovecot: seed: no user %q on this server", user)
	}
	dir := filepath.Join(s.home(user), "Maildir")
	if !strings.EqualFold(mailbox, "INBOX") {
		// Dovecot's default Maildir++ layout: "a/b" is Maildir/.a.b
		dir = filepath.Join(dir, "."+strings.ReplaceAll(mailbox, "/", "."))
	}
	for _, d := range []string{s.home(user), filepath.Dir(dir), dir, dir + "/tmp", dir + "/new", dir + "/cur"} {
		if err := s.mkdirOwned(d); err != nil {
			return fmt.Errorf("dovecot: seed %s: %w", mailbox, err)
		}
	}
	// Dovecot gives new files UIDs in the order of the time at the start of
	// their names, which older versions compare by the second only: a
	// second per message keeps the order given.
	first := time.Now().Unix() - int64(len(mails))
	for i, m := range mails {
		info, err := infoField(m.Flags)
		if err != nil {
			return fmt.Errorf("dovecot: seed message %d: %w", i, err)
		}
		lf := bytes.ReplaceAll(m.Raw, []byte("\r\n"), []byte("\n"))
		// S= the size of the file, W= the size with CRLF line ends, as IMAP
		// serves it: Dovecot reads both from the name instead of the file.
		name := fmt.Sprintf("%d.P%dQ%d.mostrador-seed,S=%d,W=%d", first+int64(i), os.Getpid(), i,
			len(lf), len(lf)+bytes.Count(lf, []byte("\n")))
		tmp := filepath.Join(dir, "tmp", name)
		if err := os.WriteFile(tmp, lf, 0o600); err != nil {
			return fmt.Errorf("dovecot: seed: %w", err)
		}
		if err := s.chownMail(tmp); err != nil {
			return fmt.Errorf("dovecot: seed: %w", err)
		}
		received := m.Received
		if received.IsZero() {
			received = time.Now()
		}
		if err := os.Chtimes(tmp, received, received); err != nil {
			return fmt.Errorf("dovecot: seed: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "cur", name+":2,"+info)); err != nil {
			return fmt.Errorf("dovecot: seed: %w", err)
		}
	}
	return nil
}

// infoField gives the letters for flags, in the alphabetical order that
// Maildir requires.
func infoField(flags []imap.Flag) (string, error) {
	var info []byte
	for _, g := range flags {
		i := slices.IndexFunc(maildirFlags, func(f maildirFlag) bool { return strings.EqualFold(string(f.flag), string(g)) })
		if i < 0 {
			return "", fmt.Errorf("flag %s: only system flags can be seeded", g)
		}
		if !bytes.ContainsRune(info, rune(maildirFlags[i].letter)) {
			info = append(info, maildirFlags[i].letter)
		}
	}
	slices.Sort(info)
	return string(info), nil
}

// mkdirOwned creates dir, if missing, owned by the mail user.
func (s *Server) mkdirOwned(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		if os.IsExist(err) {
			return nil
		}
		return err
	}
	return s.chownMail(dir)
}

// chownMail gives path to the user Dovecot's mail processes run as, which
// as root is not the caller.
func (s *Server) chownMail(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return os.Chown(path, s.acct.mailUID, s.acct.mailGID)
}
