package stepfunctions

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/stack"
)

const checkoutDefinition = `{"Comment":"checkout","StartAt":"Price","States":{
  "Price":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:pricebasket","Payload.$":"$"},
    "ResultSelector":{"total.$":"$.Payload.total"},"ResultPath":"$.price","Next":"Authorize"},
  "Authorize":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:authorizepayment","ResultPath":"$.payment",
    "Catch":[{"ErrorEquals":["PaymentDeclinedError"],"ResultPath":"$.error","Next":"Declined"}],"Next":"Done"},
  "Declined":{"Type":"Fail","Error":"CheckoutFailed","Cause":"payment declined"},
  "Done":{"Type":"Succeed"}}}`

func TestStateMachineLifecycle(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	arn := e.createMachine(t, "Checkout", checkoutDefinition)
	if arn != "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout" {
		t.Errorf("arn = %s", arn)
	}
	// Creating the same machine again is idempotent; a different
	// definition under the same name is a conflict.
	if again := e.createMachine(t, "Checkout", checkoutDefinition); again != arn {
		t.Errorf("second create returned %s", again)
	}
	_, err := e.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("Checkout"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`), RoleArn: aws.String(testRole)})
	if code := apiErrorCode(err); code != "StateMachineAlreadyExists" {
		t.Errorf("conflicting create: err = %v, want StateMachineAlreadyExists", err)
	}

	desc, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if *desc.Name != "Checkout" || *desc.Definition != checkoutDefinition || desc.Type != types.StateMachineTypeStandard || desc.Status != types.StateMachineStatusActive || *desc.RoleArn != testRole {
		t.Errorf("DescribeStateMachine = %+v", desc)
	}
	e.createMachine(t, "Another", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`)
	list, err := e.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StateMachines) != 2 || *list.StateMachines[0].Name != "Another" || *list.StateMachines[1].Name != "Checkout" {
		t.Errorf("ListStateMachines = %+v", list.StateMachines)
	}
	// Pages of one, then a token that was never issued.
	page, err := e.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1})
	if err != nil || len(page.StateMachines) != 1 || page.NextToken == nil {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = e.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1, NextToken: page.NextToken})
	if err != nil || len(page.StateMachines) != 1 || *page.StateMachines[0].Name != "Checkout" || page.NextToken != nil {
		t.Errorf("second page = %+v, %v", page, err)
	}
	_, err = e.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("bogus")})
	if code := apiErrorCode(err); code != "InvalidToken" {
		t.Errorf("bogus token: err = %v, want InvalidToken", err)
	}

	const updated = `{"StartAt":"Only","States":{"Only":{"Type":"Succeed"}}}`
	if _, err := e.client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(updated)}); err != nil {
		t.Fatal(err)
	}
	if desc, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil || *desc.Definition != updated || *desc.RoleArn != testRole {
		t.Errorf("after update: %+v, %v", desc, err)
	}
	_, err = e.client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"Gone","States":{"Only":{"Type":"Succeed"}}}`)})
	if code := apiErrorCode(err); code != "InvalidDefinition" {
		t.Errorf("invalid update: err = %v, want InvalidDefinition", err)
	}
	if desc, _ := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); *desc.Definition != updated {
		t.Error("an invalid update changed the definition")
	}

	if _, err := e.client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if code := apiErrorCode(err); code != "StateMachineDoesNotExist" {
		t.Errorf("describe deleted: err = %v", err)
	}
}

func TestCreateStateMachineRejectsBadInput(t *testing.T) {
	e := newEnv(t, "")
	tests := []struct {
		name, machine, definition, role, wantCode, wantMessage string
	}{
		{"unknown Next", "M", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, testRole, "InvalidDefinition", "Missing 'Next' target: B at /States/A/Next"},
		{"not JSON", "M", `{"StartAt":`, testRole, "InvalidDefinition", "INVALID_JSON_DESCRIPTION"},
		{"missing StartAt", "M", `{"States":{"A":{"Type":"Succeed"}}}`, testRole, "InvalidDefinition", "StartAt"},
		{"bad name", "has space", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, testRole, "InvalidName", "has space"},
		{"bad role", "M", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "role", "InvalidArn", "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(tt.machine), Definition: aws.String(tt.definition), RoleArn: aws.String(tt.role)})
			if code := apiErrorCode(err); code != tt.wantCode || !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("err = %v, want %s mentioning %q", err, tt.wantCode, tt.wantMessage)
			}
		})
	}
	list, _ := e.client.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{})
	if len(list.StateMachines) != 0 {
		t.Errorf("bad input created %d machines", len(list.StateMachines))
	}
}

func TestExecutionSucceedsWithHistory(t *testing.T) {
	e := newEnv(t, "")
	var pricedWith string
	e.fns.set("pricebasket", func(_ context.Context, p []byte) (stack.InvokeResult, error) {
		pricedWith = string(p)
		return stack.InvokeResult{Payload: []byte(`{"total":42}`)}, nil
	})
	e.fns.set("authorizepayment", jsonResult(`{"authorized":true}`))
	arn := e.createMachine(t, "Checkout", checkoutDefinition)
	exec := e.start(t, arn, "checkout-1", `{"basketId":"b-1"}`)
	if exec != "arn:aws:states:us-east-1:000000000000:execution:Checkout:checkout-1" {
		t.Errorf("execution arn = %s", exec)
	}
	out := e.wait(t, exec)
	if out.Status != types.ExecutionStatusSucceeded || out.StopDate == nil || out.StartDate == nil || *out.Name != "checkout-1" || *out.StateMachineArn != arn {
		t.Fatalf("DescribeExecution = %+v", out)
	}
	jsonEqual(t, pricedWith, `{"basketId":"b-1"}`)
	jsonEqual(t, *out.Input, `{"basketId":"b-1"}`)
	jsonEqual(t, *out.Output, `{"basketId":"b-1","price":{"total":42},"payment":{"authorized":true}}`)

	events := e.history(t, exec)
	want := []string{"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
		"SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history =\n%v\nwant\n%v", got, want)
	}
	for i, ev := range events {
		if ev.Id != int64(i+1) || ev.PreviousEventId != int64(i) || ev.Timestamp == nil {
			t.Errorf("event %d: id %d previous %d timestamp %v", i, ev.Id, ev.PreviousEventId, ev.Timestamp)
		}
	}
	if d := events[0].ExecutionStartedEventDetails; d == nil || *d.RoleArn != testRole {
		t.Errorf("ExecutionStarted details = %+v", d)
	} else {
		jsonEqual(t, *d.Input, `{"basketId":"b-1"}`)
	}
	if d := events[1].StateEnteredEventDetails; d == nil || *d.Name != "Price" {
		t.Errorf("TaskStateEntered details = %+v", d)
	}
	if d := events[2].TaskScheduledEventDetails; d == nil || *d.ResourceType != "lambda" || *d.Resource != "invoke" || *d.Region != "us-east-1" {
		t.Errorf("TaskScheduled details = %+v", d)
	} else {
		jsonEqual(t, *d.Parameters, `{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:pricebasket","Payload":{"basketId":"b-1"}}`)
	}
	if d := events[4].TaskSucceededEventDetails; d == nil || !strings.Contains(*d.Output, `"StatusCode":200`) || !strings.Contains(*d.Output, `"Payload":{"total":42}`) {
		t.Errorf("TaskSucceeded details = %+v", d)
	}
	if d := events[5].StateExitedEventDetails; d == nil || *d.Name != "Price" {
		t.Errorf("TaskStateExited details = %+v", d)
	} else {
		jsonEqual(t, *d.Output, `{"basketId":"b-1","price":{"total":42}}`)
	}
	if d := events[7].LambdaFunctionScheduledEventDetails; d == nil || *d.Resource != "arn:aws:lambda:us-east-1:000000000000:function:authorizepayment" {
		t.Errorf("LambdaFunctionScheduled details = %+v", d)
	}
	forExec, err := e.client.DescribeStateMachineForExecution(context.Background(), &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(exec)})
	if err != nil || *forExec.StateMachineArn != arn || *forExec.Definition != checkoutDefinition {
		t.Errorf("DescribeStateMachineForExecution = %+v, %v", forExec, err)
	}
	if d := events[13].ExecutionSucceededEventDetails; d == nil {
		t.Error("ExecutionSucceeded has no details")
	} else {
		jsonEqual(t, *d.Output, *out.Output)
	}

	// reverseOrder and pagination.
	page, err := e.client.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), ReverseOrder: true, MaxResults: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 3 || page.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || page.Events[0].Id != 14 || page.NextToken == nil {
		t.Errorf("reversed first page = %v, next %v", eventTypes(page.Events), page.NextToken)
	}
}

