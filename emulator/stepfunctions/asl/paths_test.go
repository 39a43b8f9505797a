package asl

import (
	"context"
	"fmt"
	"testing"
)

// Examples from the AWS Step Functions developer guide pages "InputPath,
// Parameters and ResultSelector", "ResultPath", "OutputPath" and
// "Example: Manipulating state data with paths", and from the States
// Language specification (states-language.net), each with its documented
// result.
func TestInputOutputProcessingDocumentedExamples(t *testing.T) {
	const testInput = `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions"}`
	const hello = `"Hello, AWS Step Functions!"`
	const lambdaInput = `{"comment":"An input comment.","data":{"val1":23,"val2":17},"extra":"foo","lambda":{"who":"AWS Step Functions"}}`
	tests := []struct {
		name   string
		state  string // a Task state's fields besides Type/Resource/End
		input  string
		result string // what the task returns
		want   string
	}{
		{
			name:  "InputPath selects a node",
			state: `"InputPath":"$.dataset2"`,
			input: `{"comment":"Example for InputPath.","dataset1":{"val1":1,"val2":2,"val3":3},"dataset2":{"val1":"a","val2":"b","val3":"c"}}`,
			want:  `{"val1":"a","val2":"b","val3":"c"}`,
		},
		{
			name:  "a path can yield a selection of values",
			state: `"InputPath":"$.a[0:2]"`,
			input: `{"a":[1,2,3,4]}`,
			want:  `[1,2]`,
		},
		{
			name:  "Parameters key-value pairs",
			state: `"Parameters":{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"}}`,
			input: `{"comment":"Example for Parameters.","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`,
			want:  `{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"}}`,
		},
		{
			name:  "Parameters reads the context object",
			state: `"Parameters":{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size"},"MyContextObject.$":"$$.Execution.Name","entered.$":"$$.State.Name"}`,
			input: `{"product":{"details":{"size":"small"}}}`,
			want:  `{"comment":"Selecting what I care about.","MyDetails":{"size":"small"},"MyContextObject":"exec-1","entered":"T"}`,
		},
		{
			name:   "ResultSelector picks from the result before ResultPath",
			state:  `"ResultSelector":{"ClusterId.$":"$.output.ClusterId","ResourceType.$":"$.resourceType"},"ResultPath":"$.EMROutput"`,
			input:  `{"comment":"input"}`,
			result: `{"resourceType":"elasticmapreduce","resource":"createCluster.sync","output":{"SdkHttpMetadata":{"HttpHeaders":{"Content-Length":"1112","Content-Type":"application/x-amz-JSON-1.1"},"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"1234-5678-9012"},"ClusterId":"AKIAIOSFODNN7EXAMPLE"}}`,
			want:   `{"comment":"input","EMROutput":{"ClusterId":"AKIAIOSFODNN7EXAMPLE","ResourceType":"elasticmapreduce"}}`,
		},
		{
			name:   "ResultSelector flattens an array of arrays",
			state:  `"ResultSelector":{"flattenArray.$":"$[*][*]"}`,
			input:  `{}`,
			result: `[[1,2,3],[4,5],[7,8,9]]`,
			want:   `{"flattenArray":[1,2,3,4,5,7,8,9]}`,
		},
		{name: "ResultPath $ replaces the input", state: `"ResultPath":"$"`, input: testInput, result: hello, want: hello},
		{name: "no ResultPath is ResultPath $", state: ``, input: testInput, result: hello, want: hello},
		{name: "ResultPath null discards the result", state: `"ResultPath":null`, input: testInput, result: hello, want: testInput},
		{
			name: "ResultPath includes the result with the input", state: `"ResultPath":"$.taskresult"`, input: testInput, result: hello,
			want: `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions","taskresult":"Hello, AWS Step Functions!"}`,
		},
		{
			name: "ResultPath inserts the result as a child node", state: `"ResultPath":"$.strings.lambdaresult"`,
			input:  `{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz"},"who":"AWS Step Functions"}`,
			result: hello,
			want:   `{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz","lambdaresult":"Hello, AWS Step Functions!"},"who":"AWS Step Functions"}`,
		},
		{
			name: "ResultPath updates a node in the input", state: `"ResultPath":"$.comment"`, input: testInput, result: hello,
			want: `{"comment":"Hello, AWS Step Functions!","details":"Default example","who":"AWS Step Functions"}`,
		},
		{
			name: "ResultPath creates the missing nodes on its way", state: `"ResultPath":"$.a.b.c"`, input: `{"x":1}`, result: `true`,
			want: `{"x":1,"a":{"b":{"c":true}}}`,
		},
		{
			name: "manipulating state data with paths: InputPath, ResultPath and OutputPath", state: `"InputPath":"$.lambda","ResultPath":"$.data.lambdaresult","OutputPath":"$.data"`,
			input: lambdaInput, result: `"Hello, AWS Step Functions!"`,
			want: `{"val1":23,"val2":17,"lambdaresult":"Hello, AWS Step Functions!"}`,
		},
		{
			name: "OutputPath null gives an empty object", state: `"OutputPath":null`, input: lambdaInput, result: `1`, want: `{}`,
		},
		{
			name: "InputPath null gives the task an empty object", state: `"InputPath":null,"ResultPath":"$.got"`, input: `{"a":1}`, result: ``, want: `{"a":1,"got":{}}`,
		},
		{
			name: "spec: InputPath and ResultPath add a sum", state: `"InputPath":"$.numbers","ResultPath":"$.sum"`,
			input: `{"title":"Numbers to add","numbers":{"val1":3,"val2":4}}`, result: `7`,
			want: `{"title":"Numbers to add","numbers":{"val1":3,"val2":4},"sum":7}`,
		},
		{
			name:  "spec: Parameters with a path and a slice",
			state: `"Parameters":{"flagged":true,"parts":{"first.$":"$.vals[0]","last3.$":"$.vals[3:]"}}`,
			input: `{"flagged":7,"vals":[0,10,20,30,40,50]}`,
			want:  `{"flagged":true,"parts":{"first":0,"last3":[30,40,50]}}`,
		},
		{
			name: "bracket notation and descendant paths", state: `"Parameters":{"x.$":"$['a b'].c","all.$":"$..id"}`,
			input: `{"a b":{"c":1},"items":[{"id":"p1"},{"id":"p2"}]}`, want: `{"x":1,"all":["p1","p2"]}`,
		},
		{
			name: "filter expressions", state: `"Parameters":{"cheap.$":"$.items[?(@.price < 10)].id"}`,
			input: `{"items":[{"id":"a","price":5},{"id":"b","price":50},{"id":"c","price":9.5}]}`, want: `{"cheap":["a","c"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sep := ""
			if tt.state != "" {
				sep = ","
			}
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","End":true` + sep + tt.state + `}}}`
			tasks := echo
			if tt.result != "" {
				tasks = fixed(t, tt.result)
			}
			out, _, _, err := runDef(t, def, tt.input, tasks)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			assertJSON(t, out, tt.want)
		})
	}
}

