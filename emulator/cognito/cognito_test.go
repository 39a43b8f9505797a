package cognito_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/state"
)

func TestProvisionedIDsAndOutputs(t *testing.T) {
	e := newEnv(t, envOptions{})
	if !regexp.MustCompile(`^us-east-1_[A-Za-z0-9]{9}$`).MatchString(e.poolID) {
		t.Errorf("pool id %q is not shaped like us-east-1_AbC123xyz", e.poolID)
	}
	for _, id := range []string{e.clientID, e.adminID} {
		if !regexp.MustCompile(`^[a-z0-9]{26}$`).MatchString(id) {
			t.Errorf("client id %q is not 26 lowercase alphanumerics", id)
		}
	}
	want := map[string]any{
		"PoolArn":      "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + e.poolID,
		"ProviderURL":  e.url + "/" + e.poolID,
		"ProviderName": strings.TrimPrefix(e.url, "http://") + "/" + e.poolID,
	}
	for k, v := range want {
		if e.outputs[k] != v {
			t.Errorf("output %s = %v, want %v", k, e.outputs[k], v)
		}
	}
	desc, err := e.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(e.poolID), ClientId: aws.String(e.clientID)})
	if err != nil {
		t.Fatal(err)
	}
	c := desc.UserPoolClient
	if aws.ToInt32(c.AccessTokenValidity) != 60 || c.TokenValidityUnits.AccessToken != types.TimeUnitsTypeMinutes || c.ClientSecret != nil ||
		!slices.Equal(c.ExplicitAuthFlows, []types.ExplicitAuthFlowsType{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"}) {
		t.Errorf("DescribeUserPoolClient = %+v", c)
	}
	// A second deploy over the same store (a restart) finds the same ids.
	again := newEnv(t, envOptions{db: e.db})
	if again.poolID != e.poolID || again.clientID != e.clientID {
		t.Errorf("ids changed on redeploy: %s %s, was %s %s", again.poolID, again.clientID, e.poolID, e.clientID)
	}
}

func TestSignUpConfirmSignIn(t *testing.T) {
	e := newEnv(t, envOptions{})
	out := e.signUp(t, "Jane@Example.com", goodPassword)
	if out.UserConfirmed || out.UserSub == nil {
		t.Fatalf("SignUp = %+v, want an unconfirmed user with a sub", out)
	}
	d := out.CodeDeliveryDetails
	if d == nil || aws.ToString(d.Destination) != "J***@E***" || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.AttributeName) != "email" {
		t.Fatalf("CodeDeliveryDetails = %+v", d)
	}

	// Not confirmed yet: the right password is refused as unconfirmed.
	_, err := e.signIn("jane@example.com", goodPassword)
	wantAPIError(t, err, "UserNotConfirmedException", "User is not confirmed.")

	code := e.code(t, "Jane@Example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("jane@example.com"), ConfirmationCode: aws.String(wrong)})
	wantAPIError(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	if _, err := e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("jane@example.com"), ConfirmationCode: aws.String(code)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("jane@example.com"), ConfirmationCode: aws.String(code)})
	wantAPIError(t, err, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")

	res := e.mustSignIn(t, "JANE@example.com")
	if aws.ToString(res.TokenType) != "Bearer" || res.ExpiresIn != 3600 || res.RefreshToken == nil {
		t.Errorf("AuthenticationResult = %+v", res)
	}
	now := e.clock.Now().Unix()
	header, id := payload(t, aws.ToString(res.IdToken))
	if header["alg"] != "RS256" || header["kid"] == nil || header["typ"] != nil {
		t.Errorf("ID token header = %v, want alg RS256 and kid only", header)
	}
	wantID := map[string]any{
		"sub": aws.ToString(out.UserSub), "aud": e.clientID, "email_verified": true, "token_use": "id",
		"auth_time": float64(now), "iss": e.url + "/" + e.poolID, "cognito:username": aws.ToString(out.UserSub),
		"exp": float64(now + 3600), "iat": float64(now), "email": "Jane@Example.com",
	}
	checkClaims(t, "ID token", id, wantID, "jti", "origin_jti", "event_id")
	_, acc := payload(t, aws.ToString(res.AccessToken))
	wantAccess := map[string]any{
		"sub": aws.ToString(out.UserSub), "iss": e.url + "/" + e.poolID, "client_id": e.clientID, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "auth_time": float64(now), "exp": float64(now + 3600), "iat": float64(now),
		"username": aws.ToString(out.UserSub),
	}
	checkClaims(t, "access token", acc, wantAccess, "jti", "origin_jti", "event_id")
	if id["origin_jti"] != acc["origin_jti"] || id["event_id"] != acc["event_id"] || id["jti"] == acc["jti"] {
		t.Errorf("ID and access tokens of one sign-in share origin_jti and event_id, not jti: %v %v", id, acc)
	}
	if header2, _ := payload(t, aws.ToString(res.AccessToken)); header2["kid"] == header["kid"] {
		t.Errorf("access and ID tokens are signed with the same key; Cognito uses one key for each")
	}

	got, err := e.client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Username) != aws.ToString(out.UserSub) || attr(got.UserAttributes, "email_verified") != "true" {
		t.Errorf("GetUser = %+v", got)
	}
	_, err = e.client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.IdToken})
	wantAPIError(t, err, "NotAuthorizedException", "Invalid Access Token")

	// The e-mail cannot sign up twice.
	_, err = e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("jane@example.com"), Password: aws.String(goodPassword)})
	wantAPIError(t, err, "UsernameExistsException", "An account with the given email already exists.")
}

