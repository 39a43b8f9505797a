package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The metric a rejected forgery counts in, in CloudWatch.
const (
	MetricNamespace    = "Shopstream"
	ForgedEventsMetric = "ForgedEvents"
)

// SecurityLog records security events where operators look, with no API
// call on the message's path: a JSON log line (level WARN, "security":
// "forged_event") and a CloudWatch Embedded Metric Format line, which
// CloudWatch Logs turns into the metric MetricNamespace/ForgedEventsMetric
// (dimension Stage) on its own.
type SecurityLog struct {
	// W receives the lines: the function's stdout, which Lambda sends
	// to CloudWatch Logs.
	W io.Writer
	// Stage is the metric's Stage dimension.
	Stage string
	// Now stamps the metric.
	Now func() time.Time

	mu sync.Mutex
}

// Forged records that message msgID carried a forged event and was
// acknowledged without an order.
func (s *SecurityLog) Forged(msgID string, f *ForgedError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slog.New(slog.NewJSONHandler(s.W, nil)).Warn("forged event rejected",
		"security", "forged_event",
		"source", f.Source,
		"checkout", f.CheckoutID,
		"user", f.UserName,
		"eventId", f.EventID,
		"mismatch", f.Mismatch,
		"message", msgID,
		"outcome", "acknowledged, no order")
	line, err := json.Marshal(emf{
		AWS: emfMeta{
			Timestamp: s.Now().UnixMilli(),
			CloudWatchMetrics: []emfDirective{{
				Namespace:  MetricNamespace,
				Dimensions: [][]string{{"Stage"}},
				Metrics:    []emfMetric{{Name: ForgedEventsMetric, Unit: "Count"}},
			}},
		},
		Stage:        s.Stage,
		ForgedEvents: 1,
		Checkout:     f.CheckoutID,
		Source:       f.Source,
	})
	if err != nil {
		panic(err) // plain strings and numbers always encode
	}
	_, _ = s.W.Write(append(line, '\n'))
}

// emf is one Embedded Metric Format record
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// Checkout and Source are properties: searchable in the log, not
// dimensions (which would make a metric per checkout).
type emf struct {
	AWS          emfMeta `json:"_aws"`
	Stage        string  `json:"Stage"`
	ForgedEvents int     `json:"ForgedEvents"`
	Checkout     string  `json:"checkout"`
	Source       string  `json:"source"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}
