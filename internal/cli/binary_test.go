package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The black-box test: the real binary, as a script would run it.

// versionShape is what --version prints: the release, then Go's version and
// the platform.
var versionShape = regexp.MustCompile(`^mostrador \d+\.\d+\.\d+ \(` + regexp.QuoteMeta(runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH) + `\)\n$`)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mostrador-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mostrador")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		// go test puts its own GOROOT/bin first on PATH. The binary is
		// the module's main package: this command line with the window.
		cmd := exec.Command("go", "build", "-tags", "ci", "-o", binPath, "mostrador")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("running the binary: %v", err)
	return -1
}

func TestBinary(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		// A real locale: under LANG=C Fyne logs a locale warning on stderr
		// at start-up (fyne-io/fyne#5271), before any of our code runs.
		"LANGUAGE=", "LC_ALL=", "LC_MESSAGES=", "LANG=en_US.UTF-8")
	runBin := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return exitCode(t, err), stdout.String(), stderr.String()
	}

	// That the version is the release's, FyneApp.toml's, main's own test
	// checks; here, that the binary says one.
	code, stdout, stderr := runBin("--version")
	if code != 0 || !versionShape.MatchString(stdout) || stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	db := filepath.Join(home, "shop.db")
	code, stdout, stderr = runBin("--db", db, "import", "orders", formats+"bad_rows.csv", "--json")
	if code != exitRejected {
		t.Errorf("import with rejected rows: exit %d, want %d; stderr %s", code, exitRejected, stderr)
	}
	if stderr != "" {
		t.Errorf("--json import wrote on stderr: %q", stderr)
	}
	var res importJSON
	decodeStrict(t, stdout, &res)
	if res.Orders.Inserted != 2 || len(res.Rejected) != 4 {
		t.Errorf("result %+v", res)
	}

	// An error: nothing on stdout, one line on stderr, status 1.
	code, stdout, stderr = runBin("--db", db, "import", "orders", formats+"not_orders.csv", "--json")
	if code != exitFailure || stdout != "" || !strings.HasPrefix(stderr, "mostrador: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("not an export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
