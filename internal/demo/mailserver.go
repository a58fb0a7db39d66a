// Package demo is Mostrador's sample shop (mostrador --demo): a mail
// server of its own on 127.0.0.1, so that replies and automated emails
// really go out and arrive, and the shop's data. Nothing of it touches the
// owner's database, mailbox or keyring.
package demo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"mostrador/internal/address"
)

// Servers are the demo's IMAP server (in memory) and SMTP server on
// 127.0.0.1. The SMTP server delivers what it accepts into the IMAP
// server's mailboxes: the shop's own, and one per customer address, made
// at the first message, so that a reply can be seen where the customer
// would read it. Addresses at a domain in Refused are refused as a real
// server refuses an address that does not exist (550 5.1.1).
type Servers struct {
	IMAPAddr, SMTPAddr string
	ShopAddr           string // the shop's address; its login is the same
	Password           string

	mem   *imapmemserver.Server
	shop  *imapmemserver.User
	imap  *imapserver.Server
	smtp  *smtp.Server
	mu    sync.Mutex
	boxes map[string]*imapmemserver.User // customers' mailboxes by normalized address
}

// Refused is the domain whose addresses do not exist: the demo's bounce.
const Refused = "no-existe.example"

// StartServers starts both servers for the shop's address and password.
func StartServers(shopAddr, password string) (*Servers, error) {
	s := &Servers{ShopAddr: address.Normalize(shopAddr), Password: password, mem: imapmemserver.New(),
		boxes: map[string]*imapmemserver.User{}}
	s.shop = imapmemserver.NewUser(s.ShopAddr, password)
	for _, name := range []string{"INBOX", "Sent"} {
		if err := s.shop.Create(name, nil); err != nil {
			return nil, err
		}
	}
	s.mem.AddUser(s.shop)

	imapLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true, // loopback only
		Logger:       log.New(io.Discard, "", 0),
	})
	go s.imap.Serve(imapLn)
	s.IMAPAddr = imapLn.Addr().String()

	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.imap.Close()
		return nil, err
	}
	s.smtp = smtp.NewServer(backend{s})
	s.smtp.Domain = "localhost"
	s.smtp.AllowInsecureAuth = true // loopback only
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)
	s.smtp.ReadTimeout, s.smtp.WriteTimeout = 30*time.Second, 30*time.Second
	go s.smtp.Serve(smtpLn)
	s.SMTPAddr = smtpLn.Addr().String()
	return s, nil
}

// Close stops both servers.
func (s *Servers) Close() {
	s.smtp.Close()
	s.imap.Close()
}

// Shop is the shop's mailbox, to put mail in as customers write.
func (s *Servers) Shop() *imapmemserver.User { return s.shop }

// Mailbox is a customer's mailbox, made if need be; nil for the shop's own
// address (use Shop).
func (s *Servers) Mailbox(addr string) *imapmemserver.User {
	addr = address.Normalize(addr)
	if addr == s.ShopAddr {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.boxes[addr]; ok {
		return u
	}
	u := imapmemserver.NewUser(addr, s.Password)
	u.Create("INBOX", nil)
	s.mem.AddUser(u)
	s.boxes[addr] = u
	return u
}

// Deliver puts a message in to's INBOX, as the SMTP server does.
func (s *Servers) Deliver(to string, raw []byte, at time.Time) error {
	box := s.Mailbox(to)
	if box == nil {
		box = s.shop
	}
	_, err := box.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: at})
	return err
}

// errNoSuchUser is a real server's answer to an address that does not
// exist.
var errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
	Message: "The email account that you tried to reach does not exist"}

type backend struct{ s *Servers }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s      *Servers
	authed bool
	to     []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if address.Normalize(user) != x.s.ShopAddr || pass != x.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: "Authentication credentials invalid"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(string, *smtp.MailOptions) error {
	if !x.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(address.Normalize(to), "@"+Refused) {
		return errNoSuchUser
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, 25<<20))
	if err != nil {
		return err
	}
	var errs []error
	for _, to := range x.to {
		if err := x.s.Deliver(to, raw, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("deliver to %s: %w", to, err))
		}
	}
	return errors.Join(errs...)
}

func (x *session) Reset()        { x.to = nil }
func (x *session) Logout() error { return nil }
