package esm

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge/pattern"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TypeEventSourceMapping is the resource type this package provisions.
const TypeEventSourceMapping = "AWS::Lambda::EventSourceMapping"

// Caller reaches the emulated JSON services in-process; *awsapi.Server
// satisfies it. Errors from the service are *awsapi.Error.
type Caller interface {
	Call(ctx context.Context, target string, body []byte) ([]byte, error)
}

// Config wires the service. Caller and Invoker are required.
type Config struct {
	Caller  Caller
	Invoker stack.Invoker
	// DB keeps stream checkpoints across restarts; nil keeps them in memory.
	DB *state.DB
	// Log receives one line per failed batch and per poller problem.
	Log *slog.Logger
	// PollInterval is the wait between reads of an idle stream (default
	// 100ms; AWS polls four times a second, a laptop can afford more).
	PollInterval time.Duration
	// RetryDelay is the wait before retrying a failed batch or a failed
	// call to a service (default 500ms).
	RetryDelay time.Duration
	// SQSWaitSeconds is the ReceiveMessage long-poll time (default 20, the
	// maximum, as Lambda uses).
	SQSWaitSeconds int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Metrics receives the stream mappings' IteratorAge (nil: none).
	Metrics telemetry.Metrics
}

// Service runs every mapping's pollers until Close.
type Service struct {
	cfg         Config
	checkpoints *checkpoints

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	mappings map[string]*mapping // by UUID
}

var _ stack.Provisioner = (*Service)(nil)

// New returns a Service; mappings start polling as they are created.
func New(cfg Config) (*Service, error) {
	if cfg.Caller == nil || cfg.Invoker == nil {
		return nil, fmt.Errorf("esm: Caller and Invoker are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 500 * time.Millisecond
	}
	if cfg.SQSWaitSeconds <= 0 || cfg.SQSWaitSeconds > 20 {
		cfg.SQSWaitSeconds = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cp, err := openCheckpoints(cfg.DB)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, checkpoints: cp, ctx: ctx, cancel: cancel, mappings: map[string]*mapping{}}, nil
}

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeEventSourceMapping} }

// Close stops every poller and waits for them (an in-flight invocation is
// awaited, its batch checkpointed or left for the next start) or for ctx.
func (s *Service) Close(ctx context.Context) error {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("esm: close: %w", ctx.Err())
	}
}

// mapping is one parsed AWS::Lambda::EventSourceMapping.
type mapping struct {
	uuid, logicalID string
	function        string // name or ARN, as the template gave it
	functionARN     string
	sourceARN       string
	kind            sourceKind
	enabled         bool
	batchSize       int
	window          time.Duration
	reportFailures  bool
	filters         []*pattern.Pattern

	// DynamoDB Streams only.
	startingPosition string
	bisect           bool
	maxRetries       int           // -1: until the record expires
	maxRecordAge     time.Duration // 0: no limit
	onFailure        string        // SQS queue ARN or ""

	// SQS only.
	concurrency int

	// disabled is set once the function's execution role was denied a
	// call the mapping needs: its pollers stop (see disable).
	disabled atomic.Bool
}

// as returns ctx acting as the function's execution role: Lambda polls
// the source and sends to the on-failure destination with it, so the role
// needs sqs:ReceiveMessage, DeleteMessage and GetQueueAttributes on a
// queue, and dynamodb:DescribeStream, GetShardIterator, GetRecords and
// ListStreams for a stream (the Lambda Developer Guide's "execution role
// permissions" for each source).
func (m *mapping) as(ctx context.Context) context.Context {
	return awsapi.WithPrincipal(ctx, awsapi.Principal{Function: m.functionARN})
}

// disable stops the mapping for good when err is an access denial, with
// one error line: AWS refuses such a mapping (or disables it), and
// retrying cannot succeed until the role changes. It reports whether err
// was one.
func (s *Service) disable(m *mapping, err error) bool {
	if !awsapi.IsAccessDenied(err) {
		return false
	}
	if m.disabled.CompareAndSwap(false, true) {
		s.cfg.Log.Error("esm: mapping stopped: the function's execution role lacks a permission the event source mapping needs",
			"mapping", m.logicalID, "function", m.function, "source", m.sourceARN, "err", err)
	}
	return true
}

type sourceKind int

const (
	sourceDynamoDBStream sourceKind = iota + 1
	sourceSQS
)

