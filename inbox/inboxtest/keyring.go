package inboxtest

import (
	"maps"
	"sync"

	"github.com/zalando/go-keyring"
)

// Keyring is a system keyring in memory, for tests of what goes into the
// keyring; Fail makes it one the machine does not have (as on a server
// without a session bus): every call returns it.
type Keyring struct {
	mu   sync.Mutex
	m    map[string]string
	Fail error
}

func (k *Keyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.Fail != nil {
		return "", k.Fail
	}
	if pw, ok := k.m[service+"/"+user]; ok {
		return pw, nil
	}
	return "", keyring.ErrNotFound
}

func (k *Keyring) Set(service, user, pw string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.Fail != nil {
		return k.Fail
	}
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[service+"/"+user] = pw
	return nil
}

// Entries is what the keyring holds, by "service/user".
func (k *Keyring) Entries() map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.m)
}
