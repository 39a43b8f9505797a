package stepfunctions

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// TestAuthorization: the API is authorized for the caller, and a
// machine's tasks act as the machine's role (testRole, "StatesRole").
func TestAuthorization(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	fnARN := func(name string) string { return awsapi.ARN("lambda", "function:"+name) }
	// Lambda checks lambda:InvokeFunction for the caller; so does this fake.
	for _, name := range []string{"price", "secret"} {
		arn := fnARN(name)
		e.fns.set(name, func(ctx context.Context, _ []byte) (stack.InvokeResult, error) {
			if err := e.srv.Authorize(ctx, "lambda:InvokeFunction", arn, nil); err != nil {
				return stack.InvokeResult{}, err
			}
			return stack.InvokeResult{Payload: []byte(`{"total":3}`)}, nil
		})
	}
	// A DynamoDB that only authorizes, for the SDK integration.
	e.srv.Register("DynamoDB_20120810", "1.0", "com.amazonaws.dynamodb.v20120810#", func(ctx context.Context, op string, _ []byte) (any, error) {
		return nil, awsapi.Authorize(ctx, "dynamodb:"+op, "arn:aws:dynamodb:us-east-1:000000000000:table/Orders", nil)
	})
	iam := localtest.EnforceIAM(t, e.srv)
	// The machines' role, granted as CDK grants a LambdaInvoke task.
	iam.Role("StatesRole", localtest.Allow([]string{"lambda:InvokeFunction"}, fnARN("price"), fnARN("price")+":*"))

	task := func(resource string, params string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `",` + params + `"End":true}}}`
	}
	allowed := e.createMachine(t, "allowed", task(fnARN("price"), ""))
	notInvokable := e.createMachine(t, "not-invokable", task("arn:aws:states:::lambda:invoke", `"Parameters":{"FunctionName":"`+fnARN("secret")+`"},`))
	noTable := e.createMachine(t, "no-table", task("arn:aws:states:::aws-sdk:dynamodb:putItem", `"Parameters":{"TableName":"Orders","Item":{}},`))

	if out := e.wait(t, e.start(t, allowed, "ok", `{}`)); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("granted task: %s %s", out.Status, aws.ToString(out.Cause))
	}
	for _, tc := range []struct{ machine, wantError, wantCause string }{
		{notInvokable, "Lambda.AccessDeniedException", "User: arn:aws:sts::000000000000:assumed-role/StatesRole/not-invokable is not authorized to perform: lambda:InvokeFunction on resource: " + fnARN("secret")},
		{noTable, "DynamoDb.AccessDeniedException", "is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Orders"},
	} {
		out := e.wait(t, e.start(t, tc.machine, "denied", `{}`))
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != tc.wantError || !strings.Contains(aws.ToString(out.Cause), tc.wantCause) {
			t.Errorf("%s: %s %s %s, want FAILED %s", tc.machine, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tc.wantError)
		}
	}

	// The API: a client role may start one machine and describe its
	// executions, as CDK's grantStartExecution and grantRead write them.
	creds := iam.Role("client", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"states:StartExecution","Resource":"`+allowed+`"},
		{"Effect":"Allow","Action":"states:DescribeExecution","Resource":"arn:aws:states:us-east-1:000000000000:execution:allowed:*"}]}`)
	cfg := awstest.Config(e.url)
	cfg.Credentials = creds
	client := sfn.NewFromConfig(cfg)
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(allowed), Name: aws.String("by-client")})
	if err != nil {
		t.Fatalf("StartExecution granted: %v", err)
	}
	if _, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatalf("DescribeExecution granted: %v", err)
	}
	if _, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(noTable)}); apiErrorCode(err) != "AccessDeniedException" {
		t.Errorf("StartExecution of another machine: %v", err)
	}
	if _, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn}); apiErrorCode(err) != "AccessDeniedException" ||
		!strings.Contains(err.Error(), "states:GetExecutionHistory on resource: arn:aws:states:us-east-1:000000000000:execution:allowed:by-client") {
		t.Errorf("GetExecutionHistory: %v", err)
	}
	if _, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); apiErrorCode(err) != "AccessDeniedException" {
		t.Errorf("ListStateMachines: %v", err)
	}
}
