package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// recorder is a fake provisioner at the edge of these tests: it records the
// resolved resources it is handed and exposes a Ref and attributes.
type recorder struct {
	created []stack.Resource
}

func (r *recorder) Types() []string { return []string{"Test::Table", "Test::Role", "Test::Function"} }

func (r *recorder) Create(_ context.Context, res stack.Resource) (stack.Created, error) {
	r.created = append(r.created, res)
	name := stack.PhysicalName(res.StackName, res.LogicalID, 64)
	attrs := map[string]any{"Arn": awsapi.ARN("test", res.LogicalID)}
	if res.Type == "Test::Table" {
		attrs["StreamArn"] = awsapi.ARN("test", res.LogicalID+"/stream/1")
	}
	return stack.Created{Ref: name, Attrs: attrs}, nil
}

func deployFixture(t *testing.T) (*stack.Assembly, *stack.Deployed, *recorder) {
	t.Helper()
	a, err := stack.LoadAssembly("testdata/assembly", "")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	reg, err := stack.NewRegistry(rec)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stack.Deploy(context.Background(), a.Template, reg, stack.Options{StackName: a.StackName})
	if err != nil {
		t.Fatal(err)
	}
	return a, d, rec
}

func TestDeployResolvesFixture(t *testing.T) {
	a, d, rec := deployFixture(t)

	resolved := map[string]any{}
	for _, r := range rec.created {
		if path := intrinsicLeft(r.Properties); path != "" {
			t.Errorf("%s: intrinsic left unresolved at %s", r.LogicalID, path)
		}
		resolved[r.LogicalID] = map[string]any{"Type": r.Type, "Properties": r.Properties, "Metadata": r.Metadata}
	}
	assets := map[string]string{}
	for k, p := range a.Assets {
		rel, err := filepath.Rel(mustAbs(t, a.Dir), p)
		if err != nil {
			t.Fatal(err)
		}
		assets[k] = rel
	}
	got, err := json.MarshalIndent(map[string]any{
		"StackName": d.StackName,
		"Order":     d.Order,
		"Resolved":  resolved,
		"Created":   d.Resources,
		"Outputs":   d.Outputs,
		"Assets":    assets,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/assembly.golden.json", got)
}

func TestDeployOrdersDependenciesFirst(t *testing.T) {
	_, d, _ := deployFixture(t)
	pos := map[string]int{}
	for i, id := range d.Order {
		pos[id] = i
	}
	for _, dep := range [][2]string{{"Role", "Fn"}, {"Logs", "Fn"}, {"Table", "Fn"}} {
		if pos[dep[0]] >= pos[dep[1]] {
			t.Errorf("%s provisioned after %s; order %v", dep[0], dep[1], d.Order)
		}
	}
	if _, ok := pos["ProdOnly"]; ok {
		t.Errorf("ProdOnly provisioned though its condition is false")
	}
}

// intrinsicLeft returns the path of an intrinsic function left in v, or "".
func intrinsicLeft(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if k == "Ref" || strings.HasPrefix(k, "Fn::") {
				return k
			}
			if p := intrinsicLeft(e); p != "" {
				return k + "." + p
			}
		}
	case []any:
		for _, e := range t {
			if p := intrinsicLeft(e); p != "" {
				return "[]." + p
			}
		}
	}
	return ""
}

func TestDeployErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings the error must contain
		// createsNothing: the template is rejected before any resource is made.
		createsNothing bool
	}{
		{"cycle", []string{"cycle", "A -> B -> C -> A"}, true},
		{"unsupported-type", []string{"AWS::SNS::Topic (Q, R)"}, true},
		{"import-value", []string{"resource A", "Fn::ImportValue", `"SharedVpcId"`, "cross-stack"}, true},
		{"unknown-ref", []string{"resource A", "Properties.X", `"Nope" is not a parameter`}, true},
		{"unknown-attr", []string{"resource B", `no attribute "Missing"`, "has Arn, StreamArn"}, false},
		{"bad-depends-on", []string{"resource A", `unknown resource "Ghost"`}, true},
		{"select-range", []string{"Fn::Select", "index 5 out of range"}, true},
		{"unknown-function", []string{"Fn::Cidr", "not supported"}, true},
		{"missing-parameter", []string{"parameter Env", "no Default"}, true},
		{"unknown-condition", []string{"Fn::If", `no condition "Nope"`}, true},
		{"condition-cycle", []string{"refers to itself"}, true},
		{"sub-unterminated", []string{"Fn::Sub", "unterminated"}, true},
		{"skipped-ref", []string{"resource B", "not provisioned"}, true},
		{"join-not-list", []string{"Fn::Join", "want a list"}, true},
		{"no-resources", []string{"no Resources"}, true},
		{"no-type", []string{"resource A", "no Type"}, true},
		{"transform", []string{`Transform "AWS::Serverless-2016-10-31" is not supported`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/errors", tt.file+".json"))
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			tpl, err := stack.ParseTemplate(raw)
			if err == nil {
				reg, _ := stack.NewRegistry(rec)
				_, err = stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "Errors"})
			}
			if err == nil {
				t.Fatalf("want an error containing %q, got none", tt.want)
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.createsNothing && len(rec.created) > 0 {
				t.Errorf("created %d resources before failing", len(rec.created))
			}
		})
	}
}