// Create implements stack.Provisioner: it validates the mapping and starts
// its pollers. The mapping's UUID derives from its logical id, so its
// checkpoints survive a restart.
func (s *Service) Create(ctx context.Context, r stack.Resource) (stack.Created, error) {
	m, err := parseMapping(r)
	if err != nil {
		return stack.Created{}, err
	}
	s.mu.Lock()
	if _, dup := s.mappings[m.uuid]; dup {
		s.mu.Unlock()
		return stack.Created{}, fmt.Errorf("esm: mapping %s: created twice", r.LogicalID)
	}
	s.mappings[m.uuid] = m
	s.mu.Unlock()
	if m.enabled {
		switch m.kind {
		case sourceDynamoDBStream:
			if err := s.startStream(m); err != nil {
				return stack.Created{}, err
			}
		case sourceSQS:
			s.startSQS(m)
		}
	}
	return stack.Created{Ref: m.uuid, Attrs: map[string]any{
		"Id":                    m.uuid,
		"EventSourceMappingArn": awsapi.ARN("lambda", "event-source-mapping:"+m.uuid),
	}}, nil
}

func parseMapping(r stack.Resource) (*mapping, error) {
	p := r.Properties
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("esm: mapping %s: %s: %s", r.LogicalID, field, fmt.Sprintf(format, args...))
	}
	m := &mapping{logicalID: r.LogicalID, uuid: uuidFrom(r.LogicalID), enabled: true}
	m.function, _ = p["FunctionName"].(string)
	if m.function == "" {
		return nil, bad("FunctionName", "required")
	}
	m.functionARN = m.function
	if !strings.HasPrefix(m.function, "arn:") {
		m.functionARN = awsapi.ARN("lambda", "function:"+m.function)
	}
	m.sourceARN, _ = p["EventSourceArn"].(string)
	switch {
	case m.sourceARN == "":
		return nil, bad("EventSourceArn", "required (self-managed sources are not supported locally)")
	case strings.HasPrefix(m.sourceARN, "arn:aws:dynamodb:") && strings.Contains(m.sourceARN, "/stream/"):
		m.kind = sourceDynamoDBStream
	case strings.HasPrefix(m.sourceARN, "arn:aws:sqs:"):
		m.kind = sourceSQS
	default:
		return nil, bad("EventSourceArn", "%q is not a DynamoDB stream or SQS queue ARN; only those sources are supported locally", m.sourceARN)
	}
	var err error
	if m.enabled, err = stack.BoolProp(p, "Enabled", true); err != nil {
		return nil, bad("Enabled", "%v", err)
	}
	defBatch, maxBatch := 100, 10000
	if m.kind == sourceSQS {
		defBatch = 10
	}
	if m.batchSize, err = stack.IntProp(p, "BatchSize", defBatch); err != nil || m.batchSize < 1 || m.batchSize > maxBatch {
		return nil, bad("BatchSize", "must be a whole number from 1 to %d", maxBatch)
	}
	window, err := stack.IntProp(p, "MaximumBatchingWindowInSeconds", 0)
	if err != nil || window < 0 || window > 300 {
		return nil, bad("MaximumBatchingWindowInSeconds", "must be a whole number from 0 to 300")
	}
	m.window = time.Duration(window) * time.Second
	if m.kind == sourceSQS && m.batchSize > 10 && window == 0 {
		return nil, bad("BatchSize", "above 10 for an SQS queue needs MaximumBatchingWindowInSeconds of at least 1")
	}
	if rt, ok := p["FunctionResponseTypes"].([]any); ok {
		for _, v := range rt {
			if v != "ReportBatchItemFailures" {
				return nil, bad("FunctionResponseTypes", "%v is not ReportBatchItemFailures", v)
			}
			m.reportFailures = true
		}
	}
	if m.filters, err = parseFilters(p["FilterCriteria"]); err != nil {
		return nil, bad("FilterCriteria", "%v", err)
	}
	if m.kind == sourceSQS {
		return m, parseSQSOptions(m, p, bad)
	}
	return m, parseStreamOptions(m, p, bad)
}

