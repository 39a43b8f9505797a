package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// putAlarm creates or updates an alarm from validated configuration. An
// update keeps the alarm's state, as PutMetricAlarm does; a new alarm
// starts in INSUFFICIENT_DATA and is evaluated at the next tick.
func (s *Service) putAlarm(c alarmConfig) (*alarm, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarms[c.AlarmName]
	verb := "updated"
	if a == nil {
		verb = "created"
		a = &alarm{ARN: alarmARN(c.AlarmName), State: StateInsufficientData,
			StateReason: "Unchecked: Initial alarm creation", StateUpdated: now, StateTransitioned: now}
	} else {
		cp := *a
		a = &cp
		if a.alarmConfig.equal(c) {
			return a, nil // a restart re-provisioning the same alarm changes nothing
		}
	}
	a.alarmConfig, a.ConfigUpdated = c, now
	cfg, _ := json.Marshal(c)
	a.addHistory(historyItem{Time: now, Type: "ConfigurationUpdate", Summary: "Alarm \"" + c.AlarmName + "\" " + verb, Data: string(cfg)})
	if err := s.put(bucketAlarms, a.AlarmName, a); err != nil {
		return nil, err
	}
	s.alarms[a.AlarmName] = a
	return a, nil
}

func (c alarmConfig) equal(o alarmConfig) bool {
	x, _ := json.Marshal(c)
	y, _ := json.Marshal(o)
	return string(x) == string(y)
}

func (s *Service) putMetricAlarm(_ context.Context, body []byte) (any, error) {
	var in alarmInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	c, err := in.config()
	if err != nil {
		return nil, invalidParameter("%v", err)
	}
	_, err = s.putAlarm(c)
	return nil, err
}

// render is an alarm as DescribeAlarms returns it.
func (a *alarm) render() map[string]any {
	dims := a.Dimensions
	if dims == nil {
		dims = []Dimension{}
	}
	out := map[string]any{
		"AlarmName": a.AlarmName, "AlarmArn": a.ARN,
		"AlarmConfigurationUpdatedTimestamp": ts(a.ConfigUpdated),
		"ActionsEnabled":                     a.ActionsEnabled,
		"OKActions":                          orEmpty(a.OKActions), "AlarmActions": orEmpty(a.AlarmActions),
		"InsufficientDataActions": orEmpty(a.InsufficientDataActions),
		"StateValue":              a.State, "StateReason": a.StateReason,
		"StateUpdatedTimestamp":      ts(a.StateUpdated),
		"StateTransitionedTimestamp": ts(a.StateTransitioned),
		"MetricName":                 a.MetricName, "Namespace": a.Namespace, "Dimensions": dims,
		"Period": a.Period, "EvaluationPeriods": a.EvaluationPeriods, "DatapointsToAlarm": a.DatapointsToAlarm,
		"Threshold": a.Threshold, "ComparisonOperator": a.ComparisonOperator, "TreatMissingData": a.TreatMissingData,
	}
	if a.AlarmDescription != "" {
		out["AlarmDescription"] = a.AlarmDescription
	}
	if a.StateReasonData != "" {
		out["StateReasonData"] = a.StateReasonData
	}
	if a.Statistic != "" {
		out["Statistic"] = a.Statistic
	}
	if a.ExtendedStatistic != "" {
		out["ExtendedStatistic"] = a.ExtendedStatistic
	}
	if a.Unit != "" {
		out["Unit"] = a.Unit
	}
	return out
}

