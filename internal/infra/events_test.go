package infra_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/infra"
	"github.com/shopstream/shopstream/internal/registry"
)

// The sources the rules match are the ones the publisher sets.
func TestSourcesFollowRegistry(t *testing.T) {
	reg := registry.Default()
	for _, tt := range []struct{ eventType, want string }{
		{infra.BasketCheckedOut, infra.BasketSource},
		{"ProductCreated", infra.CatalogSource},
	} {
		got, err := reg.Source(tt.eventType)
		if err != nil || got != tt.want {
			t.Errorf("registry source of %s = %q, %v; the rules match %q", tt.eventType, got, err, tt.want)
		}
	}
	for _, src := range infra.EventSources() {
		if !strings.HasPrefix(src, infra.SourcePrefix) {
			t.Errorf("source %q does not start with %q", src, infra.SourcePrefix)
		}
	}
}

// Only our own events drive our consumers: every rule on the bus matches
// a source, and only sources of ours (exactly, or by SourcePrefix).
func TestEveryRuleMatchesOurSource(t *testing.T) {
	synth(t)
	rules := synthesized.raw.ofType("AWS::Events::Rule")
	if len(rules) == 0 {
		t.Fatal("no rules in the template")
	}
	ours := infra.EventSources()
	for id, r := range rules {
		pattern, _ := r.Properties["EventPattern"].(map[string]any)
		sources, ok := pattern["source"].([]any)
		if !ok || len(sources) == 0 {
			t.Errorf("rule %s matches no source: %v", id, pattern)
			continue
		}
		if _, onOurBus := r.Properties["EventBusName"]; !onOurBus {
			// The default bus carries AWS's own events; only AWS may put
			// an aws.* source there (PutEvents refuses it to anyone else).
			if len(sources) != 1 || sources[0] != infra.StatesSource {
				t.Errorf("rule %s on the default bus matches sources %v, want only %q", id, sources, infra.StatesSource)
			}
			continue
		}
		for _, s := range sources {
			switch s := s.(type) {
			case string:
				if !slices.Contains(ours, s) {
					t.Errorf("rule %s matches source %q, not one of ours %v", id, s, ours)
				}
			case map[string]any:
				if len(s) != 1 || s["prefix"] != infra.SourcePrefix {
					t.Errorf("rule %s matches source %v, want a source of ours or the prefix %q", id, s, infra.SourcePrefix)
				}
			default:
				t.Errorf("rule %s matches source %v", id, s)
			}
		}
	}
}
