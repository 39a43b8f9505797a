//go:build !faultinject

package main

import (
	"context"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/payment"
)

// withFaults returns h: test-only faults exist only in faultinject builds
// (see fault_faultinject.go).
func withFaults(h func(context.Context, checkout.State) (payment.Authorization, error)) func(context.Context, checkout.State) (payment.Authorization, error) {
	return h
}