// checkClaims compares claims with want exactly: the same names, and the
// values given (names in present only need to exist).
func checkClaims(t *testing.T, what string, claims, want map[string]any, present ...string) {
	t.Helper()
	names := append(keysOf(want), present...)
	sort.Strings(names)
	have := keysOf(claims)
	sort.Strings(have)
	if !slices.Equal(have, names) {
		t.Errorf("%s claims %v, want %v", what, have, names)
	}
	for k, v := range want {
		if fmt.Sprint(claims[k]) != fmt.Sprint(v) {
			t.Errorf("%s %s = %v, want %v", what, k, claims[k], v)
		}
	}
}

func attr(list []types.AttributeType, name string) string {
	for _, a := range list {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func TestSignInErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.register(t, "ann@example.com")
	e.signUp(t, "pending@example.com", goodPassword)
	tests := []struct {
		name, user, password string
		typ, msg             string
	}{
		{"wrong password", "ann@example.com", "Wrong-Horse-9!", "NotAuthorizedException", "Incorrect username or password."},
		// PreventUserExistenceErrors ENABLED: an unknown user reads as a wrong password.
		{"unknown user", "nobody@example.com", goodPassword, "NotAuthorizedException", "Incorrect username or password."},
		{"unconfirmed, wrong password", "pending@example.com", "Wrong-Horse-9!", "NotAuthorizedException", "Incorrect username or password."},
		{"unconfirmed", "pending@example.com", goodPassword, "UserNotConfirmedException", "User is not confirmed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.signIn(tt.user, tt.password)
			wantAPIError(t, err, tt.typ, tt.msg)
		})
	}
	t.Run("flows", func(t *testing.T) {
		_, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.adminID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "PASSWORD": goodPassword}})
		wantAPIError(t, err, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
		_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "SRP_A": "abc"}})
		wantAPIError(t, err, "InvalidParameterException", "")
		_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String("nope"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "PASSWORD": goodPassword}})
		wantAPIError(t, err, "ResourceNotFoundException", "User pool client nope does not exist.")
	})
	t.Run("disabled", func(t *testing.T) {
		if _, err := e.client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(e.poolID), Username: aws.String("ann@example.com")}); err != nil {
			t.Fatal(err)
		}
		_, err := e.signIn("ann@example.com", goodPassword)
		wantAPIError(t, err, "NotAuthorizedException", "User is disabled.")
	})
}

