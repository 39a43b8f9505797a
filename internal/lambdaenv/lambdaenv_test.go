package lambdaenv

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/config"
)

// helperEnv makes the test binary, started again by TestLoadExitsNamingMissing,
// call Load instead of running the tests.
const helperEnv = "LAMBDAENV_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		Load(config.CatalogAPI)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLoadExitsNamingMissing(t *testing.T) {
	all := config.CatalogAPI.Names()
	tests := []struct {
		name    string
		missing []string // variables left unset; Load must exit naming each
	}{
		{name: "all set"},
		{name: "one unset", missing: all[1:2]},
		{name: "none set", missing: all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = []string{helperEnv + "=1", "AWS_REGION=us-east-1", "HOME=" + t.TempDir()}
			for _, name := range all {
				if !slices.Contains(tt.missing, name) {
					cmd.Env = append(cmd.Env, name+"=x")
				}
			}
			out, err := cmd.CombinedOutput()
			if failed, wantFail := err != nil, len(tt.missing) > 0; failed != wantFail {
				t.Fatalf("exit error = %v, want failure %v; output:\n%s", err, wantFail, out)
			}
			for _, name := range tt.missing {
				if !strings.Contains(string(out), name) {
					t.Errorf("output does not name %s:\n%s", name, out)
				}
			}
		})
	}
}

func TestCommands(t *testing.T) {
	r := Commands(nil, "events")
	if r.Store == nil || r.Registry == nil || r.Factory == nil {
		t.Fatalf("Commands left a field unset: %+v", r)
	}
}
