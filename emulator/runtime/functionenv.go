package runtime

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/stack"
)

const typeFunction = "AWS::Lambda::Function"

// functionNames are the names a function answers to in FunctionEnv: its
// logical id, its FunctionName (when the template spells it out) and its
// Go package's last element ("ordering").
func functionNames(logicalID string, props, metadata map[string]any) []string {
	names := []string{logicalID}
	if n, ok := props["FunctionName"].(string); ok && n != "" {
		names = append(names, n)
	}
	if pkg := gopackage.Of(metadata); pkg != "" {
		names = append(names, path.Base(pkg))
	}
	return names
}

// checkFunctionEnv fails, before anything is created, when env names a
// function the template does not have.
func checkFunctionEnv(t *stack.Template, env map[string]map[string]string) error {
	known := map[string]bool{}
	var list []string
	for id, r := range t.Resources {
		if r.Type != typeFunction {
			continue
		}
		names := functionNames(id, r.Properties, r.Metadata)
		for _, n := range names {
			known[n] = true
		}
		list = append(list, names[len(names)-1])
	}
	var missing []string
	for n := range env {
		if !known[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(list)
	return fmt.Errorf("function env: no function named %s (functions: %s)", strings.Join(missing, ", "), strings.Join(list, ", "))
}

// withFunctionEnv wraps the Lambda provisioner so the functions named in
// env get extra environment variables (fault injection, debug switches)
// on top of the template's.
type withFunctionEnv struct {
	stack.Provisioner
	env map[string]map[string]string
}

func (p withFunctionEnv) Create(ctx context.Context, r stack.Resource) (stack.Created, error) {
	if r.Type == typeFunction {
		extra := map[string]string{}
		for _, n := range functionNames(r.LogicalID, r.Properties, r.Metadata) {
			for k, v := range p.env[n] {
				extra[k] = v
			}
		}
		if len(extra) > 0 {
			r.Properties = withEnv(r.Properties, extra)
		}
	}
	return p.Provisioner.Create(ctx, r)
}

// withEnv returns a copy of props whose Environment.Variables include extra.
func withEnv(props map[string]any, extra map[string]string) map[string]any {
	out := make(map[string]any, len(props)+1)
	for k, v := range props {
		out[k] = v
	}
	block := map[string]any{}
	if e, ok := props["Environment"].(map[string]any); ok {
		for k, v := range e {
			block[k] = v
		}
	}
	vars := map[string]any{}
	if old, ok := block["Variables"].(map[string]any); ok {
		for k, v := range old {
			vars[k] = v
		}
	}
	for k, v := range extra {
		vars[k] = v
	}
	block["Variables"] = vars
	out["Environment"] = block
	return out
}
