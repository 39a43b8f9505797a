package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// epoch is a JSON-protocol timestamp: fractional seconds since the epoch.
type epoch struct{ time.Time }

func (e *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		sec, frac := math.Modf(f)
		e.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	e.Time = t
	return err
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return apiErr("SerializationException", "SerializationException", 400, "Request body is not valid: %v", err)
	}
	return nil
}

func ts(t time.Time) float64 { return awsapi.EpochSeconds(t) }

// page cuts items (sorted by key) at the NextToken, the base64 of the
// first key of the page, and returns the page and the next token.
func page[T any](items []T, key func(T) string, token string, size int) ([]T, string, error) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", invalidNextToken()
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= string(raw) })
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	}
	return items[start:end], next, nil
}

// metricDatum is one entry of PutMetricData's MetricData.
type metricDatum struct {
	MetricName      string
	Dimensions      []Dimension
	Timestamp       *epoch
	Value           *float64
	Values          []float64
	Counts          []float64
	StatisticValues *struct{ SampleCount, Sum, Minimum, Maximum float64 }
	Unit            string
}

func (s *Service) putMetricData(_ context.Context, body []byte) (any, error) {
	var in struct {
		Namespace  string
		MetricData []metricDatum
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Namespace == "":
		return nil, missingParameter("Namespace")
	case strings.HasPrefix(in.Namespace, "AWS/"):
		return nil, invalidParameter("The value AWS/ for parameter Namespace is invalid.")
	case len(in.MetricData) == 0:
		return nil, missingParameter("MetricData")
	case len(in.MetricData) > 1000:
		return nil, invalidParameter("The collection MetricData must not have a size greater than 1000.")
	}
	// Validate every datum before recording any, so bad input changes nothing.
	for i, d := range in.MetricData {
		field := "MetricData.member." + itoa(i+1)
		if d.MetricName == "" {
			return nil, missingParameter(field + ".MetricName")
		}
		n := 0
		if d.Value != nil {
			n++
		}
		if d.Values != nil {
			n++
		}
		if d.StatisticValues != nil {
			n++
		}
		if n != 1 {
			return nil, apiErr("InvalidParameterCombinationException", "InvalidParameterCombination", 400, "%s: exactly one of Value, Values or StatisticValues must be given.", field)
		}
		if d.Counts != nil && len(d.Counts) != len(d.Values) {
			return nil, invalidParameter("%s: Values and Counts must have the same length.", field)
		}
		if sv := d.StatisticValues; sv != nil && (sv.SampleCount <= 0 || sv.Minimum > sv.Maximum) {
			return nil, invalidParameter("%s.StatisticValues: SampleCount must be positive and Minimum at most Maximum.", field)
		}
	}
	now := s.now()
	for _, d := range in.MetricData {
		m := Metric{Namespace: in.Namespace, MetricName: d.MetricName, Dimensions: d.Dimensions}.normalized()
		t := now
		if d.Timestamp != nil {
			t = d.Timestamp.Time
		}
		switch {
		case d.Value != nil:
			s.store.add(m, d.Unit, t, *d.Value)
		case d.StatisticValues != nil:
			sv := d.StatisticValues
			s.store.addSet(m, d.Unit, t, sv.SampleCount, sv.Sum, sv.Minimum, sv.Maximum)
		default:
			for i, v := range d.Values {
				c := 1.0
				if d.Counts != nil {
					c = d.Counts[i]
				}
				s.store.addSet(m, d.Unit, t, c, v*c, v, v)
			}
		}
	}
	return nil, nil
}

func (s *Service) getMetricStatistics(_ context.Context, body []byte) (any, error) {
	var in struct {
		Namespace, MetricName string
		Dimensions            []Dimension
		StartTime, EndTime    *epoch
		Period                int
		Statistics            []string
		ExtendedStatistics    []string
		Unit                  string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Namespace == "":
		return nil, missingParameter("Namespace")
	case in.MetricName == "":
		return nil, missingParameter("MetricName")
	case in.StartTime == nil:
		return nil, missingParameter("StartTime")
	case in.EndTime == nil:
		return nil, missingParameter("EndTime")
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0:
		return nil, missingParameter("Statistics or ExtendedStatistics")
	case !in.StartTime.Before(in.EndTime.Time):
		return nil, invalidParameter("The parameter StartTime must be less than the parameter EndTime.")
	}
	if err := checkPeriod("Period", in.Period); err != nil {
		return nil, invalidParameter("%v", err)
	}
	for _, st := range in.Statistics {
		if err := checkStatistic("Statistics", st, false); err != nil {
			return nil, invalidParameter("%v", err)
		}
	}
	for _, st := range in.ExtendedStatistics {
		if err := checkStatistic("ExtendedStatistics", st, true); err != nil {
			return nil, invalidParameter("%v", err)
		}
	}
	m := Metric{Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions}
	k := int64(in.Period / 60)
	aggs, unit := s.store.query(m, s.store.step(in.StartTime.Time), s.store.step(in.EndTime.Time), k)
	if in.Unit != "" && unit != "" && in.Unit != unit {
		aggs = nil // a unit filter that does not match returns no data, as in AWS
	}
	if unit == "" {
		unit = "None"
	}
	steps := sortedSteps(aggs)
	points := make([]map[string]any, 0, len(steps))
	for _, p := range steps {
		a := aggs[p]
		dp := map[string]any{"Timestamp": ts(s.store.timeOf(p)), "Unit": unit}
		for _, st := range in.Statistics {
			dp[st] = a.value(st)
		}
		if len(in.ExtendedStatistics) > 0 {
			ext := map[string]float64{}
			for _, st := range in.ExtendedStatistics {
				ext[st] = a.value(st)
			}
			dp["ExtendedStatistics"] = ext
		}
		points = append(points, dp)
	}
	return map[string]any{"Label": in.MetricName, "Datapoints": points}, nil
}

