package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadFrom(t *testing.T) {
	full := map[string]string{
		EventsTable: "events-abc", CatalogTable: "catalog-abc", OrdersTable: "orders-abc",
		EventBusName: "bus-abc", CheckoutStateMachineARN: "arn:aws:states:us-east-1:000000000000:stateMachine:c",
		OrderQueueURL: "http://127.0.0.1/q", Stage: "dev",
		DeploymentSecretARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:s-AbCdEf",
	}
	tests := []struct {
		name        string
		env         map[string]string
		names       []string
		want        Config
		wantMissing []string // names the error must list; nil means no error
	}{
		{
			name:  "all set",
			env:   full,
			names: Names(),
			want: Config{EventsTable: "events-abc", CatalogTable: "catalog-abc", OrdersTable: "orders-abc",
				EventBusName: "bus-abc", CheckoutStateMachineARN: full[CheckoutStateMachineARN],
				OrderQueueURL: "http://127.0.0.1/q", Stage: "dev", DeploymentSecretARN: full[DeploymentSecretARN]},
		},
		{
			name:  "only requested fields are set",
			env:   full,
			names: []string{EventsTable, Stage},
			want:  Config{EventsTable: "events-abc", Stage: "dev"},
		},
		{
			name:        "unset",
			env:         map[string]string{Stage: "dev"},
			names:       []string{EventsTable, Stage, OrdersTable},
			wantMissing: []string{EventsTable, OrdersTable},
		},
		{
			name:        "blank counts as missing",
			env:         map[string]string{EventsTable: "  ", Stage: "dev"},
			names:       []string{EventsTable, Stage},
			wantMissing: []string{EventsTable},
		},
		{
			name:  "nothing requested",
			env:   nil,
			names: nil,
			want:  Config{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFrom(env(tt.env), tt.names...)
			if tt.wantMissing != nil {
				if !errors.Is(err, ErrMissing) {
					t.Fatalf("err = %v, want ErrMissing", err)
				}
				for _, n := range tt.wantMissing {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("error %q does not name %s", err, n)
					}
				}
				if got != (Config{}) {
					t.Errorf("config = %+v on error, want zero", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadFrom: %v", err)
			}
			if got != tt.want {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadFromUnknownName(t *testing.T) {
	_, err := LoadFrom(env(map[string]string{"EVENT_TABLE": "x"}), "EVENT_TABLE")
	if err == nil || !strings.Contains(err.Error(), `"EVENT_TABLE"`) {
		t.Fatalf("err = %v, want an error naming EVENT_TABLE", err)
	}
	if errors.Is(err, ErrMissing) {
		t.Errorf("unknown name reported as missing: %v", err)
	}
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	t.Setenv(EventsTable, "from-env")
	got, err := Load(EventsTable)
	if err != nil || got.EventsTable != "from-env" {
		t.Fatalf("Load = %+v, %v; want EventsTable from-env", got, err)
	}
}

// Every name has a Config field, so Load can never reject a name Names lists.
func TestNamesHaveFields(t *testing.T) {
	var c Config
	for _, n := range Names() {
		if c.field(n) == nil {
			t.Errorf("%s has no Config field", n)
		}
	}
}

func TestFunctions(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Functions() {
		if seen[f.Name] {
			t.Errorf("function %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Package() != "./lambdas/"+f.Name {
			t.Errorf("%s: Package() = %q", f.Name, f.Package())
		}
		names := f.Names()
		if !slices.Contains(names, Stage) {
			t.Errorf("%s: does not get %s", f.Name, Stage)
		}
		vars := map[string]bool{}
		for _, v := range f.Vars {
			if !slices.Contains(Names(), v.Name) {
				t.Errorf("%s: unknown variable %q", f.Name, v.Name)
			}
			if vars[v.Name] {
				t.Errorf("%s: %s listed twice", f.Name, v.Name)
			}
			vars[v.Name] = true
			if (v.Name == Stage) != (len(v.Uses) == 0) {
				t.Errorf("%s: %s has uses %v; only %s is a plain value", f.Name, v.Name, v.Uses, Stage)
			}
			for _, u := range v.Uses {
				checkUse(t, f.Name, v.Name, u)
			}
		}
	}
	if len(seen) != 13 {
		t.Errorf("%d functions, want the 13 of the stack", len(seen))
	}
}

// checkUse checks that u is an operation the resource v names supports,
// with an index only on a query and stream prefixes only on the event store.
func checkUse(t *testing.T, fn, v string, u Use) {
	t.Helper()
	if len(u.Op.Actions()) == 0 {
		t.Errorf("%s: %s: op %q has no actions", fn, v, u.Op)
	}
	ops := map[string][]Op{
		EventsTable:             {OpLoad, OpAppend, OpReadAll},
		CatalogTable:            {OpQuery, OpScan, OpPut},
		OrdersTable:             {OpQuery, OpScan, OpPut},
		EventBusName:            {OpPutEvents},
		CheckoutStateMachineARN: {OpStartExecution, OpDescribeExecution},
		OrderQueueURL:           {OpSendMessage},
		DeploymentSecretARN:     {OpReadSecret},
	}
	if !slices.Contains(ops[v], u.Op) {
		t.Errorf("%s: %s: %s is not an operation on what %s names", fn, v, u.Op, v)
	}
	if u.Index != "" && u.Op != OpQuery {
		t.Errorf("%s: %s: %s names index %s; only queries read an index", fn, v, u.Op, u.Index)
	}
	if len(u.Streams) > 0 && v != EventsTable {
		t.Errorf("%s: %s: %s names streams; only the event store has them", fn, v, u.Op)
	}
	if u.Op == OpReadAll && len(u.Streams) > 0 {
		t.Errorf("%s: %s: the global log cannot be limited to streams", fn, v)
	}
	for _, p := range u.Streams {
		if !slices.Contains([]string{ProductStreams, BasketStreams, OrderStreams}, p) {
			t.Errorf("%s: %s: unknown stream prefix %q", fn, v, p)
		}
	}
}

// Every operation maps to actions of the service of its resource, and none
// can change or remove a stored event.
func TestOpActions(t *testing.T) {
	for op, acts := range actions {
		if !slices.IsSorted(acts) || len(acts) == 0 {
			t.Errorf("%s: actions %v, want a sorted non-empty list", op, acts)
		}
		for _, a := range acts {
			for _, never := range []string{"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "*"} {
				if a == never || strings.HasSuffix(a, ":*") {
					t.Errorf("%s grants %s", op, a)
				}
			}
		}
	}
	if got := Op("nope").Actions(); got != nil {
		t.Errorf("unknown op: %v", got)
	}
}

func TestFunctionLoad(t *testing.T) {
	t.Setenv(EventsTable, "events")
	t.Setenv(Stage, "")
	_, err := ReserveStock.Load()
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), Stage) {
		t.Fatalf("err = %v, want missing %s", err, Stage)
	}
}
