package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
)

// taskRunner performs Task states: Lambda functions through the Invoker,
// AWS SDK and optimized integrations through in-process calls to the
// other emulated services.
type taskRunner struct{ s *Service }

// sdkService describes how an "aws-sdk:<service>" integration reaches an
// emulated service: its JSON target prefix and the prefix Step Functions
// puts on the service's error names.
type sdkService struct {
	target      string
	errorPrefix string
}

var sdkServices = map[string]sdkService{
	"dynamodb":    {"DynamoDB_20120810", "DynamoDb"},
	"sqs":         {"AmazonSQS", "Sqs"},
	"eventbridge": {"AWSEvents", "EventBridge"},
	"sfn":         {"AWSStepFunctions", "Sfn"},
}

// optimized lists the optimized (non aws-sdk) integrations supported, by
// "<resourceType>:<resource>", with their target and error prefix.
var optimized = map[string]struct {
	target, errorPrefix string
}{
	"dynamodb:putItem":    {"DynamoDB_20120810.PutItem", "DynamoDB"},
	"dynamodb:getItem":    {"DynamoDB_20120810.GetItem", "DynamoDB"},
	"dynamodb:updateItem": {"DynamoDB_20120810.UpdateItem", "DynamoDB"},
	"dynamodb:deleteItem": {"DynamoDB_20120810.DeleteItem", "DynamoDB"},
	"events:putEvents":    {"AWSEvents.PutEvents", "EventBridge"},
	"sqs:sendMessage":     {"AmazonSQS.SendMessage", "SQS"},
}

func (t *taskRunner) RunTask(ctx context.Context, req asl.TaskRequest) (any, error) {
	res := req.Resource
	if res.Pattern != "" {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("the integration pattern %s of %s is not supported locally", res.Pattern, res.ARN)}
	}
	switch {
	case res.Lambda:
		return t.lambda(ctx, res.ARN, req.Input)
	case res.Type == "lambda" && res.Name == "invoke":
		return t.lambdaInvoke(ctx, req.Input)
	case strings.HasPrefix(res.Type, "aws-sdk:"):
		svc, ok := sdkServices[strings.TrimPrefix(res.Type, "aws-sdk:")]
		if !ok {
			return nil, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("the AWS SDK integration %s is not supported locally", res.ARN)}
		}
		return t.call(ctx, svc.target+"."+pascal(res.Name), svc.errorPrefix, req.Input)
	}
	key := res.Type + ":" + res.Name
	o, ok := optimized[key]
	if !ok {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("the resource %s is not supported locally", res.ARN)}
	}
	input := req.Input
	switch key {
	case "events:putEvents":
		input = stringifyField(input, "Entries", "Detail")
	case "sqs:sendMessage":
		input = stringifyField(input, "", "MessageBody")
	}
	out, err := t.call(ctx, o.target, o.errorPrefix, input)
	if err != nil {
		return nil, err
	}
	if key == "events:putEvents" {
		if m, ok := out.(map[string]any); ok {
			if n, _ := m["FailedEntryCount"].(int64); n > 0 {
				return nil, &asl.Error{Name: "EventBridge.FailedEntry", Cause: mustJSON(m)}
			}
		}
	}
	return out, nil
}

// stringifyField encodes non-string values of field as JSON text, as the
// optimized integrations do for EventBridge Detail and SQS MessageBody.
// With list set, field is looked up in each element of that array.
func stringifyField(input any, list, field string) any {
	m, ok := input.(map[string]any)
	if !ok {
		return input
	}
	fix := func(obj map[string]any) {
		if v, ok := obj[field]; ok {
			if _, isStr := v.(string); !isStr {
				obj[field] = mustJSON(v)
			}
		}
	}
	if list == "" {
		fix(m)
		return m
	}
	entries, _ := m[list].([]any)
	for _, e := range entries {
		if obj, ok := e.(map[string]any); ok {
			fix(obj)
		}
	}
	return m
}

