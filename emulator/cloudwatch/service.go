package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TargetPrefix is the X-Amz-Target prefix of CloudWatch's JSON 1.0 protocol.
const TargetPrefix = "GraniteServiceVersion20100801"

// Buckets in the shared state store.
var (
	bucketAlarms     = []byte("cloudwatch/alarms")     // name → alarm JSON
	bucketDashboards = []byte("cloudwatch/dashboards") // name → dashboard JSON
)

// Sampler reports gauges (queue depths, ages) that CloudWatch reads once a
// minute rather than receiving as events. The runtime wires services that
// have them (emulator/sqs).
type Sampler interface {
	Sample(now time.Time) []telemetry.Datum
}

// Notifier publishes a message to an SNS topic; emulator/sns implements it.
type Notifier interface {
	Publish(ctx context.Context, topicARN, subject, message string) (messageID string, err error)
}

// Options configures a Service. The zero value is usable.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TimeScale multiplies CloudWatch's minute: buckets, periods and the
	// evaluation tick (0 or 1: real time).
	TimeScale float64
	// Retention is how much metric data is kept, in CloudWatch time
	// (default 3 hours).
	Retention time.Duration
	// Samplers are read once a minute, before alarms are evaluated.
	Samplers []Sampler
	// Notifier receives alarm notifications for SNS topic actions (nil:
	// actions are logged, not delivered).
	Notifier Notifier
	// Log receives state changes and action failures.
	Log *slog.Logger
}

// Service is the local CloudWatch. Its methods are safe for concurrent use.
type Service struct {
	db       *state.DB
	now      func() time.Time
	minute   time.Duration // real duration of one CloudWatch minute
	samplers []Sampler
	notifier Notifier
	log      *slog.Logger
	store    *store

	mu         sync.Mutex
	alarms     map[string]*alarm
	dashboards map[string]*dashboard
	evaluated  int64 // the last minute (store step) evaluation ended at

	stop chan struct{}
	done chan struct{}
}

// dashboard is a stored dashboard body.
type dashboard struct {
	Name     string    `json:"name"`
	Body     string    `json:"body"`
	Modified time.Time `json:"modified"`
}

var _ telemetry.Metrics = (*Service)(nil)

// New loads alarms and dashboards from db. Call Start to begin evaluating.
func New(db *state.DB, opts Options) (*Service, error) {
	s := &Service{db: db, now: opts.Now, samplers: opts.Samplers, notifier: opts.Notifier, log: opts.Log,
		alarms: map[string]*alarm{}, dashboards: map[string]*dashboard{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	scale := opts.TimeScale
	if scale <= 0 {
		scale = 1
	}
	s.minute = time.Duration(float64(time.Minute) * scale)
	if s.minute < time.Millisecond {
		return nil, fmt.Errorf("cloudwatch: time scale %v makes a minute shorter than a millisecond", scale)
	}
	retention := opts.Retention
	if retention <= 0 {
		retention = 3 * time.Hour
	}
	s.store = newStore(s.minute, time.Duration(float64(retention)*scale), s.now)
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("cloudwatch: load: %w", err)
	}
	return s, nil
}

func (s *Service) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		ab, err := tx.CreateBucketIfNotExists(bucketAlarms)
		if err != nil {
			return err
		}
		db, err := tx.CreateBucketIfNotExists(bucketDashboards)
		if err != nil {
			return err
		}
		err = ab.ForEach(func(k, v []byte) error {
			a := &alarm{}
			if err := json.Unmarshal(v, a); err != nil {
				return fmt.Errorf("alarm %s: %w", k, err)
			}
			s.alarms[a.AlarmName] = a
			return nil
		})
		if err != nil {
			return err
		}
		return db.ForEach(func(k, v []byte) error {
			d := &dashboard{}
			if err := json.Unmarshal(v, d); err != nil {
				return fmt.Errorf("dashboard %s: %w", k, err)
			}
			s.dashboards[d.Name] = d
			return nil
		})
	})
}

// put writes v as JSON under key in bucket.
func (s *Service) put(bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), raw) })
}