func TestDeployParameterOverride(t *testing.T) {
	a, err := stack.LoadAssembly("testdata/assembly", "Fixture")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	reg, _ := stack.NewRegistry(rec)
	d, err := stack.Deploy(context.Background(), a.Template, reg, stack.Options{StackName: "Prod", Parameters: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Resources["ProdOnly"]; !ok {
		t.Errorf("ProdOnly not provisioned with Stage=prod")
	}
	var env map[string]any
	for _, r := range rec.created {
		if r.LogicalID == "Fn" {
			env = r.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			if r.Properties["MemorySize"] != float64(1024) {
				t.Errorf("MemorySize = %v, want the prod mapping's 1024", r.Properties["MemorySize"])
			}
		}
	}
	if env["IF"] != "other" || env["DROPPED"] != "x" {
		t.Errorf("conditions not re-evaluated for prod: IF=%v DROPPED=%v", env["IF"], env["DROPPED"])
	}

	_, err = stack.Deploy(context.Background(), a.Template, reg, stack.Options{StackName: "X", Parameters: map[string]string{"Nope": "1"}})
	if err == nil || !strings.Contains(err.Error(), "parameter Nope: not declared") {
		t.Errorf("unknown override: got %v", err)
	}
}

func TestLoadAssemblyChoosesStack(t *testing.T) {
	dir := t.TempDir()
	tpl := `{"Resources":{"A":{"Type":"Test::Table"}}}`
	for _, f := range []string{"One.template.json", "Two.template.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(tpl), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	manifest := `{"artifacts":{
		"One":{"type":"aws:cloudformation:stack","properties":{"templateFile":"One.template.json"}},
		"Two":{"type":"aws:cloudformation:stack","properties":{"templateFile":"Two.template.json","stackName":"shop-two"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want, wantErr string
	}{
		{name: "", wantErr: "2 stacks (One, shop-two): choose one"},
		{name: "One", want: "One"},
		{name: "shop-two", want: "shop-two"},
		{name: "Two", want: "shop-two"}, // the artifact id works too
		{name: "Three", wantErr: `no stack "Three" (have One, shop-two)`},
	}
	for _, tt := range tests {
		a, err := stack.LoadAssembly(dir, tt.name)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadAssembly(%q) error = %v, want %q", tt.name, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("LoadAssembly(%q): %v", tt.name, err)
		case a.StackName != tt.want:
			t.Errorf("LoadAssembly(%q) stack = %q, want %q", tt.name, a.StackName, tt.want)
		}
	}
	if _, err := stack.LoadAssembly(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "cdk synth") {
		t.Errorf("missing manifest: got %v, want a hint to synthesize", err)
	}
}

func TestPhysicalNameStableAndBounded(t *testing.T) {
	a := stack.PhysicalName("ShopStream", "EventsTable", 255)
	if b := stack.PhysicalName("ShopStream", "EventsTable", 255); a != b {
		t.Errorf("not stable: %q vs %q", a, b)
	}
	if !strings.HasPrefix(a, "ShopStream-EventsTable-") {
		t.Errorf("PhysicalName = %q, want the stack and logical id as prefix", a)
	}
	if c := stack.PhysicalName("ShopStream", "Other", 255); c == a {
		t.Errorf("two logical ids share the name %q", a)
	}
	long := stack.PhysicalName(strings.Repeat("S", 60), strings.Repeat("L", 60), 64)
	if len(long) != 64 {
		t.Errorf("len = %d, want 64", len(long))
	}
}

func TestRegistryRejectsDuplicateTypes(t *testing.T) {
	if _, err := stack.NewRegistry(&recorder{}, &recorder{}); err == nil || !strings.Contains(err.Error(), "Test::Table") {
		t.Errorf("got %v, want an error naming the duplicated type", err)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it):\n%s", path, got)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestDeployNoticesObservationalTypesOnce(t *testing.T) {
	a, err := stack.LoadAssembly("testdata/assembly", "")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	reg, _ := stack.NewRegistry(&recorder{})
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := stack.Deploy(context.Background(), a.Template, reg, stack.Options{StackName: "N", Log: log}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"notice: AWS::CDK::Metadata (1 resource) is observational",
		"notice: AWS::Logs::MetricFilter (1 resource) is observational",
	} {
		if n := strings.Count(logs.String(), want); n != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", want, n, logs.String())
		}
	}
}