func TestPasswordPolicyNamesTheRule(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct{ password, rule string }{
		{"Sh0rt!", "Password not long enough"},
		{"NOLOWERCASE-123", "Password must have lowercase characters"},
		{"nouppercase-123", "Password must have uppercase characters"},
		{"No-Numbers-Here", "Password must have numeric characters"},
		{"NoSymbols12345", "Password must have symbol characters"},
	}
	for i, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			_, err := e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID),
				Username: aws.String(fmt.Sprintf("p%d@example.com", i)), Password: aws.String(tt.password)})
			wantAPIError(t, err, "InvalidPasswordException", "Password did not conform with policy: "+tt.rule)
		})
	}
	// A space counts as a symbol, as in Cognito.
	e.signUp(t, "space@example.com", "Has Space 123")
}

func TestAdminFlows(t *testing.T) {
	e := newEnv(t, envOptions{})
	pool := aws.String(e.poolID)
	created, err := e.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: pool, Username: aws.String("boss@example.com"), TemporaryPassword: aws.String("Temp-Pass-123"),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("custom:tier"), Value: aws.String("gold")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := created.User
	if u.UserStatus != types.UserStatusTypeForceChangePassword || !u.Enabled || attr(u.Attributes, "email") != "boss@example.com" || attr(u.Attributes, "sub") != aws.ToString(u.Username) {
		t.Fatalf("AdminCreateUser = %+v", u)
	}
	_, err = e.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("boss@example.com")})
	wantAPIError(t, err, "UsernameExistsException", "User account already exists")

	// The temporary password signs in to a NEW_PASSWORD_REQUIRED challenge.
	auth, err := e.client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: pool, ClientId: aws.String(e.adminID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "boss@example.com", "PASSWORD": "Temp-Pass-123"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if auth.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || auth.Session == nil || auth.AuthenticationResult != nil ||
		auth.ChallengeParameters["USER_ID_FOR_SRP"] != aws.ToString(u.Username) {
		t.Fatalf("AdminInitiateAuth = %+v", auth)
	}
	_, err = e.client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: pool, ClientId: aws.String(e.adminID), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: auth.Session,
		ChallengeResponses: map[string]string{"USERNAME": "boss@example.com", "NEW_PASSWORD": "weak"},
	})
	wantAPIError(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	resp, err := e.client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: pool, ClientId: aws.String(e.adminID), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: auth.Session,
		ChallengeResponses: map[string]string{"USERNAME": "boss@example.com", "NEW_PASSWORD": goodPassword},
	})
	if err != nil || resp.AuthenticationResult == nil {
		t.Fatalf("AdminRespondToAuthChallenge: %+v %v", resp, err)
	}
	_, id := payload(t, aws.ToString(resp.AuthenticationResult.IdToken))
	if id["custom:tier"] != "gold" || id["email_verified"] != true {
		t.Errorf("ID token claims %v, want custom:tier gold and email_verified true", id)
	}
	get, err := e.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("boss@example.com")})
	if err != nil || get.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("AdminGetUser after the challenge: %+v %v", get, err)
	}
	// The session is single-use.
	_, err = e.client.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{
		UserPoolId: pool, ClientId: aws.String(e.adminID), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: auth.Session,
		ChallengeResponses: map[string]string{"USERNAME": "boss@example.com", "NEW_PASSWORD": goodPassword},
	})
	wantAPIError(t, err, "NotAuthorizedException", "")

	// AdminSetUserPassword: not permanent → FORCE_CHANGE_PASSWORD; permanent → CONFIRMED.
	status := func() types.UserStatusType {
		g, err := e.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("boss@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		return g.UserStatus
	}
	if _, err := e.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("boss@example.com"), Password: aws.String("Reset-Pass-456"), Permanent: false}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != types.UserStatusTypeForceChangePassword {
		t.Errorf("after a temporary password: %s", s)
	}
	if _, err := e.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("boss@example.com"), Password: aws.String("Reset-Pass-456"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != types.UserStatusTypeConfirmed {
		t.Errorf("after a permanent password: %s", s)
	}
	_, err = e.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("boss@example.com"), Password: aws.String("short"), Permanent: true})
	wantAPIError(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	_, err = e.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("ghost@example.com")})
	wantAPIError(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_nope"), Username: aws.String("x")})
	wantAPIError(t, err, "ResourceNotFoundException", "User pool us-east-1_nope does not exist.")

	// AdminConfirmSignUp confirms a self-signed-up user without the code.
	e.signUp(t, "self@example.com", goodPassword)
	if _, err := e.client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: pool, Username: aws.String("self@example.com")}); err != nil {
		t.Fatal(err)
	}
	e.mustSignIn(t, "self@example.com")

	// A temporary password expires after TemporaryPasswordValidityDays.
	if _, err := e.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("late@example.com"), TemporaryPassword: aws.String("Temp-Pass-123")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.log.String(), "temporary password Temp-Pass-123 for user") {
		t.Errorf("the invitation was not logged:\n%s", e.log.String())
	}
	e.clock.Advance(3*24*time.Hour + time.Second)
	_, err = e.signIn("late@example.com", "Temp-Pass-123")
	wantAPIError(t, err, "NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.")
}

