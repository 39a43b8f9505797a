package asl

import (
	"context"
	"time"
)

// Clock is the interpreter's time source. Wait states and Retry intervals
// go through Sleep, so a fake clock makes them instant and observable.
type Clock interface {
	Now() time.Time
	// Sleep blocks for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
