package localtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/iam"
	"github.com/shopstream/shopstream/emulator/stack"
)

// IAM is IAM enforcement on a test endpoint (see EnforceIAM).
type IAM struct {
	t       testing.TB
	Service *iam.Service
	Log     *SyncBuffer // the Service's log: denials and notices
	n       int
}

// EnforceIAM installs an iam.Service as srv's Authorizer: requests signed
// with credentials from Role are evaluated against that role's policies;
// any other credentials stay the administrator's.
func EnforceIAM(t testing.TB, srv *awsapi.Server) *IAM {
	t.Helper()
	log := &SyncBuffer{}
	s := iam.NewService(iam.Options{Enforce: true, Log: slog.New(slog.NewTextHandler(log, nil))})
	srv.SetAuthorizer(s)
	return &IAM{t: t, Service: s, Log: log}
}

// RoleARN is the ARN of the role Role defines under name.
func RoleARN(name string) string { return "arn:aws:iam::" + awsapi.AccountID + ":role/" + name }

// Role defines role name with the given identity-based policy documents
// (JSON) and returns credentials issued for a session of it named after
// the role, as a function of that role would get them.
func (i *IAM) Role(name string, policies ...string) aws.CredentialsProvider {
	i.t.Helper()
	ctx := context.Background()
	var inline []any
	for n, p := range policies {
		var doc map[string]any
		if err := json.Unmarshal([]byte(p), &doc); err != nil {
			i.t.Fatalf("role %s: policy %d: %v", name, n, err)
		}
		inline = append(inline, map[string]any{"PolicyName": fmt.Sprintf("p%d", n), "PolicyDocument": doc})
	}
	_, err := i.Service.Create(ctx, stack.Resource{LogicalID: name, Type: "AWS::IAM::Role", StackName: "Test", Properties: map[string]any{
		"RoleName": name, "Policies": inline,
		"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
	}})
	if err != nil {
		i.t.Fatalf("role %s: %v", name, err)
	}
	c, err := i.Service.Issue(RoleARN(name), name)
	if err != nil {
		i.t.Fatal(err)
	}
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// Allow is a policy document allowing actions on resources.
func Allow(actions []string, resources ...string) string {
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Action": actions, "Resource": resources,
	}}})
	return string(raw)
}

// LambdaPermission adds an AWS::Lambda::Permission letting principal
// (a service such as "events.amazonaws.com") invoke the function for
// sourceARN, as the template resource would.
func (i *IAM) LambdaPermission(functionARN, principal, sourceARN string) {
	i.t.Helper()
	props := map[string]any{"FunctionName": functionARN, "Action": "lambda:InvokeFunction", "Principal": principal}
	if sourceARN != "" {
		props["SourceArn"] = sourceARN
	}
	i.n++
	r := stack.Resource{LogicalID: fmt.Sprintf("Permission%d", i.n), Type: "AWS::Lambda::Permission", StackName: "Test", Properties: props}
	if _, err := i.Service.Watch(recordOnly{}).Create(context.Background(), r); err != nil {
		i.t.Fatal(err)
	}
}

// recordOnly provisions nothing: the watching iam.Service records.
type recordOnly struct{}

func (recordOnly) Types() []string { return []string{"AWS::Lambda::Permission"} }

func (recordOnly) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	return stack.Created{Ref: r.LogicalID}, nil
}