func TestLambdaErrorsBecomeTaskFailures(t *testing.T) {
	e := newEnv(t, "")
	declined := `{"errorMessage":"card declined","errorType":"PaymentDeclinedError"}`
	e.fns.set("pricebasket", jsonResult(`{"total":42}`))
	e.fns.set("authorizepayment", func(context.Context, []byte) (stack.InvokeResult, error) {
		return stack.InvokeResult{Payload: []byte(declined), FunctionError: "Unhandled"}, nil
	})
	arn := e.createMachine(t, "Checkout", checkoutDefinition)

	// Caught by name: the machine goes to its Fail state.
	out := e.wait(t, e.start(t, arn, "declined", `{}`))
	if out.Status != types.ExecutionStatusFailed || *out.Error != "CheckoutFailed" || *out.Cause != "payment declined" {
		t.Fatalf("DescribeExecution = status %s error %v cause %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	events := e.history(t, *out.ExecutionArn)
	var failed *types.LambdaFunctionFailedEventDetails
	for _, ev := range events {
		if ev.Type == types.HistoryEventTypeLambdaFunctionFailed {
			failed = ev.LambdaFunctionFailedEventDetails
		}
	}
	if failed == nil || *failed.Error != "PaymentDeclinedError" || *failed.Cause != declined {
		t.Errorf("LambdaFunctionFailed details = %+v", failed)
	}
	last := events[len(events)-1]
	if last.Type != types.HistoryEventTypeExecutionFailed || *last.ExecutionFailedEventDetails.Error != "CheckoutFailed" {
		t.Errorf("last event = %s %+v", last.Type, last.ExecutionFailedEventDetails)
	}

	// Uncaught through lambda:invoke: the execution fails with the
	// function's error type and the payload as cause.
	bare := e.createMachine(t, "Bare", `{"StartAt":"Pay","States":{"Pay":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"authorizepayment","Payload.$":"$"},"End":true}}}`)
	out = e.wait(t, e.start(t, bare, "uncaught", `{}`))
	if out.Status != types.ExecutionStatusFailed || *out.Error != "PaymentDeclinedError" || *out.Cause != declined {
		t.Errorf("uncaught: status %s error %v cause %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	// An unknown function is a Lambda service error.
	missing := e.createMachine(t, "Missing", `{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:nope","End":true}}}`)
	out = e.wait(t, e.start(t, missing, "missing", `{}`))
	if out.Status != types.ExecutionStatusFailed || *out.Error != "Lambda.ResourceNotFoundException" {
		t.Errorf("missing function: status %s error %v", out.Status, aws.ToString(out.Error))
	}
}

func TestStartExecutionIdempotency(t *testing.T) {
	e := newEnv(t, "")
	release := make(chan struct{})
	e.fns.set("block", func(ctx context.Context, _ []byte) (stack.InvokeResult, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return stack.InvokeResult{Payload: []byte(`"done"`)}, nil
	})
	arn := e.createMachine(t, "Blocking", `{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:block","End":true}}}`)
	ctx := context.Background()
	first, err := e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-1"), Input: aws.String(`{"a":1,"b":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	// Same name and same input (even formatted differently) while running:
	// the same execution.
	again, err := e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-1"), Input: aws.String(`{ "b":2, "a":1 }`)})
	if err != nil {
		t.Fatalf("idempotent start: %v", err)
	}
	if *again.ExecutionArn != *first.ExecutionArn || !again.StartDate.Equal(*first.StartDate) {
		t.Errorf("idempotent start returned %s %v, want %s %v", *again.ExecutionArn, again.StartDate, *first.ExecutionArn, first.StartDate)
	}
	// Different input: conflict.
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-1"), Input: aws.String(`{"a":2}`)})
	if code := apiErrorCode(err); code != "ExecutionAlreadyExists" {
		t.Errorf("different input: err = %v, want ExecutionAlreadyExists", err)
	}
	close(release)
	e.wait(t, *first.ExecutionArn)
	// Closed execution: even the same input is a conflict.
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-1"), Input: aws.String(`{"a":1,"b":2}`)})
	if code := apiErrorCode(err); code != "ExecutionAlreadyExists" {
		t.Errorf("closed execution: err = %v, want ExecutionAlreadyExists", err)
	}
	// Bad input changes nothing.
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-2"), Input: aws.String(`{nope`)})
	if code := apiErrorCode(err); code != "InvalidExecutionInput" {
		t.Errorf("bad input: err = %v", err)
	}
	huge := `{"pad":"` + strings.Repeat("x", maxPayload) + `"}`
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("co-3"), Input: aws.String(huge)})
	if code := apiErrorCode(err); code != "InvalidExecutionInput" || !strings.Contains(err.Error(), "maximum of 262144") {
		t.Errorf("huge input: err = %v", err)
	}
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("bad/name"), Input: aws.String(`{}`)})
	if code := apiErrorCode(err); code != "InvalidName" {
		t.Errorf("bad name: err = %v", err)
	}
	_, err = e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + "x"), Input: aws.String(`{}`)})
	if code := apiErrorCode(err); code != "StateMachineDoesNotExist" {
		t.Errorf("unknown machine: err = %v", err)
	}
	list, err := e.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn)})
	if err != nil || len(list.Executions) != 1 {
		t.Errorf("ListExecutions = %v, %v; want one execution", list, err)
	}
}

