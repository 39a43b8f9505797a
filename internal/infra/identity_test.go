package infra_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/infra"
)

// Users sign up themselves and sign in with their user name or e-mail,
// under a password policy cdk-nag's COG1 accepts; MFA is optional (TOTP);
// accounts are recovered by e-mail.
func TestUserPool(t *testing.T) {
	synth(t)
	id := logicalID(synthesized.dev.Identity.UserPool)
	pool := synthesized.raw.Resources[id]
	if pool.Type != "AWS::Cognito::UserPool" {
		t.Fatalf("%s is a %s", id, pool.Type)
	}
	p := pool.Properties
	for key, want := range map[string]any{
		"AliasAttributes":        []any{"email"}, // sign in with the user name or the e-mail
		"UsernameConfiguration":  map[string]any{"CaseSensitive": false},
		"AutoVerifiedAttributes": []any{"email"},
		"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": false}, // self sign-up
		"MfaConfiguration":       "OPTIONAL",
		"EnabledMfas":            []any{"SOFTWARE_TOKEN_MFA"},
		"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{map[string]any{"Name": "verified_email", "Priority": float64(1)}}},
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": float64(infra.MinPasswordLength), "RequireLowercase": true, "RequireUppercase": true,
			"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": float64(infra.TempPasswordValidityDays),
		}},
		"UserPoolTier": "PLUS",
	} {
		if !reflect.DeepEqual(p[key], want) {
			t.Errorf("user pool %s = %v, want %v", key, p[key], want)
		}
	}
	if p["UsernameAttributes"] != nil {
		t.Errorf("UsernameAttributes %v: the user name must stay the API's {userName}, not a UUID", p["UsernameAttributes"])
	}
	if infra.MinPasswordLength < 8 {
		t.Errorf("minimum password length %d < 8", infra.MinPasswordLength)
	}
	if pool.DeletionPolicy != "Retain" {
		t.Errorf("user pool DeletionPolicy %q, want Retain", pool.DeletionPolicy)
	}
	// No custom resource, SMS role or Lambda trigger comes with it: the
	// local runtime serves the template's Cognito types as they are.
	for rid, r := range synthesized.raw.Resources {
		if r.Type == "AWS::CloudFormation::CustomResource" || strings.HasPrefix(r.Type, "Custom::") {
			t.Errorf("custom resource %s (%s)", rid, r.Type)
		}
	}
	if p["LambdaConfig"] != nil || p["SmsConfiguration"] != nil {
		t.Errorf("user pool has triggers or SMS: %v %v", p["LambdaConfig"], p["SmsConfiguration"])
	}
}

// The app client is for public clients: no secret, user-password and SRP
// sign-in, refresh tokens, no OAuth (the pool has no hosted UI).
func TestUserPoolClient(t *testing.T) {
	synth(t)
	s := synthesized.dev
	c := synthesized.raw.Resources[logicalID(s.Identity.Client)].Properties
	if !reflect.DeepEqual(c["UserPoolId"], ref(logicalID(s.Identity.UserPool))) {
		t.Errorf("client of pool %v", c["UserPoolId"])
	}
	flows := c["ExplicitAuthFlows"].([]any)
	slices.SortFunc(flows, func(a, b any) int {
		if a.(string) < b.(string) {
			return -1
		}
		return 1
	})
	want := []any{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"}
	if !reflect.DeepEqual(flows, want) {
		t.Errorf("auth flows %v, want %v", flows, want)
	}
	if c["GenerateSecret"] != false {
		t.Errorf("GenerateSecret = %v: a public client holds no secret", c["GenerateSecret"])
	}
	if c["AllowedOAuthFlowsUserPoolClient"] != false || c["AllowedOAuthFlows"] != nil || c["CallbackURLs"] != nil {
		t.Errorf("OAuth configured: %v %v %v", c["AllowedOAuthFlowsUserPoolClient"], c["AllowedOAuthFlows"], c["CallbackURLs"])
	}
	if c["PreventUserExistenceErrors"] != "ENABLED" || c["EnableTokenRevocation"] != true {
		t.Errorf("PreventUserExistenceErrors %v, EnableTokenRevocation %v", c["PreventUserExistenceErrors"], c["EnableTokenRevocation"])
	}
	if c["RefreshTokenValidity"] != float64(infra.RefreshTokenValidityDays*24*60) ||
		!reflect.DeepEqual(c["TokenValidityUnits"], map[string]any{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}) {
		t.Errorf("refresh token validity %v %v", c["RefreshTokenValidity"], c["TokenValidityUnits"])
	}
}

func TestAdminGroup(t *testing.T) {
	synth(t)
	synthesized.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
		"GroupName":  infra.AdminGroup,
		"UserPoolId": ref(logicalID(synthesized.dev.Identity.UserPool)),
	})
	synthesized.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
		"Type":           "COGNITO_USER_POOLS",
		"IdentitySource": "method.request.header.Authorization",
		"ProviderARNs":   []any{getAtt(logicalID(synthesized.dev.Identity.UserPool), "Arn")},
		"RestApiId":      ref(logicalID(synthesized.dev.API.RestAPI)),
	})
}

// Clients find the pool and the client in the stack's outputs (the local
// runtime writes them to stack.env as USER_POOL_ID and USER_POOL_CLIENT_ID).
func TestIdentityOutputs(t *testing.T) {
	synth(t)
	s := synthesized.dev
	synthesized.template.HasOutput(jsii.String("UserPoolId"), map[string]any{"Value": ref(logicalID(s.Identity.UserPool))})
	synthesized.template.HasOutput(jsii.String("UserPoolClientId"), map[string]any{"Value": ref(logicalID(s.Identity.Client))})
}
