// Package dovecot runs a private Dovecot IMAP server for the inbox package's
// integration tests: Debian's /usr/sbin/dovecot as a child process with its
// own configuration, directories, users and self-signed certificate, listening
// on 127.0.0.1 only and stopped when the test ends.
//
// The in-process go-imap server covers most tests; Dovecot is here for what a
// shop's real mail server does and that one does not: CONDSTORE, SPECIAL-USE
// and TLS that refuses cleartext passwords.
package dovecot

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Binary is the Dovecot master that Debian's dovecot-core installs.
const Binary = "/usr/sbin/dovecot"

// InstallHint is the command that makes Available true on Debian and Ubuntu.
const InstallHint = "apt-get install -y dovecot-imapd"

// The login used when Options.Users is empty.
const (
	DefaultUser     = "tienda@example.com"
	DefaultPassword = "contraseña de prueba"
)

// ClientIP is the loopback address the helpers here dial from, and tests
// should too (Server.Dialer). Dovecot counts a connection whose source and
// destination addresses are equal as secure and then accepts cleartext
// passwords without TLS; from a second loopback address the test's client is
// treated like one across the internet. Linux routes all of 127.0.0.0/8 to
// the loopback interface, so nothing needs configuring.
const ClientIP = "127.0.0.2"

const (
	startTimeout = 10 * time.Second // Dovecot starts in ~100 ms; this is for loaded CI machines
	stopTimeout  = 5 * time.Second
	dialTimeout  = 5 * time.Second
	portAttempts = 5
)

// Options configures a server. The zero value is one user, DefaultUser.
type Options struct {
	// Users maps each login name to its password. Names and passwords may
	// not contain ':' or control characters (the passwd-file format).
	Users map[string]string
}

// Server is a running Dovecot. Its fields are for reading only.
type Server struct {
	Host         string            // always "127.0.0.1"
	TLSPort      int               // IMAP with implicit TLS (like 993)
	StartTLSPort int               // IMAP that requires STARTTLS before login (like 143)
	CertPEM      []byte            // the server's self-signed certificate
	Fingerprint  string            // SHA-256 of the certificate's DER, lowercase hex without colons
	Users        map[string]string // login name -> password
	Version      string            // as `dovecot --version` prints it, e.g. "2.3.19.1 (9b53102964)"

	dir     string   // everything of this instance: config, sockets, mail, logs
	acct    accounts // whom its processes run as
	v24     bool     // Dovecot 2.4's configuration language
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error
}

// Available reports whether Dovecot is installed, and if not, why not and
// what to do about it.
func Available() (ok bool, why string) {
	info, err := os.Stat(Binary)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, "dovecot not installed: " + InstallHint
	case err != nil:
		return false, fmt.Sprintf("dovecot: %v", err)
	case info.Mode()&0o111 == 0:
		return false, Binary + " is not executable"
	}
	return true, ""
}

// Start launches a Dovecot for tb and stops it, removing all its files, when
// tb ends. It skips tb only when Dovecot is not installed; any other problem
// fails it.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if ok, why := Available(); !ok {
		tb.Skip(why)
	}
	s, err := Launch(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("dovecot log (last lines):\n%s", s.LogTail(40))
		}
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Launch starts a Dovecot and returns once both ports greet. It is Start for
// callers without a testing.TB, such as TestMain; they must call Close.
func Launch(opts Options) (*Server, error) {
	users := opts.Users
	if len(users) == 0 {
		users = map[string]string{DefaultUser: DefaultPassword}
	}
	for name, pw := range users {
		if err := checkPasswdField("user name", name); err != nil {
			return nil, err
		}
		if err := checkPasswdField("password of "+name, pw); err != nil {
			return nil, err
		}
	}
	version, v24, err := installedVersion()
	if err != nil {
		return nil, err
	}
	acct, err := accountsFor(os.Geteuid())
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(acct)
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", Users: maps.Clone(users), Version: version, dir: dir, acct: acct, v24: v24}
	if err := s.writeFiles(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Free ports are picked by binding :0 and closing, so another process may
	// take one before Dovecot binds it; on that collision, try other ports.
	for attempt := 1; ; attempt++ {
		var ports []int
		ports, err = freePorts(2)
		if err == nil {
			err = s.start(ports[0], ports[1])
		}
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// Close stops Dovecot (SIGTERM, then SIGKILL to its whole process group if it
// lingers) and removes its directory.
func (s *Server) Close() error {
	stopErr := s.stop()
	if err := os.RemoveAll(s.dir); err != nil && stopErr == nil {
		stopErr = fmt.Errorf("dovecot: remove %s: %w", s.dir, err)
	}
	return stopErr
}

// TLSAddr is host:port of the implicit-TLS listener.
func (s *Server) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// StartTLSAddr is host:port of the listener that requires STARTTLS.
func (s *Server) StartTLSAddr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.StartTLSPort))
}