func TestPassState(t *testing.T) {
	tests := []struct{ name, state, input, want string }{
		{"spec: Result placed by ResultPath", `"Result":{"x-datum":0.381018,"y-datum":622.2269926397355},"ResultPath":"$.coords"`, `{"georefOf":"Home"}`, `{"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}}`},
		{"no Result passes the input through", ``, `{"a":[1,2]}`, `{"a":[1,2]}`},
		{"Parameters build the result", `"Parameters":{"n.$":"$.a[1]"},"ResultPath":"$.p"`, `{"a":[1,2]}`, `{"a":[1,2],"p":{"n":2}}`},
		{"large integers survive", ``, `{"big":9007199254740993}`, `{"big":9007199254740993}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sep := ""
			if tt.state != "" {
				sep = ","
			}
			out, _, _, err := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true`+sep+tt.state+`}}}`, tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out, tt.want)
		})
	}
}

func TestPathFailures(t *testing.T) {
	tests := []struct{ name, state, input, wantErr string }{
		{"missing InputPath is States.Runtime", `"InputPath":"$.nope"`, `{}`, ErrRuntime},
		{"missing Parameters path", `"Parameters":{"x.$":"$.nope"}`, `{}`, ErrParameterPathFailure},
		{"ResultPath into a string", `"ResultPath":"$.a.b"`, `{"a":"text"}`, ErrResultPathMatchFailure},
		{"failing intrinsic", `"Parameters":{"x.$":"States.ArrayGetItem($.a, 5)"}`, `{"a":[1]}`, ErrIntrinsicFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,`+tt.state+`}}}`, tt.input, nil)
			e, ok := asError(err)
			if !ok || e.Name != tt.wantErr {
				t.Fatalf("err = %v, want %s", err, tt.wantErr)
			}
			if e.Cause == "" {
				t.Error("empty cause")
			}
		})
	}
}

func TestContextObject(t *testing.T) {
	tasks, _ := failing("E")
	var seen []any
	record := TaskRunnerFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		seen = append(seen, req.Input)
		return tasks.RunTask(ctx, req)
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
	  "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1}],
	  "Parameters":{"retry.$":"$$.State.RetryCount","name.$":"$$.State.Name","entered.$":"$$.State.EnteredTime",
	    "id.$":"$$.Execution.Id","exec.$":"$$.Execution.Name","start.$":"$$.Execution.StartTime","role.$":"$$.Execution.RoleArn",
	    "x.$":"$$.Execution.Input.x","machine.$":"$$.StateMachine.Name","machineId.$":"$$.StateMachine.Id"}}}}`
	clock := newFakeClock()
	in := &Interpreter{Clock: clock, Tasks: record}
	exec := testExecution
	exec.Input = map[string]any{"x": int64(7)}
	if _, err := in.Run(context.Background(), mustParse(t, def), exec, "", exec.Input); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("task ran %d times, want 2", len(seen))
	}
	want := `{"retry":%d,"name":"T","entered":"2026-01-02T03:04:05Z","id":"arn:aws:states:us-east-1:000000000000:execution:Machine:exec-1",
	  "exec":"exec-1","start":"2026-01-02T03:04:05Z","role":"arn:aws:iam::000000000000:role/Role","x":7,
	  "machine":"Machine","machineId":"arn:aws:states:us-east-1:000000000000:stateMachine:Machine"}`
	assertJSON(t, seen[0], fmt.Sprintf(want, 0))
	assertJSON(t, seen[1], fmt.Sprintf(want, 1))
}

