package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// datapoint is one evaluated period: its start (real time) and value, or
// missing.
type datapoint struct {
	start   time.Time
	value   float64
	count   float64
	missing bool
}

// outcome is an evaluation's verdict: the state and AWS's reason for it.
type outcome struct {
	state, reason, reasonData string
}

// evaluateAll evaluates every alarm at now and fires the actions of those
// whose state changed.
func (s *Service) evaluateAll(now time.Time) {
	var fired []transition
	s.mu.Lock()
	for _, a := range s.sortedAlarms() {
		o, ok := s.evaluate(a, now)
		if !ok || o.state == a.State {
			continue
		}
		if tr, err := s.transition(a, o, now); err != nil {
			s.log.Error("cloudwatch: alarm state not saved", "alarm", a.AlarmName, "err", err)
		} else {
			fired = append(fired, tr)
		}
	}
	s.mu.Unlock()
	for _, tr := range fired {
		s.act(tr)
	}
}

// evaluate computes a's state at now over its last EvaluationPeriods
// periods, which end with the last complete minute (so a period of five
// minutes slides a minute at each evaluation). ok is false when the state
// is to be kept (TreatMissingData ignore with no data).
func (s *Service) evaluate(a *alarm, now time.Time) (outcome, bool) {
	k := int64(a.Period / 60)
	end := s.store.step(now)
	last := end - k
	first := last - int64(a.EvaluationPeriods-1)*k
	aggs, _ := s.store.query(a.metric(), first, end, k)
	stat := a.stat()
	points := make([]datapoint, 0, a.EvaluationPeriods)
	for p := last; p >= first; p -= k { // newest first, as AWS lists them
		dp := datapoint{start: s.store.timeOf(p), missing: true}
		if ag := aggs[p]; ag != nil && ag.count > 0 {
			dp.value, dp.count, dp.missing = ag.value(stat), ag.count, false
		}
		points = append(points, dp)
	}
	breaching, present := 0, 0
	for _, dp := range points {
		switch {
		case !dp.missing:
			present++
			if a.breaches(dp.value) {
				breaching++
			}
		case a.TreatMissingData == "breaching":
			breaching++
		}
	}
	data := s.reasonData(a, points, now)
	if present == 0 {
		switch a.TreatMissingData {
		case "ignore":
			return outcome{}, false
		case "missing":
			unknown := plural(len(points), "datapoint was", "datapoints were")
			return outcome{state: StateInsufficientData, reason: "Insufficient Data: " + unknown + " unknown.", reasonData: data}, true
		}
	}
	next := StateOK
	if breaching >= a.DatapointsToAlarm {
		next = StateAlarm
	}
	if present == 0 { // notBreaching or breaching: AWS says how it treated the gap
		treated := map[string]string{StateOK: "NonBreaching", StateAlarm: "Breaching"}[next]
		reason := fmt.Sprintf("Threshold Crossed: no datapoints were received for %s and %s treated as [%s].",
			plural(len(points), "period", "periods"), plural(len(points), "missing datapoint was", "missing datapoints were"), treated)
		return outcome{state: next, reason: reason, reasonData: data}, true
	}
	return outcome{state: next, reason: thresholdReason(a, points, next, breaching), reasonData: data}, true
}

// thresholdReason is AWS's "Threshold Crossed: …" state reason.
func thresholdReason(a *alarm, points []datapoint, next string, breaching int) string {
	var shown []string
	for _, dp := range points {
		if !dp.missing {
			shown = append(shown, javaFloat(dp.value)+" ("+dp.start.UTC().Format("02/01/06 15:04:05")+")")
		}
	}
	op := comparisons[a.ComparisonOperator]
	n := breaching
	if next == StateOK {
		op = "not " + op
		n = len(shown)
	}
	prev := a.State
	if prev == "" {
		prev = StateInsufficientData
	}
	if a.EvaluationPeriods == 1 {
		return fmt.Sprintf("Threshold Crossed: 1 datapoint [%s] was %s the threshold (%s).", strings.Join(shown, ", "), op, javaFloat(a.Threshold))
	}
	verb := "were"
	if n == 1 {
		verb = "was"
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] %s %s the threshold (%s) (minimum %s for %s -> %s transition).",
		n, a.EvaluationPeriods, strings.Join(shown, ", "), verb, op, javaFloat(a.Threshold),
		plural(a.DatapointsToAlarm, "datapoint", "datapoints"), prev, next)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// javaFloat renders v as AWS's reasons do ("1.0", "0.5").
func javaFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".NI") {
		s += ".0"
	}
	return s
}

// awsTime is the timestamp format of AWS's reason data and notifications.
const awsTime = "2006-01-02T15:04:05.000-0700"

// reasonData is the StateReasonData JSON of an evaluation.
func (s *Service) reasonData(a *alarm, points []datapoint, now time.Time) string {
	type evaluated struct {
		Timestamp   string  `json:"timestamp"`
		SampleCount float64 `json:"sampleCount,omitempty"`
		Value       float64 `json:"value,omitempty"`
	}
	recent := []float64{}
	eval := []evaluated{}
	for _, dp := range points {
		e := evaluated{Timestamp: dp.start.UTC().Format(awsTime)}
		if !dp.missing && !math.IsNaN(dp.value) {
			recent = append(recent, dp.value)
			e.SampleCount, e.Value = dp.count, dp.value
		}
		eval = append(eval, e)
	}
	d := map[string]any{
		"version": "1.0", "queryDate": now.UTC().Format(awsTime),
		"startDate": points[len(points)-1].start.UTC().Format(awsTime),
		"period":    a.Period, "recentDatapoints": recent, "threshold": a.Threshold,
		"evaluatedDatapoints": eval,
	}
	if a.ExtendedStatistic != "" {
		d["extendedStatistic"] = a.ExtendedStatistic
	} else {
		d["statistic"] = a.Statistic
	}
	raw, _ := json.Marshal(d)
	return string(raw)
}

// transition is a state change whose actions are to run.
type transition struct {
	alarm    alarm // a copy, taken under s.mu
	oldState string
}

// transition moves a to o's state, records and persists it; the caller
// holds s.mu.
func (s *Service) transition(a *alarm, o outcome, now time.Time) (transition, error) {
	old := a.State
	a.State, a.StateReason, a.StateReasonData = o.state, o.reason, o.reasonData
	a.StateUpdated, a.StateTransitioned = now, now
	hist, _ := json.Marshal(map[string]any{
		"version":  "1.0",
		"oldState": map[string]any{"stateValue": old},
		"newState": map[string]any{"stateValue": o.state, "stateReason": o.reason, "stateReasonData": json.RawMessage(orEmptyObject(o.reasonData))},
	})
	a.addHistory(historyItem{Time: now, Type: "StateUpdate", Summary: "Alarm updated from " + old + " to " + o.state, Data: string(hist)})
	// Every alarm leaves INSUFFICIENT_DATA at start: only ALARM is news.
	level := slog.LevelDebug
	if o.state == StateAlarm || old == StateAlarm {
		level = slog.LevelInfo
	}
	s.log.Log(context.Background(), level, fmt.Sprintf("cloudwatch: alarm %s %s -> %s: %s", a.AlarmName, old, o.state, o.reason))
	if err := s.put(bucketAlarms, a.AlarmName, a); err != nil {
		return transition{}, err
	}
	cp := *a
	cp.History = nil
	return transition{alarm: cp, oldState: old}, nil
}