// Dialer dials from ClientIP, so that Dovecot applies its rules for remote
// clients (see ClientIP).
func (s *Server) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: dialTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ClientIP)}}
}

// TLSConfig trusts exactly this server's certificate, by its fingerprint.
func (s *Server) TLSConfig() *tls.Config { return PinnedTLSConfig(s.Fingerprint) }

// PinnedTLSConfig trusts only the certificate whose SHA-256 fingerprint is
// fingerprint (lowercase hex, no colons), whoever signed it, as Mostrador's
// --trust-fingerprint does for a shop's self-signed mail server.
func PinnedTLSConfig(fingerprint string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Chain and name checks are off because VerifyPeerCertificate
		// replaces them with a stricter one: this certificate or nothing.
		// Without a ClientSessionCache there is no resumption, so the
		// callback sees every handshake.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			if len(rawCerts) == 0 {
				return errors.New("server sent no certificate")
			}
			sum := sha256.Sum256(rawCerts[0])
			if got := hex.EncodeToString(sum[:]); got != fingerprint {
				return fmt.Errorf("server certificate SHA-256 %s, want %s", got, fingerprint)
			}
			return nil
		},
	}
}

// Client returns a client logged in as user over implicit TLS, logged out
// when tb ends.
func (s *Server) Client(tb testing.TB, user string) *imapclient.Client {
	tb.Helper()
	c, err := s.login(user)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c.Logout().Wait()
		c.Close()
	})
	return c
}

// Deliver appends raw to user's mailbox (created if missing) with flags and
// returns its UID. It goes through IMAP APPEND, as Mostrador files its sent
// replies, so Dovecot indexes the message the way it indexes real mail.
func (s *Server) Deliver(tb testing.TB, user, mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	tb.Helper()
	uid, err := s.deliver(user, mailbox, raw, flags)
	if err != nil {
		tb.Fatalf("dovecot: deliver to %s %s: %v", user, mailbox, err)
	}
	return uid
}

func (s *Server) deliver(user, mailbox string, raw []byte, flags []imap.Flag) (imap.UID, error) {
	c, err := s.login(user)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	uid, err := appendMessage(c, mailbox, raw, flags)
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate {
		if err := c.Create(mailbox, nil).Wait(); err != nil {
			return 0, fmt.Errorf("create: %w", err)
		}
		uid, err = appendMessage(c, mailbox, raw, flags)
	}
	if err != nil {
		return 0, err
	}
	return uid, c.Logout().Wait()
}

func appendMessage(c *imapclient.Client, mailbox string, raw []byte, flags []imap.Flag) (imap.UID, error) {
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return 0, fmt.Errorf("append: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	return data.UID, nil
}

func (s *Server) login(user string) (*imapclient.Client, error) {
	pw, ok := s.Users[user]
	if !ok {
		return nil, fmt.Errorf("dovecot: no user %q on this server", user)
	}
	c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{
		TLSConfig: s.TLSConfig(),
		Dialer:    s.Dialer(),
	})
	if err != nil {
		return nil, fmt.Errorf("dovecot: dial %s: %w", s.TLSAddr(), err)
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("dovecot: login %s: %w", user, err)
	}
	return c, nil
}