func TestAdminCreateUserOnlyPool(t *testing.T) {
	tpl := `{"Resources":{
	  "Pool":{"Type":"AWS::Cognito::UserPool","Properties":{"AdminCreateUserConfig":{"AllowAdminCreateUserOnly":true},"AliasAttributes":["email"]}},
	  "Client":{"Type":"AWS::Cognito::UserPoolClient","Properties":{"UserPoolId":{"Ref":"Pool"},"ExplicitAuthFlows":["USER_PASSWORD_AUTH"]}}},
	 "Outputs":{"PoolId":{"Value":{"Ref":"Pool"}},"ClientId":{"Value":{"Ref":"Client"}}}}`
	e := newEnv(t, envOptions{tpl: tpl})
	_, err := e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("kim"), Password: aws.String("Abcdef-123")})
	wantAPIError(t, err, "NotAuthorizedException", "SignUp is not permitted for this user pool")

	// An alias pool: usernames are chosen, e-mails sign in once verified.
	_, err = e.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(e.poolID), Username: aws.String("kim@example.com")})
	wantAPIError(t, err, "InvalidParameterException", "Username cannot be of email format, since user pool is configured for email alias.")
	if _, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: "kim", Password: "Abcdef-123!", Attributes: map[string]string{"email": "kim@example.com"}}); err != nil {
		t.Fatal(err)
	}
	res := e.mustSignInWith(t, "kim@example.com", "Abcdef-123!")
	_, id := payload(t, aws.ToString(res.IdToken))
	if id["cognito:username"] != "kim" {
		t.Errorf("cognito:username = %v, want kim", id["cognito:username"])
	}
}

func (e *env) mustSignInWith(t testing.TB, username, password string) *types.AuthenticationResultType {
	t.Helper()
	out, err := e.signIn(username, password)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth %s: %+v %v", username, out, err)
	}
	return out.AuthenticationResult
}

