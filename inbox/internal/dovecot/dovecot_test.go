package dovecot

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedCert(t *testing.T) {
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("certificate and key do not pair: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if err := cert.VerifyHostname("localhost"); err != nil {
		t.Error(err)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", cert.PublicKeyAlgorithm)
	}
}

func TestPinnedTLSConfig(t *testing.T) {
	certPEM, _, err := selfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	sum := sha256.Sum256(block.Bytes)
	fp := hex.EncodeToString(sum[:])

	if err := PinnedTLSConfig(fp).VerifyPeerCertificate([][]byte{block.Bytes}, nil); err != nil {
		t.Errorf("the pinned certificate is refused: %v", err)
	}
	other := strings.Repeat("ab", sha256.Size)
	if err := PinnedTLSConfig(other).VerifyPeerCertificate([][]byte{block.Bytes}, nil); err == nil {
		t.Error("a certificate with another fingerprint is accepted")
	}
	if err := PinnedTLSConfig(fp).VerifyPeerCertificate(nil, nil); err == nil {
		t.Error("a handshake without certificate is accepted")
	}
}

func TestCheckPasswdField(t *testing.T) {
	for _, v := range []string{"tienda@example.com", "contraseña con espacios", "p%w{PLAIN}"} {
		if err := checkPasswdField("x", v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range []string{"", "a:b", "a\nb", "a\x00b"} {
		if err := checkPasswdField("x", v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestAvailable(t *testing.T) {
	ok, why := Available()
	_, err := os.Stat(Binary)
	if ok != (err == nil) {
		t.Errorf("Available() = %v, %q; stat %s: %v", ok, why, Binary, err)
	}
	if !ok && !strings.Contains(why, InstallHint) {
		t.Errorf("reason %q does not say how to install", why)
	}
}

// Launch and Close leave nothing behind: no process of the instance, no
// files, no listener.
func TestDovecotLaunchClose(t *testing.T) {
	t.Parallel()
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	begin := time.Now()
	s, err := Launch(Options{})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Since(begin)
	t.Cleanup(func() { s.Close() }) // should the test stop before its own Close
	pgid, dir, addr := s.cmd.Process.Pid, s.dir, s.TLSAddr()
	if _, ok := s.Users[DefaultUser]; !ok {
		t.Errorf("users %v, want the default %s", s.Users, DefaultUser)
	}
	c := s.Client(t, DefaultUser)
	if err := c.Noop().Wait(); err != nil {
		t.Errorf("NOOP: %v", err)
	}
	c.Close()

	begin = time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("start %v, stop %v", started.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	if live := liveMembers(t, pgid); len(live) > 0 {
		t.Errorf("processes of the instance still running after Close: %v", live)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after Close: %v", dir, err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Close", addr)
	}
}

// A port taken between picking and binding is reported as errPortTaken,
// which Launch answers with other ports, and the instance starts again.
func TestDovecotPortTaken(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	ports, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	err = s.start(taken.Addr().(*net.TCPAddr).Port, ports[1])
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("start on a taken port: %v, want errPortTaken", err)
	}
	if err := s.start(ports[0], ports[1]); err != nil {
		t.Fatalf("start again on free ports: %v", err)
	}
	s.Client(t, DefaultUser)
}

// liveMembers lists the processes of group pgid that are still running.
// Zombies do not count: the master's last children are reparented when it
// exits, and reaping them is their new parent's business.
func liveMembers(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited since the glob
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and ')'.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if pg, _ := strconv.Atoi(f[2]); pg == pgid {
			live = append(live, string(b[:i+1]))
		}
	}
	return live
}
