package secretsmanager_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/secretsmanager"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

type env struct {
	svc    *secretsmanager.Service
	client *awssm.Client
	url    string
}

func newEnv(t *testing.T, db *state.DB) *env {
	t.Helper()
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	srv, url := localtest.Serve(t)
	svc, err := secretsmanager.New(db, secretsmanager.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	return &env{svc: svc, client: awssm.NewFromConfig(awstest.Config(url)), url: url}
}

// provision creates the template resource as the runtime does.
func (e *env) provision(t *testing.T, logicalID string, props map[string]any) stack.Created {
	t.Helper()
	c, err := e.svc.Create(context.Background(), stack.Resource{LogicalID: logicalID, Type: secretsmanager.TypeSecret, StackName: "Shopstream-dev", Properties: props})
	if err != nil {
		t.Fatalf("Create %s: %v", logicalID, err)
	}
	return c
}

func value(t *testing.T, c *awssm.Client, id string) string {
	t.Helper()
	out, err := c.GetSecretValue(context.Background(), &awssm.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetSecretValue %s: %v", id, err)
	}
	return aws.ToString(out.SecretString)
}

// The stack's secret: a generated value read back through the SDK by ARN,
// by name and by partial ARN, described, and unchanged after a restart on
// the same state directory.
func TestGeneratedSecretSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	props := map[string]any{
		"Description": "deployment key",
		"GenerateSecretString": map[string]any{
			"PasswordLength": float64(64), "ExcludePunctuation": true, "ExcludeCharacters": "aeiouAEIOU01",
		},
	}
	c := e.provision(t, "DeploymentSecret", props)
	if !strings.HasPrefix(c.Ref, "arn:aws:secretsmanager:us-east-1:000000000000:secret:Shopstream-dev-DeploymentSecret-") || c.Attrs["Id"] != c.Ref {
		t.Fatalf("created %+v", c)
	}
	v := value(t, e.client, c.Ref)
	if len(v) != 64 || strings.ContainsAny(v, "aeiouAEIOU01!#$%&*+-./:;<=>?@[]^_{|}~ ") {
		t.Fatalf("generated %q ignores the spec", v)
	}
	desc, err := e.client.DescribeSecret(context.Background(), &awssm.DescribeSecretInput{SecretId: aws.String(c.Ref)})
	if err != nil {
		t.Fatal(err)
	}
	name := aws.ToString(desc.Name)
	if aws.ToString(desc.ARN) != c.Ref || aws.ToString(desc.Description) != "deployment key" || len(desc.VersionIdsToStages) != 1 {
		t.Fatalf("DescribeSecret = %+v", desc)
	}
	if got := value(t, e.client, name); got != v {
		t.Fatalf("by name: %q", got)
	}
	if got := value(t, e.client, c.Ref[:len(c.Ref)-7]); got != v {
		t.Fatalf("by partial ARN: %q", got)
	}
	// Restart: a new service over the same directory, the template
	// provisioned again.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, localtest.OpenDB(t, dir))
	c2 := e2.provision(t, "DeploymentSecret", props)
	if c2.Ref != c.Ref || value(t, e2.client, c.Ref) != v {
		t.Fatalf("after restart: %s %q, want %s %q", c2.Ref, value(t, e2.client, c2.Ref), c.Ref, v)
	}
}

func TestGenerateSpec(t *testing.T) {
	f := false
	tests := []struct {
		name    string
		spec    secretsmanager.PasswordSpec
		check   func(string) bool
		wantErr bool
	}{
		{"default 32, each type", secretsmanager.PasswordSpec{}, func(s string) bool {
			return len(s) == 32 && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
				strings.ContainsAny(s, "0123456789") && !strings.Contains(s, " ")
		}, false},
		{"digits only", secretsmanager.PasswordSpec{PasswordLength: aws.Int64(20), ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true},
			func(s string) bool { return len(s) == 20 && strings.Trim(s, "0123456789") == "" }, false},
		{"space included", secretsmanager.PasswordSpec{PasswordLength: aws.Int64(8), IncludeSpace: true, ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true},
			func(s string) bool { return s == "        " }, false},
		{"template", secretsmanager.PasswordSpec{SecretStringTemplate: `{"user":"app"}`, GenerateStringKey: "password"}, func(s string) bool {
			var m map[string]string
			return json.Unmarshal([]byte(s), &m) == nil && m["user"] == "app" && len(m["password"]) == 32
		}, false},
		{"too short for each type", secretsmanager.PasswordSpec{PasswordLength: aws.Int64(3)}, nil, true},
		{"too short is fine without the rule", secretsmanager.PasswordSpec{PasswordLength: aws.Int64(3), RequireEachIncludedType: &f},
			func(s string) bool { return len(s) == 3 }, false},
		{"everything excluded", secretsmanager.PasswordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true}, nil, true},
		{"length 0", secretsmanager.PasswordSpec{PasswordLength: aws.Int64(0)}, nil, true},
		{"key without template", secretsmanager.PasswordSpec{GenerateStringKey: "p"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.spec.Generate()
			if tt.wantErr {
				var api smithy.APIError
				if err == nil || !errors.As(err, &api) && !strings.Contains(err.Error(), "InvalidParameterException") {
					t.Fatalf("Generate = %q, %v; want InvalidParameterException", got, err)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("Generate = %q, %v", got, err)
			}
		})
	}
}