func TestListUsersFilterAndPages(t *testing.T) {
	e := newEnv(t, envOptions{})
	for i := range 7 {
		email := fmt.Sprintf("user%d@example.com", i)
		if i == 6 {
			email = "other@shop.test"
		}
		if _, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: email, Password: goodPassword}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(filter string, limit int32, token *string) *cip.ListUsersOutput {
		t.Helper()
		in := &cip.ListUsersInput{UserPoolId: aws.String(e.poolID), PaginationToken: token}
		if filter != "" {
			in.Filter = aws.String(filter)
		}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		out, err := e.client.ListUsers(ctx, in)
		if err != nil {
			t.Fatalf("ListUsers %q: %v", filter, err)
		}
		return out
	}
	if out := list(`email = "other@shop.test"`, 0, nil); len(out.Users) != 1 || attr(out.Users[0].Attributes, "email") != "other@shop.test" {
		t.Errorf("email filter: %+v", out.Users)
	}
	if out := list(`email ^= "user"`, 0, nil); len(out.Users) != 6 {
		t.Errorf("email prefix filter: %d users, want 6", len(out.Users))
	}
	sub := aws.ToString(list(`email = "user3@example.com"`, 0, nil).Users[0].Username)
	if out := list(`username = "`+sub+`"`, 0, nil); len(out.Users) != 1 {
		t.Errorf("username filter: %+v", out.Users)
	}
	if out := list(`cognito:user_status = "CONFIRMED"`, 0, nil); len(out.Users) != 7 {
		t.Errorf("status filter: %d users, want 7", len(out.Users))
	}
	// Pages of 3: 3, 3, 1, no user twice.
	seen := map[string]bool{}
	var token *string
	var sizes []int
	for {
		out := list("", 3, token)
		sizes = append(sizes, len(out.Users))
		for _, u := range out.Users {
			if seen[aws.ToString(u.Username)] {
				t.Errorf("user %s listed twice", aws.ToString(u.Username))
			}
			seen[aws.ToString(u.Username)] = true
		}
		if token = out.PaginationToken; token == nil {
			break
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || len(seen) != 7 {
		t.Errorf("pages %v covering %d users, want [3 3 1] and 7", sizes, len(seen))
	}
	_, err := e.client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(e.poolID), Filter: aws.String(`shoe_size = "9"`)})
	wantAPIError(t, err, "InvalidParameterException", "Error while parsing filter.")
}

func TestGroupsInTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.register(t, "plain@example.com")
	e.register(t, "admin@example.com")
	for _, g := range []string{"staff", "admin"} {
		if _, err := e.client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(e.poolID), Username: aws.String("admin@example.com"), GroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(e.poolID), Username: aws.String("admin@example.com"), GroupName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Group not found.")

	plain := e.mustSignIn(t, "plain@example.com")
	for _, tok := range []*string{plain.IdToken, plain.AccessToken} {
		if _, claims := payload(t, aws.ToString(tok)); claims["cognito:groups"] != nil {
			t.Errorf("a user in no group has cognito:groups %v", claims["cognito:groups"])
		}
	}
	admin := e.mustSignIn(t, "admin@example.com")
	for _, tok := range []*string{admin.IdToken, admin.AccessToken} {
		_, claims := payload(t, aws.ToString(tok))
		// Ordered by precedence: admin (0) before staff (5).
		if got := fmt.Sprint(claims["cognito:groups"]); got != "[admin staff]" {
			t.Errorf("cognito:groups = %s, want [admin staff]", got)
		}
	}
	groups, err := e.client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(e.poolID), Username: aws.String("admin@example.com")})
	if err != nil || len(groups.Groups) != 2 || aws.ToString(groups.Groups[0].GroupName) != "admin" {
		t.Errorf("AdminListGroupsForUser: %+v %v", groups, err)
	}
}

func TestRefreshTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.register(t, "ref@example.com")
	first := e.mustSignIn(t, "ref@example.com")
	_, firstID := payload(t, aws.ToString(first.IdToken))
	e.clock.Advance(2 * time.Hour) // past the tokens' hour
	if _, err := e.svc.Verify(e.poolID, aws.ToString(first.IdToken)); !errors.Is(err, cognito.ErrTokenExpired) {
		t.Fatalf("Verify of an hour-old ID token: %v, want ErrTokenExpired", err)
	}
	refresh := func(token string) (*cip.InitiateAuthOutput, error) {
		return e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.clientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": token}})
	}
	out, err := refresh(aws.ToString(first.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	res := out.AuthenticationResult
	if res == nil || res.RefreshToken != nil || res.IdToken == nil || res.AccessToken == nil {
		t.Fatalf("refresh = %+v, want new ID and access tokens and no refresh token", res)
	}
	claims, err := e.svc.Verify(e.poolID, aws.ToString(res.IdToken))
	if err != nil {
		t.Fatalf("Verify of the refreshed ID token: %v", err)
	}
	if claims["auth_time"] != firstID["auth_time"] || claims["origin_jti"] != firstID["origin_jti"] || claims["iat"] == firstID["iat"] {
		t.Errorf("refreshed claims %v: want the sign-in's auth_time and origin_jti and a new iat (was %v)", claims, firstID)
	}
	_, err = refresh("not-a-refresh-token")
	wantAPIError(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.adminID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.RefreshToken)}})
	wantAPIError(t, err, "NotAuthorizedException", "Invalid Refresh Token") // another client's
	e.clock.Advance(30 * 24 * time.Hour)
	_, err = refresh(aws.ToString(first.RefreshToken))
	wantAPIError(t, err, "NotAuthorizedException", "Refresh Token has expired")
}

