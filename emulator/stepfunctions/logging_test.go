package stepfunctions

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// logEntry is one history event as Step Functions writes it to CloudWatch
// Logs.
type logEntry struct {
	ID              string         `json:"id"`
	Type            string         `json:"type"`
	Details         map[string]any `json:"details"`
	PreviousEventID string         `json:"previous_event_id"`
	EventTimestamp  string         `json:"event_timestamp"`
	ExecutionARN    string         `json:"execution_arn"`
}

// A machine's LoggingConfiguration sends its executions' history events to
// its log group, at its level, with or without execution data; the real
// logs service keeps them and the CloudWatch Logs API reads them back.
func TestLoggingConfigurationWritesHistoryToLogGroup(t *testing.T) {
	db := localtest.OpenDB(t, "")
	logSvc, err := logs.New(db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(db, Options{Invoker: &functions{}, TimeScale: 0.001, Logs: logSvc})
	if err != nil {
		t.Fatal(err)
	}
	srv := awsapi.New(nil)
	svc.Register(srv)
	logSvc.Register(srv)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); svc.Close(); _ = logSvc.Close(context.Background()) })
	e := &env{svc: svc, srv: srv, url: hs.URL, client: sfn.NewFromConfig(awstest.Config(hs.URL))}
	cw := cwlogs.NewFromConfig(awstest.Config(hs.URL))
	ctx := context.Background()

	const group = "/aws/vendedlogs/states/Test-Checkout"
	if _, err := cw.CreateLogGroup(ctx, &cwlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	create := func(name, def string, level types.LogLevel, data bool) string {
		out, err := e.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(testRole),
			LoggingConfiguration: &types.LoggingConfiguration{Level: level, IncludeExecutionData: data,
				Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(logs.GroupARN(group) + ":*")}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.StateMachineArn)
	}
	all := create("all", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`, types.LogLevelAll, true)
	errorsOnly := create("errors", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"Declined","Cause":"card"}}}`, types.LogLevelError, false)
	off := create("off", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, types.LogLevelOff, false)

	read := func(execARN string) []logEntry {
		t.Helper()
		out, err := cw.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(`"` + execARN + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		var entries []logEntry
		for _, ev := range out.Events {
			var le logEntry
			if err := json.Unmarshal([]byte(aws.ToString(ev.Message)), &le); err != nil {
				t.Fatalf("%s: %v", aws.ToString(ev.Message), err)
			}
			if !regexp.MustCompile(`^states/(all|errors)/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/[0-9a-f]{8}$`).MatchString(aws.ToString(ev.LogStreamName)) {
				t.Errorf("stream %s", aws.ToString(ev.LogStreamName))
			}
			entries = append(entries, le)
		}
		return entries
	}

	okRun := e.start(t, all, "ok-1", `{"basket":"b-1"}`)
	if out := e.wait(t, okRun); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("all: %s", out.Status)
	}
	got := read(okRun)
	var kinds []string
	for _, le := range got {
		kinds = append(kinds, le.Type)
	}
	if len(got) != 4 || kinds[0] != "ExecutionStarted" || kinds[3] != "ExecutionSucceeded" ||
		got[0].ID != "1" || got[0].PreviousEventID != "0" || got[3].ID != "4" || got[0].ExecutionARN != okRun ||
		got[0].Details["input"] != `{"basket":"b-1"}` || got[3].Details["output"] != `{"ok":true}` ||
		!regexp.MustCompile(`^\d{13}$`).MatchString(got[0].EventTimestamp) {
		t.Fatalf("ALL with data: %+v", got)
	}

	failRun := e.start(t, errorsOnly, "declined-1", `{"card":"4111"}`)
	if out := e.wait(t, failRun); out.Status != types.ExecutionStatusFailed {
		t.Fatalf("errors: %s", out.Status)
	}
	got = read(failRun)
	if len(got) != 2 || got[0].Type != "FailStateEntered" || got[1].Type != "ExecutionFailed" ||
		got[1].Details["error"] != "Declined" || got[1].Details["cause"] != "card" {
		t.Fatalf("ERROR level: %+v", got)
	}
	if _, ok := got[0].Details["input"]; ok {
		t.Fatalf("execution data logged without includeExecutionData: %+v", got[0].Details)
	}

	offRun := e.start(t, off, "off-1", `{}`)
	e.wait(t, offRun)
	if got := read(offRun); len(got) != 0 {
		t.Fatalf("level OFF logged %+v", got)
	}
}

func TestLoggedAtLevel(t *testing.T) {
	tests := []struct {
		level, typ string
		want       bool
	}{
		{"ALL", "PassStateEntered", true},
		{"ERROR", "PassStateEntered", false},
		{"ERROR", "TaskFailed", true},
		{"ERROR", "LambdaFunctionTimedOut", true},
		{"ERROR", "FailStateEntered", true},
		{"ERROR", "ExecutionAborted", true},
		{"FATAL", "TaskFailed", false},
		{"FATAL", "ExecutionTimedOut", true},
	}
	for _, tt := range tests {
		if got := loggedAt(tt.level, tt.typ); got != tt.want {
			t.Errorf("loggedAt(%s, %s) = %v, want %v", tt.level, tt.typ, got, tt.want)
		}
	}
}

// The template's LoggingConfiguration (PascalCase, as CDK writes it with a
// GetAtt of the group's Arn) names the same target the API's does.
func TestLogTargetFromTemplate(t *testing.T) {
	cfn := map[string]any{"Level": "ALL", "IncludeExecutionData": true, "Destinations": []any{
		map[string]any{"CloudWatchLogsLogGroup": map[string]any{"LogGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/S-Checkout:*"}}}}
	got := parseLogTarget(lowerKeys(cfn))
	if got == nil || *got != (logTarget{group: "/aws/vendedlogs/states/S-Checkout", level: "ALL", data: true}) {
		t.Fatalf("target = %+v", got)
	}
	if parseLogTarget(lowerKeys(map[string]any{"Level": "ALL"})) != nil {
		t.Fatal("a level without destination logs somewhere")
	}
}
