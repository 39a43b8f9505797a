//go:build !faultinject

package main

import "github.com/shopstream/shopstream/emulator/runtime"

// installFaults does nothing: test-only faults exist only in faultinject
// builds (see fault_faultinject.go).
func installFaults(*runtime.Config) error { return nil }