// TestJWKSVerifiesTokens checks a token against the pool's published
// JWKS with go-jose alone, as a resource server would.
func TestJWKSVerifiesTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.register(t, "jwks@example.com")
	res := e.mustSignIn(t, "jwks@example.com")
	iss := e.outputs["ProviderURL"].(string)
	set := fetchJWKS(t, iss+"/.well-known/jwks.json")
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2 (ID and access)", len(set.Keys))
	}
	for _, k := range set.Keys {
		if k.Algorithm != "RS256" || k.Use != "sig" || !k.IsPublic() || k.KeyID == "" {
			t.Errorf("JWKS key %+v: want a public RS256 signing key with a kid", k)
		}
	}
	for _, token := range []string{aws.ToString(res.IdToken), aws.ToString(res.AccessToken)} {
		tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		keys := set.Key(tok.Headers[0].KeyID)
		if len(keys) != 1 {
			t.Fatalf("kid %q is not in the JWKS", tok.Headers[0].KeyID)
		}
		var std jwt.Claims
		if err := tok.Claims(keys[0].Key, &std); err != nil {
			t.Fatalf("signature does not verify with the JWKS key: %v", err)
		}
		if err := std.ValidateWithLeeway(jwt.Expected{Issuer: iss, Time: e.clock.Now()}, 0); err != nil {
			t.Errorf("claims: %v", err)
		}
	}
	resp, err := http.Get(e.url + "/us-east-1_nopenope0/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("JWKS of an unknown pool: %d, want 404", resp.StatusCode)
	}
	var oidc map[string]any
	getJSON(t, iss+"/.well-known/openid-configuration", &oidc)
	if oidc["issuer"] != iss || oidc["jwks_uri"] != iss+"/.well-known/jwks.json" {
		t.Errorf("openid-configuration = %v", oidc)
	}
}

func fetchJWKS(t testing.TB, url string) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, url, &set)
	return set
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestVerify(t *testing.T) {
	e := newEnv(t, envOptions{})
	other := newEnv(t, envOptions{clock: e.clock, tpl: strings.ReplaceAll(shopTemplate, `"Pool"`, `"OtherPool"`)})
	e.register(t, "v@example.com")
	other.register(t, "v@example.com")
	res := e.mustSignIn(t, "v@example.com")
	id, acc := aws.ToString(res.IdToken), aws.ToString(res.AccessToken)
	arn := e.outputs["PoolArn"].(string)

	claims, err := e.svc.Verify(arn, id)
	if err != nil || claims["token_use"] != "id" || claims["email"] != "v@example.com" {
		t.Fatalf("Verify(ID token) = %v, %v", claims, err)
	}
	if claims, err := e.svc.Verify(e.poolID, acc); err != nil || claims["token_use"] != "access" {
		t.Fatalf("Verify(access token) = %v, %v", claims, err)
	}
	parts := strings.Split(id, ".")
	_, body := payload(t, id)
	body["email"] = "mallory@example.com"
	raw, _ := json.Marshal(body)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
	otherToken := aws.ToString(other.mustSignIn(t, "v@example.com").IdToken)
	for name, tok := range map[string]string{
		"garbage": "not.a.jwt", "empty": "", "tampered": tampered, "other pool": otherToken,
		"unsigned": parts[0] + "." + parts[1] + ".",
	} {
		if _, err := e.svc.Verify(arn, tok); !errors.Is(err, cognito.ErrInvalidToken) {
			t.Errorf("Verify(%s) = %v, want ErrInvalidToken", name, err)
		}
	}
	e.clock.Advance(time.Hour + time.Second)
	if _, err := e.svc.Verify(arn, id); !errors.Is(err, cognito.ErrTokenExpired) || errors.Is(err, cognito.ErrInvalidToken) {
		t.Errorf("Verify(expired) = %v, want ErrTokenExpired", err)
	}
}

