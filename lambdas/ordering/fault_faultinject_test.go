//go:build faultinject

package main

import (
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// childEnv makes the test binary play the function process: it installs
// the faults from the environment and runs the seam for a message with
// the receive count the variable holds.
const childEnv = "ORDERING_FAULT_TEST_RECEIVE_COUNT"

// Exit statuses of the child besides faultExit: no fault was installed,
// or the seam returned. Neither is 0, so a child that never reached its
// branch cannot pass for one.
const (
	notInstalled = 10
	carriedOn    = 11
)

// TestInjectedCrash checks the crash tests/e2e relies on: with the switch
// set, the process exits with faultExit on a message's first delivery and
// carries on for a redelivery; without it nothing is installed.
func TestInjectedCrash(t *testing.T) {
	if count := os.Getenv(childEnv); count != "" {
		p := &Placer{}
		installFaults(p)
		if p.AfterAppend == nil {
			os.Exit(notInstalled)
		}
		p.AfterAppend(events.SQSMessage{MessageId: "m1", Attributes: map[string]string{"ApproximateReceiveCount": count}})
		os.Exit(carriedOn)
	}
	tests := []struct {
		name, fault, receiveCount string
		wantExit                  int
	}{
		{"first delivery crashes", FaultCrashAfterAppend, "1", faultExit},
		{"redelivery carries on", FaultCrashAfterAppend, "2", carriedOn},
		{"no switch, no fault", "", "1", notInstalled},
		{"unknown fault, no fault", "something-else", "1", notInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestInjectedCrash$")
			cmd.Env = append(os.Environ(), childEnv+"="+tt.receiveCount, FaultEnv+"="+tt.fault)
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("child: %v, want exit status %d", err, tt.wantExit)
			}
			if code := exit.ExitCode(); code != tt.wantExit {
				t.Fatalf("exit status %d, want %d", code, tt.wantExit)
			}
		})
	}
}