func TestListExecutionsFilterAndPages(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	ok := e.createMachine(t, "Choose", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Yes"}],"Default":"No"},"Yes":{"Type":"Succeed"},"No":{"Type":"Fail","Error":"No"}}}`)
	for i, input := range []string{`{"ok":true}`, `{"ok":false}`, `{"ok":true}`, `{"ok":true}`, `{"ok":false}`} {
		e.wait(t, e.start(t, ok, "run-"+string(rune('a'+i)), input))
	}
	tests := []struct {
		filter types.ExecutionStatus
		want   int
	}{{"", 5}, {types.ExecutionStatusSucceeded, 3}, {types.ExecutionStatusFailed, 2}, {types.ExecutionStatusRunning, 0}}
	for _, tt := range tests {
		var names []string
		p := sfn.NewListExecutionsPaginator(e.client, &sfn.ListExecutionsInput{StateMachineArn: aws.String(ok), StatusFilter: tt.filter, MaxResults: 2})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ex := range page.Executions {
				if tt.filter != "" && ex.Status != tt.filter {
					t.Errorf("filter %s returned %s", tt.filter, ex.Status)
				}
				names = append(names, *ex.Name)
			}
		}
		if len(names) != tt.want {
			t.Errorf("filter %q: %d executions %v, want %d", tt.filter, len(names), names, tt.want)
		}
	}
	_, err := e.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(ok), StatusFilter: "DONE"})
	if code := apiErrorCode(err); code != "ValidationException" {
		t.Errorf("bad filter: err = %v", err)
	}
}