// TestRestartKeepsUsersAndKeys reopens the state directory: users, their
// passwords and groups, the signing keys (so earlier tokens still verify)
// and refresh tokens survive.
func TestRestartKeepsUsersAndKeys(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := newEnv(t, envOptions{db: db, clock: c, baseURL: "http://127.0.0.1:4566"})
	sub := first.register(t, "keep@example.com")
	if _, err := first.client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(first.poolID), Username: aws.String("keep@example.com"), GroupName: aws.String("admin")}); err != nil {
		t.Fatal(err)
	}
	res := first.mustSignIn(t, "keep@example.com")
	kids := fetchJWKS(t, first.url+"/"+first.poolID+"/.well-known/jwks.json")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	second := newEnv(t, envOptions{db: db2, clock: c, baseURL: "http://127.0.0.1:4566"})
	if second.poolID != first.poolID {
		t.Fatalf("pool id changed across a restart: %s → %s", first.poolID, second.poolID)
	}
	if _, err := second.svc.Verify(second.poolID, aws.ToString(res.IdToken)); err != nil {
		t.Errorf("a token from before the restart: %v", err)
	}
	again := fetchJWKS(t, second.url+"/"+second.poolID+"/.well-known/jwks.json")
	if again.Keys[0].KeyID != kids.Keys[0].KeyID || again.Keys[1].KeyID != kids.Keys[1].KeyID {
		t.Errorf("signing keys changed across a restart")
	}
	got, err := second.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(second.poolID), Username: aws.String("keep@example.com")})
	if err != nil || aws.ToString(got.Username) != sub || got.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("AdminGetUser after restart: %+v %v", got, err)
	}
	res2 := second.mustSignIn(t, "keep@example.com")
	_, claims := payload(t, aws.ToString(res2.IdToken))
	if fmt.Sprint(claims["cognito:groups"]) != "[admin]" {
		t.Errorf("groups after restart: %v", claims["cognito:groups"])
	}
	out, err := second.client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(second.clientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(res.RefreshToken)}})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("refresh token from before the restart: %+v %v", out, err)
	}
}

func TestEnsureUser(t *testing.T) {
	e := newEnv(t, envOptions{})
	name, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: "demo@example.com", Password: goodPassword, Groups: []string{"admin"},
		Attributes: map[string]string{"name": "Demo Admin"}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: "demo@example.com", Password: "Another-Pass-1", Groups: []string{"admin"}})
	if err != nil || again != name {
		t.Fatalf("second EnsureUser = %q, %v; want the same user %q", again, err, name)
	}
	res := e.mustSignInWith(t, "demo@example.com", "Another-Pass-1")
	_, claims := payload(t, aws.ToString(res.IdToken))
	if claims["cognito:username"] != name || claims["name"] != "Demo Admin" || claims["email_verified"] != true || fmt.Sprint(claims["cognito:groups"]) != "[admin]" {
		t.Errorf("claims %v", claims)
	}
	if _, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: "x@example.com", Password: "weak"}); err == nil || !strings.Contains(err.Error(), "Password not long enough") {
		t.Errorf("weak password: %v", err)
	}
	if _, err := e.svc.EnsureUser(e.poolID, cognito.User{Username: "x@example.com", Password: goodPassword, Groups: []string{"nope"}}); err == nil {
		t.Errorf("unknown group accepted")
	}
	pools := e.svc.Pools()
	if len(pools) != 1 || pools[0].ID != e.poolID || pools[0].Clients["web"] != e.clientID || !slices.Equal(pools[0].Groups, []string{"admin", "staff"}) {
		t.Errorf("Pools() = %+v", pools)
	}
}