func TestAPI(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	created, err := e.client.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("app/key"), SecretString: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("app/key"), SecretString: aws.String("v1")}); !isType[*types.ResourceExistsException](err) {
		t.Errorf("second CreateSecret: %v, want ResourceExistsException", err)
	}
	put, err := e.client.PutSecretValue(ctx, &awssm.PutSecretValueInput{SecretId: created.ARN, SecretString: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.VersionId) == aws.ToString(created.VersionId) || value(t, e.client, "app/key") != "v2" {
		t.Fatalf("PutSecretValue = %+v", put)
	}
	bin, err := e.client.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetSecretValue(ctx, &awssm.GetSecretValueInput{SecretId: bin.ARN})
	if err != nil || string(got.SecretBinary) != "\x00\x01\x02\xff" || got.SecretString != nil {
		t.Fatalf("binary secret: %+v, %v", got, err)
	}
	for _, id := range []string{"missing", "arn:aws:secretsmanager:us-east-1:000000000000:secret:missing-AbCdEf"} {
		if _, err := e.client.GetSecretValue(ctx, &awssm.GetSecretValueInput{SecretId: aws.String(id)}); !isType[*types.ResourceNotFoundException](err) {
			t.Errorf("GetSecretValue %s: %v, want ResourceNotFoundException", id, err)
		}
		if _, err := e.client.DescribeSecret(ctx, &awssm.DescribeSecretInput{SecretId: aws.String(id)}); !isType[*types.ResourceNotFoundException](err) {
			t.Errorf("DescribeSecret %s: %v, want ResourceNotFoundException", id, err)
		}
	}
	if _, err := e.client.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("bad name!")}); !isType[*types.InvalidParameterException](err) {
		t.Errorf("bad name: %v, want InvalidParameterException", err)
	}
	pw, err := e.client.GetRandomPassword(ctx, &awssm.GetRandomPasswordInput{PasswordLength: aws.Int64(40), ExcludePunctuation: aws.Bool(true)})
	if err != nil || len(aws.ToString(pw.RandomPassword)) != 40 {
		t.Fatalf("GetRandomPassword = %+v, %v", pw, err)
	}
}

// IAM: a role allowed GetSecretValue on one secret reads it, and nothing
// else: not another secret, not DescribeSecret.
func TestAuthorization(t *testing.T) {
	srv, url := localtest.Serve(t)
	svc, err := secretsmanager.New(localtest.OpenDB(t, ""), secretsmanager.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	ctx := context.Background()
	admin := awssm.NewFromConfig(awstest.Config(url))
	mine, err := admin.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("mine"), SecretString: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := admin.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("other"), SecretString: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	iam := localtest.EnforceIAM(t, srv)
	cfg := awstest.Config(url)
	cfg.Credentials = iam.Role("fn", localtest.Allow([]string{"secretsmanager:GetSecretValue"}, aws.ToString(mine.ARN)))
	fn := awssm.NewFromConfig(cfg)
	if got := value(t, fn, aws.ToString(mine.ARN)); got != "k" {
		t.Fatalf("granted read: %q", got)
	}
	denied := func(err error) bool {
		var api smithy.APIError
		return errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException"
	}
	if _, err := fn.GetSecretValue(ctx, &awssm.GetSecretValueInput{SecretId: other.ARN}); !denied(err) {
		t.Errorf("other secret: %v, want AccessDeniedException", err)
	}
	if _, err := fn.DescribeSecret(ctx, &awssm.DescribeSecretInput{SecretId: mine.ARN}); !denied(err) {
		t.Errorf("DescribeSecret: %v, want AccessDeniedException", err)
	}
	if _, err := fn.CreateSecret(ctx, &awssm.CreateSecretInput{Name: aws.String("new"), SecretString: aws.String("x")}); !denied(err) {
		t.Errorf("CreateSecret: %v, want AccessDeniedException", err)
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}
