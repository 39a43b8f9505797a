package apigateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/crypto/bcrypt"

	"github.com/shopstream/shopstream/emulator/apigateway"
	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

// authTemplate is a shop API behind a Cognito user pool authorizer:
// GET /product and GET /product/{id} are public, POST /product and
// GET /basket need an ID token, PUT /basket an access token with the
// user pool API scope; OPTIONS /basket is the CORS preflight (no auth).
// OtherPool issues tokens the authorizer must refuse.
const authTemplate = `{"Resources":{
  "Pool":{"Type":"AWS::Cognito::UserPool","Properties":{"UsernameAttributes":["email"],"AutoVerifiedAttributes":["email"]}},
  "Client":{"Type":"AWS::Cognito::UserPoolClient","Properties":{"UserPoolId":{"Ref":"Pool"},"GenerateSecret":false,
    "ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_ADMIN_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}},
  "Admins":{"Type":"AWS::Cognito::UserPoolGroup","Properties":{"UserPoolId":{"Ref":"Pool"},"GroupName":"admin","Precedence":0}},
  "Staff":{"Type":"AWS::Cognito::UserPoolGroup","Properties":{"UserPoolId":{"Ref":"Pool"},"GroupName":"staff","Precedence":1}},
  "OtherPool":{"Type":"AWS::Cognito::UserPool","Properties":{"UsernameAttributes":["email"]}},
  "OtherClient":{"Type":"AWS::Cognito::UserPoolClient","Properties":{"UserPoolId":{"Ref":"OtherPool"},"ExplicitAuthFlows":["ALLOW_ADMIN_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}},
  "Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"shop"}},
  "Auth":{"Type":"AWS::ApiGateway::Authorizer","Properties":{"RestApiId":{"Ref":"Api"},"Name":"ShopAuthorizer","Type":"COGNITO_USER_POOLS",
    "ProviderARNs":[{"Fn::GetAtt":["Pool","Arn"]}],"IdentitySource":"method.request.header.Authorization"}},
  "Product":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Fn::GetAtt":["Api","RootResourceId"]},"PathPart":"product"}},
  "ProductId":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Ref":"Product"},"PathPart":"{id}"}},
  "Basket":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Fn::GetAtt":["Api","RootResourceId"]},"PathPart":"basket"}},
  "ProductGet":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Product"},"HttpMethod":"GET","AuthorizationType":"NONE",
    "Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:catalog/invocations"}}},
  "ProductIdGet":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"ProductId"},"HttpMethod":"GET","AuthorizationType":"NONE",
    "Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:catalog/invocations"}}},
  "ProductPost":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Product"},"HttpMethod":"POST",
    "AuthorizationType":"COGNITO_USER_POOLS","AuthorizerId":{"Ref":"Auth"},
    "Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:catalog/invocations"}}},
  "BasketGet":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Basket"},"HttpMethod":"GET",
    "AuthorizationType":"COGNITO_USER_POOLS","AuthorizerId":{"Ref":"Auth"},
    "Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:basket/invocations"}}},
  "BasketPut":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Basket"},"HttpMethod":"PUT",
    "AuthorizationType":"COGNITO_USER_POOLS","AuthorizerId":{"Ref":"Auth"},"AuthorizationScopes":["aws.cognito.signin.user.admin"],
    "Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:basket/invocations"}}},
  "BasketOptions":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Basket"},"HttpMethod":"OPTIONS","AuthorizationType":"NONE",
    "Integration":{"Type":"MOCK","IntegrationResponses":[{"StatusCode":"204","ResponseParameters":{
      "method.response.header.Access-Control-Allow-Headers":"'Content-Type,Authorization'","method.response.header.Access-Control-Allow-Origin":"'*'"}}]}}},
  "Dep":{"Type":"AWS::ApiGateway::Deployment","DependsOn":["ProductGet","ProductIdGet","ProductPost","BasketGet","BasketPut","BasketOptions"],"Properties":{"RestApiId":{"Ref":"Api"}}},
  "Stage":{"Type":"AWS::ApiGateway::Stage","Properties":{"RestApiId":{"Ref":"Api"},"DeploymentId":{"Ref":"Dep"},"StageName":"prod"}}},
 "Outputs":{"PoolId":{"Value":{"Ref":"Pool"}},"ClientId":{"Value":{"Ref":"Client"}},
  "OtherPoolId":{"Value":{"Ref":"OtherPool"}},"OtherClientId":{"Value":{"Ref":"OtherClient"}}}}`

