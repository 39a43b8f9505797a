package stepfunctions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// logTarget is a machine's LoggingConfiguration, resolved: which history
// events go to which CloudWatch Logs group.
type logTarget struct {
	group string
	level string // ALL, ERROR or FATAL
	data  bool   // includeExecutionData
}

// parseLogTarget reads a stored loggingConfiguration (the API's camelCase
// keys); nil means nothing is logged (level OFF, no destination).
func parseLogTarget(cfg map[string]any) *logTarget {
	level, _ := cfg["level"].(string)
	if level != "ALL" && level != "ERROR" && level != "FATAL" {
		return nil
	}
	dests, _ := cfg["destinations"].([]any)
	for _, d := range dests {
		dm, _ := d.(map[string]any)
		lg, _ := dm["cloudWatchLogsLogGroup"].(map[string]any)
		arn, _ := lg["logGroupArn"].(string)
		if _, name, ok := strings.Cut(arn, ":log-group:"); ok {
			data, _ := cfg["includeExecutionData"].(bool)
			return &logTarget{group: strings.TrimSuffix(name, ":*"), level: level, data: data}
		}
	}
	return nil
}

// setLogging records where m's executions log (called whenever a machine
// is stored or loaded; nil rec.LoggingConfiguration turns logging off).
// The targets live apart from s.machines so that appending a history
// event, which holds the execution's lock, never needs s.mu.
func (s *Service) setLogging(rec machineRecord) {
	if t := parseLogTarget(rec.LoggingConfiguration); t != nil {
		s.logTargets.Store(rec.ARN, t)
	} else {
		s.logTargets.Delete(rec.ARN)
	}
}

// loggedAt reports whether an event of type typ is logged at level: ALL logs
// everything, ERROR the failures (…Failed, …TimedOut, …Aborted and
// FailStateEntered), FATAL only an execution's own failure.
func loggedAt(level, typ string) bool {
	switch level {
	case "ALL":
		return true
	case "FATAL":
		return typ == "ExecutionFailed" || typ == "ExecutionTimedOut" || typ == "ExecutionAborted"
	}
	return typ == "FailStateEntered" || strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut") || strings.HasSuffix(typ, "Aborted")
}

// executionData are the details that carry execution data, left out
// without includeExecutionData.
var executionData = []string{"input", "inputDetails", "output", "outputDetails", "parameters"}

// logHistoryEvent writes history event id of rec to its machine's log
// group, as Step Functions does: one JSON object per event with the
// details under "details" and ids and times as strings, in a stream per
// execution ("states/<machine>/<start minute>/<8 hex>").
func (s *Service) logHistoryEvent(rec executionRecord, id int64, ev asl.Event, at time.Time) {
	v, ok := s.logTargets.Load(rec.MachineARN)
	if !ok {
		return
	}
	t := v.(*logTarget)
	if !loggedAt(t.level, ev.Type) {
		return
	}
	details := make(map[string]any, len(ev.Details))
	for k, v := range ev.Details {
		details[k] = v
	}
	if !t.data {
		for _, k := range executionData {
			delete(details, k)
		}
	}
	line, err := json.Marshal(map[string]any{
		"id": strconv.FormatInt(id, 10), "type": ev.Type, "details": details,
		"previous_event_id": strconv.FormatInt(id-1, 10), "event_timestamp": strconv.FormatInt(at.UnixMilli(), 10),
		"execution_arn": rec.ARN, "redrive_count": "0",
	})
	if err != nil {
		return
	}
	sum := sha256.Sum256([]byte(rec.ARN))
	machine := rec.MachineARN[strings.LastIndex(rec.MachineARN, ":")+1:]
	stream := "states/" + machine + "/" + rec.Start.UTC().Format("2006-01-02-15-04") + "/" + hex.EncodeToString(sum[:4])
	s.logs.Put(telemetry.LogEvent{Group: t.group, Stream: stream, Time: at, Message: string(line)})
}
