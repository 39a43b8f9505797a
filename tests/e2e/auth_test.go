package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// testPassword meets the user pool's policy (12+ characters, upper, lower,
// digit, symbol). The users exist only in the stack under test.
const testPassword = "E2e-Passw0rd-!x"

// adminUser is the member of the admin group the tests manage products,
// audit trails and listings as.
const adminUser = "e2e-admin"

// users signs users up in the stack's user pool and keeps their ID
// tokens: the API's Cognito authorizer takes the ID token in the
// Authorization header.
type users struct {
	mu       sync.Mutex
	tokens   map[string]string
	client   *cip.Client
	poolID   string
	clientID string
}

// identity returns the stack's user pool: through the local runtime's AWS
// endpoint with the runtime's admin credentials, or, for a deployed stack,
// SHOPSTREAM_E2E_USER_POOL_ID / SHOPSTREAM_E2E_USER_POOL_CLIENT_ID and the
// caller's usual AWS credentials (admin calls need cognito-idp rights).
func (h *stackHandle) identity(t testing.TB) *users {
	t.Helper()
	h.usersOnce.Do(func() {
		u := &users{tokens: map[string]string{}, poolID: h.Outputs["UserPoolId"], clientID: h.Outputs["UserPoolClientId"]}
		if h.AWSURL != "" {
			u.client = cip.NewFromConfig(awstest.Config(h.AWSURL))
		} else {
			u.poolID, u.clientID = os.Getenv("SHOPSTREAM_E2E_USER_POOL_ID"), os.Getenv("SHOPSTREAM_E2E_USER_POOL_CLIENT_ID")
			cfg, err := awsconfig.LoadDefaultConfig(context.Background())
			if err != nil {
				h.usersErr = err
				return
			}
			u.client = cip.NewFromConfig(cfg)
		}
		if u.poolID == "" || u.clientID == "" {
			h.usersErr = fmt.Errorf("no user pool: outputs UserPoolId/UserPoolClientId missing (deployed stacks: set SHOPSTREAM_E2E_USER_POOL_ID and SHOPSTREAM_E2E_USER_POOL_CLIENT_ID)")
			return
		}
		h.users = u
	})
	if h.usersErr != nil {
		t.Fatal(h.usersErr)
	}
	return h.users
}

// token signs name up (confirmed, in the admin group when admin) on first
// use and returns their ID token, as a client app would get it:
// SignUp with the public app client, then InitiateAuth USER_PASSWORD_AUTH.
func (u *users) token(t testing.TB, name string, admin bool) string {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if tok, ok := u.tokens[name]; ok {
		return tok
	}
	ctx := context.Background()
	_, err := u.client.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(u.clientID), Username: aws.String(name), Password: aws.String(testPassword),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}},
	})
	var exists *ciptypes.UsernameExistsException
	switch {
	case errors.As(err, &exists):
		// Signed up before a restart on the same data directory.
		tok := signIn(t, u.client, u.clientID, name, testPassword)
		u.tokens[name] = tok
		return tok
	case err != nil:
		t.Fatalf("sign up %s: %v", name, err)
	}
	if _, err := u.client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(u.poolID), Username: aws.String(name)}); err != nil {
		t.Fatalf("confirm %s: %v", name, err)
	}
	if admin {
		if _, err := u.client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(u.poolID), Username: aws.String(name), GroupName: aws.String("admin"),
		}); err != nil {
			t.Fatalf("add %s to admin: %v", name, err)
		}
	}
	tok := signIn(t, u.client, u.clientID, name, testPassword)
	u.tokens[name] = tok
	return tok
}

// signIn returns the ID token of name's password sign-in.
func signIn(t testing.TB, c *cip.Client, clientID, name, password string) string {
	t.Helper()
	out, err := c.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password},
	})
	if err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.IdToken == nil {
		t.Fatalf("sign in %s: no tokens (challenge %q)", name, out.ChallengeName)
	}
	return *out.AuthenticationResult.IdToken
}

// client returns a client signed in as the tests' admin: it manages the
// catalog and reads audit trails, and may act for any user.
func (h *stackHandle) client(t testing.TB) *client {
	t.Helper()
	return &client{t: t, base: h.APIURL, user: adminUser, token: h.identity(t).token(t, adminUser, true)}
}

// as returns a client signed in as the shopper name (signed up on first
// use): what a user's own app sends.
func (h *stackHandle) as(t testing.TB, name string) *client {
	t.Helper()
	return &client{t: t, base: h.APIURL, user: name, token: h.identity(t).token(t, name, false)}
}

// anonymous returns a client that sends no token.
func (h *stackHandle) anonymous(t testing.TB) *client {
	return &client{t: t, base: h.APIURL}
}

// withToken returns a copy of c sending token instead of its own.
func (c *client) withToken(token string) *client {
	cc := *c
	cc.token = token
	return &cc
}
