package cognito_test

import (
	"testing"

	"github.com/shopstream/shopstream/emulator/localtest"
)

// TestAWSCLI signs a user up, confirms and signs in with the AWS CLI, whose
// cognito-idp commands send unsigned requests for these operations.
func TestAWSCLI(t *testing.T) {
	e := newEnv(t, envOptions{})
	aws := localtest.AWSCLI(t, e.url)
	aws("cognito-idp", "sign-up", "--client-id", e.clientID, "--username", "cli@example.com", "--password", goodPassword,
		"--user-attributes", "Name=email,Value=cli@example.com")
	aws("cognito-idp", "confirm-sign-up", "--client-id", e.clientID, "--username", "cli@example.com",
		"--confirmation-code", e.code(t, "cli@example.com"))
	out := aws("cognito-idp", "initiate-auth", "--client-id", e.clientID, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME=cli@example.com,PASSWORD="+goodPassword)
	res, _ := out["AuthenticationResult"].(map[string]any)
	id, _ := res["IdToken"].(string)
	claims, err := e.svc.Verify(e.poolID, id)
	if err != nil || claims["email"] != "cli@example.com" {
		t.Fatalf("initiate-auth gave %v: Verify = %v, %v", out, claims, err)
	}
	users := aws("cognito-idp", "list-users", "--user-pool-id", e.poolID, "--filter", `email = "cli@example.com"`)
	if list, _ := users["Users"].([]any); len(list) != 1 {
		t.Errorf("list-users --filter: %v", users)
	}
}
