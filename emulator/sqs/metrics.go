package sqs

import (
	"sort"
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// Metric hooks: SQS's CloudWatch metrics (namespace AWS/SQS, dimension
// QueueName). Counts are recorded as they happen; the gauges are read by
// Sample once a CloudWatch minute.

const namespace = "AWS/SQS"

// count records n of a counting metric (NumberOfMessagesSent, …Received,
// …Deleted) for q; the caller holds s.mu.
func (s *Service) count(q *queue, metric string, n int) {
	if n == 0 {
		return
	}
	s.metrics.Record(telemetry.Datum{Namespace: namespace, Name: metric, Dimensions: map[string]string{"QueueName": q.Name},
		Value: float64(n), Unit: "Count", Time: s.now()})
}

// Sample reports each queue's depth gauges at now, as SQS reports them to
// CloudWatch every minute: ApproximateNumberOfMessagesVisible,
// …NotVisible, …Delayed and ApproximateAgeOfOldestMessage (seconds, 0 for
// an empty queue).
func (s *Service) Sample(now time.Time) []telemetry.Datum {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.queues))
	for n := range s.queues {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []telemetry.Datum
	for _, n := range names {
		q := s.queues[n]
		visible, inFlight, delayed := q.counts(now)
		age := 0.0
		for _, m := range q.msgs {
			if now.Sub(m.Sent) < q.Retention {
				age = max(age, now.Sub(m.Sent).Seconds())
			}
		}
		dims := map[string]string{"QueueName": n}
		for _, g := range []struct {
			name, unit string
			v          float64
		}{
			{"ApproximateNumberOfMessagesVisible", "Count", float64(visible)},
			{"ApproximateNumberOfMessagesNotVisible", "Count", float64(inFlight)},
			{"ApproximateNumberOfMessagesDelayed", "Count", float64(delayed)},
			{"ApproximateAgeOfOldestMessage", "Seconds", age},
		} {
			out = append(out, telemetry.Datum{Namespace: namespace, Name: g.name, Dimensions: dims, Value: g.v, Unit: g.unit, Time: now})
		}
	}
	return out
}
