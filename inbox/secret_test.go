package inbox

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// memKeyring is a keyring in memory; block makes every call hang, as a
// locked keyring waiting for an unseen prompt does.
type memKeyring struct {
	mu    sync.Mutex
	m     map[string]string
	block bool
	fail  error
}

func (k *memKeyring) Get(service, user string) (string, error) {
	if k.block {
		select {}
	}
	if k.fail != nil {
		return "", k.fail
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	pw, ok := k.m[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return pw, nil
}

func (k *memKeyring) Set(service, user, pw string) error {
	if k.block {
		select {}
	}
	if k.fail != nil {
		return k.fail
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[service+"/"+user] = pw
	return nil
}

func TestPasswordSources(t *testing.T) {
	imapEP, _ := ParseEndpoint("imap", "imaps://shop%40example.com@imap.example.com")
	smtpEP, _ := ParseEndpoint("smtp", "smtps://shop%40example.com@smtp.example.com")
	env := map[string]string{}
	kr := &memKeyring{}
	asked := 0
	s := &Secrets{Keyring: kr, Getenv: func(k string) string { return env[k] },
		Prompt: func(label string) (string, error) { asked++; return "tecleada", nil }}

	// Nothing stored: asked on the terminal.
	if pw, src, err := s.Password(imapEP, "IMAP"); err != nil || pw != "tecleada" || src != FromPrompt || asked != 1 {
		t.Fatalf("prompt: %q %q %v (asked %d)", pw, src, err, asked)
	}
	// Saved: from the keyring, per protocol.
	if err := s.Save(imapEP, "guardada"); err != nil {
		t.Fatal(err)
	}
	if pw, src, _ := s.Password(imapEP, "IMAP"); pw != "guardada" || src != FromKeyring {
		t.Errorf("keyring: %q %q", pw, src)
	}
	if pw, src, _ := s.Password(smtpEP, "SMTP"); pw != "tecleada" || src != FromPrompt {
		t.Errorf("SMTP has its own entry: %q %q", pw, src)
	}
	// Typed once per run: asking again for SMTP does not prompt again.
	if pw, _, _ := s.Password(smtpEP, "SMTP"); pw != "tecleada" || asked != 2 {
		t.Errorf("SMTP again: %q, asked %d times, want 2", pw, asked)
	}
	// The environment wins.
	env["MOSTRADOR_IMAP_PASSWORD"] = "del entorno"
	if pw, src, _ := s.Password(imapEP, "IMAP"); pw != "del entorno" || src != FromEnv {
		t.Errorf("env: %q %q", pw, src)
	}
	if pw, _, _ := s.Password(smtpEP, "SMTP"); pw == "del entorno" {
		t.Error("the IMAP variable served SMTP")
	}
}

func TestNoKeyring(t *testing.T) {
	ep, _ := ParseEndpoint("imap", "imaps://shop%40example.com@imap.example.com")
	// A keyring that hangs is given up on; one that fails says so.
	for _, kr := range []*memKeyring{{block: true}, {fail: errors.New("dbus-launch not found")}} {
		s := &Secrets{Keyring: kr, Getenv: func(string) string { return "" }, Timeout: 100 * time.Millisecond}
		start := time.Now()
		_, _, err := s.Password(ep, "IMAP")
		if !errors.Is(err, ErrNoPassword) || time.Since(start) > 2*time.Second {
			t.Errorf("no keyring, no env, no terminal: %v after %v", err, time.Since(start))
		}
		if err := s.Save(ep, "x"); err == nil {
			t.Error("Save into a missing keyring succeeded")
		}
		// Not kept, but known for the rest of the run (typed in the window).
		if pw, src, err := s.Password(ep, "IMAP"); pw != "x" || src != FromPrompt || err != nil {
			t.Errorf("after a refused Save: %q %q %v", pw, src, err)
		}
		s.Getenv = func(k string) string { return map[string]string{"MOSTRADOR_IMAP_PASSWORD": "env"}[k] }
		if pw, src, err := s.Password(ep, "IMAP"); pw != "env" || src != FromEnv || err != nil {
			t.Errorf("env fallback: %q %q %v", pw, src, err)
		}
	}
}