func parseStreamOptions(m *mapping, p map[string]any, bad func(string, string, ...any) error) error {
	m.startingPosition, _ = p["StartingPosition"].(string)
	if m.startingPosition != "TRIM_HORIZON" && m.startingPosition != "LATEST" {
		return bad("StartingPosition", "must be TRIM_HORIZON or LATEST for a DynamoDB stream, got %q", m.startingPosition)
	}
	var err error
	if m.bisect, err = stack.BoolProp(p, "BisectBatchOnFunctionError", false); err != nil {
		return bad("BisectBatchOnFunctionError", "%v", err)
	}
	if m.maxRetries, err = stack.IntProp(p, "MaximumRetryAttempts", -1); err != nil || m.maxRetries < -1 || m.maxRetries > 10000 {
		return bad("MaximumRetryAttempts", "must be -1 (unlimited) or from 0 to 10000")
	}
	age, err := stack.IntProp(p, "MaximumRecordAgeInSeconds", -1)
	if err != nil || (age != -1 && (age < 60 || age > 604800)) {
		return bad("MaximumRecordAgeInSeconds", "must be -1 (unlimited) or from 60 to 604800")
	}
	if age > 0 {
		m.maxRecordAge = time.Duration(age) * time.Second
	}
	if dc, ok := p["DestinationConfig"].(map[string]any); ok {
		of, _ := dc["OnFailure"].(map[string]any)
		m.onFailure, _ = of["Destination"].(string)
		if m.onFailure != "" && !strings.HasPrefix(m.onFailure, "arn:aws:sqs:") {
			return bad("DestinationConfig.OnFailure.Destination", "%q: only SQS queue destinations are supported locally", m.onFailure)
		}
	}
	return nil
}

func parseSQSOptions(m *mapping, p map[string]any, bad func(string, string, ...any) error) error {
	for _, k := range []string{"StartingPosition", "BisectBatchOnFunctionError", "MaximumRetryAttempts", "DestinationConfig", "MaximumRecordAgeInSeconds", "ParallelizationFactor"} {
		if _, ok := p[k]; ok {
			return bad(k, "does not apply to an SQS queue")
		}
	}
	m.concurrency = 2
	if sc, ok := p["ScalingConfig"].(map[string]any); ok {
		n, err := stack.IntProp(sc, "MaximumConcurrency", 2)
		if err != nil || n < 2 || n > 1000 {
			return bad("ScalingConfig.MaximumConcurrency", "must be from 2 to 1000")
		}
		// Lambda scales pollers up to this; two pollers are plenty locally.
		m.concurrency = min(n, 2)
	}
	return nil
}

// parseFilters compiles FilterCriteria {"Filters":[{"Pattern":"<json>"}]}.
func parseFilters(v any) ([]*pattern.Pattern, error) {
	fc, ok := v.(map[string]any)
	if !ok {
		return nil, nil
	}
	list, _ := fc["Filters"].([]any)
	var out []*pattern.Pattern
	for i, f := range list {
		fm, _ := f.(map[string]any)
		src, _ := fm["Pattern"].(string)
		p, err := pattern.Compile([]byte(src))
		if err != nil {
			return nil, fmt.Errorf("Filters[%d].Pattern: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// matches reports whether a record passes the mapping's filters (any one
// of them; no filters pass everything).
func (m *mapping) matches(record []byte) bool {
	if len(m.filters) == 0 {
		return true
	}
	v, err := pattern.Decode(record)
	if err != nil {
		return false
	}
	for _, f := range m.filters {
		if f.MatchValue(v) {
			return true
		}
	}
	return false
}

// uuidFrom makes a stable UUID-shaped id from the logical id.
func uuidFrom(logicalID string) string {
	h := sha256.Sum256([]byte("esm/" + logicalID))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// call sends one JSON request to a service and decodes the reply into out.
func (s *Service) call(ctx context.Context, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	raw, err := s.cfg.Caller.Call(ctx, target, body)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decode reply: %w", target, err)
	}
	return nil
}

// sleep waits d or until the service closes; it reports whether to go on.
func (s *Service) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// queueURL resolves a queue ARN to its URL through GetQueueUrl.
func (s *Service) queueURL(ctx context.Context, arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[5] == "" {
		return "", fmt.Errorf("esm: %q is not an SQS queue ARN", arn)
	}
	var out struct{ QueueUrl string }
	if err := s.call(ctx, "AmazonSQS.GetQueueUrl", map[string]string{"QueueName": parts[5], "QueueOwnerAWSAccountId": parts[4]}, &out); err != nil {
		return "", err
	}
	return out.QueueUrl, nil
}

// detached keeps ctx's values but not its cancellation.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
