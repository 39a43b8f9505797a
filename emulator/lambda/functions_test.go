package lambda

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
)

func TestGetFunctionConfiguration(t *testing.T) {
	s, _ := newService(t, Config{})
	url := newEndpoint(t, s)
	addFunction(t, s, "plain-fn", nil)
	addFunction(t, s, "json-fn", map[string]any{
		"MemorySize": 256.0, "Timeout": "30", "Role": localtest.RoleARN("fnrole"),
		"Environment":   map[string]any{"Variables": map[string]any{"TABLE": "t1"}},
		"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": "/shop/json", "ApplicationLogLevel": "WARN"},
	})
	client := awslambda.New(awslambda.Options{Region: awsapi.Region, BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()

	got, err := client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("json-fn")})
	if err != nil {
		t.Fatal(err)
	}
	lc := got.LoggingConfig
	if aws.ToString(got.FunctionName) != "json-fn" || aws.ToString(got.FunctionArn) != FunctionARN("json-fn") || got.Runtime != types.RuntimeProvidedal2023 ||
		aws.ToString(got.Handler) != "bootstrap" || aws.ToInt32(got.MemorySize) != 256 || aws.ToInt32(got.Timeout) != 30 ||
		aws.ToString(got.Role) != localtest.RoleARN("fnrole") || got.Environment == nil || got.Environment.Variables["TABLE"] != "t1" ||
		lc == nil || lc.LogFormat != types.LogFormatJson || aws.ToString(lc.LogGroup) != "/shop/json" ||
		lc.ApplicationLogLevel != types.ApplicationLogLevelWarn || lc.SystemLogLevel != types.SystemLogLevelInfo ||
		aws.ToString(got.Version) != "$LATEST" || got.State != types.StateActive {
		t.Errorf("json-fn configuration: %+v logging %+v", got, lc)
	}

	// Defaults as AWS reports them: no Environment, the Text format
	// without levels, the /aws/lambda/<name> group, 128 MB and 3 s.
	got, err = client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String(FunctionARN("plain-fn"))})
	if err != nil {
		t.Fatal(err)
	}
	lc = got.LoggingConfig
	if got.Environment != nil || lc == nil || lc.LogFormat != types.LogFormatText || aws.ToString(lc.LogGroup) != "/aws/lambda/plain-fn" ||
		lc.ApplicationLogLevel != "" || lc.SystemLogLevel != "" || aws.ToInt32(got.MemorySize) != 128 || aws.ToInt32(got.Timeout) != 3 {
		t.Errorf("plain-fn configuration: %+v logging %+v", got, lc)
	}

	_, err = client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown function: %v, want ResourceNotFoundException", err)
	}

	t.Run("aws cli", func(t *testing.T) {
		cli := localtest.AWSCLI(t, url)
		got := cli("lambda", "get-function-configuration", "--function-name", "json-fn")
		if path(got, "LoggingConfig", "LogGroup") != "/shop/json" || got["MemorySize"] != 256.0 {
			t.Errorf("aws lambda get-function-configuration: %v", got)
		}
	})
}

func TestListFunctions(t *testing.T) {
	s, _ := newService(t, Config{})
	url := newEndpoint(t, s)
	names := []string{"list-c", "list-a", "list-b"}
	for _, n := range names {
		addFunction(t, s, n, nil)
	}
	client := awslambda.New(awslambda.Options{Region: awsapi.Region, BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()

	// Pages of two, through the SDK's paginator (Marker/NextMarker).
	var got []string
	p := awslambda.NewListFunctionsPaginator(client, &awslambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range out.Functions {
			got = append(got, aws.ToString(f.FunctionName))
			if aws.ToString(f.FunctionArn) != FunctionARN(aws.ToString(f.FunctionName)) || f.LoggingConfig == nil {
				t.Errorf("listed %+v", f)
			}
		}
	}
	if want := []string{"list-a", "list-b", "list-c"}; pages != 2 || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("listed %v in %d pages, want %v in 2", got, pages, want)
	}

	_, err := client.ListFunctions(ctx, &awslambda.ListFunctionsInput{MaxItems: aws.Int32(10001)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValueException" {
		t.Errorf("MaxItems 10001: %v, want InvalidParameterValueException", err)
	}

	t.Run("aws cli", func(t *testing.T) {
		cli := localtest.AWSCLI(t, url)
		out := cli("lambda", "list-functions", "--max-items", "5")
		fns, _ := out["Functions"].([]any)
		if len(fns) != 3 {
			t.Errorf("aws lambda list-functions: %v", out)
		}
	})
}

func TestFunctionReadsAreAuthorized(t *testing.T) {
	s, _ := newService(t, Config{})
	srv, url := localtest.Serve(t)
	s.Register(srv)
	addFunction(t, s, "read-fn", nil)
	arn := FunctionARN("read-fn")
	iam := localtest.EnforceIAM(t, srv)
	reader := iam.Role("reader", localtest.Allow([]string{"lambda:ListFunctions"}, "*"), localtest.Allow([]string{"lambda:GetFunctionConfiguration"}, arn))
	invoker := iam.Role("invoker", localtest.Allow([]string{"lambda:InvokeFunction"}, arn))
	client := func(creds aws.CredentialsProvider) *awslambda.Client {
		return awslambda.New(awslambda.Options{Region: awsapi.Region, BaseEndpoint: aws.String(url), Credentials: creds})
	}
	ctx := context.Background()
	if _, err := client(reader).ListFunctions(ctx, &awslambda.ListFunctionsInput{}); err != nil {
		t.Errorf("ListFunctions with the grant: %v", err)
	}
	if _, err := client(reader).GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("read-fn")}); err != nil {
		t.Errorf("GetFunctionConfiguration with the grant: %v", err)
	}
	denied := func(what, action string, err error) {
		t.Helper()
		var api smithy.APIError
		var resp *awshttp.ResponseError
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || !errors.As(err, &resp) || resp.HTTPStatusCode() != 403 {
			t.Errorf("%s without the grant: %v, want a 403 AccessDeniedException", what, err)
		} else if want := "not authorized to perform: " + action; !strings.Contains(api.ErrorMessage(), want) {
			t.Errorf("%s: %q lacks %q", what, api.ErrorMessage(), want)
		}
	}
	_, err := client(invoker).ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	denied("ListFunctions", "lambda:ListFunctions on resource: *", err)
	_, err = client(invoker).GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("read-fn")})
	denied("GetFunctionConfiguration", "lambda:GetFunctionConfiguration on resource: "+arn, err)
}