func TestStopExecution(t *testing.T) {
	// On a held clock the Wait never ends by itself, so the execution is
	// still in it when the stop arrives, however slow the machine.
	e := newEnvClock(t, "", heldClock{})
	ctx := context.Background()
	arn := e.createMachine(t, "Waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	exec := e.start(t, arn, "w-1", `{}`)
	// Stop it only once it is in the Wait: that is the history asserted.
	e.waitForEvent(t, exec, types.HistoryEventTypeWaitStateEntered)
	out, err := e.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("Cancelled"), Cause: aws.String("customer cancelled")})
	if err != nil {
		t.Fatal(err)
	}
	if out.StopDate == nil {
		t.Error("no stopDate")
	}
	desc := e.wait(t, exec)
	if desc.Status != types.ExecutionStatusAborted || aws.ToString(desc.Error) != "Cancelled" || aws.ToString(desc.Cause) != "customer cancelled" || desc.StopDate == nil {
		t.Fatalf("DescribeExecution = %s %q %q stopDate %v; history %v", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause), desc.StopDate, eventTypes(e.history(t, exec)))
	}
	events := e.history(t, exec)
	want := []string{"ExecutionStarted", "WaitStateEntered", "ExecutionAborted"}
	if got := eventTypes(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	if d := events[2].ExecutionAbortedEventDetails; d == nil || aws.ToString(d.Error) != "Cancelled" || aws.ToString(d.Cause) != "customer cancelled" {
		t.Errorf("ExecutionAborted details = %+v", d)
	}
	// Stopping a closed execution changes nothing and reports when it stopped.
	again, err := e.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("Other")})
	if err != nil || again.StopDate == nil || !again.StopDate.Equal(*desc.StopDate) {
		t.Errorf("second stop = %v, %v; want stopDate %v", again, err, desc.StopDate)
	}
	after := e.wait(t, exec)
	if got := eventTypes(e.history(t, exec)); aws.ToString(after.Error) != "Cancelled" || !reflect.DeepEqual(got, want) {
		t.Errorf("second stop changed the execution: error %q, history %v", aws.ToString(after.Error), got)
	}
	_, err = e.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String("not-an-arn")})
	if code := apiErrorCode(err); code != "InvalidArn" {
		t.Errorf("bad arn: err = %v, want InvalidArn", err)
	}
	_, err = e.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec + "-nope")})
	if code := apiErrorCode(err); code != "ExecutionDoesNotExist" {
		t.Errorf("unknown execution: err = %v, want ExecutionDoesNotExist", err)
	}
}