// Examples of the States Language specification's "Payload Template",
// "Intrinsic Functions" and "Input and Output Processing" sections, with
// the results it gives for them.
func TestSpecificationExamples(t *testing.T) {
	tests := []struct {
		name, state, input, result, want, wantErr string
	}{
		{
			name:  "payload template with a path, a negative slice and an intrinsic",
			state: `"Parameters":{"flagged":true,"parts":{"first.$":"$.vals[0]","last3.$":"$.vals[-3:]"},"weekday.$":"$.DayOfWeek","formattedOutput.$":"States.Format('Today is {}', $.DayOfWeek)"}`,
			input: `{"flagged":7,"vals":[0,10,20,30,40,50],"DayOfWeek":"TUESDAY"}`,
			want:  `{"flagged":true,"parts":{"first":0,"last3":[30,40,50]},"weekday":"TUESDAY","formattedOutput":"Today is TUESDAY"}`,
		},
		{
			name:  "intrinsic with an escaped apostrophe",
			state: `"Parameters":{"greeting.$":"States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)"}`,
			input: `{"firstName":"John","lastName":"Doe"}`,
			want:  `{"greeting":"Welcome to John Doe's playlist."}`,
		},
		{
			name: "a path yielding several values gives an array", state: `"InputPath":"$.a[0,1]"`,
			input: `{"a":[1,2,3,4]}`, want: `[1,2]`,
		},
		{
			name: "ResultPath overwrites an existing field", state: `"ResultPath":"$.master.detail"`,
			input: `{"master":{"detail":[1,2,3]}}`, result: `6`, want: `{"master":{"detail":6}}`,
		},
		{
			name: "ResultPath builds a chain of new fields", state: `"ResultPath":"$.master.result.sum"`,
			input: `{"master":{"detail":[1,2,3]}}`, result: `6`, want: `{"master":{"detail":[1,2,3],"result":{"sum":6}}}`,
		},
		{
			name: "ResultPath constructs intervening objects", state: `"ResultPath":"$.b.greeting"`,
			input: `{"a":1}`, result: `"Hi!"`, want: `{"a":1,"b":{"greeting":"Hi!"}}`,
		},
		{
			name: "ResultPath cannot apply to a string input", state: `"ResultPath":"$.x"`,
			input: `"foo"`, result: `1`, wantErr: ErrResultPathMatchFailure,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:task:X","End":true,` + tt.state + `}}}`
			tasks := echo
			if tt.result != "" {
				tasks = fixed(t, tt.result)
			}
			out, _, _, err := runDef(t, def, tt.input, tasks)
			assertOutcome(t, out, err, tt.wantErr, tt.want)
		})
	}
}

// The specification's Catcher example: the first catcher keeps the input
// and adds the error output under "error-info"; the last replaces it.
func TestSpecificationCatchExample(t *testing.T) {
	const def = `{"StartAt":"L","States":{
	  "L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:L","End":true,"Catch":[
	    {"ErrorEquals":["java.lang.Exception"],"ResultPath":"$.error-info","Next":"RecoveryState"},
	    {"ErrorEquals":["States.ALL"],"Next":"EndMachine"}]},
	  "RecoveryState":{"Type":"Pass","End":true},
	  "EndMachine":{"Type":"Pass","End":true}}}`
	tests := []struct{ failure, want string }{
		{"java.lang.Exception", `{"foo":"bar","error-info":{"Error":"java.lang.Exception","Cause":"attempt failed"}}`},
		{"Other", `{"Error":"Other","Cause":"attempt failed"}`},
	}
	for _, tt := range tests {
		tasks, _ := failing(tt.failure)
		out, _, _, err := runDef(t, def, `{"foo":"bar"}`, tasks)
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, out, tt.want)
	}
}