// authEnv is authTemplate deployed on a real local Cognito and API
// Gateway, with the Lambda integrations faked at the edge.
type authEnv struct {
	base    string
	inv     *fakeInvoker
	clock   *localtest.Clock
	idp     *cognito.Service
	aws     *awsapi.Server
	outputs map[string]any
}

func startAuthAPI(t *testing.T) *authEnv {
	t.Helper()
	c := localtest.NewClock(fixedNow)
	srv, url := localtest.Serve(t)
	idp, err := cognito.New(localtest.OpenDB(t, ""), cognito.Options{BaseURL: url, Now: c.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	idp.Register(srv)
	inv := &fakeInvoker{}
	api := apigateway.New(inv, apigateway.Options{Verifier: idp, Now: c.Now,
		RequestID: func() string { return "deef4878-7910-11e6-8f14-25afc3e9ae33" }})
	reg, err := stack.NewRegistry(idp, api)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := stack.ParseTemplate([]byte(authTemplate))
	if err != nil {
		t.Fatal(err)
	}
	d, err := stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "AuthTest"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	return &authEnv{base: hs.URL + "/prod", inv: inv, clock: c, idp: idp, aws: srv, outputs: d.Outputs}
}

type tokens struct{ ID, Access string }

// signIn creates a confirmed user in the pool named by the outputs
// (PoolId/ClientId or OtherPoolId/OtherClientId) and signs in through the
// Cognito API.
func (e *authEnv) signIn(t *testing.T, prefix, email string, groups ...string) tokens {
	t.Helper()
	poolID, clientID := e.outputs[prefix+"PoolId"].(string), e.outputs[prefix+"ClientId"].(string)
	const pw = "Str0ng-Passw0rd!"
	if _, err := e.idp.EnsureUser(poolID, cognito.User{Username: email, Password: pw, Groups: groups}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"UserPoolId": poolID, "ClientId": clientID, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": pw}})
	raw, err := e.aws.Call(context.Background(), cognito.TargetPrefix+".AdminInitiateAuth", body)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		AuthenticationResult struct{ IdToken, AccessToken string }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return tokens{ID: out.AuthenticationResult.IdToken, Access: out.AuthenticationResult.AccessToken}
}

// do sends a request with the Authorization header (none when empty) and
// returns the status and body.
func (e *authEnv) do(t *testing.T, method, path, authorization string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.base+path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("X-Amzn-Errortype") != "UnauthorizedException" {
		t.Errorf("401 with x-amzn-ErrorType %q, want UnauthorizedException", resp.Header.Get("X-Amzn-Errortype"))
	}
	return resp.StatusCode, string(raw)
}

// tamper changes the e-mail in a token's payload, keeping its signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["email"] = "mallory@example.com"
	raw, _ = json.Marshal(claims)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
}

func TestCognitoAuthorizerRefusals(t *testing.T) {
	e := startAuthAPI(t)
	mine := e.signIn(t, "", "ann@example.com")
	other := e.signIn(t, "Other", "ann@example.com")
	const unauthorized = `{"message":"Unauthorized"}`
	tests := []struct {
		name, method, path, authorization string
		status                            int
		body                              string
	}{
		{"no token", "POST", "/product", "", 401, unauthorized},
		{"empty bearer", "POST", "/product", "Bearer ", 401, unauthorized},
		{"garbage", "POST", "/product", "not-a-token", 401, unauthorized},
		{"garbage JWT", "POST", "/product", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", 401, unauthorized},
		{"tampered", "POST", "/product", tamper(t, mine.ID), 401, unauthorized},
		{"other pool", "POST", "/product", other.ID, 401, unauthorized},
		{"access token without scopes", "POST", "/product", mine.Access, 401, unauthorized},
		{"ID token where scopes are required", "PUT", "/basket", mine.ID, 401, unauthorized},
		{"other pool's access token", "PUT", "/basket", other.Access, 401, unauthorized},
		{"ID token", "POST", "/product", mine.ID, 200, "catalog"},
		{"Bearer ID token", "POST", "/product", "Bearer " + mine.ID, 200, "catalog"},
		{"access token with the scope", "PUT", "/basket", mine.Access, 200, "basket"},
		{"public list", "GET", "/product", "", 200, "catalog"},
		{"public item", "GET", "/product/p-1", "", 200, "catalog"},
		{"public route ignores a bad token", "GET", "/product/p-1", "garbage", 200, "catalog"},
		{"CORS preflight", "OPTIONS", "/basket", "", 204, ""},
		{"unknown route", "DELETE", "/product", mine.ID, 403, `{"message":"Missing Authentication Token"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.inv.calls)
			status, body := e.do(t, tt.method, tt.path, tt.authorization)
			if status != tt.status || body != tt.body {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, status, body, tt.status, tt.body)
			}
			if status == 401 && len(e.inv.calls) != before {
				t.Errorf("a refused request reached the function")
			}
		})
	}

	// An hour and a second later the tokens have expired.
	e.clock.Advance(time.Hour + time.Second)
	for _, tt := range []struct{ method, path, token string }{{"POST", "/product", mine.ID}, {"PUT", "/basket", mine.Access}} {
		status, body := e.do(t, tt.method, tt.path, tt.token)
		if status != 401 || body != `{"message":"The incoming token has expired"}` {
			t.Errorf("expired token on %s %s: %d %s, want 401 The incoming token has expired", tt.method, tt.path, status, body)
		}
	}
	if status, body := e.do(t, "POST", "/product", tamper(t, mine.ID)); status != 401 || body != unauthorized {
		t.Errorf("expired and tampered: %d %s, want 401 Unauthorized", status, body)
	}
}

// TestCognitoAuthorizerClaims checks requestContext.authorizer.claims as
// API Gateway encodes them: every value a string, exp and iat as Java
// dates, groups joined by commas.
func TestCognitoAuthorizerClaims(t *testing.T) {
	e := startAuthAPI(t)
	tok := e.signIn(t, "", "boss@example.com", "staff", "admin")
	if status, body := e.do(t, "GET", "/basket", tok.ID); status != 200 {
		t.Fatalf("GET /basket = %d %s", status, body)
	}
	raw := e.inv.last(t).event
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	claims, ok := ev.RequestContext.Authorizer["claims"].(map[string]any)
	if !ok || len(ev.RequestContext.Authorizer) != 1 {
		t.Fatalf("requestContext.authorizer = %v, want {claims: {...}}", ev.RequestContext.Authorizer)
	}
	_, idClaims, err := decodeToken(tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := fixedNow.Unix()
	want := map[string]string{
		"sub": idClaims["sub"].(string), "aud": e.outputs["ClientId"].(string), "email_verified": "true", "token_use": "id",
		"auth_time": strconv.FormatInt(now, 10), "iss": idClaims["iss"].(string), "cognito:username": idClaims["sub"].(string),
		"exp": "Fri May 15 07:01:09 UTC 2020", "iat": "Fri May 15 06:01:09 UTC 2020",
		"jti": idClaims["jti"].(string), "origin_jti": idClaims["origin_jti"].(string), "event_id": idClaims["event_id"].(string),
		"email": "boss@example.com", "cognito:groups": "admin,staff",
	}
	if len(claims) != len(want) {
		t.Errorf("claims %v, want %d claims", claims, len(want))
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claims[%s] = %#v, want %#v", k, claims[k], v)
		}
	}

	// The event keeps the shape aws-lambda-go's fixture records, now with
	// the authorizer AWS adds.
	fixture, err := os.ReadFile(filepath.Join(lambdaTestdata(t), "apigw-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx, have map[string]any
	if err := json.Unmarshal(fixture, &fx); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &have); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys(fx["requestContext"].(map[string]any)) {
		if _, ok := have["requestContext"].(map[string]any)[k]; !ok && k != "apiKey" && k != "apiKeyId" {
			t.Errorf("requestContext: missing %q", k)
		}
	}

	// One group is rendered alone; a user in none has no cognito:groups.
	solo := e.signIn(t, "", "solo@example.com", "staff")
	e.do(t, "GET", "/basket", solo.ID)
	if c := lastClaims(t, e); c["cognito:groups"] != "staff" {
		t.Errorf("one group: cognito:groups = %#v, want \"staff\"", c["cognito:groups"])
	}
	plain := e.signIn(t, "", "plain@example.com")
	e.do(t, "GET", "/basket", plain.ID)
	if c := lastClaims(t, e); c["cognito:groups"] != nil {
		t.Errorf("no group: cognito:groups = %#v, want absent", c["cognito:groups"])
	}

	// An access token's claims on a scoped method.
	e.do(t, "PUT", "/basket", tok.Access)
	c := lastClaims(t, e)
	if c["token_use"] != "access" || c["scope"] != "aws.cognito.signin.user.admin" || c["client_id"] != e.outputs["ClientId"] || c["cognito:groups"] != "admin,staff" {
		t.Errorf("access token claims %v", c)
	}

	// A public method's event has no authorizer.
	e.do(t, "GET", "/product", tok.ID)
	var public map[string]any
	if err := json.Unmarshal(e.inv.last(t).event, &public); err != nil {
		t.Fatal(err)
	}
	if _, ok := public["requestContext"].(map[string]any)["authorizer"]; ok {
		t.Errorf("a method without an authorizer got requestContext.authorizer")
	}
}

func lastClaims(t *testing.T, e *authEnv) map[string]any {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(e.inv.last(t).event, &ev); err != nil {
		t.Fatal(err)
	}
	c, _ := ev.RequestContext.Authorizer["claims"].(map[string]any)
	return c
}

func decodeToken(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(token, ".")
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, nil, err
		}
	}
	return header, claims, nil
}

func TestAuthorizerProvisionErrors(t *testing.T) {
	base := `{"Resources":{"Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"x"}},
		"R":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Fn::GetAtt":["Api","RootResourceId"]},"PathPart":"a"}},
		"A":{"Type":"AWS::ApiGateway::Authorizer","Properties":%s},
		"M":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"R"},"HttpMethod":"GET",%s
			"Integration":{"Type":"MOCK"}}}}}`
	good := `{"RestApiId":{"Ref":"Api"},"Type":"COGNITO_USER_POOLS","ProviderARNs":["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x"],"IdentitySource":"method.request.header.Authorization"}`
	tests := []struct {
		name, authorizer, method, want string
		verifier                       bool
	}{
		{"no verifier", good, `"AuthorizationType":"COGNITO_USER_POOLS","AuthorizerId":{"Ref":"A"},`, "needs the local Cognito", false},
		{"no provider", `{"RestApiId":{"Ref":"Api"},"Type":"COGNITO_USER_POOLS","IdentitySource":"method.request.header.Authorization"}`, ``, "ProviderARNs", true},
		{"identity source", strings.Replace(good, "method.request.header.Authorization", "method.request.querystring.token", 1), ``, "IdentitySource", true},
		{"no authorizer id", good, `"AuthorizationType":"COGNITO_USER_POOLS",`, "AuthorizerId: required", true},
		{"lambda authorizer id", `{"RestApiId":{"Ref":"Api"},"Type":"TOKEN","IdentitySource":"method.request.header.Authorization","AuthorizerUri":"x"}`,
			`"AuthorizationType":"COGNITO_USER_POOLS","AuthorizerId":{"Ref":"A"},`, "not COGNITO_USER_POOLS", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := stack.ParseTemplate([]byte(strings.Replace(strings.Replace(base, "%s", tt.authorizer, 1), "%s", tt.method, 1)))
			if err != nil {
				t.Fatal(err)
			}
			opts := apigateway.Options{}
			if tt.verifier {
				opts.Verifier = refuseAll{}
			}
			reg, _ := stack.NewRegistry(apigateway.New(&fakeInvoker{}, opts))
			_, err = stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "S"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// refuseAll is a Verifier for provisioning tests, where no token is checked.
type refuseAll struct{}

func (refuseAll) Verify(string, string) (map[string]any, error) { return nil, io.EOF }