// sdkFake registers a fake DynamoDB on the endpoint: PutItem succeeds
// unless the item's "id" is "taken", which fails the condition.
func sdkFake(e *env) *[]string {
	var calls []string
	e.srv.Register("DynamoDB_20120810", "1.0", "com.amazonaws.dynamodb.v20120810#", func(_ context.Context, op string, body []byte) (any, error) {
		calls = append(calls, op+" "+string(body))
		if strings.Contains(string(body), `"taken"`) {
			return nil, &awsapiError{Type: "ConditionalCheckFailedException", Message: "The conditional request failed", Status: 400}
		}
		return map[string]any{}, nil
	})
	return &calls
}

func TestSDKIntegrations(t *testing.T) {
	e := newEnv(t, "")
	calls := sdkFake(e)
	def := `{"StartAt":"Put","States":{
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S.$":"$.id"}},"ConditionExpression":"attribute_not_exists(id)"},
	    "ResultPath":null,"Catch":[{"ErrorEquals":["DynamoDB.ConditionalCheckFailedException"],"ResultPath":"$.error","Next":"SdkPut"}],"End":true},
	  "SdkPut":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S.$":"$.id"}}},"End":true}}}`
	arn := e.createMachine(t, "Sdk", def)
	out := e.wait(t, e.start(t, arn, "fresh", `{"id":"o-1"}`))
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("fresh: %s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	jsonEqual(t, *out.Output, `{"id":"o-1"}`)
	if len(*calls) != 1 || !strings.HasPrefix((*calls)[0], `PutItem {"ConditionExpression":"attribute_not_exists(id)","Item":{"id":{"S":"o-1"}},"TableName":"orders"}`) {
		t.Errorf("calls = %v", *calls)
	}
	// The optimized integration's error is caught as
	// DynamoDB.ConditionalCheckFailedException; the aws-sdk one fails the
	// execution as DynamoDb.ConditionalCheckFailedException.
	out = e.wait(t, e.start(t, arn, "taken", `{"id":"taken"}`))
	if out.Status != types.ExecutionStatusFailed || *out.Error != "DynamoDb.ConditionalCheckFailedException" || !strings.Contains(*out.Cause, "The conditional request failed (Service: DynamoDB_20120810, Status Code: 400") {
		t.Errorf("taken: %s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	var scheduled []string
	for _, ev := range e.history(t, *out.ExecutionArn) {
		if d := ev.TaskScheduledEventDetails; d != nil {
			scheduled = append(scheduled, *d.ResourceType+"/"+*d.Resource)
		}
	}
	if want := []string{"dynamodb/putItem", "aws-sdk:dynamodb/putItem"}; !reflect.DeepEqual(scheduled, want) {
		t.Errorf("TaskScheduled resources = %v, want %v", scheduled, want)
	}
}

func TestOptimizedIntegrationsStringifyBodies(t *testing.T) {
	e := newEnv(t, "")
	var got = map[string]string{}
	record := func(prefix string, reply any) {
		e.srv.Register(prefix, "1.1", "", func(_ context.Context, op string, body []byte) (any, error) {
			got[prefix+"."+op] = string(body)
			return reply, nil
		})
	}
	record("AWSEvents", map[string]any{"FailedEntryCount": 0, "Entries": []any{map[string]any{"EventId": "e-1"}}})
	record("AmazonSQS", map[string]any{"MessageId": "m-1", "MD5OfMessageBody": "x"})
	def := `{"StartAt":"Put","States":{
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Source":"shopstream","DetailType":"CheckoutFailed","Detail":{"id.$":"$.id"},"EventBusName":"bus"}]},"ResultPath":"$.put","Next":"Send"},
	  "Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"http://q","MessageBody":{"id.$":"$.id"}},"ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.sent","End":true}}}`
	out := e.wait(t, e.start(t, e.createMachine(t, "Notify", def), "n-1", `{"id":"o-1"}`))
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	jsonEqual(t, *out.Output, `{"id":"o-1","put":{"FailedEntryCount":0,"Entries":[{"EventId":"e-1"}]},"sent":{"id":"m-1"}}`)
	var put struct{ Entries []struct{ Detail string } }
	if err := json.Unmarshal([]byte(got["AWSEvents.PutEvents"]), &put); err != nil || len(put.Entries) != 1 || put.Entries[0].Detail != `{"id":"o-1"}` {
		t.Errorf("PutEvents body = %s (%v)", got["AWSEvents.PutEvents"], err)
	}
	var send struct{ MessageBody string }
	if err := json.Unmarshal([]byte(got["AmazonSQS.SendMessage"]), &send); err != nil || send.MessageBody != `{"id":"o-1"}` {
		t.Errorf("SendMessage body = %s (%v)", got["AmazonSQS.SendMessage"], err)
	}
}

func TestProvisioner(t *testing.T) {
	e := newEnv(t, "")
	r := stack.Resource{LogicalID: "CheckoutStateMachine1A2B", Type: ResourceType, Properties: map[string]any{
		"DefinitionString":        `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"${Greeting}","End":true}}}`,
		"DefinitionSubstitutions": map[string]any{"Greeting": "hello"},
		"RoleArn":                 testRole,
		"StateMachineType":        "STANDARD",
		"LoggingConfiguration":    map[string]any{"Level": "ALL", "IncludeExecutionData": true},
		"TracingConfiguration":    map[string]any{"Enabled": true},
	}}
	created, err := e.svc.Create(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Ref, "arn:aws:states:us-east-1:000000000000:stateMachine:CheckoutStateMachine1A2B-") || created.Attrs["Arn"] != created.Ref {
		t.Errorf("Created = %+v", created)
	}
	// Provisioning again (a restart) keeps the same machine.
	again, err := e.svc.Create(context.Background(), r)
	if err != nil || again.Ref != created.Ref || again.Attrs["Name"] != created.Attrs["Name"] {
		t.Errorf("second Create = %+v, %v", again, err)
	}
	out := e.wait(t, e.start(t, created.Ref, "p", `{}`))
	jsonEqual(t, aws.ToString(out.Output), `"hello"`)
	desc, err := e.client.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(created.Ref)})
	if err != nil || desc.LoggingConfiguration.Level != types.LogLevelAll || !desc.TracingConfiguration.Enabled {
		t.Errorf("DescribeStateMachine = %+v, %v", desc, err)
	}

	bad := []struct {
		name  string
		props map[string]any
		want  string
	}{
		{"no definition", map[string]any{}, "DefinitionString or Definition is required"},
		{"invalid definition", map[string]any{"DefinitionString": `{"StartAt":"X","States":{}}`}, "InvalidDefinition"},
		{"Definition object", map[string]any{"Definition": map[string]any{"StartAt": "A", "States": map[string]any{"A": map[string]any{"Type": "Succeed"}}}, "StateMachineName": "FromObject"}, ""},
	}
	for _, tt := range bad {
		_, err := e.svc.Create(context.Background(), stack.Resource{LogicalID: "M", Type: ResourceType, Properties: tt.props})
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "M:") {
			t.Errorf("%s: err = %v, want it to name the resource and contain %q", tt.name, err, tt.want)
		}
	}
}

