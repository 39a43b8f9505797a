package logs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TestAWSCLI reads what a function wrote with the AWS CLI, as the README
// tells a user to: describe-log-groups, describe-log-streams,
// filter-log-events (the CLI pages through nextToken on its own) and
// get-log-events.
func TestAWSCLI(t *testing.T) {
	e := newEnv(t, nil, logs.Options{Now: time.Now})
	cli := localtest.AWSCLI(t, e.url)
	now := time.Now()
	const group, stream = "/aws/lambda/Shopstream-dev-ordering", "2026/12/07/[$LATEST]abc"
	for i := 0; i < 120; i++ {
		e.svc.Put(telemetry.LogEvent{Group: group, Stream: stream, Time: now.Add(time.Duration(i-120) * time.Millisecond), Message: fmt.Sprintf("line %d", i)})
	}
	e.svc.Put(telemetry.LogEvent{Group: group, Stream: stream, Time: now, Message: `{"level":"ERROR","msg":"payment declined"}`})

	groups := cli("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/")
	list, _ := groups["logGroups"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["logGroupName"] != group {
		t.Fatalf("describe-log-groups = %v", groups)
	}
	streams := cli("logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--descending")
	if s, _ := streams["logStreams"].([]any); len(s) != 1 || s[0].(map[string]any)["logStreamName"] != stream {
		t.Fatalf("describe-log-streams = %v", streams)
	}
	// --page-size 50 makes the CLI follow nextToken across three pages.
	all := cli("logs", "filter-log-events", "--log-group-name", group, "--page-size", "50")
	if evs, _ := all["events"].([]any); len(evs) != 121 || evs[0].(map[string]any)["message"] != "line 0" {
		t.Fatalf("filter-log-events: %d events", len(evs))
	}
	errs := cli("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", `?ERROR ?"line 7"`,
		"--start-time", fmt.Sprint(now.Add(-time.Hour).UnixMilli()))
	var got []string
	evs, _ := errs["events"].([]any)
	for _, ev := range evs {
		got = append(got, ev.(map[string]any)["message"].(string))
	}
	if strings.Join(got, "|") != `line 7|line 70|line 71|line 72|line 73|line 74|line 75|line 76|line 77|line 78|line 79|{"level":"ERROR","msg":"payment declined"}` {
		t.Fatalf("filter-log-events --filter-pattern = %q", got)
	}
	tail := cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--limit", "2")
	evs, _ = tail["events"].([]any)
	if len(evs) != 2 || evs[1].(map[string]any)["message"] != `{"level":"ERROR","msg":"payment declined"}` || tail["nextForwardToken"] == nil {
		t.Fatalf("get-log-events = %v", tail)
	}
}
