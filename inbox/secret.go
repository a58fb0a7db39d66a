package inbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Passwords live in the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows), never in the database, the
// preferences or a log. Where no keyring answers (a headless machine, CI)
// they come from MOSTRADOR_IMAP_PASSWORD / MOSTRADOR_SMTP_PASSWORD, or are
// asked for once per run on a terminal.

const keyringService = "mostrador"

// Keyring is the part of the OS keyring Mostrador uses.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
}

type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }

// Where a password came from.
const (
	FromEnv     = "env"
	FromKeyring = "keyring"
	FromPrompt  = "prompt"
)

// ErrNoPassword: no keyring entry, no environment variable and no
// terminal to ask on.
var ErrNoPassword = errors.New("no password")

// errKeyringTimeout: the keyring did not answer (locked, waiting for a
// prompt nobody sees).
var errKeyringTimeout = errors.New("the keyring did not answer")

// Secrets finds and keeps the account's passwords.
type Secrets struct {
	Keyring Keyring                            // nil: the OS keyring
	Getenv  func(string) string                // nil: os.Getenv
	Prompt  func(label string) (string, error) // nil: no terminal to ask on
	Timeout time.Duration                      // for each keyring call; 0: 3 s

	// What was found once is kept for the run: a password typed on the
	// terminal is asked for once, not again for the Sent copy of a reply.
	mu    sync.Mutex
	known map[string]string
}

func (s *Secrets) keyring() Keyring {
	if s.Keyring == nil {
		return osKeyring{}
	}
	return s.Keyring
}

// EnvVar is the environment variable that holds an endpoint's password.
func EnvVar(ep Endpoint) string {
	if ep.Proto == "smtp" {
		return "MOSTRADOR_SMTP_PASSWORD"
	}
	return "MOSTRADOR_IMAP_PASSWORD"
}

// keyringUser names an endpoint's entry: one per protocol, user and server.
func keyringUser(ep Endpoint) string {
	return ep.Proto + ":" + ep.User + "@" + ep.Host + ":" + strconv.Itoa(ep.Port)
}

// withTimeout runs a keyring call that may block (a locked keyring waiting
// for a prompt) and gives up after the timeout.
func (s *Secrets) withTimeout(f func() error) error {
	d := s.Timeout
	if d <= 0 {
		d = 3 * time.Second
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return errKeyringTimeout
	}
}

// Password finds an endpoint's password: the environment variable when it
// is set (it stands for the keyring on machines without one, and wins over
// it), else the keyring, else the terminal. It says where it came from.
func (s *Secrets) Password(ep Endpoint, label string) (pw, source string, err error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvVar(ep)); v != "" {
		return v, FromEnv, nil
	}
	var stored string
	kerr := s.withTimeout(func() error {
		var err error
		stored, err = s.keyring().Get(keyringService, keyringUser(ep))
		return err
	})
	if kerr == nil && stored != "" {
		return stored, FromKeyring, nil
	}
	s.mu.Lock()
	typed, ok := s.known[keyringUser(ep)]
	s.mu.Unlock()
	if ok {
		return typed, FromPrompt, nil
	}
	if s.Prompt != nil {
		pw, err := s.Prompt(label)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", label, err)
		}
		if pw != "" {
			s.remember(ep, pw)
			return pw, FromPrompt, nil
		}
	}
	return "", "", fmt.Errorf("%w for %s (keyring: %v; %s not set)", ErrNoPassword, ep, kerrText(kerr), EnvVar(ep))
}

// remember keeps a password typed for an endpoint for the rest of the run.
func (s *Secrets) remember(ep Endpoint, pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known == nil {
		s.known = map[string]string{}
	}
	s.known[keyringUser(ep)] = pw
}

func kerrText(err error) string {
	if errors.Is(err, keyring.ErrNotFound) || err == nil {
		return "no entry"
	}
	return err.Error()
}

// Save keeps a password in the keyring, and for the rest of the run in
// any case. An error means there is no keyring here: on later runs the
// password has to come from the environment or the terminal.
func (s *Secrets) Save(ep Endpoint, pw string) error {
	// Remembered first: a password typed in the window is not lost for
	// this run because the machine has no keyring to keep it in.
	s.remember(ep, pw)
	return s.withTimeout(func() error { return s.keyring().Set(keyringService, keyringUser(ep), pw) })
}
