package eventbridge

import (
	"encoding/json"
	"testing"
)

// The event of the EventBridge user guide's input transformer examples.
const transformEvent = `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"EC2 Instance State-change Notification",` +
	`"source":"aws.ec2","account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",` +
	`"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],` +
	`"detail":{"instance-id":"i-0123456789","state":"RUNNING","count":3,"tags":{"env":"prod"},"note":"say \"hi\" <b>"}}`

func TestInputTransformer(t *testing.T) {
	paths := map[string]string{
		"instance": "$.detail.instance-id", "state": "$.detail.state", "count": "$.detail.count",
		"tags": "$.detail.tags", "note": "$.detail.note", "missing": "$.detail.nope",
	}
	tests := []struct {
		name, template, want string
	}{
		{"string template (guide)", `"<instance> is in state <state>"`, `"i-0123456789 is in state RUNNING"`},
		{"values outside strings are JSON (guide)", `{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}`,
			`{"instance": "i-0123456789", "state": [9, "RUNNING", true], "Transformed": "Yes"}`},
		{"values inside strings are text", `{"text": "<instance>/<count>"}`, `{"text": "i-0123456789/3"}`},
		{"number outside a string", `{"n": <count>}`, `{"n": 3}`},
		{"object outside a string", `{"t": <tags>}`, `{"t": {"env":"prod"}}`},
		{"object inside a string is escaped JSON", `"<tags>"`, `"{\"env\":\"prod\"}"`},
		{"quotes in a value are escaped in a string", `{"n": "<note>"}`, `{"n": "say \"hi\" <b>"}`},
		{"missing path", `{"a": <missing>, "b": "<missing>"}`, `{"a": null, "b": ""}`},
		{"rule name and arn", `{"rule": "<aws.events.rule-name>", "arn": <aws.events.rule-arn>}`, `{"rule": "r1", "arn": "arn:aws:events:us-east-1:000000000000:rule/r1"}`},
		{"whole event", `{"original": <aws.events.event>}`, `{"original": ` + transformEvent + `}`},
		{"unknown placeholder kept", `"<unknown> <state>"`, `"<unknown> RUNNING"`},
		{"escaped quote in template", `"a \"<state>\""`, `"a \"RUNNING\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := transform(&InputTransformer{InputPathsMap: paths, InputTemplate: tt.template}, []byte(transformEvent),
				"arn:aws:events:us-east-1:000000000000:rule/r1", "r1", "2015-11-11T21:29:54Z")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if tt.template[0] == '{' && !json.Valid(got) {
				t.Errorf("output is not JSON: %s", got)
			}
		})
	}
}

func TestInputAndInputPath(t *testing.T) {
	tests := []struct {
		name   string
		target Target
		want   string
	}{
		{"whole event", Target{}, transformEvent},
		{"constant input", Target{Input: `{"fixed":true}`}, `{"fixed":true}`},
		{"input path to object", Target{InputPath: "$.detail.tags"}, `{"env":"prod"}`},
		{"input path to string", Target{InputPath: "$.detail.state"}, `"RUNNING"`},
		{"input path keeps markup", Target{InputPath: "$.detail.note"}, `"say \"hi\" <b>"`},
	}
	for _, tt := range tests {
		got, err := input(tt.target, []byte(transformEvent), "arn", "r", "t")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestValidTarget(t *testing.T) {
	queue := "arn:aws:sqs:us-east-1:000000000000:q"
	tests := []struct {
		name   string
		target Target
		ok     bool
	}{
		{"sqs", Target{ID: "q", ARN: queue}, true},
		{"lambda", Target{ID: "f", ARN: "arn:aws:lambda:us-east-1:000000000000:function:f"}, true},
		{"state machine", Target{ID: "s", ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout"}, true},
		{"sns unsupported", Target{ID: "t", ARN: "arn:aws:sns:us-east-1:000000000000:topic"}, false},
		{"bad id", Target{ID: "a b", ARN: queue}, false},
		{"input and input path", Target{ID: "q", ARN: queue, Input: `{}`, InputPath: "$.detail"}, false},
		{"input not json", Target{ID: "q", ARN: queue, Input: `{`}, false},
		{"bad input path", Target{ID: "q", ARN: queue, InputPath: "$.[["}, false},
		{"template missing", Target{ID: "q", ARN: queue, InputTransformer: &InputTransformer{}}, false},
		{"reserved path name", Target{ID: "q", ARN: queue, InputTransformer: &InputTransformer{InputTemplate: `"x"`, InputPathsMap: map[string]string{"aws.x": "$.id"}}}, false},
	}
	for _, tt := range tests {
		if err := validTarget(tt.target); (err == nil) != tt.ok {
			t.Errorf("%s: validTarget error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
