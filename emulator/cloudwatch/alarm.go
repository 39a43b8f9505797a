package cloudwatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// maxHistory bounds the history items kept per alarm.
const maxHistory = 100

// alarm is one metric alarm: its configuration (as PutMetricAlarm and
// AWS::CloudWatch::Alarm give it) and its state, persisted as JSON.
type alarm struct {
	alarmConfig
	ARN               string        `json:"arn"`
	ConfigUpdated     time.Time     `json:"configUpdated"`
	State             string        `json:"state"`
	StateReason       string        `json:"stateReason"`
	StateReasonData   string        `json:"stateReasonData,omitempty"`
	StateUpdated      time.Time     `json:"stateUpdated"`
	StateTransitioned time.Time     `json:"stateTransitioned"`
	History           []historyItem `json:"history,omitempty"`
}

// alarmConfig is the settable part of an alarm.
type alarmConfig struct {
	AlarmName               string      `json:"AlarmName"`
	AlarmDescription        string      `json:"AlarmDescription,omitempty"`
	Namespace               string      `json:"Namespace"`
	MetricName              string      `json:"MetricName"`
	Dimensions              []Dimension `json:"Dimensions,omitempty"`
	Statistic               string      `json:"Statistic,omitempty"`
	ExtendedStatistic       string      `json:"ExtendedStatistic,omitempty"`
	Unit                    string      `json:"Unit,omitempty"`
	Period                  int         `json:"Period"`
	EvaluationPeriods       int         `json:"EvaluationPeriods"`
	DatapointsToAlarm       int         `json:"DatapointsToAlarm"`
	Threshold               float64     `json:"Threshold"`
	ComparisonOperator      string      `json:"ComparisonOperator"`
	TreatMissingData        string      `json:"TreatMissingData"`
	ActionsEnabled          bool        `json:"ActionsEnabled"`
	AlarmActions            []string    `json:"AlarmActions,omitempty"`
	OKActions               []string    `json:"OKActions,omitempty"`
	InsufficientDataActions []string    `json:"InsufficientDataActions,omitempty"`
}

// historyItem is one DescribeAlarmHistory entry.
type historyItem struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"` // StateUpdate, ConfigurationUpdate, Action
	Summary string    `json:"summary"`
	Data    string    `json:"data"`
}

func alarmARN(name string) string { return awsapi.ARN("cloudwatch", "alarm:"+name) }

// comparisons maps the operators emulated to the phrase AWS's state
// reasons use.
var comparisons = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
	"LessThanThreshold":             "less than",
	"LessThanOrEqualToThreshold":    "less than or equal to",
}

func (c *alarmConfig) breaches(v float64) bool {
	switch c.ComparisonOperator {
	case "GreaterThanOrEqualToThreshold":
		return v >= c.Threshold
	case "GreaterThanThreshold":
		return v > c.Threshold
	case "LessThanThreshold":
		return v < c.Threshold
	default:
		return v <= c.Threshold
	}
}

// stat is the statistic the alarm evaluates.
func (c *alarmConfig) stat() string {
	if c.ExtendedStatistic != "" {
		return c.ExtendedStatistic
	}
	return c.Statistic
}

func (c *alarmConfig) metric() Metric {
	return Metric{Namespace: c.Namespace, MetricName: c.MetricName, Dimensions: c.Dimensions}.normalized()
}

// number accepts a JSON number or a string holding one, as resolved
// templates carry either.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		*n = number(f)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*n = number(f)
	return nil
}

// flag accepts a JSON boolean or "true"/"false".
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		*f = flag(v)
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%s is not true or false", b)
	}
	*f = flag(v)
	return nil
}

// alarmInput is PutMetricAlarm's input and AWS::CloudWatch::Alarm's
// properties (the same names).
type alarmInput struct {
	AlarmName                        string
	AlarmDescription                 string
	Namespace                        string
	MetricName                       string
	Dimensions                       []Dimension
	Statistic                        string
	ExtendedStatistic                string
	Unit                             string
	Period                           *number
	EvaluationPeriods                *number
	DatapointsToAlarm                *number
	Threshold                        *number
	ThresholdMetricId                string
	ComparisonOperator               string
	TreatMissingData                 string
	ActionsEnabled                   *flag
	AlarmActions                     []string
	OKActions                        []string
	InsufficientDataActions          []string
	Metrics                          []metricQuery
	EvaluateLowSampleCountPercentile string
}

