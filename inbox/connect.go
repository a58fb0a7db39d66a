package inbox

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"
)

// ConnError says in plain words why a mail server could not be used. Code
// is a translation key; Fingerprint is the server certificate's SHA-256
// (for the tls.* codes), which the owner may choose to trust.
type ConnError struct {
	Server      string // "imap" or "smtp"
	Addr        string // host:port
	Code        string
	Fingerprint string
	Err         error
}

func (e *ConnError) Error() string {
	msg := fmt.Sprintf("%s server %s: %s", strings.ToUpper(e.Server), e.Addr, e.Code)
	if e.Fingerprint != "" {
		msg += " (certificate SHA-256 " + e.Fingerprint + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ConnError) Unwrap() error { return e.Err }

// The codes of ConnError.
const (
	CodeDNS          = "conn.dns"         // the host name does not resolve
	CodeRefused      = "conn.refused"     // nothing listens on that port
	CodeTimeout      = "conn.timeout"     // no answer in time
	CodeUnreachable  = "conn.unreachable" // no route: offline, firewall
	CodeClosed       = "conn.closed"      // the server hung up
	CodeUntrusted    = "tls.untrusted"    // self-signed or unknown authority
	CodeHostname     = "tls.hostname"     // a certificate for another name
	CodeCertExpired  = "tls.expired"      // a certificate expired or not yet valid
	CodeNotTLS       = "tls.notTLS"       // the port speaks plain text (wrong port for imaps/smtps?)
	CodeHandshake    = "tls.handshake"    // TLS failed otherwise
	CodeNoStartTLS   = "starttls.missing" // the server does not offer STARTTLS
	CodeAuth         = "auth.failed"      // user name or password refused
	CodeNoAuth       = "auth.unsupported" // no login method both sides know
	CodeNoInbox      = "folder.inbox"     // INBOX cannot be opened
	CodeServer       = "conn.server"      // the server answered with an error
	defaultTimeout   = 20 * time.Second
	fingerprintBytes = sha256.Size
)

// Dialer connects to an account's servers.
type Dialer struct {
	// Timeout bounds each connection and each step of a test; 0 means 20 s.
	Timeout time.Duration
	// RootCAs verifies certificates; nil means the system's.
	RootCAs *x509.CertPool
	// Trusted are certificate fingerprints the owner trusted by hand.
	Trusted []string
}

func (d *Dialer) timeout() time.Duration {
	if d.Timeout <= 0 {
		return defaultTimeout
	}
	return d.Timeout
}

// certError carries a certificate that failed verification, with why.
type certError struct {
	fingerprint string
	err         error
}

func (e *certError) Error() string { return e.err.Error() }
func (e *certError) Unwrap() error { return e.err }

// Fingerprint is a certificate's SHA-256, lower-case hex without colons.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// tlsConfig verifies the server's chain and name as usual, and accepts a
// certificate that fails that only when its fingerprint is one the owner
// trusted. A refusal carries the fingerprint, so it can be shown.
func (d *Dialer) tlsConfig(host string) *tls.Config {
	return &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// Verification is VerifyConnection's, below: the standard one plus
		// the fingerprints trusted by hand.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			leaf := cs.PeerCertificates[0]
			opts := x509.VerifyOptions{DNSName: host, Roots: d.RootCAs, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := leaf.Verify(opts)
			if err == nil {
				return nil
			}
			fp := Fingerprint(leaf.Raw)
			if slices.Contains(d.Trusted, fp) {
				return nil
			}
			return &certError{fingerprint: fp, err: err}
		},
	}
}

