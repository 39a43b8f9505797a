package iam_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/iam"
	"github.com/shopstream/shopstream/emulator/stack"
)

// fakeFunctions provisions functions and permissions the way the lambda
// service does (Ref: name, Arn).
type fakeFunctions struct{ invoked []string }

func (*fakeFunctions) Types() []string {
	return []string{"AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::ApiGateway::Method"}
}

func (*fakeFunctions) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	if r.Type != "AWS::Lambda::Function" {
		return stack.Created{Ref: r.LogicalID}, nil
	}
	name := r.Properties["FunctionName"].(string)
	return stack.Created{Ref: name, Attrs: map[string]any{"Arn": awsapi.ARN("lambda", "function:"+name)}}, nil
}

func (f *fakeFunctions) Invoke(ctx context.Context, fn string, _ []byte) (stack.InvokeResult, error) {
	f.invoked = append(f.invoked, awsapi.PrincipalFrom(ctx).String())
	return stack.InvokeResult{}, nil
}

func doc(js string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		panic(err)
	}
	return m
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const (
	table   = "arn:aws:dynamodb:us-east-1:000000000000:table/Events"
	orders  = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders"
	fnARN   = "arn:aws:lambda:us-east-1:000000000000:function:publisher"
	roleARN = "arn:aws:iam::000000000000:role/publisher-role"
)

