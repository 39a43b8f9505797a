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
				OrderQueueURL: "http://127.0.0.1/q", Stage: "dev"},
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
			if (v.Name == Stage) != (v.Access == Value) {
				t.Errorf("%s: %s has access %s; only %s is a plain value", f.Name, v.Name, v.Access, Stage)
			}
		}
	}
	if len(seen) != 12 {
		t.Errorf("%d functions, want the 12 of the stack", len(seen))
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
