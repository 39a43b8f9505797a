package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AdminGroup is the Cognito group whose members may act on any user's
// basket and orders, change the catalog and read the audit trail. The API
// reads it from the token's cognito:groups claim.
const AdminGroup = "admin"

// Password policy of the user pool: cdk-nag's COG1 asks for at least 8
// characters with upper case, digits and symbols; NIST SP 800-63B favours
// length, so the minimum is longer than that.
const (
	MinPasswordLength        = 12
	TempPasswordValidityDays = 3
)

// Token lifetimes of the app client. A refresh token keeps a shopper
// signed in for a month; ID and access tokens are short, so a removed user
// or group membership stops working within the hour.
const (
	TokenValidityMinutes     = 60
	RefreshTokenValidityDays = 30
)

// Identity is the shop's sign-in: a Cognito user pool with self sign-up,
// an app client for public clients (browsers, mobile apps, the CLI) and the
// admin group. It uses only CloudFormation's own Cognito types (no custom
// resources), so the local runtime can serve the same template.
type Identity struct {
	UserPool   awscognito.UserPool
	Client     awscognito.UserPoolClient
	AdminGroup awscognito.CfnUserPoolGroup
}

// NewIdentity creates the user pool, its client and the admin group.
//
// Users sign up with a user name and an e-mail address and sign in with
// either: the user name, not the e-mail, is the token's cognito:username
// and the {userName} of the API's paths, so it stays a short, stable id
// (with the e-mail as the username attribute, Cognito would make it a
// UUID). User names are case-insensitive at sign-in, so "Ann" and "ann"
// cannot be two users.
func NewIdentity(scope constructs.Construct, id string) *Identity {
	c := constructs.NewConstruct(scope, jsii.String(id))
	pool := awscognito.NewUserPool(c, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(true),
		SignInAliases:       &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(MinPasswordLength),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(TempPasswordValidityDays)),
		},
		// Optional, with an authenticator app only: SMS would add an IAM
		// role for SNS and a per-message cost.
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		EnableSmsRole:   jsii.Bool(false),
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Threat protection (compromised credentials, adaptive
		// authentication) in full-function mode needs the Plus plan: billed
		// per monthly active user, nothing while idle (cdk-nag COG8).
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		// The users are the shop's customers: like the event store, the
		// pool outlives the stack.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is optional by design (a cdk-nag warning, not an error): shoppers may add an " +
			"authenticator app (TOTP); requiring one of every shopper at sign-up is a product decision this " +
			"sample leaves open. Threat protection (Plus plan, full function) watches every sign-in."),
	}}, jsii.Bool(true))

	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// A public client: code in a browser or on a phone cannot keep a
		// secret.
		GenerateSecret: jsii.Bool(false),
		AuthFlows: &awscognito.AuthFlow{
			UserPassword: jsii.Bool(true), // USER_PASSWORD_AUTH: the CLI, tests and the local runtime
			UserSrp:      jsii.Bool(true), // USER_SRP_AUTH: browsers (Amplify's default)
		},
		// No hosted UI: the pool has no domain, so OAuth flows and
		// callback URLs would be dead settings.
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(TokenValidityMinutes)),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(TokenValidityMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(RefreshTokenValidityDays)),
	})

	admins := awscognito.NewCfnUserPoolGroup(c, jsii.String("AdminGroup"), &awscognito.CfnUserPoolGroupProps{
		UserPoolId:  pool.UserPoolId(),
		GroupName:   jsii.String(AdminGroup),
		Description: jsii.String("Shop staff: any user's baskets and orders, catalog changes, the audit trail"),
		Precedence:  jsii.Number(0),
	})
	return &Identity{UserPool: pool, Client: client, AdminGroup: admins}
}
