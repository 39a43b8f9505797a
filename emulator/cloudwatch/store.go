package cloudwatch

import (
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// maxSamples bounds the values a bucket keeps for percentiles: beyond it
// the bucket keeps a uniform reservoir sample, so p99 over a busy minute
// is an estimate (count, sum, minimum and maximum stay exact).
const maxSamples = 200

// bucket aggregates the data points of one series in one resolution step.
type bucket struct {
	start      int64 // step index: unix nanos / width
	count, sum float64
	min, max   float64
	samples    []float64
	seen       int // values offered to the reservoir
}

func (b *bucket) add(v float64, rng *rand.Rand) {
	if b.count == 0 || v < b.min {
		b.min = v
	}
	if b.count == 0 || v > b.max {
		b.max = v
	}
	b.count++
	b.sum += v
	b.seen++
	if len(b.samples) < maxSamples {
		b.samples = append(b.samples, v)
		return
	}
	if i := rng.IntN(b.seen); i < maxSamples {
		b.samples[i] = v
	}
}

// series is one metric (namespace, name, dimensions) and its buckets in
// time order. Only steps that received data have a bucket.
type series struct {
	metric  Metric
	unit    string
	buckets []*bucket
}

// Metric names one time series.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  string
	Value string
}

// key identifies a metric: namespace, name and its dimensions sorted by name.
func (m Metric) key() string {
	var b strings.Builder
	b.WriteString(m.Namespace)
	b.WriteByte(0)
	b.WriteString(m.MetricName)
	for _, d := range m.Dimensions {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value)
	}
	return b.String()
}

// normalized returns m with its dimensions sorted by name.
func (m Metric) normalized() Metric {
	dims := append([]Dimension(nil), m.Dimensions...)
	sort.Slice(dims, func(i, j int) bool { return dims[i].Name < dims[j].Name })
	m.Dimensions = dims
	return m
}

func metricOf(d telemetry.Datum) Metric {
	m := Metric{Namespace: d.Namespace, MetricName: d.Name}
	for k, v := range d.Dimensions {
		m.Dimensions = append(m.Dimensions, Dimension{Name: k, Value: v})
	}
	return m.normalized()
}

// store is the in-memory metric store: series by key, each with buckets
// of width real time, dropped once older than retention.
type store struct {
	width     time.Duration // real duration of one resolution step
	retention time.Duration // real duration kept
	now       func() time.Time

	mu     sync.Mutex
	series map[string]*series
	rng    *rand.Rand
}

func newStore(width, retention time.Duration, now func() time.Time) *store {
	return &store{width: width, retention: retention, now: now, series: map[string]*series{}, rng: rand.New(rand.NewPCG(1, 2))}
}

func (s *store) step(t time.Time) int64 { return t.UnixNano() / int64(s.width) }

// add records one value of metric m at time t. Points older than the
// retention, or more than two hours ahead (as PutMetricData refuses them),
// are dropped.
func (s *store) add(m Metric, unit string, t time.Time, v float64) {
	now := s.now()
	if t.Before(now.Add(-s.retention)) || t.After(now.Add(2*time.Hour)) {
		return
	}
	st := s.step(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := m.key()
	sr := s.series[k]
	if sr == nil {
		sr = &series{metric: m}
		s.series[k] = sr
	}
	if unit != "" {
		sr.unit = unit
	}
	// Points almost always arrive in time order: search from the end.
	i := len(sr.buckets)
	for i > 0 && sr.buckets[i-1].start > st {
		i--
	}
	if i > 0 && sr.buckets[i-1].start == st {
		sr.buckets[i-1].add(v, s.rng)
		return
	}
	b := &bucket{start: st}
	b.add(v, s.rng)
	sr.buckets = append(sr.buckets, nil)
	copy(sr.buckets[i+1:], sr.buckets[i:])
	sr.buckets[i] = b
	s.trim(sr, now)
}

// trim drops sr's buckets older than the retention; the caller holds s.mu.
func (s *store) trim(sr *series, now time.Time) {
	oldest := s.step(now.Add(-s.retention))
	n := 0
	for n < len(sr.buckets) && sr.buckets[n].start < oldest {
		n++
	}
	if n > 0 {
		sr.buckets = append(sr.buckets[:0], sr.buckets[n:]...)
	}
}

// expire drops old buckets of every series, and series left empty.
func (s *store) expire() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sr := range s.series {
		s.trim(sr, now)
		if len(sr.buckets) == 0 {
			delete(s.series, k)
		}
	}
}

// aggregate is the statistics source of one period: the union of the
// buckets inside it.
type aggregate struct {
	count, sum, min, max float64
	samples              []float64
}

// query aggregates metric m over periods of k resolution steps each,
// starting at step from, up to step to (exclusive). It returns the periods
// with data by their first step, and the series' unit.
func (s *store) query(m Metric, from, to, k int64) (map[int64]*aggregate, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.series[m.normalized().key()]
	out := map[int64]*aggregate{}
	if sr == nil {
		return out, ""
	}
	for _, b := range sr.buckets {
		if b.start < from || b.start >= to {
			continue
		}
		p := from + floorDiv(b.start-from, k)*k
		a := out[p]
		if a == nil {
			a = &aggregate{min: b.min, max: b.max}
			out[p] = a
		}
		a.count += b.count
		a.sum += b.sum
		a.min = min(a.min, b.min)
		a.max = max(a.max, b.max)
		a.samples = append(a.samples, b.samples...)
	}
	return out, sr.unit
}

// floorDiv divides rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// timeOf is the real time a resolution step starts at.
func (s *store) timeOf(step int64) time.Time { return time.Unix(0, step*int64(s.width)).UTC() }

// list returns the metrics that have data, in key order.
func (s *store) list() []Metric {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.series))
	for k := range s.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Metric, len(keys))
	for i, k := range keys {
		out[i] = s.series[k].metric
	}
	return out
}

// addSet records pre-aggregated values (PutMetricData's StatisticValues,
// or a value with a count): they count toward every statistic but
// percentiles, which see only the individual values recorded by add.
func (s *store) addSet(m Metric, unit string, t time.Time, count, sum, lo, hi float64) {
	if count == 1 {
		s.add(m, unit, t, sum)
		return
	}
	now := s.now()
	if t.Before(now.Add(-s.retention)) || t.After(now.Add(2*time.Hour)) {
		return
	}
	s.add(m, unit, t, lo) // creates the bucket and accounts for lo
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.series[m.key()]
	st := s.step(t)
	for _, b := range sr.buckets {
		if b.start == st {
			b.count += count - 1
			b.sum += sum - lo
			b.max = max(b.max, hi)
		}
	}
}
