//go:build windows

package inbox

import (
	"errors"
	"syscall"
)

const (
	errInvalidParameter = syscall.Errno(87) // ERROR_INVALID_PARAMETER: no process has the pid
	stillActive         = 259               // STILL_ACTIVE: the exit code of a process that runs
)

// processGone: no process has the pid, or it has exited (its handle may
// outlive it). Access denied is a process that runs.
func processGone(pid int) bool {
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, errInvalidParameter)
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code != stillActive
}
