//go:build faultinject

// This file exists only in builds with the faultinject tag, which the
// end-to-end tests ask the local runtime for (shopstream-local
// --build-tags faultinject). The CDK bundler builds with -tags lambda.norpc
// only, so the deployed binary contains neither the switch nor the crash.

package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
)

// FaultEnv selects a fault to inject. With the value FaultCrashAfterAppend
// the process exits right after appending OrderPlaced for a message on its
// first delivery, before the row is written and the message acknowledged,
// to show that the redelivery completes the order without placing a second
// one.
const (
	FaultEnv              = "SHOPSTREAM_FAULT"
	FaultCrashAfterAppend = "ordering-crash-after-append"
)

// faultExit is the exit status of an injected crash; tests recognise it.
const faultExit = 3

// installFaults sets the fault FaultEnv names, if any, on p.
func installFaults(p *Placer) {
	if os.Getenv(FaultEnv) != FaultCrashAfterAppend {
		return
	}
	p.AfterAppend = func(msg events.SQSMessage) {
		if msg.Attributes["ApproximateReceiveCount"] == "1" {
			slog.Warn("fault injected: exiting after the append", "message", msg.MessageId)
			os.Exit(faultExit)
		}
	}
}
