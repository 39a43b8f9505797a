package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TargetPrefix is the X-Amz-Target prefix of the Step Functions API.
const TargetPrefix = "AWSStepFunctions"

// Options configures a Service. The zero value is usable.
type Options struct {
	// Invoker runs Lambda tasks. Without one, Lambda tasks fail with
	// Lambda.ServiceException.
	Invoker stack.Invoker
	// Clock drives Wait states, Retry intervals and task and execution
	// timeouts; default the real clock.
	Clock asl.Clock
	// TimeScale multiplies every Wait and Retry interval and every task
	// and execution timeout (0.001 for tests); 0 means 1.
	TimeScale float64
	Log       *slog.Logger
	// Logs receives the history events of machines whose
	// LoggingConfiguration names a log group (nil: nothing is logged).
	Logs telemetry.Logs
	// Events receives the executions' status change events for the
	// default event bus; nil emits none.
	Events EventSink
	// Metrics receives the AWS/States execution metrics (nil: none).
	Metrics telemetry.Metrics
	// Retention is how long a closed execution and its history are kept
	// after it stopped, on Clock (0: DefaultRetention, 90 days as on AWS;
	// negative: for good). See closed.go.
	Retention time.Duration
}

// Service is the local Step Functions.
type Service struct {
	db      *state.DB
	invoker stack.Invoker
	clock   asl.Clock
	scale   float64
	log     *slog.Logger
	logs    telemetry.Logs
	events  EventSink
	// logTargets maps machine ARNs to their *logTarget (see setLogging).
	logTargets sync.Map
	metrics    telemetry.Metrics
	retention  time.Duration

	// srv is the endpoint Register attached the service to; SDK task
	// integrations call the other emulated services through it.
	srv *awsapi.Server

	mu         sync.RWMutex
	machines   map[string]*machine   // by ARN
	executions map[string]*execution // by ARN

	base    context.Context // parent of every running execution
	stopAll context.CancelCauseFunc
	running sync.WaitGroup
}

// errShutdown cancels running executions on Close: they stay RUNNING in
// the store and resume on the next start.
var errShutdown = errors.New("stepfunctions: local runtime shutting down")

// New loads the machines and executions kept in db. RUNNING executions
// from a previous run are loaded but not restarted until ResumeExecutions.
func New(db *state.DB, opts Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("stepfunctions: a state store is required")
	}
	s := &Service{
		db: db, invoker: opts.Invoker, clock: opts.Clock, scale: opts.TimeScale, log: opts.Log, logs: telemetry.OrLogs(opts.Logs), events: opts.Events,
		metrics: telemetry.OrMetrics(opts.Metrics), retention: opts.Retention,
		machines: map[string]*machine{}, executions: map[string]*execution{},
	}
	if s.retention == 0 {
		s.retention = DefaultRetention
	}
	if s.clock == nil {
		s.clock = asl.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.base, s.stopAll = context.WithCancelCause(context.Background())
	if err := s.initBuckets(); err != nil {
		return nil, fmt.Errorf("stepfunctions: init store: %w", err)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.running.Add(1)
	go s.sweepLoop()
	return s, nil
}

// Register serves the Step Functions API on srv; SDK task integrations
// reach the other services registered there.
func (s *Service) Register(srv *awsapi.Server) {
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	srv.Register(TargetPrefix, "1.0", "", s.handle)
}

// Close stops running executions without recording an outcome, so they
// resume on the next start, and waits for them to stop.
func (s *Service) Close() {
	s.stopAll(errShutdown)
	s.running.Wait()
}

func (s *Service) handle(ctx context.Context, op string, body []byte) (any, error) {
	h, ok := operations[op]
	if !ok {
		return nil, &awsapi.Error{Type: "UnknownOperationException", Message: "unknown operation " + op, Status: 400}
	}
	if err := s.authorize(ctx, op, body); err != nil {
		return nil, err
	}
	return h(s, ctx, body)
}

var operations map[string]func(*Service, context.Context, []byte) (any, error)

func init() {
	operations = map[string]func(*Service, context.Context, []byte) (any, error){
		"CreateStateMachine":   (*Service).createStateMachine,
		"DescribeStateMachine": (*Service).describeStateMachine,
		"ListStateMachines":    (*Service).listStateMachines,
		"DeleteStateMachine":   (*Service).deleteStateMachine,
		"UpdateStateMachine":   (*Service).updateStateMachine,
		"StartExecution":       (*Service).startExecution,
		"DescribeExecution":    (*Service).describeExecution,
		"ListExecutions":       (*Service).listExecutions,
		"GetExecutionHistory":  (*Service).getExecutionHistory,
		"StopExecution":        (*Service).stopExecution,

		"DescribeStateMachineForExecution": (*Service).describeStateMachineForExecution,
	}
}

// decode unmarshals a request body; a malformed one is a
// SerializationException naming the problem.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awsapi.Errorf("SerializationException", "malformed request body: %v", err)
	}
	return nil
}

func validation(format string, args ...any) error {
	return awsapi.Errorf("ValidationException", format, args...)
}

// epoch renders a time as the API does (fractional epoch seconds).
func epoch(t time.Time) float64 { return awsapi.EpochSeconds(t) }

// now is the service's clock reading, truncated to milliseconds as AWS
// reports times.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }
