//go:build faultinject

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/shopstream/shopstream/emulator/runtime"
)

// ClockOffsetEnv sets Cognito's token clock ahead of the real one by a
// duration ("2h"), so tokens issued before a restart are expired after it.
// Only tests/e2e builds the runtime with the faultinject tag.
const ClockOffsetEnv = "SHOPSTREAM_FAULT_TOKEN_CLOCK_OFFSET"

// installFaults applies the test-only faults the environment asks for.
func installFaults(cfg *runtime.Config) error {
	v := os.Getenv(ClockOffsetEnv)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%s: %w", ClockOffsetEnv, err)
	}
	cfg.TokenClock = func() time.Time { return time.Now().Add(d) }
	fmt.Fprintf(os.Stderr, "fault injected: token clock %s ahead\n", d)
	return nil
}