func mustJSON(v any) string {
	s, err := asl.MarshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// pascal turns an aws-sdk action name ("putItem") into the API operation
// ("PutItem").
func pascal(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// call invokes another emulated service in-process. Its errors become
// task failures named "<prefix>.<ErrorType>", as Step Functions names them.
func (t *taskRunner) call(ctx context.Context, target, errorPrefix string, input any) (any, error) {
	t.s.mu.RLock()
	srv := t.s.srv
	t.s.mu.RUnlock()
	if srv == nil {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: "the Step Functions service is not registered on an endpoint"}
	}
	body, err := asl.MarshalJSON(input)
	if err != nil {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: err.Error()}
	}
	out, err := srv.Call(ctx, target, []byte(body))
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			service, _, _ := strings.Cut(target, ".")
			status := ae.Status
			if status == 0 {
				status = 400
			}
			return nil, &asl.Error{
				Name:  errorPrefix + "." + ae.Type,
				Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Error Code: %s, Request ID: %s)", ae.Message, service, status, ae.Type, awsapi.RequestID()),
			}
		}
		return nil, &asl.Error{Name: asl.ErrTaskFailed, Cause: err.Error()}
	}
	v, err := asl.ParseJSON(out)
	if err != nil {
		return nil, &asl.Error{Name: asl.ErrTaskFailed, Cause: fmt.Sprintf("%s returned invalid JSON: %v", target, err)}
	}
	return v, nil
}

// lambdaInvoke is arn:aws:states:::lambda:invoke: Parameters carry
// FunctionName, Payload, Qualifier and InvocationType, and the result
// wraps the function's output as the Lambda Invoke API returns it.
func (t *taskRunner) lambdaInvoke(ctx context.Context, input any) (any, error) {
	params, _ := input.(map[string]any)
	fn, _ := params["FunctionName"].(string)
	if fn == "" {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: "lambda:invoke needs Parameters.FunctionName"}
	}
	if q, _ := params["Qualifier"].(string); q != "" && !strings.HasSuffix(fn, ":"+q) {
		fn += ":" + q
	}
	payload, hasPayload := params["Payload"]
	if !hasPayload {
		payload = map[string]any{}
	}
	if typ, _ := params["InvocationType"].(string); typ == "Event" {
		raw := mustJSON(payload)
		go func() {
			// Fire and forget, as an asynchronous invocation is.
			_, _ = t.invoke(context.WithoutCancel(ctx), fn, raw)
		}()
		return invokeResult(202), nil
	}
	out, err := t.lambda(ctx, fn, payload)
	if err != nil {
		return nil, err
	}
	res := invokeResult(200)
	res["Payload"] = out
	return res, nil
}

// invokeResult is the Lambda Invoke API response lambda:invoke returns,
// without its Payload.
func invokeResult(status int64) map[string]any {
	id := awsapi.RequestID()
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"SdkHttpMetadata": map[string]any{
			"HttpHeaders": map[string]any{
				"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": id,
			},
			"HttpStatusCode": status,
		},
		"SdkResponseMetadata": map[string]any{"RequestId": id},
		"StatusCode":          status,
	}
}

// lambda invokes fn with input as the payload and returns the function's
// output. A function error fails the task with the payload's errorType
// as the error name ("Lambda.Unknown" without one) and the payload as
// the cause.
func (t *taskRunner) lambda(ctx context.Context, fn string, input any) (any, error) {
	res, err := t.invoke(ctx, fn, mustJSON(input))
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		var body struct {
			ErrorType string `json:"errorType"`
		}
		_ = json.Unmarshal(res.Payload, &body)
		name := body.ErrorType
		if name == "" {
			name = "Lambda.Unknown"
		}
		return nil, &asl.Error{Name: name, Cause: string(res.Payload)}
	}
	if len(strings.TrimSpace(string(res.Payload))) == 0 {
		return nil, nil
	}
	v, err := asl.ParseJSON(res.Payload)
	if err != nil {
		// Not JSON: Step Functions passes it on as a string.
		return string(res.Payload), nil
	}
	return v, nil
}

func (t *taskRunner) invoke(ctx context.Context, fn, payload string) (stack.InvokeResult, error) {
	if t.s.invoker == nil {
		return stack.InvokeResult{}, &asl.Error{Name: "Lambda.ServiceException", Cause: "no Lambda invoker is configured in the local runtime"}
	}
	res, err := t.s.invoker.Invoke(ctx, fn, []byte(payload))
	if err != nil {
		if ctx.Err() != nil {
			return stack.InvokeResult{}, err
		}
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			return stack.InvokeResult{}, &asl.Error{Name: "Lambda." + ae.Type, Cause: ae.Message}
		}
		return stack.InvokeResult{}, &asl.Error{Name: "Lambda.ServiceException", Cause: err.Error()}
	}
	return res, nil
}
