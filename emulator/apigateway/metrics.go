package apigateway

import (
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// metered is what one request contributes to API Gateway's CloudWatch
// metrics: the API and stage it reached (empty when no stage matched,
// which AWS does not count under any API either) and the time its
// integration took (0 without one).
type metered struct {
	api, stage  string
	integration time.Duration
}

// record records AWS/ApiGateway's per-stage metrics (dimensions ApiName and
// Stage): Count, 4XXError and 5XXError (1 or 0 per request), Latency and,
// for a Lambda integration, IntegrationLatency (milliseconds).
func (s *Service) record(mt *metered, status int, start time.Time) {
	if mt.api == "" || s.opts.Metrics == nil {
		return
	}
	now := s.opts.Now()
	dims := map[string]string{"ApiName": mt.api, "Stage": mt.stage}
	put := func(name, unit string, v float64) {
		s.opts.Metrics.Record(telemetry.Datum{Namespace: "AWS/ApiGateway", Name: name, Dimensions: dims, Value: v, Unit: unit, Time: now})
	}
	is := func(lo int) float64 {
		if status >= lo && status < lo+100 {
			return 1
		}
		return 0
	}
	put("Count", "Count", 1)
	put("4XXError", "Count", is(400))
	put("5XXError", "Count", is(500))
	put("Latency", "Milliseconds", float64(time.Since(start).Microseconds())/1000)
	if mt.integration > 0 {
		put("IntegrationLatency", "Milliseconds", float64(mt.integration.Microseconds())/1000)
	}
}