// classify turns a connection failure into a ConnError.
func classify(server, addr string, err error) *ConnError {
	var ce *ConnError
	if errors.As(err, &ce) {
		return ce
	}
	e := &ConnError{Server: server, Addr: addr, Err: err}
	var dnsErr *net.DNSError
	var cert *certError
	var recErr tls.RecordHeaderError
	var netErr net.Error
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var imapErr *imap.Error
	var tpErr *textproto.Error
	switch {
	case errors.As(err, &cert):
		e.Fingerprint = cert.fingerprint
		switch {
		case errors.As(cert.err, &hostErr):
			e.Code = CodeHostname
		case errors.As(cert.err, &invalid) && invalid.Reason == x509.Expired:
			e.Code = CodeCertExpired
		default:
			e.Code = CodeUntrusted
		}
	case errors.As(err, &dnsErr):
		e.Code = CodeDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Code = CodeRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		e.Code = CodeUnreachable
	case errors.As(err, &recErr):
		e.Code = CodeNotTLS
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		e.Code = CodeTimeout
	case errors.As(err, &imapErr):
		e.Code = CodeServer
		if imapErr.Code == imap.ResponseCodeAuthenticationFailed {
			e.Code = CodeAuth
		}
	case errors.As(err, &tpErr) && (tpErr.Code == 535 || tpErr.Code == 534 || tpErr.Code == 454 && strings.Contains(strings.ToLower(tpErr.Msg), "auth")):
		e.Code = CodeAuth
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, net.ErrClosed):
		e.Code = CodeClosed
	default:
		e.Code = CodeServer
	}
	return e
}

// IMAPInfo is what a connection test learned of the IMAP server.
type IMAPInfo struct {
	Sent      string // the Sent folder found ("" if none: one is created on the first reply)
	Idle      bool   // new mail can arrive live
	CondStore bool   // flag changes can be synced cheaply
	Messages  uint32 // in INBOX
}

// DialIMAP connects and logs in. The caller closes the client.
func (d *Dialer) DialIMAP(ep Endpoint, password string, opts *imapclient.Options) (*imapclient.Client, error) {
	o := imapclient.Options{}
	if opts != nil {
		o = *opts
	}
	o.TLSConfig = d.tlsConfig(ep.Host)
	o.Dialer = &net.Dialer{Timeout: d.timeout()}
	var c *imapclient.Client
	var err error
	switch ep.Security {
	case TLS:
		c, err = imapclient.DialTLS(ep.Addr(), &o)
	case StartTLS:
		c, err = imapclient.DialStartTLS(ep.Addr(), &o)
		var imapErr *imap.Error
		if errors.As(err, &imapErr) {
			return nil, &ConnError{Server: "imap", Addr: ep.Addr(), Code: CodeNoStartTLS, Err: err}
		}
	default:
		if !IsLoopback(ep.Host) { // ParseEndpoint refuses it; never send a password in the clear
			return nil, &ConnError{Server: "imap", Addr: ep.Addr(), Code: CodeNotTLS}
		}
		c, err = imapclient.DialInsecure(ep.Addr(), &o)
	}
	if err != nil {
		return nil, classify("imap", ep.Addr(), err)
	}
	// go-imap has no deadlines of its own: a server that stops answering
	// is hung up on.
	watchdog := time.AfterFunc(d.timeout(), func() { c.Close() })
	defer watchdog.Stop()
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, classify("imap", ep.Addr(), timedOut(watchdog, err))
	}
	if err := c.Login(ep.User, password).Wait(); err != nil {
		c.Close()
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
			// Servers word a refused login many ways; a NO to LOGIN is one.
			return nil, &ConnError{Server: "imap", Addr: ep.Addr(), Code: CodeAuth, Err: err}
		}
		return nil, classify("imap", ep.Addr(), timedOut(watchdog, err))
	}
	return c, nil
}