// LogTail returns the last n lines of Dovecot's log, after anything the
// master printed on stderr alone (such as configuration errors, from before
// its log was open).
func (s *Server) LogTail(n int) string {
	logged, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	printed, _ := os.ReadFile(filepath.Join(s.dir, "stderr.log"))
	var lines []string
	for _, line := range strings.Split(string(printed), "\n") {
		if strings.TrimSpace(line) != "" && !bytes.Contains(logged, []byte(line)) {
			lines = append(lines, line)
		}
	}
	for _, line := range strings.Split(string(logged), "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return "(empty)"
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// installedVersion asks Dovecot its version, and whether it speaks 2.4's
// configuration language.
func installedVersion() (version string, v24 bool, err error) {
	out, err := exec.Command(Binary, "--version").Output()
	if err != nil {
		return "", false, fmt.Errorf("dovecot: %s --version: %w", Binary, err)
	}
	version = strings.TrimSpace(string(out))
	var major, minor int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err != nil {
		return "", false, fmt.Errorf("dovecot: unrecognized version %q", version)
	}
	return version, major > 2 || major == 2 && minor >= 4, nil
}

// accounts are the system users Dovecot's processes run as.
type accounts struct {
	internal, login  string // default_internal_user, default_login_user
	internalGroup    string // default_internal_group: owns the internal sockets
	mailUID, mailGID int    // owner of the mail processes and the Maildirs
}

// accountsFor picks the users for a master running with effective uid euid.
// As root, Dovecot drops privileges to the accounts dovecot-core creates and
// refuses to serve mail as uid 0, so mail belongs to its "dovecot" user. As
// anyone else it cannot switch users or groups at all: every process runs as
// the caller and its sockets belong to the caller's group.
func accountsFor(euid int) (accounts, error) {
	if euid != 0 {
		u, err := user.Current()
		if err != nil {
			return accounts{}, fmt.Errorf("dovecot: look up the current user: %w", err)
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getegid()))
		if err != nil {
			return accounts{}, fmt.Errorf("dovecot: look up the current group: %w", err)
		}
		return accounts{internal: u.Username, login: u.Username, internalGroup: g.Name,
			mailUID: euid, mailGID: os.Getegid()}, nil
	}
	internal, err := user.Lookup("dovecot")
	if err != nil {
		return accounts{}, fmt.Errorf("dovecot: system user dovecot (made by dovecot-core): %w", err)
	}
	if _, err := user.Lookup("dovenull"); err != nil {
		return accounts{}, fmt.Errorf("dovecot: system user dovenull (made by dovecot-core): %w", err)
	}
	uid, _ := strconv.Atoi(internal.Uid)
	gid, _ := strconv.Atoi(internal.Gid)
	return accounts{internal: "dovecot", login: "dovenull", internalGroup: "dovecot", mailUID: uid, mailGID: gid}, nil
}

// makeDir creates the instance directory. It is short and directly under the
// temp dir, not in tb.TempDir(): Dovecot's sockets live in it and a unix
// socket path may not exceed 108 bytes, and as root the directory must be
// traversable by Dovecot's unprivileged users, which tb.TempDir()'s 0700
// parents are not.
func makeDir(acct accounts) (string, error) {
	parent := os.TempDir()
	if len(parent) > 40 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "dovecot-")
	if err != nil {
		return "", fmt.Errorf("dovecot: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("dovecot: %w", err)
	}
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o700); err == nil && os.Geteuid() == 0 {
		err = os.Chown(mail, acct.mailUID, acct.mailGID)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("dovecot: mail directory: %w", err)
	}
	return dir, nil
}

func checkPasswdField(what, v string) error {
	if v == "" {
		return fmt.Errorf("dovecot: empty %s", what)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r == ':' || r < ' ' || r == 0x7f }) {
		return fmt.Errorf("dovecot: %s %q has ':' or a control character, which a passwd-file cannot hold", what, v)
	}
	return nil
}

// writeFiles writes the certificate, key and passwd-file; the configuration
// is written per start since it carries the ports.
func (s *Server) writeFiles() error {
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return fmt.Errorf("dovecot: certificate: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	sum := sha256.Sum256(block.Bytes)
	s.CertPEM, s.Fingerprint = certPEM, hex.EncodeToString(sum[:])

	// Sorted, so that two runs with the same users give the same file.
	var passwd strings.Builder
	for _, name := range slices.Sorted(maps.Keys(s.Users)) {
		// user:password:uid:gid:gecos:home:shell:extra
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s::\n", name, s.Users[name], s.acct.mailUID, s.acct.mailGID, s.home(name))
	}
	files := []struct {
		name string
		data []byte
	}{
		{"cert.pem", certPEM},
		{"key.pem", keyPEM},
		{"passwd", []byte(passwd.String())},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(s.dir, f.name), f.data, 0o600); err != nil {
			return fmt.Errorf("dovecot: %w", err)
		}
	}
	// The auth process reads the passwd-file after dropping to the internal
	// user, which as root is also the mail's owner; the certificate and key
	// are read by the config process, which stays root.
	if os.Geteuid() == 0 {
		if err := os.Chown(filepath.Join(s.dir, "passwd"), s.acct.mailUID, s.acct.mailGID); err != nil {
			return fmt.Errorf("dovecot: %w", err)
		}
	}
	return nil
}

