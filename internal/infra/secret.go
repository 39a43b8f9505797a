package infra

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/config"
)

// NewDeploymentSecret creates the deployment's secret: 64 random letters
// and digits that Secrets Manager generates at deploy time, so no key is
// written in the source, the template or the repository, and every
// deployment (stage) has its own. The API functions read it once at cold
// start: it keys card tokens (HMAC-SHA256, internal/payment.Tokenizer) and
// paging cursors (internal/httpapi.Cursors).
//
// It is not rotated: a new key would make every stored card token stop
// matching its card (the checkout's idempotent retry compares them) and
// every cursor a client holds answer bad_cursor. Replacing it is a
// deliberate act: update the secret and restart the functions.
func NewDeploymentSecret(scope constructs.Construct, id string) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		Description: jsii.String("shopstream: key of card tokens and paging cursors (generated; read by the API functions at start)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("A MAC key whose rotation would invalidate every stored card token and every " +
			"issued cursor; it is replaced deliberately, not on a schedule."),
	}}, jsii.Bool(false))
	return secret
}

// AddSecret binds name to secret's ARN; reading its value
// (secretsmanager:GetSecretValue on that secret alone) is the only use.
func (r *Resources) AddSecret(name string, secret awssecretsmanager.ISecret) {
	r.byName[name] = resource{value: secret.SecretArn(), kind: "secret", grant: func(fn awslambda.Function, f config.Function, u config.Use) {
		if u.Op != config.OpReadSecret {
			unsupported(f, name, "secret", u)
		}
		fn.AddToRolePolicy(statement(u.Op.Actions(), []string{*secret.SecretArn()}, nil))
	}}
}

// Payment gateways a stack can wire into the checkout's AuthorizePayment.
const (
	// GatewaySimulated is internal/payment.Simulated: it approves every
	// valid card number except the documented test cards. The only one
	// there is today.
	GatewaySimulated = "simulated"
)

// ErrSimulatedGatewayInProduction is CheckPaymentGateway's refusal.
var ErrSimulatedGatewayInProduction = errors.New("the simulated payment gateway approves any valid card number and cannot be deployed to production: " +
	"wire a real gateway (an internal/payment.Gateway) into lambdas/authorizepayment first, or deploy as a non-production stage")

// CheckPaymentGateway reports why gateway cannot serve the stage, or nil:
// a production stage must not run the simulated gateway.
func CheckPaymentGateway(stage string, production bool, gateway string) error {
	if gateway == "" {
		gateway = GatewaySimulated
	}
	if gateway != GatewaySimulated {
		return fmt.Errorf("stage %q: unknown payment gateway %q (known: %s)", stage, gateway, GatewaySimulated)
	}
	if production {
		return fmt.Errorf("stage %q is marked production: %w", stage, ErrSimulatedGatewayInProduction)
	}
	return nil
}