// metricQuery is one entry of an alarm's (or GetMetricData's) Metrics.
type metricQuery struct {
	ID         string `json:"Id"`
	Expression string
	Label      string
	ReturnData *flag
	Period     *number
	MetricStat *struct {
		Metric Metric
		Period *number
		Stat   string
		Unit   string
	}
}

// whole returns n as an int, or an error naming field if n is absent
// (required) or not a whole number.
func whole(field string, n *number, required bool, def int) (int, error) {
	if n == nil {
		if required {
			return 0, fmt.Errorf("%s is required", field)
		}
		return def, nil
	}
	if float64(*n) != float64(int(*n)) {
		return 0, fmt.Errorf("%s: %v is not a whole number", field, float64(*n))
	}
	return int(*n), nil
}

// config validates in as CloudWatch does and returns the alarm
// configuration; the error names the field and why.
func (in *alarmInput) config() (alarmConfig, error) {
	c := alarmConfig{
		AlarmName: in.AlarmName, AlarmDescription: in.AlarmDescription,
		Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions,
		Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic, Unit: in.Unit,
		ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		ActionsEnabled: in.ActionsEnabled == nil || bool(*in.ActionsEnabled),
		AlarmActions:   in.AlarmActions, OKActions: in.OKActions, InsufficientDataActions: in.InsufficientDataActions,
	}
	var err error
	if c.AlarmName == "" || len(c.AlarmName) > 255 {
		return c, fieldf("AlarmName: must be 1 to 255 characters")
	}
	if in.ThresholdMetricId != "" {
		return c, fieldf("ThresholdMetricId: anomaly detection alarms are not supported locally")
	}
	if in.Metrics != nil {
		if c.MetricName != "" || c.Namespace != "" || c.Statistic != "" || c.ExtendedStatistic != "" || in.Period != nil {
			return c, fieldf("Metrics: cannot be combined with MetricName, Namespace, Statistic, ExtendedStatistic or Period")
		}
		if err := c.fromMetrics(in.Metrics); err != nil {
			return c, err
		}
	} else {
		if c.Period, err = whole("Period", in.Period, true, 0); err != nil {
			return c, err
		}
		if c.Namespace == "" || c.MetricName == "" {
			return c, fieldf("Namespace and MetricName are required (or Metrics)")
		}
		switch {
		case c.Statistic != "" && c.ExtendedStatistic != "":
			return c, fieldf("Statistic and ExtendedStatistic: give one, not both")
		case c.Statistic != "":
			err = checkStatistic("Statistic", c.Statistic, false)
		case c.ExtendedStatistic != "":
			err = checkStatistic("ExtendedStatistic", c.ExtendedStatistic, true)
		default:
			err = fieldf("Statistic or ExtendedStatistic is required")
		}
		if err != nil {
			return c, err
		}
	}
	if err := checkPeriod("Period", c.Period); err != nil {
		return c, err
	}
	if len(c.Dimensions) > 30 {
		return c, fieldf("Dimensions: at most 30")
	}
	for _, d := range c.Dimensions {
		if d.Name == "" || d.Value == "" {
			return c, fieldf("Dimensions: every dimension needs a Name and a Value")
		}
	}
	if c.EvaluationPeriods, err = whole("EvaluationPeriods", in.EvaluationPeriods, true, 0); err != nil {
		return c, err
	}
	if c.EvaluationPeriods < 1 {
		return c, fieldf("EvaluationPeriods: %d must be at least 1", c.EvaluationPeriods)
	}
	if c.Period*c.EvaluationPeriods > 86400 {
		return c, fieldf("Period × EvaluationPeriods (%d s) must not exceed one day (86400 s)", c.Period*c.EvaluationPeriods)
	}
	if c.DatapointsToAlarm, err = whole("DatapointsToAlarm", in.DatapointsToAlarm, false, c.EvaluationPeriods); err != nil {
		return c, err
	}
	if c.DatapointsToAlarm < 1 || c.DatapointsToAlarm > c.EvaluationPeriods {
		return c, fieldf("DatapointsToAlarm: %d must be between 1 and EvaluationPeriods (%d)", c.DatapointsToAlarm, c.EvaluationPeriods)
	}
	if in.Threshold == nil {
		return c, fieldf("Threshold is required")
	}
	c.Threshold = float64(*in.Threshold)
	if _, ok := comparisons[c.ComparisonOperator]; !ok {
		if strings.Contains(c.ComparisonOperator, "Band") {
			return c, fieldf("ComparisonOperator: %s (anomaly detection) is not supported locally", c.ComparisonOperator)
		}
		return c, fieldf("ComparisonOperator: %q is not one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold", c.ComparisonOperator)
	}
	switch c.TreatMissingData {
	case "":
		c.TreatMissingData = "missing"
	case "missing", "breaching", "notBreaching", "ignore":
	default:
		return c, fieldf("TreatMissingData: %q is not one of missing, breaching, notBreaching, ignore", c.TreatMissingData)
	}
	for field, actions := range map[string][]string{"AlarmActions": c.AlarmActions, "OKActions": c.OKActions, "InsufficientDataActions": c.InsufficientDataActions} {
		if len(actions) > 5 {
			return c, fmt.Errorf("%s: at most 5 actions", field)
		}
		for _, a := range actions {
			if !strings.HasPrefix(a, "arn:") {
				return c, fmt.Errorf("%s: %q is not an ARN", field, a)
			}
		}
	}
	return c, nil
}

