package stepfunctions

import (
	"context"
	"time"
)

// An execution's TimeoutSeconds counts the runtime's own running time, on
// the service's clock and multiplied by the time scale: a runtime stopped
// over lunch resumes its executions with the budget they had left, and
// --time-scale 0.01 times a 300-second machine out after 3 seconds.
//
// e.rec.Elapsed is the running time spent before e.runStart; both move
// forward whenever the record is persisted (checkpointElapsedLocked), so
// a crash loses at most the running time since the last persisted state
// transition, which the execution then gets back as extra budget.

// scaled converts seconds of machine time to the clock's time.
func (s *Service) scaled(seconds float64) time.Duration {
	scale := s.scale
	if scale <= 0 {
		scale = 1
	}
	return time.Duration(seconds * scale * float64(time.Second))
}

// startDeadline starts counting e's running time and, when its machine
// has a TimeoutSeconds, returns ctx cancelled with errMachineTimeout once
// the remaining budget has run. stop releases the timer. e.mu must be held.
func (s *Service) startDeadline(ctx context.Context, e *execution, m *machine) (_ context.Context, stop func()) {
	e.runStart = s.clock.Now()
	t := m.parsed.TimeoutSeconds
	if t <= 0 {
		return ctx, func() {}
	}
	remaining := s.scaled(float64(t)) - e.rec.Elapsed
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		// Sleep returns nil only when the whole remaining budget passed;
		// a shutdown or the execution's end stops it first.
		if s.clock.Sleep(ctx, remaining) == nil {
			cancel(errMachineTimeout)
		}
	}()
	return ctx, func() { cancel(nil) }
}

// checkpointElapsedLocked moves the running time since runStart into
// rec.Elapsed, so the record about to be persisted carries it. e.mu must
// be held.
func (s *Service) checkpointElapsedLocked(e *execution) {
	if e.runStart.IsZero() {
		return
	}
	now := s.clock.Now()
	e.rec.Elapsed += now.Sub(e.runStart)
	e.runStart = now
}

// pauseLocked stops counting e's running time (the runtime is shutting
// down) and persists what it ran, so the next start resumes it with the
// rest of its budget. e.mu must be held.
func (s *Service) pauseLocked(e *execution) {
	s.checkpointElapsedLocked(e)
	e.runStart = time.Time{}
	if err := s.putJSON(bucketExecutions, e.rec.ARN, e.rec); err != nil {
		s.log.Error("stepfunctions: persist running time at shutdown", "execution", e.rec.ARN, "err", err)
	}
}
