package lambda

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

// AWS's defaults and limits for asynchronous invocation
// (AWS::Lambda::EventInvokeConfig, PutFunctionEventInvokeConfig).
const (
	defaultAsyncRetries = 2
	maxAsyncRetries     = 2
	defaultMaxEventAge  = 21600 // seconds (6 hours)
	minMaxEventAge      = 60
)

// eventInvokeConfig is a function's asynchronous invocation settings
// ($LATEST only: there are no versions or aliases locally). A nil limit
// takes AWS's default; an empty destination is none.
type eventInvokeConfig struct {
	Function                 string    `json:"function"`
	MaximumRetryAttempts     *int      `json:"maximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int      `json:"maximumEventAgeInSeconds,omitempty"`
	OnSuccess                string    `json:"onSuccess,omitempty"` // SQS queue ARN
	OnFailure                string    `json:"onFailure,omitempty"`
	LastModified             time.Time `json:"lastModified"`
}

func (c *eventInvokeConfig) retries() int {
	if c.MaximumRetryAttempts == nil {
		return defaultAsyncRetries
	}
	return *c.MaximumRetryAttempts
}

func (c *eventInvokeConfig) maxAge() time.Duration {
	age := defaultMaxEventAge
	if c.MaximumEventAgeInSeconds != nil {
		age = *c.MaximumEventAgeInSeconds
	}
	return time.Duration(age) * time.Second
}

// config is the function's event invoke config, or AWS's defaults.
func (q *asyncQueue) config(function string) *eventInvokeConfig {
	q.mu.Lock()
	defer q.mu.Unlock()
	if c := q.configs[function]; c != nil {
		return c
	}
	return &eventInvokeConfig{Function: function}
}

// createEventInvokeConfig provisions AWS::Lambda::EventInvokeConfig: it
// validates every property (naming the one at fault) and keeps the
// config, replacing the function's previous one as a redeploy does.
func (s *Service) createEventInvokeConfig(r stack.Resource) (stack.Created, error) {
	p := r.Properties
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("lambda: event invoke config %s: %s: %s", r.LogicalID, field, fmt.Sprintf(format, args...))
	}
	name, _ := p["FunctionName"].(string)
	if name == "" {
		return stack.Created{}, bad("FunctionName", "is required")
	}
	fn, err := s.lookup(name)
	if err != nil {
		return stack.Created{}, bad("FunctionName", "%q is not a function of this stack", name)
	}
	if q, _ := p["Qualifier"].(string); q != "" && q != "$LATEST" {
		return stack.Created{}, bad("Qualifier", "%q: only $LATEST is supported locally (no versions or aliases)", q)
	}
	c := &eventInvokeConfig{Function: fn.name, LastModified: s.cfg.Now()}
	if _, ok := p["MaximumRetryAttempts"]; ok {
		n, err := stack.IntProp(p, "MaximumRetryAttempts", defaultAsyncRetries)
		if err != nil || n < 0 || n > maxAsyncRetries {
			return stack.Created{}, bad("MaximumRetryAttempts", "%v must be a whole number from 0 to %d", p["MaximumRetryAttempts"], maxAsyncRetries)
		}
		c.MaximumRetryAttempts = &n
	}
	if _, ok := p["MaximumEventAgeInSeconds"]; ok {
		n, err := stack.IntProp(p, "MaximumEventAgeInSeconds", defaultMaxEventAge)
		if err != nil || n < minMaxEventAge || n > defaultMaxEventAge {
			return stack.Created{}, bad("MaximumEventAgeInSeconds", "%v must be a whole number of seconds from %d to %d", p["MaximumEventAgeInSeconds"], minMaxEventAge, defaultMaxEventAge)
		}
		c.MaximumEventAgeInSeconds = &n
	}
	dc, _ := p["DestinationConfig"].(map[string]any)
	if p["DestinationConfig"] != nil && dc == nil {
		return stack.Created{}, bad("DestinationConfig", "must be an object with OnSuccess and/or OnFailure")
	}
	for _, d := range []struct {
		key string
		dst *string
	}{{"OnSuccess", &c.OnSuccess}, {"OnFailure", &c.OnFailure}} {
		if dc[d.key] == nil {
			continue
		}
		field := "DestinationConfig." + d.key + ".Destination"
		m, _ := dc[d.key].(map[string]any)
		arn, _ := m["Destination"].(string)
		if arn == "" {
			return stack.Created{}, bad(field, "is required (an ARN)")
		}
		if !strings.HasPrefix(arn, "arn:aws:sqs:") {
			return stack.Created{}, bad(field, "%q: only SQS queue destinations are supported locally (not SNS topics, Lambda functions, EventBridge buses or S3 buckets)", arn)
		}
		*d.dst = arn
	}
	q := s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	q.configs[c.Function] = c
	return stack.Created{Ref: r.LogicalID}, nil
}

// serveGetEventInvokeConfig answers GetFunctionEventInvokeConfig
// (GET /2019-09-25/functions/{name}/event-invoke-config) with AWS's shape.
func (s *Service) serveGetEventInvokeConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		name += ":" + q
	}
	fn, err := s.lookup(name)
	if err == nil {
		err = s.authorizeAction(r.Context(), "lambda:GetFunctionEventInvokeConfig", fn)
	}
	if err != nil {
		writeAPIError(w, err)
		return
	}
	s.queue.mu.Lock()
	c := s.queue.configs[fn.name]
	s.queue.mu.Unlock()
	if c == nil {
		writeAPIError(w, &awsapi.Error{Type: "ResourceNotFoundException", Status: http.StatusNotFound,
			Message: "The function " + fn.arn + " doesn't have an EventInvokeConfig"})
		return
	}
	dest := func(arn string) map[string]string {
		if arn == "" {
			return map[string]string{}
		}
		return map[string]string{"Destination": arn}
	}
	out := map[string]any{
		"FunctionArn":       fn.arn + ":$LATEST",
		"LastModified":      float64(c.LastModified.UnixMilli()) / 1000,
		"DestinationConfig": map[string]any{"OnSuccess": dest(c.OnSuccess), "OnFailure": dest(c.OnFailure)},
	}
	if c.MaximumRetryAttempts != nil {
		out["MaximumRetryAttempts"] = *c.MaximumRetryAttempts
	}
	if c.MaximumEventAgeInSeconds != nil {
		out["MaximumEventAgeInSeconds"] = *c.MaximumEventAgeInSeconds
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
