//go:build unix

package motoserver

import (
	"os/exec"
	"syscall"
)

// moto_server is usually a pyenv or venv shim that starts Python as a child;
// running it in its own process group lets Cleanup stop both.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