// home is user's home directory, which holds its Maildir. It is numbered
// (by the user's place among the sorted names), not named after the login,
// which may hold '@' or '/'.
func (s *Server) home(user string) string {
	i, _ := slices.BinarySearch(slices.Sorted(maps.Keys(s.Users)), user)
	return filepath.Join(s.dir, "mail", "u"+strconv.Itoa(i))
}

// selfSignedCert makes an ECDSA P-256 certificate for 127.0.0.1 and
// localhost, valid for a day.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Mostrador test Dovecot"},
		NotBefore:    now.Add(-time.Hour), // tolerate a clock a little behind
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// config is the whole configuration, in Dovecot 2.3's language (Debian 12,
// Ubuntu 22.04 and 24.04) or 2.4's (Debian 13, Ubuntu 25.04 and later), which
// renamed many settings. Nothing from /etc/dovecot is read.
var config = template.Must(template.New("dovecot.conf").Parse(`# Written by mostrador/inbox/internal/dovecot for one test run.
{{- if .V24}}
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{{- end}}
instance_name = mostrador-test
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
auth_verbose = yes

protocols = imap
listen = 127.0.0.1
default_internal_user = {{.Internal}}
default_login_user = {{.Login}}
default_internal_group = {{.InternalGroup}}
first_valid_uid = {{.MailUID}}
last_valid_uid = {{.MailUID}}

# TLS on both ports, implicit on one, STARTTLS on the other; no password
# crosses either in the clear.
ssl = required
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
# A wrong password is answered within half a second instead of two.
auth_failure_delay = 0
{{- if .V24}}
ssl_server_cert_file = {{.Dir}}/cert.pem
ssl_server_key_file = {{.Dir}}/key.pem
auth_allow_cleartext = no

passdb passwd-file {
  passwd_file_path = {{.Dir}}/passwd
}
userdb passwd-file {
  passwd_file_path = {{.Dir}}/passwd
}

mail_driver = maildir
mail_path = %{home}/Maildir
{{- else}}
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem
disable_plaintext_auth = yes

passdb {
  driver = passwd-file
  args = {{.Dir}}/passwd
}
userdb {
  driver = passwd-file
  args = {{.Dir}}/passwd
}

mail_location = maildir:~/Maildir
{{- end}}
# Test mail is disposable: skip fsync, which is most of an APPEND's time.
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = create
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = create
  }
  mailbox Trash {
    special_use = \Trash
    auto = create
  }
}

# Only root may chroot, and the tests run as root or not; the processes are
# confined to a throwaway directory anyway.
service anvil {
  chroot =
}
service imap-login {
  chroot =
  # One long-lived login process, started with the master, keeps its
  # connection to auth: clients get the real greeting at once instead of
  # "Waiting for authentication process to respond".
{{- if .V24}}
  restart_request_count = unlimited
{{- else}}
  service_count = 0
{{- end}}
  process_min_avail = 1
  inet_listener imap {
    {{if .V24}}listen{{else}}address{{end}} = 127.0.0.1
    port = {{.StartTLSPort}}
  }
  inet_listener imaps {
    {{if .V24}}listen{{else}}address{{end}} = 127.0.0.1
    port = {{.TLSPort}}
    ssl = yes
  }
}
`))

var errPortTaken = errors.New("dovecot: port taken")

