// Package inboxtest runs real mail servers on 127.0.0.1 for tests: go-imap's
// in-memory IMAP server and a go-smtp server that keeps what it receives,
// with TLS certificates made on the spot (from a test authority, or
// self-signed). Every server stops when its test ends.
package inboxtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The one user of every test server.
const (
	User     = "tienda@example.com"
	Password = "contraseña secreta"
)

// Mode is how a test server protects its connections.
type Mode int

const (
	TLS      Mode = iota // implicit TLS
	StartTLS             // STARTTLS offered after the greeting (when a certificate is given)
	Plain                // none
)

// Fingerprint is a certificate's SHA-256, lower-case hex.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// CA is a certificate authority a test's client trusts, as the system's
// roots trust a real mail host's.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	Pool *x509.CertPool // for the client's RootCAs
}

// NewCA makes a certificate authority valid for a day.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Mostrador test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{cert: cert, key: key, Pool: pool}
}

// Issue makes a server certificate for names (host names or IPs), signed by
// the CA, or self-signed when ca is nil; notAfter in the past makes an
// expired one. It returns the certificate's fingerprint too.
func Issue(t testing.TB, ca *CA, notAfter time.Time, names ...string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, Fingerprint(der)
}

// listen opens a loopback port; with TLS (implicit) when cert is given.
func listen(t testing.TB, cert *tls.Certificate) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}})
	}
	return ln
}

// IMAPServer is a running in-memory IMAP server with one user, whose
// mailboxes the test fills and inspects through User.
type IMAPServer struct {
	Addr string // 127.0.0.1:port
	User *imapmemserver.User
	Mem  *imapmemserver.Server
}

// StartIMAP serves IMAP on 127.0.0.1 with an INBOX: implicit TLS, STARTTLS
// or plain (cert nil).
func StartIMAP(t testing.TB, sec Mode, cert *tls.Certificate) *IMAPServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(User, Password)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: sec == Plain,
		Logger:       discardLogger{},
	}
	var ln net.Listener
	switch sec {
	case TLS:
		ln = listen(t, cert)
	case StartTLS:
		opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
		ln = listen(t, nil)
	default:
		ln = listen(t, nil)
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &IMAPServer{Addr: ln.Addr().String(), User: user, Mem: mem}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// SMTPServer is a running SMTP server that keeps what it is sent.
type SMTPServer struct {
	Addr string // 127.0.0.1:port
	mu   sync.Mutex
	mail []Received
	// deliver, when set, gets each message accepted.
	deliver   func(Received)
	refuse    func(rcpt string) error
	authMechs []string
	conns     int           // connections accepted
	perConn   int           // messages a connection carries before it is dropped; 0: no limit
	delay     time.Duration // taken over each message before it is accepted
}

// Connections is how many connections the server has accepted so far.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// DropAfter has the server drop each connection, without a word, when it
// is asked for a message more than n (at MAIL FROM), as a server that
// limits what a connection carries, or drops idle ones, does; 0: never.
func (s *SMTPServer) DropAfter(n int) {
	s.mu.Lock()
	s.perConn = n
	s.mu.Unlock()
}

// Delay has the server take d over each message from now on, once it has
// read it and before it takes it and answers (a server writing it to disk,
// scanning it): a batch goes slower, and a client that dies meanwhile has
// handed the message over without hearing that it went. 0: no delay.
func (s *SMTPServer) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Refuse has f decide on each recipient from now on: a non-nil error (an
// *smtp.SMTPError with a 4xx code for a passing trouble, 5xx for a
// refusal) is the server's answer to RCPT TO. nil f accepts all again.
func (s *SMTPServer) Refuse(f func(rcpt string) error) {
	s.mu.Lock()
	s.refuse = f
	s.mu.Unlock()
}

// Received is one message as the server got it.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Messages are the messages received so far.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.mail...)
}

// OnReceive has f called with each message the server accepts from now on
// (to put it in an IMAP server's mailbox, say).
func (s *SMTPServer) OnReceive(f func(Received)) {
	s.mu.Lock()
	s.deliver = f
	s.mu.Unlock()
}

// StartSMTP serves SMTP on 127.0.0.1 for User/Password (AUTH PLAIN):
// implicit TLS, STARTTLS (cert nil: no STARTTLS offered) or plain.
func StartSMTP(t testing.TB, sec Mode, cert *tls.Certificate) *SMTPServer {
	t.Helper()
	st := &SMTPServer{authMechs: []string{sasl.Plain}}
	srv := smtp.NewServer(smtpBackend{st})
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0) // a client hanging up mid-test is no news
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = sec == Plain
	var ln net.Listener
	switch sec {
	case TLS:
		ln = listen(t, cert)
	case StartTLS:
		if cert != nil {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
		}
		ln = listen(t, nil)
	default:
		ln = listen(t, nil)
	}
	st.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return st
}

type smtpBackend struct{ st *SMTPServer }

func (b smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.st.mu.Lock()
	b.st.conns++
	b.st.mu.Unlock()
	return &smtpSession{st: b.st, conn: c}, nil
}

type smtpSession struct {
	st     *SMTPServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
	taken  int // messages taken on this connection
}

func (s *smtpSession) AuthMechanisms() []string { return s.st.authMechs }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != User || password != Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.st.mu.Lock()
	limit := s.st.perConn
	s.st.mu.Unlock()
	if limit > 0 && s.taken >= limit {
		s.conn.Close()
		return errors.New("dropped")
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.st.mu.Lock()
	refuse := s.st.refuse
	s.st.mu.Unlock()
	if refuse != nil {
		if err := refuse(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	got := Received{From: s.from, To: s.to, Data: buf.Bytes()}
	s.taken++
	s.st.mu.Lock()
	delay := s.st.delay
	s.st.mu.Unlock()
	time.Sleep(delay)
	s.st.mu.Lock()
	s.st.mail = append(s.st.mail, got)
	deliver := s.st.deliver
	s.st.mu.Unlock()
	if deliver != nil {
		deliver(got)
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// DeadPort is a loopback address nothing listens on.
func DeadPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// SilentServer accepts connections and never says a word.
func SilentServer(t testing.TB) string {
	t.Helper()
	ln := listen(t, nil)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}
