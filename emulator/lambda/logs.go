package lambda

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// logging is where a function's log lines go, from its LoggingConfig.
type logging struct {
	// group is LoggingConfig.LogGroup, else "/aws/lambda/<name>", as AWS
	// defaults it.
	group string
	// json: LogFormat JSON, in which Lambda writes its own lines (start,
	// end, report) as JSON records; application lines are sent as
	// written, as AWS does for OS-only runtimes such as provided.al2023.
	json bool
	// quiet: SystemLogLevel WARN or above (JSON only) drops Lambda's own
	// lines, which are INFO records.
	quiet bool
	// appLevel and sysLevel are the JSON format's levels as configured
	// (AWS reports INFO for one left out), for GetFunctionConfiguration.
	appLevel, sysLevel string
}

func parseLogging(p map[string]any, name string) (logging, error) {
	l := logging{group: "/aws/lambda/" + name}
	raw, ok := p["LoggingConfig"]
	if !ok || raw == nil {
		return l, nil
	}
	cfg, ok := raw.(map[string]any)
	if !ok {
		return l, fmt.Errorf("LoggingConfig: must be an object")
	}
	if g, ok := cfg["LogGroup"].(string); ok && g != "" {
		l.group = g
	}
	switch f, _ := cfg["LogFormat"].(string); f {
	case "", "Text":
	case "JSON":
		l.json = true
		l.appLevel, l.sysLevel = "INFO", "INFO"
	default:
		return l, fmt.Errorf("LoggingConfig.LogFormat: %q is not Text or JSON", f)
	}
	if lvl, _ := cfg["ApplicationLogLevel"].(string); lvl != "" && l.json {
		l.appLevel = lvl
	}
	switch lvl, _ := cfg["SystemLogLevel"].(string); lvl {
	case "":
	case "DEBUG", "INFO":
		l.sysLevel = lvl
	case "WARN":
		l.quiet = l.json
		l.sysLevel = lvl
	default:
		return l, fmt.Errorf("LoggingConfig.SystemLogLevel: %q is not DEBUG, INFO or WARN", lvl)
	}
	if !l.json { // the levels apply to the JSON format only
		l.appLevel, l.sysLevel = "", ""
	}
	return l, nil
}

// logSink is where a new process of fn, writing stream, sends its lines:
// the logs service if fn's execution role may write the stream
// (logs:CreateLogStream and logs:PutLogEvents, which CDK's grantWrite
// gives), else nowhere, as AWS drops the logs of a function whose role
// lacks them — with a warning, once per function, since the terminal copy
// still shows them.
func (s *Service) logSink(fn *function, stream string) telemetry.Logs {
	s.mu.RLock()
	srv := s.srv
	s.mu.RUnlock()
	if s.cfg.Logs == nil || srv == nil || fn.role == "" {
		return s.logs
	}
	ctx := awsapi.WithPrincipal(context.Background(), awsapi.Principal{RoleARN: fn.role, Session: fn.name})
	arn := awsapi.ARN("logs", "log-group:"+fn.logging.group+":log-stream:"+stream)
	for _, action := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
		if err := srv.Authorize(ctx, action, arn, nil); err != nil {
			fn.warnLogs.Do(func() {
				s.cfg.Log.Warn("lambda: the function's role may not write its log group, so its lines reach the terminal only (AWS drops them)",
					"function", fn.name, "group", fn.logging.group, "err", err)
			})
			return telemetry.OrLogs(nil)
		}
	}
	return s.logs
}

// onLine takes one line of the process's output: the Invoke API's log
// tail, and the log group, under the request id the process is serving
// (none while it initialises).
func (sb *sandbox) onLine(line []byte) {
	sb.capture(line)
	sb.mu.Lock()
	id := sb.requestID
	sb.mu.Unlock()
	sb.put(string(line), id, sb.now())
}

func (sb *sandbox) put(msg, requestID string, at time.Time) {
	sb.sink.Put(telemetry.LogEvent{Group: sb.fn.logging.group, Stream: sb.stream, Time: at, Message: msg, RequestID: requestID})
}

// logStart writes Lambda's START line for an invocation handed over at at.
func (sb *sandbox) logStart(id string, at time.Time) {
	switch l := sb.fn.logging; {
	case l.quiet:
	case l.json:
		sb.put(platformRecord(at, "platform.start", map[string]any{"requestId": id, "version": "$LATEST"}), id, at)
	default:
		sb.put("START RequestId: "+id+" Version: $LATEST", id, at)
	}
}

