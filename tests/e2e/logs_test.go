package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
)

// Issue 12: the functions' output and the workflow's history are in
// CloudWatch Logs on the local endpoint, read with the AWS CLI as on AWS.
func TestLogsReadableWithAWSCLI(t *testing.T) {
	h := stack(t)
	if h.AWSURL == "" {
		t.Skip("reads the local runtime's CloudWatch Logs; a deployed stack's are read in the console")
	}
	admin := h.client(t)
	user := unique(t, "logs")
	u := h.as(t, user)
	mug := admin.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 1})
	id := u.checkout(user, cardApproved)
	if st := u.waitCheckout(id); st["status"] != "SUCCEEDED" {
		t.Fatalf("checkout: %v", st)
	}
	cli := localtest.AWSCLI(t, h.AWSURL)

	var workflow, pricing string
	for _, g := range cli("logs", "describe-log-groups")["logGroups"].([]any) {
		name := g.(map[string]any)["logGroupName"].(string)
		switch {
		case strings.HasPrefix(name, "/aws/vendedlogs/states/"):
			workflow = name
		case strings.Contains(name, "pricebasketLogs"):
			pricing = name
		}
	}
	if workflow == "" || pricing == "" {
		t.Fatalf("describe-log-groups: no workflow (%q) or price-basket (%q) group", workflow, pricing)
	}

	// The execution, named after the checkout, logged its history (level
	// ALL) as one JSON object per event.
	var succeeded map[string]any
	eventually(t, 10*time.Second, "ExecutionSucceeded of "+id+" in "+workflow, func() bool {
		out := cli("logs", "filter-log-events", "--log-group-name", workflow, "--filter-pattern", `"`+id+`" ExecutionSucceeded`)
		evs, _ := out["events"].([]any)
		if len(evs) != 1 {
			return false
		}
		return json.Unmarshal([]byte(evs[0].(map[string]any)["message"].(string)), &succeeded) == nil
	})
	if succeeded["type"] != "ExecutionSucceeded" || !strings.HasSuffix(succeeded["execution_arn"].(string), ":"+id) {
		t.Fatalf("workflow log event: %v", succeeded)
	}

	// The price-basket function's invocations: Lambda's JSON system
	// records (the stack sets LogFormat JSON), one report per invocation.
	out := cli("logs", "filter-log-events", "--log-group-name", pricing, "--filter-pattern", `"platform.report"`)
	evs, _ := out["events"].([]any)
	if len(evs) == 0 {
		t.Fatalf("no platform.report in %s", pricing)
	}
	var report struct {
		Type   string `json:"type"`
		Record struct {
			RequestID string `json:"requestId"`
			Status    string `json:"status"`
		} `json:"record"`
	}
	if err := json.Unmarshal([]byte(evs[len(evs)-1].(map[string]any)["message"].(string)), &report); err != nil || report.Record.RequestID == "" {
		t.Fatalf("report %v: %v", evs[len(evs)-1], err)
	}
	stream := evs[len(evs)-1].(map[string]any)["logStreamName"].(string)
	all := cli("logs", "get-log-events", "--log-group-name", pricing, "--log-stream-name", stream, "--start-from-head")
	var start bool
	for _, ev := range all["events"].([]any) {
		msg := ev.(map[string]any)["message"].(string)
		start = start || strings.Contains(msg, `"platform.start"`) && strings.Contains(msg, report.Record.RequestID)
	}
	if !start {
		t.Fatalf("get-log-events of %s: no platform.start for %s", stream, report.Record.RequestID)
	}
}