// aliasTemplate is the shop stack's pool as the CDK synthesizes it: user
// names, e-mail as a sign-in alias, case-insensitive, threat protection.
const aliasTemplate = `{"Resources":{
  "Pool":{"Type":"AWS::Cognito::UserPool","Properties":{
    "AccountRecoverySetting":{"RecoveryMechanisms":[{"Name":"verified_email","Priority":1}]},
    "AdminCreateUserConfig":{"AllowAdminCreateUserOnly":false},"AliasAttributes":["email"],"AutoVerifiedAttributes":["email"],
    "EnabledMfas":["SOFTWARE_TOKEN_MFA"],"MfaConfiguration":"OPTIONAL",
    "Policies":{"PasswordPolicy":{"MinimumLength":12,"RequireLowercase":true,"RequireNumbers":true,"RequireSymbols":true,"RequireUppercase":true,"TemporaryPasswordValidityDays":3}},
    "Schema":[{"Mutable":true,"Name":"email","Required":true}],
    "UserPoolAddOns":{"AdvancedSecurityMode":"ENFORCED"},"UserPoolTier":"PLUS","UsernameConfiguration":{"CaseSensitive":false},
    "VerificationMessageTemplate":{"DefaultEmailOption":"CONFIRM_WITH_CODE"}}},
  "Client":{"Type":"AWS::Cognito::UserPoolClient","Properties":{"AccessTokenValidity":60,"AllowedOAuthFlowsUserPoolClient":false,
    "EnableTokenRevocation":true,"ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH"],
    "GenerateSecret":false,"IdTokenValidity":60,"PreventUserExistenceErrors":"ENABLED","RefreshTokenValidity":43200,
    "SupportedIdentityProviders":["COGNITO"],"TokenValidityUnits":{"AccessToken":"minutes","IdToken":"minutes","RefreshToken":"minutes"},
    "UserPoolId":{"Ref":"Pool"}}}},
 "Outputs":{"PoolId":{"Value":{"Ref":"Pool"}},"ClientId":{"Value":{"Ref":"Client"}}}}`

func TestEmailAliasPool(t *testing.T) {
	e := newEnv(t, envOptions{tpl: aliasTemplate})
	const pw = "Long-Password-1"
	signUp := func(name, email string) {
		t.Helper()
		if _, err := e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID), Username: aws.String(name), Password: aws.String(pw),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
			t.Fatalf("SignUp %s: %v", name, err)
		}
	}
	confirm := func(name, email string) error {
		_, err := e.client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(e.clientID), Username: aws.String(name), ConfirmationCode: aws.String(e.code(t, email))})
		return err
	}
	signUp("Ann", "ann@example.com")
	_, err := e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("ANN"), Password: aws.String(pw),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("other@example.com")}}})
	wantAPIError(t, err, "UsernameExistsException", "User already exists")
	_, err = e.client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(e.clientID), Username: aws.String("nomail"), Password: aws.String(pw)})
	wantAPIError(t, err, "InvalidParameterException", "Attributes did not conform to the schema: email: The attribute is required")

	// Before the e-mail is verified it is no sign-in name.
	_, err = e.signIn("ann@example.com", pw)
	wantAPIError(t, err, "NotAuthorizedException", "Incorrect username or password.")
	if err := confirm("ann", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ann", "ann", "ANN@example.com"} {
		res := e.mustSignInWith(t, name, pw)
		if _, claims := payload(t, aws.ToString(res.IdToken)); claims["cognito:username"] != "Ann" {
			t.Errorf("signed in as %s: cognito:username %v, want Ann", name, claims["cognito:username"])
		}
	}
	// A second user may sign up with the same e-mail, but not verify it
	// while Ann holds it.
	signUp("bob", "ann@example.com")
	wantAPIError(t, confirm("bob", "ann@example.com"), "AliasExistsException", "An account with the given email already exists.")
}
