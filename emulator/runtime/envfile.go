package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// EnvVars returns what WriteEnvFile writes: the endpoint, dummy
// credentials, API_URL (the first stage's local URL) and every stack output
// under its UPPER_SNAKE_CASE name. The local API URL replaces any output of
// the same name, which would point at AWS.
func (rt *Runtime) EnvVars() map[string]string {
	vars := map[string]string{}
	for k, v := range rt.deployed.Outputs {
		vars[snake(k)] = fmt.Sprint(v)
	}
	vars["AWS_ENDPOINT_URL"] = rt.awsURL
	// AWS CLI v1 reads only AWS_DEFAULT_REGION; the SDKs read AWS_REGION.
	vars["AWS_REGION"] = awsapi.Region
	vars["AWS_DEFAULT_REGION"] = awsapi.Region
	vars["AWS_ACCESS_KEY_ID"] = "local"
	vars["AWS_SECRET_ACCESS_KEY"] = "local"
	if urls := rt.APIURLs(); len(urls) > 0 {
		vars["API_URL"] = urls[0]
	}
	return vars
}

// WriteEnvFile writes EnvVars to path, sorted, replacing the file.
func (rt *Runtime) WriteEnvFile(path string) error {
	vars := rt.EnvVars()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "# written by shopstream-local for stack %s; valid while it runs\n", rt.deployed.StackName)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, vars[k])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	return nil
}

// snake turns an output key into an environment variable name:
// "CheckoutStateMachineArn" → "CHECKOUT_STATE_MACHINE_ARN".
func snake(key string) string {
	var b strings.Builder
	rs := []rune(key)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