func orEmptyObject(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

func (a *alarm) addHistory(h historyItem) {
	a.History = append(a.History, h)
	if n := len(a.History) - maxHistory; n > 0 {
		a.History = append(a.History[:0], a.History[n:]...)
	}
}

// act runs the actions of a state change: SNS topics get CloudWatch's
// alarm notification; other actions (Auto Scaling, EC2, Systems Manager)
// are not run locally, which is logged.
func (s *Service) act(tr transition) {
	a := &tr.alarm
	if !a.ActionsEnabled {
		return
	}
	var actions []string
	switch a.State {
	case StateAlarm:
		actions = a.AlarmActions
	case StateOK:
		actions = a.OKActions
	default:
		actions = a.InsufficientDataActions
	}
	if len(actions) == 0 {
		return
	}
	subject, message := notification(a, tr.oldState)
	s.mu.Lock()
	notifier := s.notifier
	s.mu.Unlock()
	for _, arn := range actions {
		if !strings.HasPrefix(arn, "arn:aws:sns:") {
			s.log.Info(fmt.Sprintf("notice: alarm %s: action %s is not run locally (only SNS topics are)", a.AlarmName, arn))
			continue
		}
		if notifier == nil {
			s.log.Info(fmt.Sprintf("notice: alarm %s: no SNS to publish to %s", a.AlarmName, arn))
			continue
		}
		_, err := notifier.Publish(context.Background(), arn, subject, message)
		if err != nil {
			s.log.Error("cloudwatch: alarm action failed", "alarm", a.AlarmName, "action", arn, "err", err)
		}
		s.recordAction(a.AlarmName, arn, err == nil)
	}
}

// recordAction adds an Action history item to the alarm.
func (s *Service) recordAction(name, arn string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarms[name]
	if a == nil {
		return
	}
	state, summary := "Succeeded", "Successfully executed action "+arn
	if !ok {
		state, summary = "Failed", "Failed to execute action "+arn
	}
	data, _ := json.Marshal(map[string]any{"actionState": state, "notificationResource": arn})
	a.addHistory(historyItem{Time: s.now(), Type: "Action", Summary: summary, Data: string(data)})
	if err := s.put(bucketAlarms, a.AlarmName, a); err != nil {
		s.log.Error("cloudwatch: alarm history not saved", "alarm", name, "err", err)
	}
}

// regionName is how AWS's notifications name the region.
const regionName = "US East (N. Virginia)"

// notification is CloudWatch's SNS subject and message for a state change.
func notification(a *alarm, oldState string) (string, string) {
	dims := make([]map[string]string, 0, len(a.Dimensions))
	for _, d := range a.Dimensions {
		dims = append(dims, map[string]string{"value": d.Value, "name": d.Name})
	}
	trigger := map[string]any{
		"MetricName": a.MetricName, "Namespace": a.Namespace, "Unit": nil,
		"Dimensions": dims, "Period": a.Period, "EvaluationPeriods": a.EvaluationPeriods,
		"DatapointsToAlarm": a.DatapointsToAlarm, "ComparisonOperator": a.ComparisonOperator,
		"Threshold": a.Threshold, "TreatMissingData": a.TreatMissingData, "EvaluateLowSampleCountPercentile": "",
	}
	if a.Unit != "" {
		trigger["Unit"] = a.Unit
	}
	if a.ExtendedStatistic != "" {
		trigger["StatisticType"], trigger["ExtendedStatistic"] = "ExtendedStatistic", a.ExtendedStatistic
	} else {
		trigger["StatisticType"], trigger["Statistic"] = "Statistic", strings.ToUpper(a.Statistic)
	}
	var desc any
	if a.AlarmDescription != "" {
		desc = a.AlarmDescription
	}
	msg, _ := json.Marshal(map[string]any{
		"AlarmName": a.AlarmName, "AlarmDescription": desc, "AWSAccountId": accountID(),
		"AlarmConfigurationUpdatedTimestamp": a.ConfigUpdated.UTC().Format(awsTime),
		"NewStateValue":                      a.State, "NewStateReason": a.StateReason,
		"StateChangeTime": a.StateUpdated.UTC().Format(awsTime), "Region": regionName,
		"AlarmArn": a.ARN, "OldStateValue": oldState,
		"OKActions": orEmpty(a.OKActions), "AlarmActions": orEmpty(a.AlarmActions),
		"InsufficientDataActions": orEmpty(a.InsufficientDataActions), "Trigger": trigger,
	})
	return a.State + ": \"" + a.AlarmName + "\" in " + regionName, string(msg)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
