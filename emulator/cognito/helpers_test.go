package cognito_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"golang.org/x/crypto/bcrypt"

	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// shopTemplate is the pool the stack will have: e-mail sign-in, a strong
// password policy, self sign-up, optional MFA, a public client for
// USER_PASSWORD_AUTH and SRP with refresh tokens, an admin client, and an
// admin group.
const shopTemplate = `{"Resources":{
  "Pool":{"Type":"AWS::Cognito::UserPool","Properties":{
    "UsernameAttributes":["email"],"AutoVerifiedAttributes":["email"],
    "UsernameConfiguration":{"CaseSensitive":false},
    "Policies":{"PasswordPolicy":{"MinimumLength":10,"RequireLowercase":true,"RequireUppercase":true,"RequireNumbers":true,"RequireSymbols":true,"TemporaryPasswordValidityDays":3}},
    "AdminCreateUserConfig":{"AllowAdminCreateUserOnly":false},
    "MfaConfiguration":"OPTIONAL","EnabledMfas":["SOFTWARE_TOKEN_MFA"],
    "Schema":[{"Name":"email","Required":true,"Mutable":true},{"Name":"tier","AttributeDataType":"String","Mutable":true}],
    "AccountRecoverySetting":{"RecoveryMechanisms":[{"Name":"verified_email","Priority":1}]}}},
  "WebClient":{"Type":"AWS::Cognito::UserPoolClient","Properties":{
    "UserPoolId":{"Ref":"Pool"},"ClientName":"web","GenerateSecret":false,
    "ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH"],
    "AccessTokenValidity":60,"IdTokenValidity":60,"RefreshTokenValidity":30,
    "TokenValidityUnits":{"AccessToken":"minutes","IdToken":"minutes","RefreshToken":"days"},
    "PreventUserExistenceErrors":"ENABLED"}},
  "AdminClient":{"Type":"AWS::Cognito::UserPoolClient","Properties":{
    "UserPoolId":{"Ref":"Pool"},"ClientName":"admin","ExplicitAuthFlows":["ALLOW_ADMIN_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}},
  "Admins":{"Type":"AWS::Cognito::UserPoolGroup","Properties":{"UserPoolId":{"Ref":"Pool"},"GroupName":"admin","Precedence":0}},
  "Staff":{"Type":"AWS::Cognito::UserPoolGroup","Properties":{"UserPoolId":{"Ref":"Pool"},"GroupName":"staff","Precedence":5}}},
 "Outputs":{
  "PoolId":{"Value":{"Ref":"Pool"}},"PoolArn":{"Value":{"Fn::GetAtt":["Pool","Arn"]}},
  "ProviderURL":{"Value":{"Fn::GetAtt":["Pool","ProviderURL"]}},"ProviderName":{"Value":{"Fn::GetAtt":["Pool","ProviderName"]}},
  "ClientId":{"Value":{"Ref":"WebClient"}},"AdminClientId":{"Value":{"Fn::GetAtt":["AdminClient","ClientId"]}}}}`

func newClock() *localtest.Clock {
	return localtest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
}

// env is one Service with a deployed template behind a real HTTP endpoint
// and an SDK client.
type env struct {
	svc      *cognito.Service
	client   *cip.Client
	clock    *localtest.Clock
	log      *localtest.SyncBuffer
	url      string
	outputs  map[string]any
	poolID   string
	clientID string
	adminID  string
	db       *state.DB
}

// envOptions vary newEnv; the zero value is a fresh store, a new clock and
// shopTemplate.
type envOptions struct {
	db    *state.DB
	clock *localtest.Clock
	tpl   string
	// baseURL fixes the issuer's address, so tokens outlive the endpoint
	// (whose port changes) across a restart; default the endpoint's URL.
	baseURL string
}

// newEnv deploys a template on a Service behind a new endpoint.
func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	db, c, tpl := o.db, o.clock, o.tpl
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	if c == nil {
		c = newClock()
	}
	if tpl == "" {
		tpl = shopTemplate
	}
	srv, url := localtest.Serve(t)
	logs := &localtest.SyncBuffer{}
	base := o.baseURL
	if base == "" {
		base = url
	}
	svc, err := cognito.New(db, cognito.Options{BaseURL: base, Now: c.Now, Log: slog.New(slog.NewTextHandler(logs, nil)), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	parsed, err := stack.ParseTemplate([]byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := stack.NewRegistry(svc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stack.Deploy(context.Background(), parsed, reg, stack.Options{StackName: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{svc: svc, client: cip.NewFromConfig(awstest.Config(url)), clock: c, log: logs, url: url, outputs: d.Outputs, db: db}
	e.poolID, _ = d.Outputs["PoolId"].(string)
	e.clientID, _ = d.Outputs["ClientId"].(string)
	e.adminID, _ = d.Outputs["AdminClientId"].(string)
	return e
}

var ctx = context.Background()

const goodPassword = "Correct-Horse-9"

var codeRE = regexp.MustCompile(`confirmation code (\d{6}) for user (\S+) \(([^)]*)\)`)

// code returns the last confirmation code logged for the e-mail address.
func (e *env) code(t testing.TB, email string) string {
	t.Helper()
	code := ""
	for _, m := range codeRE.FindAllStringSubmatch(e.log.String(), -1) {
		if m[3] == email {
			code = m[1]
		}
	}
	if code == "" {
		t.Fatalf("no confirmation code logged for %s:\n%s", email, e.log.String())
	}
	return code
}

func (e *env) signUp(t testing.TB, email, password string) *cip.SignUpOutput {
	t.Helper()
	out, err := e.client.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(e.clientID), Username: aws.String(email), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		t.Fatalf("SignUp %s: %v", email, err)
	}
	return out
}

// register signs a user up and confirms them with the logged code.
func (e *env) register(t testing.TB, email string) string {
	t.Helper()
	out := e.signUp(t, email, goodPassword)
	if _, err := e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(e.clientID), Username: aws.String(email), ConfirmationCode: aws.String(e.code(t, email)),
	}); err != nil {
		t.Fatalf("ConfirmSignUp %s: %v", email, err)
	}
	return aws.ToString(out.UserSub)
}

func (e *env) signIn(username, password string) (*cip.InitiateAuthOutput, error) {
	return e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(e.clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
}

func (e *env) mustSignIn(t testing.TB, username string) *types.AuthenticationResultType {
	t.Helper()
	out, err := e.signIn(username, goodPassword)
	if err != nil {
		t.Fatalf("InitiateAuth %s: %v", username, err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth %s: challenge %s, want tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

// wantAPIError checks err is the Cognito error typ with message msg ("" for any).
func wantAPIError(t testing.TB, err error, typ, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, typ)
	}
	if ae.ErrorCode() != typ || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("err = %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), typ, msg)
	}
}

// payload decodes a JWT's header and claims without verifying them.
func payload(t testing.TB, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS compact serialization", token)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
