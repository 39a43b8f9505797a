package main

import "testing"

func TestGCPercentBoundsTheHeapGoal(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{32 << 20, 700},  // goal 256 MB
		{64 << 20, 300},  // goal 256 MB
		{128 << 20, 100}, // goal 256 MB = 2 × live
		{700 << 20, 100}, // goal 2 × live
	} {
		if got := gcPercent(tt.live); got != tt.want {
			t.Errorf("gcPercent(%d MB) = %d, want %d", tt.live>>20, got, tt.want)
		}
	}
}
