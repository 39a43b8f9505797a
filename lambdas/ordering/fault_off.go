//go:build !faultinject

package main

// installFaults does nothing: faults exist only in builds with the
// faultinject tag (fault_faultinject.go), so the shipped binary carries no
// switch a stray environment variable could turn on.
func installFaults(*Placer) {}