// invocationReport is what the END and REPORT lines say.
type invocationReport struct {
	id       string
	status   string // the result's: ok, error, timeout, crash, init-error…
	duration time.Duration
	init     time.Duration // a cold start's initialisation; 0 when warm
	memoryMB int
	maxUsed  int // MB; the process's peak resident size
	errType  string
}

// logEnd writes Lambda's END and REPORT lines (and, for a timeout, the
// "Task timed out" line before them).
func (sb *sandbox) logEnd(r invocationReport, at time.Time) {
	l := sb.fn.logging
	if l.quiet {
		return
	}
	durMs := float64(r.duration.Microseconds()) / 1000
	billed := int64(math.Ceil(durMs + float64(r.init.Microseconds())/1000))
	if billed < 1 {
		billed = 1
	}
	status := map[string]string{"ok": "success", "timeout": "timeout"}[r.status]
	if status == "" {
		status = "failure"
	}
	if l.json {
		sb.put(platformRecord(at, "platform.runtimeDone", map[string]any{"requestId": r.id, "status": status,
			"metrics": map[string]any{"durationMs": round2(durMs)}}), r.id, at)
		metrics := map[string]any{"durationMs": round2(durMs), "billedDurationMs": billed, "memorySizeMB": r.memoryMB, "maxMemoryUsedMB": r.maxUsed}
		if r.init > 0 {
			metrics["initDurationMs"] = round2(float64(r.init.Microseconds()) / 1000)
		}
		rec := map[string]any{"requestId": r.id, "metrics": metrics, "status": status}
		if r.errType != "" && status != "success" {
			rec["errorType"] = r.errType
		}
		sb.put(platformRecord(at, "platform.report", rec), r.id, at)
		return
	}
	if r.status == "timeout" {
		sb.put(fmt.Sprintf("%s %s Task timed out after %.2f seconds", at.UTC().Format("2006-01-02T15:04:05.000Z"), r.id, sb.fn.timeout.Seconds()), r.id, at)
	}
	sb.put("END RequestId: "+r.id, r.id, at)
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		r.id, durMs, billed, r.memoryMB, r.maxUsed)
	if r.init > 0 {
		report += fmt.Sprintf("\tInit Duration: %.2f ms", float64(r.init.Microseconds())/1000)
	}
	if status != "success" {
		report += "\tStatus: " + map[bool]string{true: "timeout", false: "error"}[status == "timeout"]
		if r.errType != "" && status != "timeout" {
			report += "\tError Type: " + r.errType
		}
	}
	sb.put(report, r.id, at)
}

// platformRecord is one of Lambda's JSON-format system log records.
func platformRecord(at time.Time, typ string, record map[string]any) string {
	b, _ := json.Marshal(map[string]any{"time": at.UTC().Format("2006-01-02T15:04:05.000Z"), "type": typ, "record": record})
	return string(b)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// peakMemoryMB is the process's peak resident set (VmHWM) in MB, read
// from /proc; 0 where /proc is not available.
func peakMemoryMB(pid int) int {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0
			}
			return (kb + 1023) / 1024
		}
	}
	return 0
}

// logInvocationEnd writes the END and REPORT lines of inv, which ran on
// sb with result r.
func (s *Service) logInvocationEnd(fn *function, sb *sandbox, inv *invocation, r result, cold bool) {
	now := s.cfg.Now()
	sb.mu.Lock()
	started, initDuration := inv.started, sb.initDuration
	sb.mu.Unlock()
	rep := invocationReport{id: inv.id, status: r.status, memoryMB: fn.memoryMB}
	if !started.IsZero() {
		rep.duration = now.Sub(started)
	}
	if cold {
		rep.init = initDuration
	}
	if sb.cmd != nil && sb.cmd.Process != nil {
		rep.maxUsed = peakMemoryMB(sb.cmd.Process.Pid)
	}
	if r.functionError != "" {
		var e struct {
			ErrorType string `json:"errorType"`
		}
		_ = json.Unmarshal(r.payload, &e)
		rep.errType = e.ErrorType
	}
	sb.logEnd(rep, now)
}