func sortedSteps(aggs map[int64]*aggregate) []int64 {
	steps := make([]int64, 0, len(aggs))
	for p, a := range aggs {
		if a.count > 0 {
			steps = append(steps, p)
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	return steps
}

func (s *Service) getMetricData(_ context.Context, body []byte) (any, error) {
	var in struct {
		MetricDataQueries  []metricQuery
		StartTime, EndTime *epoch
		ScanBy             string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.MetricDataQueries) == 0:
		return nil, missingParameter("MetricDataQueries")
	case in.StartTime == nil:
		return nil, missingParameter("StartTime")
	case in.EndTime == nil:
		return nil, missingParameter("EndTime")
	case !in.StartTime.Before(in.EndTime.Time):
		return nil, invalidParameter("The parameter StartTime must be less than the parameter EndTime.")
	}
	type query struct {
		id, label, stat string
		metric          Metric
		k               int64
		ret             bool
	}
	var qs []query
	for i, q := range in.MetricDataQueries {
		field := "MetricDataQueries.member." + itoa(i+1)
		if q.ID == "" {
			return nil, missingParameter(field + ".Id")
		}
		if q.Expression != "" {
			return nil, invalidParameter("%s (%s): metric math expressions are not supported locally: query MetricStat only.", field, q.ID)
		}
		if q.MetricStat == nil {
			return nil, missingParameter(field + ".MetricStat")
		}
		ms := q.MetricStat
		if !isStatistic(ms.Stat) {
			return nil, invalidParameter("%s.MetricStat.Stat: %q is not supported locally (SampleCount, Average, Sum, Minimum, Maximum, pNN).", field, ms.Stat)
		}
		p, err := whole(field+".MetricStat.Period", ms.Period, true, 0)
		if err == nil {
			err = checkPeriod(field+".MetricStat.Period", p)
		}
		if err != nil {
			return nil, invalidParameter("%v", err)
		}
		label := q.Label
		if label == "" {
			label = ms.Metric.MetricName
		}
		qs = append(qs, query{id: q.ID, label: label, stat: ms.Stat, metric: ms.Metric, k: int64(p / 60), ret: q.ReturnData == nil || bool(*q.ReturnData)})
	}
	results := []map[string]any{}
	for _, q := range qs {
		if !q.ret {
			continue
		}
		aggs, _ := s.store.query(q.metric, s.store.step(in.StartTime.Time), s.store.step(in.EndTime.Time), q.k)
		steps := sortedSteps(aggs)
		if in.ScanBy != "TimestampAscending" {
			sort.Slice(steps, func(i, j int) bool { return steps[i] > steps[j] })
		}
		times, values := make([]float64, 0, len(steps)), make([]float64, 0, len(steps))
		for _, p := range steps {
			times = append(times, ts(s.store.timeOf(p)))
			values = append(values, aggs[p].value(q.stat))
		}
		results = append(results, map[string]any{"Id": q.id, "Label": q.label, "Timestamps": times, "Values": values, "StatusCode": "Complete"})
	}
	return map[string]any{"MetricDataResults": results, "Messages": []any{}}, nil
}

func (s *Service) listMetrics(_ context.Context, body []byte) (any, error) {
	var in struct {
		Namespace, MetricName string
		Dimensions            []struct{ Name, Value string }
		NextToken             string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var matched []Metric
	for _, m := range s.store.list() {
		if (in.Namespace != "" && m.Namespace != in.Namespace) || (in.MetricName != "" && m.MetricName != in.MetricName) {
			continue
		}
		ok := true
		for _, f := range in.Dimensions {
			found := false
			for _, d := range m.Dimensions {
				if d.Name == f.Name && (f.Value == "" || d.Value == f.Value) {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			matched = append(matched, m)
		}
	}
	pg, next, err := page(matched, func(m Metric) string { return m.key() }, in.NextToken, 500)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Metrics": orEmptyMetrics(pg)}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func orEmptyMetrics(ms []Metric) []Metric {
	if ms == nil {
		return []Metric{}
	}
	for i := range ms {
		if ms[i].Dimensions == nil {
			ms[i].Dimensions = []Dimension{}
		}
	}
	return ms
}