func (s *Service) del(bucket []byte, key string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete([]byte(key)) })
}

// Connect sets the notifier and adds samplers after New, for a runtime
// whose services depend on each other (SQS records its counts here and is
// sampled for its depths; SNS delivers to SQS). Call it before Start.
func (s *Service) Connect(n Notifier, samplers ...Sampler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifier = n
	s.samplers = append(s.samplers, samplers...)
}

// Record implements telemetry.Metrics.
func (s *Service) Record(d telemetry.Datum) {
	if d.Namespace == "" || d.Name == "" {
		return
	}
	t := d.Time
	if t.IsZero() {
		t = s.now()
	}
	s.store.add(metricOf(d), d.Unit, t, d.Value)
}

// Start begins the once-a-minute cycle: sample the gauges, evaluate every
// alarm. Close stops it.
func (s *Service) Start() {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.minute)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.Tick()
			}
		}
	}()
}

// Close stops evaluating alarms.
func (s *Service) Close(context.Context) error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	return nil
}

// Tick runs one cycle now: sample the gauges, evaluate every alarm, drop
// expired data. Start calls it once a (scaled) minute; tests call it with
// an injected clock.
func (s *Service) Tick() {
	now := s.now()
	s.mu.Lock()
	samplers := s.samplers
	s.mu.Unlock()
	for _, sm := range samplers {
		for _, d := range sm.Sample(now) {
			if d.Time.IsZero() {
				d.Time = now
			}
			s.Record(d)
		}
	}
	s.evaluateSince(now)
	s.store.expire()
}

// maxCatchUp bounds how many missed minutes one cycle evaluates.
const maxCatchUp = 10

// evaluateSince evaluates the alarms once for every minute that ended
// since the last cycle: a cycle that runs late (a loaded machine, a tick
// the ticker dropped) must not skip a minute, or a single data point in it
// would never be evaluated.
func (s *Service) evaluateSince(now time.Time) {
	end := s.store.step(now)
	s.mu.Lock()
	from := s.evaluated + 1
	if s.evaluated == 0 || end-s.evaluated > maxCatchUp {
		from = end
	}
	if end > s.evaluated {
		s.evaluated = end
	}
	s.mu.Unlock()
	for e := from; e < end; e++ {
		s.evaluateAll(s.store.timeOf(e))
	}
	if from <= end {
		s.evaluateAll(now)
	}
}

// Register serves the CloudWatch JSON 1.0 protocol on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, []byte) (any, error){
		"PutMetricData": s.putMetricData, "GetMetricStatistics": s.getMetricStatistics,
		"GetMetricData": s.getMetricData, "ListMetrics": s.listMetrics,
		"PutMetricAlarm": s.putMetricAlarm, "DescribeAlarms": s.describeAlarms, "DescribeAlarmsForMetric": s.describeAlarmsForMetric,
		"DeleteAlarms": s.deleteAlarms, "SetAlarmState": s.setAlarmState,
		"DescribeAlarmHistory": s.describeAlarmHistory,
		"EnableAlarmActions":   s.enableAlarmActions, "DisableAlarmActions": s.disableAlarmActions,
		"PutDashboard": s.putDashboard, "GetDashboard": s.getDashboard,
		"ListDashboards": s.listDashboards, "DeleteDashboards": s.deleteDashboards,
	}
	srv.Register(TargetPrefix, "1.0", "", func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnknownOperationException", Message: op + " is not supported by the local CloudWatch.", Status: http.StatusBadRequest}
		}
		if err := awsapi.Authorize(ctx, "cloudwatch:"+op, "*", nil); err != nil {
			return nil, err
		}
		return f(ctx, body)
	})
}

// sortedAlarms returns the alarms in name order; the caller holds s.mu.
func (s *Service) sortedAlarms() []*alarm {
	out := make([]*alarm, 0, len(s.alarms))
	for _, a := range s.alarms {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AlarmName < out[j].AlarmName })
	return out
}

func accountID() string { return awsapi.AccountID }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
