package cognito_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"golang.org/x/crypto/bcrypt"

	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// TestAdminAPIsAreAuthorized: the admin and management operations need
// cognito-idp:<Operation> on the pool; sign-up and sign-in need nothing.
func TestAdminAPIsAreAuthorized(t *testing.T) {
	srv, url := localtest.Serve(t)
	svc, err := cognito.New(localtest.OpenDB(t, ""), cognito.Options{BaseURL: url, Log: slog.New(slog.DiscardHandler), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	tpl, err := stack.ParseTemplate([]byte(shopTemplate))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := stack.NewRegistry(svc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	pool, poolARN := d.Outputs["PoolId"].(string), d.Outputs["PoolArn"].(string)
	iam := localtest.EnforceIAM(t, srv)
	client := func(creds aws.CredentialsProvider) *cip.Client {
		cfg := awstest.Config(url)
		cfg.Credentials = creds
		return cip.NewFromConfig(cfg)
	}
	admin := client(iam.Role("users-fn", localtest.Allow([]string{"cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser"}, poolARN)))
	other := client(iam.Role("other-fn", localtest.Allow([]string{"cognito-idp:AdminGetUser"}, "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_other")))
	ctx := context.Background()

	if _, err := admin.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("ann@example.com")}); err != nil {
		t.Fatalf("AdminCreateUser granted: %v", err)
	}
	if _, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ann@example.com")}); err != nil {
		t.Fatalf("AdminGetUser granted: %v", err)
	}
	denied := []struct {
		name string
		call func() error
		want string
	}{
		{"ListUsers not granted", func() error { _, err := admin.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool}); return err },
			"cognito-idp:ListUsers on resource: " + poolARN},
		{"another pool's grant", func() error {
			_, err := other.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ann@example.com")})
			return err
		}, "assumed-role/other-fn/other-fn is not authorized to perform: cognito-idp:AdminGetUser on resource: " + poolARN},
		{"ListUserPools needs Resource *", func() error {
			_, err := admin.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
			return err
		}, "cognito-idp:ListUserPools on resource: *"},
	}
	for _, tt := range denied {
		err := tt.call()
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || !strings.Contains(api.ErrorMessage(), tt.want) {
			t.Errorf("%s: %v, want AccessDeniedException about %q", tt.name, err, tt.want)
		}
	}
	// Sign-up is not an IAM operation: any caller may.
	clientID := d.Outputs["ClientId"].(string)
	if _, err := other.SignUp(ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("bob@example.com"), Password: aws.String("Str0ng!Passw0rd")}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
}
