// Package arch checks the module's import graph against the layering the
// design describes, so an arrow that runs back up fails a test instead of
// waiting for a reviewer:
//
//	lambdas, cmd → internal/<app> → aggregates → internal/domain
//	adapters → ports (eventstore/*), never the reverse
//	emulator/* → only itself: it runs any CDK Go stack, not just ours
//
// and no Lambda or emulator binary links the CDK (a 38 MB tarball that
// needs Node to start).
package arch

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/shopstream/shopstream"

// pkg is one package of the module: its own imports (without tests) and
// every package it depends on transitively.
type pkg struct {
	imports, deps []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			t.Fatalf("go list line %q", sc.Text())
		}
		name := strings.TrimPrefix(strings.TrimPrefix(parts[0], module), "/")
		pkgs[name] = pkg{imports: local(strings.Fields(parts[1])), deps: strings.Fields(parts[2])}
	}
	if len(pkgs) < 40 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	return pkgs
}

// local keeps the module's own packages, relative to the module root.
func local(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == module {
			out = append(out, "")
		} else if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

func under(p string, roots ...string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// aggregates are the domain's aggregates: standard library and
// internal/domain only (ordering reads the basket's checkout event).
var aggregates = []string{"internal/basket", "internal/catalog", "internal/ordering"}

func TestLayers(t *testing.T) {
	rules := []struct {
		name    string
		applies func(from string) bool
		allowed func(from, to string) bool
	}{
		{
			"internal/domain is the bottom: it imports no other package of the module",
			func(from string) bool {
				return under(from, "internal/domain") && !under(from, "internal/domain/domaintest")
			},
			func(from, to string) bool { return false },
		},
		{
			"aggregates import only internal/domain (and ordering the basket's events)",
			func(from string) bool { return under(from, aggregates...) },
			func(from, to string) bool {
				return to == "internal/domain" || (from == "internal/ordering" && to == "internal/basket")
			},
		},
		{
			"the event store port and its adapters know nothing of the app",
			func(from string) bool { return under(from, "eventstore") },
			func(from, to string) bool { return under(to, "eventstore") },
		},
		{
			"the emulator depends on nothing of the app",
			func(from string) bool { return under(from, "emulator") },
			func(from, to string) bool { return under(to, "emulator") },
		},
		{
			"the app's internal packages do not reach into the emulator (test helpers aside)",
			func(from string) bool {
				return under(from, "internal") && !under(from, "internal/testutil") && !strings.HasSuffix(from, "test")
			},
			func(from, to string) bool { return !under(to, "emulator") || to == "emulator/gopackage" },
		},
		{
			"nothing imports a command or a Lambda",
			func(string) bool { return true },
			func(from, to string) bool { return !under(to, "cmd", "lambdas") || under(to, from) },
		},
		{
			"the checkout contract does not depend on the folder of CDK constructs",
			func(from string) bool { return !under(from, "workflows", "internal/infra", "tests") && from != "" },
			func(from, to string) bool { return !under(to, "workflows", "internal/infra") },
		},
	}
	pkgs := listPackages(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for from, p := range pkgs {
				if !r.applies(from) {
					continue
				}
				for _, to := range p.imports {
					if !r.allowed(from, to) {
						t.Errorf("%s imports %s", from, to)
					}
				}
			}
		})
	}
}

// TestNoCDKInBinaries: the CDK belongs to the app's synth only.
func TestNoCDKInBinaries(t *testing.T) {
	pkgs := listPackages(t)
	checked := 0
	for name, p := range pkgs {
		if !under(name, "lambdas", "cmd", "emulator", "eventstore") {
			continue
		}
		checked++
		for _, d := range p.deps {
			if strings.HasPrefix(d, "github.com/aws/aws-cdk-go/") || strings.HasPrefix(d, "github.com/aws/jsii-runtime-go") {
				t.Errorf("%s depends on %s", name, d)
				break
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d packages; the module's lambdas, cmd and emulator were not found", checked)
	}
}