// deploy provisions a small stack into a Service: a role with an inline
// policy, a DefaultPolicy, a managed policy and AWS managed ones, a
// function using it and a permission for EventBridge.
func deploy(t *testing.T, log *bytes.Buffer) (*iam.Service, *fakeFunctions) {
	t.Helper()
	s := iam.NewService(iam.Options{Enforce: true, Log: slog.New(slog.NewTextHandler(log, nil))})
	fns := &fakeFunctions{}
	watched := s.Watch(fns)
	ctx := context.Background()
	create := func(p stack.Provisioner, id, typ string, props map[string]any) stack.Created {
		t.Helper()
		c, err := p.Create(ctx, stack.Resource{LogicalID: id, Type: typ, Properties: props, StackName: "Shop"})
		if err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
		return c
	}
	mp := create(s, "Managed", "AWS::IAM::ManagedPolicy", map[string]any{"ManagedPolicyName": "read-orders",
		"PolicyDocument": doc(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"` + orders + `"}}`)})
	role := create(s, "Role", "AWS::IAM::Role", map[string]any{
		"RoleName": "publisher-role", "AssumeRolePolicyDocument": doc(trust),
		"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", mp.Ref, "arn:aws:iam::aws:policy/SomethingNew"},
		"Policies": []any{map[string]any{"PolicyName": "inline", "PolicyDocument": doc(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"events:PutEvents","Resource":"*","Condition":{"StringLike":{"events:source":"shopstream.*"}}}]}`)}},
		"Tags": []any{map[string]any{"Key": "team", "Value": "orders"}},
	})
	create(s, "RoleDefaultPolicy", "AWS::IAM::Policy", map[string]any{"PolicyName": "default", "Roles": []any{role.Ref},
		"PolicyDocument": doc(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:Query"],"Resource":["` + table + `","` + table + `/index/*"],
			 "Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["product#*","basket#*"]}}},
			{"Effect":"Deny","Action":"dynamodb:DeleteItem","Resource":"*"},
			{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"billing"}}}]}`)})
	create(watched, "Fn", "AWS::Lambda::Function", map[string]any{"FunctionName": "publisher", "Role": role.Attrs["Arn"]})
	create(watched, "Perm", "AWS::Lambda::Permission", map[string]any{"FunctionName": fnARN, "Action": "lambda:InvokeFunction",
		"Principal": "events.amazonaws.com", "SourceArn": "arn:aws:events:us-east-1:000000000000:rule/bus/catalog"})
	create(watched, "Perm2", "AWS::Lambda::Permission", map[string]any{"FunctionName": "publisher", "Action": "lambda:InvokeFunction",
		"Principal": "apigateway.amazonaws.com", "SourceArn": "arn:aws:execute-api:us-east-1:000000000000:api1/dev/*/items/*"})
	return s, fns
}

func TestAuthorizeRoleSession(t *testing.T) {
	var log bytes.Buffer
	s, _ := deploy(t, &log)
	creds, err := s.Issue(roleARN, "publisher")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || len(creds.AccessKeyID) != 20 || len(creds.SecretAccessKey) != 40 || creds.SessionToken == "" {
		t.Fatalf("credentials %+v are not shaped like STS's", creds)
	}
	p, ok, err := s.Identify(creds.AccessKeyID, creds.SessionToken)
	if err != nil || !ok || p.RoleARN != roleARN || p.Session != "publisher" {
		t.Fatalf("Identify = %+v %v %v", p, ok, err)
	}
	if _, _, err := s.Identify(creds.AccessKeyID, "forged"); err == nil {
		t.Fatal("Identify accepted a wrong session token")
	}
	if _, ok, err := s.Identify("test", ""); ok || err != nil {
		t.Fatalf("a key the runtime did not issue is the administrator: %v %v", ok, err)
	}

	keys := func(k ...string) awsapi.Conditions { return awsapi.Conditions{"dynamodb:LeadingKeys": k} }
	deny := func(action, res, why string) string {
		return "User: arn:aws:sts::000000000000:assumed-role/publisher-role/publisher is not authorized to perform: " + action + " on resource: " + res + " " + why
	}
	tests := []struct {
		name, action, resource string
		conds                  awsapi.Conditions
		want                   string // "" allowed, else the denial message
	}{
		{"DefaultPolicy grant", "dynamodb:PutItem", table, keys("product#1"), ""},
		{"DefaultPolicy grant on an index", "dynamodb:Query", table + "/index/byType", keys("basket#alice"), ""},
		{"LeadingKeys outside the grant", "dynamodb:PutItem", table, keys("order#1"),
			deny("dynamodb:PutItem", table, "because no identity-based policy allows the dynamodb:PutItem action")},
		{"action not granted", "dynamodb:Scan", table, nil,
			deny("dynamodb:Scan", table, "because no identity-based policy allows the dynamodb:Scan action")},
		{"explicit deny", "dynamodb:DeleteItem", table, nil,
			deny("dynamodb:DeleteItem", table, "with an explicit deny in an identity-based policy")},
		{"customer managed policy", "dynamodb:GetItem", orders, nil, ""},
		{"AWS managed policy", "logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/publisher:*", nil, ""},
		{"inline policy with a condition", "events:PutEvents", "arn:aws:events:us-east-1:000000000000:event-bus/bus", awsapi.Conditions{"events:source": {"shopstream.catalog"}}, ""},
		{"inline policy condition fails", "events:PutEvents", "arn:aws:events:us-east-1:000000000000:event-bus/bus", awsapi.Conditions{"events:source": {"other"}},
			deny("events:PutEvents", "arn:aws:events:us-east-1:000000000000:event-bus/bus", "because no identity-based policy allows the events:PutEvents action")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Authorize(context.Background(), p, tt.action, tt.resource, tt.conds)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var ae *awsapi.Error
			if !awsapi.IsAccessDenied(err) || !asError(err, &ae) || ae.Message != tt.want {
				t.Fatalf("got %v\nwant AccessDeniedException: %s", err, tt.want)
			}
		})
	}
	for _, want := range []string{"iam: access denied", "role=publisher-role", "action=dynamodb:Scan", "resource=" + table,
		"notice: role Role: AWS managed policy arn:aws:iam::aws:policy/SomethingNew is not known to the local runtime"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}

	// A function's execution role acts for it (event source mappings).
	if err := s.Authorize(context.Background(), awsapi.Principal{Function: fnARN}, "dynamodb:Scan", table, nil); !awsapi.IsAccessDenied(err) {
		t.Fatalf("function principal: %v", err)
	}
	if err := s.Authorize(context.Background(), awsapi.Principal{Function: "publisher"}, "dynamodb:GetItem", orders, nil); err != nil {
		t.Fatalf("function principal by name: %v", err)
	}
	// A role the template does not define is not checked.
	if err := s.Authorize(context.Background(), awsapi.Principal{RoleARN: "arn:aws:iam::000000000000:role/elsewhere", Session: "x"}, "dynamodb:Scan", table, nil); err != nil {
		t.Fatalf("unknown role: %v", err)
	}
}

func asError(err error, target **awsapi.Error) bool {
	ae, ok := err.(*awsapi.Error)
	*target = ae
	return ok
}

func TestAuthorizeResourcePolicies(t *testing.T) {
	var log bytes.Buffer
	s, fns := deploy(t, &log)
	queue := "arn:aws:sqs:us-east-1:000000000000:orders"
	s.ResourcePolicies(func(arn string) string {
		if arn != queue {
			return ""
		}
		return `{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":"` + queue + `","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
			{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":"sqs:SendMessage","Resource":"` + queue + `"},
			{"Effect":"Deny","Principal":{"AWS":"` + roleARN + `"},"Action":"sqs:PurgeQueue","Resource":"` + queue + `"}]}`
	})
	ctx := context.Background()
	role := awsapi.Principal{RoleARN: roleARN, Session: "publisher"}
	events := func(rule string) awsapi.Principal {
		return awsapi.Principal{Service: "events.amazonaws.com", SourceARN: "arn:aws:events:us-east-1:000000000000:rule/bus/" + rule}
	}
	tests := []struct {
		name     string
		p        awsapi.Principal
		action   string
		resource string
		want     string // "" allowed, else a substring of the denial
	}{
		{"queue policy grants the role", role, "sqs:sendmessage", queue, ""},
		{"queue policy's explicit deny", role, "sqs:purgequeue", queue, "with an explicit deny in a resource-based policy"},
		{"neither policy grants", role, "sqs:receivemessage", queue, "because no identity-based policy allows the sqs:receivemessage action"},
		{"Lambda permission for the rule", events("catalog"), "lambda:InvokeFunction", fnARN, ""},
		{"Lambda permission for another rule", events("orders"), "lambda:InvokeFunction", fnARN,
			"events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: " + fnARN + " because no resource-based policy allows the lambda:InvokeFunction action"},
		{"service principal on a resource without a policy", events("catalog"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:other", "no resource-based policy allows"},
		{"role needs no permission to invoke with a grant", role, "lambda:InvokeFunction", fnARN, "because no identity-based policy allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Authorize(ctx, tt.p, tt.action, tt.resource, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			if !awsapi.IsAccessDenied(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a denial containing %q", err, tt.want)
			}
		})
	}

	// API Gateway invokes as itself for the method, unless the integration
	// has a Credentials role.
	inv := s.APIGateway(fns)
	payload := `{"requestContext":{"apiId":"api1","stage":"dev","httpMethod":"GET","resourcePath":"/items/{id}","resourceId":"r1"}}`
	if _, err := inv.Invoke(ctx, "publisher", []byte(payload)); err != nil {
		t.Fatal(err)
	}
	want := "apigateway.amazonaws.com for arn:aws:execute-api:us-east-1:000000000000:api1/dev/GET/items/{id}"
	if got := fns.invoked[0]; got != want {
		t.Fatalf("invoked as %q, want %q", got, want)
	}
	p := awsapi.Principal{Service: "apigateway.amazonaws.com", SourceARN: "arn:aws:execute-api:us-east-1:000000000000:api1/dev/GET/items/{id}"}
	if err := s.Authorize(ctx, p, "lambda:InvokeFunction", fnARN, nil); err != nil {
		t.Fatalf("API Gateway permission: %v", err)
	}
	p.SourceARN = "arn:aws:execute-api:us-east-1:000000000000:api1/dev/GET/orders/1"
	if err := s.Authorize(ctx, p, "lambda:InvokeFunction", fnARN, nil); !awsapi.IsAccessDenied(err) {
		t.Fatalf("API Gateway route without a permission: %v", err)
	}
	if _, err := s.Watch(fns).Create(ctx, stack.Resource{LogicalID: "M", Type: "AWS::ApiGateway::Method", Properties: map[string]any{
		"RestApiId": "api1", "ResourceId": "r1", "HttpMethod": "GET",
		"Integration": map[string]any{"Type": "AWS_PROXY", "Credentials": roleARN},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(ctx, "publisher", []byte(payload)); err != nil {
		t.Fatal(err)
	}
	if got := fns.invoked[1]; got != roleARN+" (session apigateway)" {
		t.Fatalf("with Credentials invoked as %q", got)
	}
}

func TestMalformedPolicy(t *testing.T) {
	bad := stack.Resource{LogicalID: "P", Type: "AWS::IAM::Policy", StackName: "Shop", Properties: map[string]any{
		"PolicyName": "p", "Roles": []any{"r"},
		"PolicyDocument": doc(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"k":"v"}}}}`),
	}}
	if _, err := iam.NewService(iam.Options{Enforce: true}).Create(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "unknown condition operator") {
		t.Fatalf("enforcing: %v, want the parse error", err)
	}
	var log bytes.Buffer
	off := iam.NewService(iam.Options{Log: slog.New(slog.NewTextHandler(&log, nil))})
	if _, err := off.Create(context.Background(), bad); err != nil {
		t.Fatalf("not enforcing: %v", err)
	}
	if !strings.Contains(log.String(), "accepted: IAM is not enforced") {
		t.Errorf("no notice: %s", log.String())
	}
}
