package stack

import (
	"fmt"
	"sort"
	"strings"
)

// Order returns the template's resource logical ids so that every resource
// comes after the resources it references (Ref, Fn::GetAtt, Fn::Sub) or
// DependsOn. Ties are broken by name so the order is stable. A cycle is an
// error naming it.
func Order(t *Template) ([]string, error) {
	deps, err := dependencies(t)
	if err != nil {
		return nil, err
	}
	return topoSort(deps)
}

// topoSort orders the nodes of deps dependencies first.
func topoSort(deps map[string][]string) ([]string, error) {
	// Depth-first topological sort over sorted ids: stable, and on a cycle
	// the stack of "visiting" nodes is the cycle to report.
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	const (
		unseen = iota
		visiting
		done
	)
	mark := make(map[string]int, len(ids))
	order := make([]string, 0, len(ids))
	var path []string
	var visit func(id string) error
	visit = func(id string) error {
		switch mark[id] {
		case done:
			return nil
		case visiting:
			i := 0
			for path[i] != id {
				i++
			}
			cycle := append(append([]string(nil), path[i:]...), id)
			return fmt.Errorf("resources depend on each other in a cycle: %s", strings.Join(cycle, " -> "))
		}
		mark[id] = visiting
		path = append(path, id)
		for _, d := range deps[id] {
			if err := visit(d); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[id] = done
		order = append(order, id)
		return nil
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// dependencies maps each resource to the sorted resources it references or
// names in DependsOn.
func dependencies(t *Template) (map[string][]string, error) {
	deps := make(map[string][]string, len(t.Resources))
	for id, r := range t.Resources {
		set := map[string]bool{}
		collectRefs(r.Properties, t, set)
		explicit, err := r.dependsOn()
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
		for _, d := range explicit {
			set[d] = true
		}
		ds := make([]string, 0, len(set))
		for d := range set {
			if d == id {
				return nil, fmt.Errorf("resource %s refers to itself", id)
			}
			ds = append(ds, d)
		}
		sort.Strings(ds)
		deps[id] = ds
	}
	return deps, nil
}

// collectRefs adds to set every resource v references.
func collectRefs(v any, t *Template, set map[string]bool) {
	add := func(name string) {
		if _, ok := t.Resources[name]; ok {
			set[name] = true
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if name, ok := x["Ref"].(string); ok {
				add(name)
				return
			}
			if arg, ok := x["Fn::GetAtt"]; ok {
				switch a := arg.(type) {
				case string:
					res, _, _ := strings.Cut(a, ".")
					add(res)
				case []any:
					if len(a) > 0 {
						if res, ok := a[0].(string); ok {
							add(res)
						}
					}
				}
				return
			}
			if arg, ok := x["Fn::Sub"]; ok {
				format, vars := "", map[string]any(nil)
				switch a := arg.(type) {
				case string:
					format = a
				case []any:
					if len(a) == 2 {
						format, _ = a[0].(string)
						vars, _ = a[1].(map[string]any)
						collectRefs(a[1], t, set)
					}
				}
				_ = scanSub(format, func(string) {}, func(name string) error {
					if _, ok := vars[name]; !ok {
						res, _, _ := strings.Cut(name, ".")
						add(res)
					}
					return nil
				})
				return
			}
		}
		for _, e := range x {
			collectRefs(e, t, set)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, t, set)
		}
	}
}