// checkPeriod accepts periods of whole minutes: the local store keeps
// one-minute buckets, so high-resolution periods (10, 20, 30 s) are not
// emulated.
func checkPeriod(field string, p int) error {
	switch {
	case p <= 0:
		return fmt.Errorf("%s: %d must be positive", field, p)
	case p == 10 || p == 20 || p == 30:
		return fmt.Errorf("%s: %d s (high resolution) is not supported locally: use a multiple of 60", field, p)
	case p%60 != 0:
		return fmt.Errorf("%s: %d must be 10, 20, 30 or a multiple of 60", field, p)
	}
	return nil
}

// fromMetrics takes a metric-math alarm that is really a single metric: one
// MetricStat entry that returns data. Expressions are not evaluated locally.
func (c *alarmConfig) fromMetrics(ms []metricQuery) error {
	var stat *metricQuery
	for i := range ms {
		m := &ms[i]
		if m.Expression != "" {
			return fieldf("Metrics[%d] (%s): metric math expressions (%q) are not supported locally: alarm on a single MetricStat", i, m.ID, m.Expression)
		}
		if m.MetricStat == nil {
			return fieldf("Metrics[%d] (%s): needs a MetricStat", i, m.ID)
		}
		if m.ReturnData == nil || bool(*m.ReturnData) {
			if stat != nil {
				return fieldf("Metrics: exactly one entry must return data")
			}
			stat = m
		}
	}
	if stat == nil {
		return fieldf("Metrics: exactly one entry must return data")
	}
	ms0 := stat.MetricStat
	c.Namespace, c.MetricName, c.Dimensions, c.Unit = ms0.Metric.Namespace, ms0.Metric.MetricName, ms0.Metric.Dimensions, ms0.Unit
	if c.Namespace == "" || c.MetricName == "" {
		return fieldf("Metrics (%s): MetricStat.Metric needs Namespace and MetricName", stat.ID)
	}
	if plainStatistics[ms0.Stat] {
		c.Statistic = ms0.Stat
	} else if err := checkStatistic("Metrics ("+stat.ID+"): MetricStat.Stat", ms0.Stat, true); err != nil {
		return err
	} else {
		c.ExtendedStatistic = ms0.Stat
	}
	p, err := whole("Metrics ("+stat.ID+"): MetricStat.Period", ms0.Period, true, 0)
	c.Period = p
	return err
}

// fieldf is fmt.Errorf for messages that begin with a field name
// ("Period: ..."), which are capitalized as AWS capitalizes them.
func fieldf(format string, args ...any) error { return fmt.Errorf(format, args...) }
