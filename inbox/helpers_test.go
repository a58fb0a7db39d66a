package inbox

import (
	"net"
	"strconv"
	"testing"

	"mostrador/inbox/inboxtest"
)

// endpoint is the Endpoint of a test server, for inboxtest.User.
func endpoint(t *testing.T, proto string, sec Security, addr string) Endpoint {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	e := Endpoint{Proto: proto, Security: sec, Host: host, User: inboxtest.User}
	if e.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	return e
}

// The tests convert a Security to an inboxtest.Mode by number.
func TestModesMatchSecurity(t *testing.T) {
	if inboxtest.Mode(TLS) != inboxtest.TLS || inboxtest.Mode(StartTLS) != inboxtest.StartTLS || inboxtest.Mode(Plain) != inboxtest.Plain {
		t.Fatal("inboxtest.Mode and inbox.Security number their modes differently")
	}
}