// start writes the configuration for these ports, runs the master in the
// foreground and waits for both listeners to greet.
func (s *Server) start(tlsPort, startTLSPort int) error {
	s.TLSPort, s.StartTLSPort = tlsPort, startTLSPort
	var conf bytes.Buffer
	if err := config.Execute(&conf, map[string]any{
		"Dir": s.dir, "Internal": s.acct.internal, "Login": s.acct.login,
		"InternalGroup": s.acct.internalGroup, "MailUID": s.acct.mailUID,
		"TLSPort": tlsPort, "StartTLSPort": startTLSPort, "V24": s.v24,
	}); err != nil {
		return fmt.Errorf("dovecot: config: %w", err)
	}
	confPath := filepath.Join(s.dir, "dovecot.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	// A file, not a pipe: the master's children inherit these descriptors,
	// and with a pipe cmd.Wait would wait for the last child to close it.
	// Each attempt starts with empty logs, so that a failure is judged by its
	// own messages only.
	if err := os.Remove(filepath.Join(s.dir, "dovecot.log")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("dovecot: %w", err)
	}
	stderr, err := os.OpenFile(filepath.Join(s.dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	defer stderr.Close()

	cmd := exec.Command(Binary, "-F", "-c", confPath)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own process group, so that Close can kill every Dovecot
		// process at once if the master does not stop them itself.
		Setpgid: true,
		// If the test binary dies without running Cleanup (a timeout
		// panic, a SIGKILL), the master gets SIGTERM and takes its
		// children down rather than keep serving the ports. (Linux sends
		// it when the starting thread ends; the Go runtime ends threads
		// only under goroutines that exit while locked to them.)
		Pdeathsig: syscall.SIGTERM,
	}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dovecot: start %s: %w", Binary, err)
	}
	s.cmd, s.exited, s.waitErr = cmd, make(chan struct{}), nil
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	err = s.awaitGreetings(begin.Add(startTimeout))
	if err == nil {
		return nil
	}
	s.stop()
	if strings.Contains(s.LogTail(20), "Address already in use") {
		return errPortTaken
	}
	return fmt.Errorf("%w\ndovecot log:\n%s", err, s.LogTail(20))
}

// awaitGreetings polls both ports until each gives Dovecot's greeting. The
// greeting is awaited, not just the TCP connect: the master binds the ports
// before its login and auth processes are ready to serve them.
func (s *Server) awaitGreetings(deadline time.Time) error {
	for _, l := range []struct {
		addr string
		tls  bool
	}{{s.TLSAddr(), true}, {s.StartTLSAddr(), false}} {
		for {
			err := s.greet(l.addr, l.tls, deadline)
			if err == nil {
				break
			}
			select {
			case <-s.exited:
				return fmt.Errorf("dovecot: exited while starting (%v)", s.waitErr)
			default:
			}
			// A child that cannot start is retried with growing pauses,
			// never fixed by waiting: fail at once.
			if log, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log")); bytes.Contains(log, []byte(": Fatal: ")) {
				return errors.New("dovecot: a process failed to start")
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("dovecot: no greeting on %s within %v: %w", l.addr, startTimeout, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// greet connects once and reads up to the greeting that carries the
// capabilities; Dovecot sends it only once its auth process answers.
func (s *Server) greet(addr string, useTLS bool, deadline time.Time) error {
	d := &net.Dialer{Timeout: 500 * time.Millisecond}
	var conn net.Conn
	var err error
	if useTLS {
		conn, err = tls.DialWithDialer(d, "tcp", addr, s.TLSConfig())
	} else {
		conn, err = d.Dial("tcp", addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read greeting: %w", err)
		}
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
		}
		if strings.HasPrefix(line, "* OK [CAPABILITY ") {
			fmt.Fprint(conn, "a LOGOUT\r\n")
			return nil
		}
	}
}

// stop ends the master and makes sure none of its processes outlive it.
func (s *Server) stop() error {
	if s.cmd == nil {
		return nil
	}
	pgid := s.cmd.Process.Pid // Setpgid made the master its group's leader
	s.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.exited
		err = fmt.Errorf("dovecot: did not stop within %v of SIGTERM; killed", stopTimeout)
	}
	// The master stops its children before it exits (Dovecot 2.3 gives them
	// a second for it), but its log process only follows once it sees the
	// master gone. The mail is disposable, so no child needs that moment:
	// whatever is left of the group dies now.
	syscall.Kill(-pgid, syscall.SIGKILL)
	s.cmd = nil
	return err
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. The listeners are held until all are picked, so that the kernel
// cannot hand out one port twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("dovecot: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
