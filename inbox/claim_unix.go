//go:build unix

package inbox

import (
	"errors"
	"syscall"
)

// processGone: no process has the pid (signal 0 checks without sending;
// EPERM is a process of another user's, which runs).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
