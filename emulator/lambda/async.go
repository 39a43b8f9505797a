package lambda

import (
	"context"
	"time"
)

// maxAsyncPayload is Lambda's limit for asynchronous (Event) invocations.
const maxAsyncPayload = 1 << 20

// asyncRetries is how often AWS retries a failed asynchronous invocation.
const asyncRetries = 2

// InvokeAsync queues an asynchronous (InvocationType Event) invocation and
// returns at once, as EventBridge and the Invoke API's 202 expect. A
// function error is retried twice, after Config.AsyncRetryDelay and twice
// that, then dropped with a log line (no on-failure destinations locally).
// The error is for an unknown function, a bad payload or a closed service.
func (s *Service) InvokeAsync(ctx context.Context, function string, payload []byte) error {
	fn, err := s.lookup(function)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, fn); err != nil {
		return err
	}
	if err := checkPayload(payload, maxAsyncPayload); err != nil {
		return err
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	s.async.Add(1)
	go func() {
		defer s.async.Done()
		// Detached from ctx: the caller's request has ended by the time
		// the function runs.
		bg := context.Background()
		delay := s.cfg.AsyncRetryDelay
		for attempt := 0; ; attempt++ {
			res, err := s.invoke(bg, fn, payload, false)
			if err == nil && res.functionError == "" {
				return
			}
			if attempt == asyncRetries || err != nil {
				s.cfg.Log.Error("lambda async invoke dropped", "function", fn.name, "attempts", attempt+1, "err", err, "payload", string(res.payload))
				return
			}
			select {
			case <-time.After(delay):
			case <-s.stop:
				return
			}
			delay *= 2
		}
	}()
	return nil
}