// timedOut reports a failure caused by the watchdog hanging up as a timeout.
func timedOut(watchdog *time.Timer, err error) error {
	if !watchdog.Stop() {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// TestIMAP is the account screen's "Test connection" for reading mail:
// connect, log in, open INBOX, find the Sent folder.
func (d *Dialer) TestIMAP(ep Endpoint, password string) (*IMAPInfo, error) {
	c, err := d.DialIMAP(ep, password, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	watchdog := time.AfterFunc(d.timeout(), func() { c.Close() })
	defer watchdog.Stop()
	info := &IMAPInfo{Idle: c.Caps().Has(imap.CapIdle), CondStore: c.Caps().Has(imap.CapCondStore)}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) {
			return nil, &ConnError{Server: "imap", Addr: ep.Addr(), Code: CodeNoInbox, Err: err}
		}
		return nil, classify("imap", ep.Addr(), timedOut(watchdog, err))
	}
	info.Messages = sel.NumMessages
	if info.Sent, err = FindSent(c); err != nil {
		return nil, classify("imap", ep.Addr(), timedOut(watchdog, err))
	}
	if err := c.Logout().Wait(); err != nil {
		return nil, classify("imap", ep.Addr(), timedOut(watchdog, err))
	}
	return info, nil
}

// sentNames are the Sent folder's usual names, for servers without
// SPECIAL-USE: English and Spanish clients, Gmail, Courier-style "INBOX.".
var sentNames = []string{"Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail",
	"[Google Mail]/Sent Mail", "[Gmail]/Enviados", "Enviados", "Elementos enviados", "Correo enviado",
	"Mensajes enviados", "INBOX.Sent", "INBOX.Sent Items", "INBOX.Sent Messages", "INBOX.Enviados",
	"INBOX/Sent"}

// FindSent finds the Sent folder: by its SPECIAL-USE attribute, else by
// its usual names (any case). "" when there is none.
func FindSent(c *imapclient.Client) (string, error) {
	var opts *imap.ListOptions
	if c.Caps().Has(imap.CapSpecialUse) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return "", err
	}
	for _, m := range list {
		if slices.Contains(m.Attrs, imap.MailboxAttrSent) {
			return m.Mailbox, nil
		}
	}
	for _, want := range sentNames {
		for _, m := range list {
			if strings.EqualFold(m.Mailbox, want) && !slices.Contains(m.Attrs, imap.MailboxAttrNoSelect) {
				return m.Mailbox, nil
			}
		}
	}
	return "", nil
}

// SMTPClient is a go-mail client for the account's sending server, not yet
// connected.
func (d *Dialer) SMTPClient(ep Endpoint, password string) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(ep.Port), gomail.WithTimeout(d.timeout()),
		gomail.WithTLSConfig(d.tlsConfig(ep.Host)), gomail.WithoutNoop()}
	switch ep.Security {
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		if !IsLoopback(ep.Host) {
			return nil, &ConnError{Server: "smtp", Addr: ep.Addr(), Code: CodeNotTLS}
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if ep.User != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if ep.Security == Plain {
			auth = gomail.SMTPAuthPlainNoEnc // loopback only, see ParseEndpoint
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(ep.User), gomail.WithPassword(password))
	}
	c, err := gomail.NewClient(ep.Host, opts...)
	if err != nil {
		return nil, &ConnError{Server: "smtp", Addr: ep.Addr(), Code: CodeServer, Err: err}
	}
	return c, nil
}

// TestSMTP is "Test connection" for sending: connect, secure, log in, quit.
// Nothing is sent.
func (d *Dialer) TestSMTP(ctx context.Context, ep Endpoint, password string) error {
	c, err := d.SMTPClient(ep, password)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	if err := c.DialWithContext(ctx); err != nil {
		return classifySMTP(ep, err)
	}
	if err := c.Close(); err != nil {
		return classifySMTP(ep, err)
	}
	return nil
}

// classifySMTP adds what go-mail reports only in words.
func classifySMTP(ep Endpoint, err error) *ConnError {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not support STARTTLS"):
		return &ConnError{Server: "smtp", Addr: ep.Addr(), Code: CodeNoStartTLS, Err: err}
	case strings.Contains(msg, "SMTP AUTH failed"):
		return &ConnError{Server: "smtp", Addr: ep.Addr(), Code: CodeAuth, Err: err}
	case strings.Contains(msg, "does not support SMTP AUTH"), strings.Contains(msg, "auth") && strings.Contains(msg, "not supported"),
		errors.Is(err, gomail.ErrNoSupportedAuthDiscovered):
		return &ConnError{Server: "smtp", Addr: ep.Addr(), Code: CodeNoAuth, Err: err}
	}
	return classify("smtp", ep.Addr(), err)
}