func (s *Service) describeAlarms(_ context.Context, body []byte) (any, error) {
	var in struct {
		AlarmNames      []string
		AlarmNamePrefix string
		AlarmTypes      []string
		StateValue      string
		ActionPrefix    string
		MaxRecords      int
		NextToken       string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "":
		return nil, apiErr("InvalidParameterCombinationException", "InvalidParameterCombination", 400, "AlarmNames and AlarmNamePrefix cannot be given together.")
	case len(in.AlarmNames) > 100:
		return nil, invalidParameter("The collection AlarmNames must not have a size greater than 100.")
	case in.MaxRecords < 0 || in.MaxRecords > 100:
		return nil, invalidParameter("The value %d for parameter MaxRecords is not between 1 and 100.", in.MaxRecords)
	}
	if in.StateValue != "" && in.StateValue != StateOK && in.StateValue != StateAlarm && in.StateValue != StateInsufficientData {
		return nil, invalidParameter("The value %s for parameter StateValue is invalid: one of OK, ALARM, INSUFFICIENT_DATA.", in.StateValue)
	}
	size := in.MaxRecords
	if size == 0 {
		size = 50
	}
	metricAlarms := len(in.AlarmTypes) == 0
	for _, t := range in.AlarmTypes {
		metricAlarms = metricAlarms || t == "MetricAlarm"
	}
	names := map[string]bool{}
	for _, n := range in.AlarmNames {
		names[n] = true
	}
	s.mu.Lock()
	var matched []map[string]any
	if metricAlarms {
		for _, a := range s.sortedAlarms() {
			switch {
			case len(names) > 0 && !names[a.AlarmName],
				!strings.HasPrefix(a.AlarmName, in.AlarmNamePrefix),
				in.StateValue != "" && a.State != in.StateValue,
				in.ActionPrefix != "" && !hasPrefixed(in.ActionPrefix, a.AlarmActions, a.OKActions, a.InsufficientDataActions):
				continue
			}
			matched = append(matched, a.render())
		}
	}
	s.mu.Unlock()
	pg, next, err := page(matched, func(m map[string]any) string { return m["AlarmName"].(string) }, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []map[string]any{}
	}
	out := map[string]any{"MetricAlarms": pg, "CompositeAlarms": []any{}}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// describeAlarmsForMetric lists the alarms on one metric, as
// DescribeAlarmsForMetric does: same namespace, name and dimensions, and
// the statistic, period and unit when given.
func (s *Service) describeAlarmsForMetric(_ context.Context, body []byte) (any, error) {
	var in struct {
		Namespace, MetricName, Statistic, ExtendedStatistic, Unit string
		Dimensions                                                []Dimension
		Period                                                    int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Namespace == "":
		return nil, missingParameter("Namespace")
	case in.MetricName == "":
		return nil, missingParameter("MetricName")
	}
	key := Metric{Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions}.normalized().key()
	s.mu.Lock()
	defer s.mu.Unlock()
	matched := []map[string]any{}
	for _, a := range s.sortedAlarms() {
		switch {
		case a.metric().key() != key,
			in.Statistic != "" && a.Statistic != in.Statistic,
			in.ExtendedStatistic != "" && a.ExtendedStatistic != in.ExtendedStatistic,
			in.Period != 0 && a.Period != in.Period,
			in.Unit != "" && a.Unit != in.Unit:
			continue
		}
		matched = append(matched, a.render())
	}
	return map[string]any{"MetricAlarms": matched}, nil
}

func hasPrefixed(prefix string, lists ...[]string) bool {
	for _, l := range lists {
		for _, a := range l {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

// alarmNames decodes an {"AlarmNames": [...]} input and checks that every
// alarm exists, so a bad name changes nothing.
func (s *Service) alarmNames(body []byte) ([]string, error) {
	var in struct{ AlarmNames []string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.AlarmNames) == 0 {
		return nil, missingParameter("AlarmNames")
	}
	for _, n := range in.AlarmNames {
		if s.alarms[n] == nil {
			return nil, notFound("1 alarm(s) do not exist: %s", n)
		}
	}
	return in.AlarmNames, nil
}

func (s *Service) deleteAlarms(_ context.Context, body []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, err := s.alarmNames(body)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if err := s.del(bucketAlarms, n); err != nil {
			return nil, err
		}
		delete(s.alarms, n)
	}
	return nil, nil
}

func (s *Service) enableAlarmActions(_ context.Context, body []byte) (any, error) {
	return nil, s.setActionsEnabled(body, true)
}

func (s *Service) disableAlarmActions(_ context.Context, body []byte) (any, error) {
	return nil, s.setActionsEnabled(body, false)
}

func (s *Service) setActionsEnabled(body []byte, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, err := s.alarmNames(body)
	if err != nil {
		return err
	}
	for _, n := range names {
		a := s.alarms[n]
		a.ActionsEnabled = on
		if err := s.put(bucketAlarms, n, a); err != nil {
			return err
		}
	}
	return nil
}

// setAlarmState sets an alarm's state as SetAlarmState does: the change
// runs the state's actions, and the next evaluation may change it back.
func (s *Service) setAlarmState(_ context.Context, body []byte) (any, error) {
	var in struct{ AlarmName, StateValue, StateReason, StateReasonData string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.AlarmName == "":
		return nil, missingParameter("AlarmName")
	case in.StateReason == "":
		return nil, missingParameter("StateReason")
	case in.StateValue != StateOK && in.StateValue != StateAlarm && in.StateValue != StateInsufficientData:
		return nil, invalidParameter("The value %q for parameter StateValue is invalid: one of OK, ALARM, INSUFFICIENT_DATA.", in.StateValue)
	case in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)):
		return nil, apiErr("InvalidFormatFault", "InvalidFormat", 400, "StateReasonData is not valid JSON.")
	}
	s.mu.Lock()
	a := s.alarms[in.AlarmName]
	if a == nil {
		s.mu.Unlock()
		return nil, notFound("Alarm %s not found", in.AlarmName)
	}
	if a.State == in.StateValue {
		s.mu.Unlock()
		return nil, nil
	}
	tr, err := s.transition(a, outcome{state: in.StateValue, reason: in.StateReason, reasonData: in.StateReasonData}, s.now())
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.act(tr)
	return nil, nil
}

func (s *Service) describeAlarmHistory(_ context.Context, body []byte) (any, error) {
	var in struct {
		AlarmName          string
		HistoryItemType    string
		StartDate, EndDate *epoch
		MaxRecords         int
		NextToken          string
		ScanBy             string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MaxRecords < 0 || in.MaxRecords > 100 {
		return nil, invalidParameter("The value %d for parameter MaxRecords is not between 1 and 100.", in.MaxRecords)
	}
	switch in.HistoryItemType {
	case "", "ConfigurationUpdate", "StateUpdate", "Action":
	default:
		return nil, invalidParameter("The value %s for parameter HistoryItemType is invalid.", in.HistoryItemType)
	}
	size := in.MaxRecords
	if size == 0 {
		size = 100
	}
	type item struct {
		key string
		v   map[string]any
	}
	var items []item
	s.mu.Lock()
	for _, a := range s.sortedAlarms() {
		if in.AlarmName != "" && a.AlarmName != in.AlarmName {
			continue
		}
		for i, h := range a.History {
			if (in.HistoryItemType != "" && h.Type != in.HistoryItemType) ||
				(in.StartDate != nil && h.Time.Before(in.StartDate.Time)) || (in.EndDate != nil && h.Time.After(in.EndDate.Time)) {
				continue
			}
			items = append(items, item{
				key: historyKey(h.Time, a.AlarmName, i, in.ScanBy == "TimestampAscending"),
				v: map[string]any{"AlarmName": a.AlarmName, "AlarmType": "MetricAlarm", "Timestamp": ts(h.Time),
					"HistoryItemType": h.Type, "HistorySummary": h.Summary, "HistoryData": h.Data},
			})
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	pg, next, err := page(items, func(x item) string { return x.key }, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	vs := make([]map[string]any, 0, len(pg))
	for _, x := range pg {
		vs = append(vs, x.v)
	}
	out := map[string]any{"AlarmHistoryItems": vs}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// historyKey orders history items for paging: newest first (the
// default) by an inverted time, oldest first for TimestampAscending.
func historyKey(t time.Time, alarm string, i int, ascending bool) string {
	n := t.UnixNano()
	if !ascending {
		n = int64(1<<62) - n
	}
	return fmt.Sprintf("%020d/%s/%06d", n, alarm, i)
}