func TestMapAndParallelThroughTheService(t *testing.T) {
	e := newEnv(t, "")
	e.fns.set("reservestock", func(_ context.Context, p []byte) (stack.InvokeResult, error) {
		var item struct {
			SKU string `json:"sku"`
		}
		_ = json.Unmarshal(p, &item)
		return stack.InvokeResult{Payload: []byte(`{"reserved":"` + item.SKU + `"}`)}, nil
	})
	def := `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","ResultPath":"$.results","End":true,"Branches":[
	  {"StartAt":"Reserve","States":{"Reserve":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemSelector":{"sku.$":"$$.Map.Item.Value.sku"},
	    "ItemProcessor":{"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:reservestock","End":true}}},"End":true}}},
	  {"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":1,"End":true}}}]}}}`
	out := e.wait(t, e.start(t, e.createMachine(t, "Reserve", def), "r-1", `{"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"}]}`))
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	jsonEqual(t, *out.Output, `{"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"}],"results":[[{"reserved":"a"},{"reserved":"b"},{"reserved":"c"}],{"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"}]}]}`)
	types_ := eventTypes(e.history(t, *out.ExecutionArn))
	for _, want := range []string{"ParallelStateEntered", "ParallelStateStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted", "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "WaitStateExited", "ParallelStateSucceeded", "ParallelStateExited"} {
		if !contains(types_, want) {
			t.Errorf("history lacks %s: %v", want, types_)
		}
	}
}
