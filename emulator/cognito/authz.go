package cognito

import (
	"context"
	"encoding/json"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// unsigned are the operations Cognito serves without IAM: a user's own
// sign-up and sign-in, and GetUser with an access token. Every other
// operation is authorized as cognito-idp:<Operation> on the pool's ARN
// (Service Authorization Reference, "Actions defined by Amazon Cognito
// User Pools"); ListUserPools on "*".
var unsigned = map[string]bool{
	"SignUp": true, "ConfirmSignUp": true, "ResendConfirmationCode": true,
	"InitiateAuth": true, "RespondToAuthChallenge": true, "GetUser": true,
}

func authorize(ctx context.Context, op string, body []byte) error {
	if unsigned[op] || awsapi.PrincipalFrom(ctx).IsZero() {
		return nil
	}
	var in struct{ UserPoolId string }
	if json.Unmarshal(body, &in) != nil {
		return nil // the operation reports the malformed body
	}
	resource := "*"
	if op != "ListUserPools" {
		resource = poolARN(in.UserPoolId)
	}
	return awsapi.Authorize(ctx, "cognito-idp:"+op, resource, nil)
}
