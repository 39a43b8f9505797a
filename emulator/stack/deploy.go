package stack

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Registry maps resource types to the Provisioner that creates them.
type Registry struct {
	byType map[string]Provisioner
}

// NewRegistry returns a registry holding ps. Two provisioners claiming the
// same type is an error.
func NewRegistry(ps ...Provisioner) (*Registry, error) {
	r := &Registry{byType: map[string]Provisioner{}}
	for _, p := range ps {
		if err := r.Add(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add registers p for every type it names.
func (r *Registry) Add(p Provisioner) error {
	for _, t := range p.Types() {
		if _, dup := r.byType[t]; dup {
			return fmt.Errorf("registry: two provisioners for %s", t)
		}
		r.byType[t] = p
	}
	return nil
}

// Lookup returns the provisioner for typ.
func (r *Registry) Lookup(typ string) (Provisioner, bool) {
	p, ok := r.byType[typ]
	return p, ok
}

// Observational reports whether typ only observes the stack (logs,
// composite alarms, tracing, CDK metadata): locally it is announced and
// skipped, with a synthesized Ref and Arn so references to it still
// resolve. Metric alarms and dashboards are provisioned (emulator/cloudwatch).
func Observational(typ string) bool {
	switch typ {
	case "AWS::CDK::Metadata",
		"AWS::Logs::LogStream", "AWS::Logs::MetricFilter",
		"AWS::Logs::SubscriptionFilter", "AWS::Logs::ResourcePolicy", "AWS::Logs::QueryDefinition",
		"AWS::CloudWatch::CompositeAlarm",
		"AWS::CloudWatch::AnomalyDetector", "AWS::CloudWatch::InsightRule":
		return true
	}
	return strings.HasPrefix(typ, "AWS::XRay::")
}

// Options tune Deploy.
type Options struct {
	// StackName is AWS::StackName and the prefix of generated names.
	StackName string
	// Parameters override template parameter defaults by name.
	Parameters map[string]string
	// Log receives the one-line notices and per-resource debug lines.
	Log *slog.Logger
	// Parallel is how many resources may be created at once (default 1).
	// Resources that depend on each other are always created in order;
	// above 1, provisioners must be safe for concurrent use.
	Parallel int
}

// Deployed is the outcome of Deploy.
type Deployed struct {
	StackName string
	// Order lists the provisioned logical ids in the order their creation
	// finished (resources whose Condition is false are left out).
	Order     []string
	Resources map[string]Created
	// Outputs holds the resolved stack outputs.
	Outputs map[string]any
}

// bootstrapVersion is what the CDK's BootstrapVersion SSM parameter
// resolves to: the bootstrap template version the local runtime stands in for.
const bootstrapVersion = "30"

// Deploy provisions every resource of t through reg, each after the
// resources it depends on. Before creating anything it checks that every
// resource type has a provisioner (or is observational), so an unsupported
// type stops startup with an error naming it and its logical ids, having
// changed nothing. On a provisioning error it waits for the creations in
// flight and returns the first error.
func Deploy(ctx context.Context, t *Template, reg *Registry, opts Options) (*Deployed, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.StackName == "" {
		return nil, fmt.Errorf("deploy: no stack name")
	}
	d, err := deploy(ctx, t, reg, opts)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", opts.StackName, err)
	}
	return d, nil
}

func deploy(ctx context.Context, t *Template, reg *Registry, opts Options) (*Deployed, error) {
	if err := checkTypes(t, reg); err != nil {
		return nil, err
	}
	deps, err := dependencies(t)
	if err != nil {
		return nil, err
	}
	if _, err := topoSort(deps); err != nil { // reports a cycle by name
		return nil, err
	}
	params, err := parameters(t, opts.Parameters)
	if err != nil {
		return nil, err
	}
	res := &resolver{
		stackName: opts.StackName, tpl: t, params: params,
		conds: map[string]bool{}, condBusy: map[string]bool{}, created: map[string]Created{},
	}
	// Evaluate every condition now: a broken one fails before anything is
	// created, and the memo is read-only while resources are created
	// concurrently.
	for name := range t.Conditions {
		if _, err := res.condition(name); err != nil {
			return nil, err
		}
	}
	noticeObservational(t, reg, opts.Log)
	order, err := schedule(ctx, deps, opts.Parallel, func(ctx context.Context, id string) (bool, error) {
		return provision(ctx, res, reg, id, opts.Log)
	})
	if err != nil {
		return nil, err
	}
	d := &Deployed{StackName: opts.StackName, Order: order, Resources: res.created, Outputs: map[string]any{}}
	for name, o := range t.Outputs {
		if o.Condition != "" {
			if ok, err := res.condition(o.Condition); err != nil || !ok {
				if err != nil {
					return nil, fmt.Errorf("output %s: %w", name, err)
				}
				continue
			}
		}
		v, err := res.resolve(o.Value)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		d.Outputs[name] = v
	}
	return d, nil
}

// provision creates one resource; false means its Condition is false.
func provision(ctx context.Context, res *resolver, reg *Registry, id string, log *slog.Logger) (bool, error) {
	tr := res.tpl.Resources[id]
	if tr.Condition != "" {
		ok, err := res.condition(tr.Condition)
		if err != nil {
			return false, fmt.Errorf("resource %s: %w", id, err)
		}
		if !ok {
			log.Debug("skip resource: condition false", "resource", id, "condition", tr.Condition)
			return false, nil
		}
	}
	props, err := res.resolve(orEmpty(tr.Properties))
	if err != nil {
		return false, fmt.Errorf("resource %s (%s): Properties.%w", id, tr.Type, err)
	}
	r := Resource{LogicalID: id, Type: tr.Type, Properties: props.(map[string]any), Metadata: tr.Metadata, StackName: res.stackName}
	start := time.Now()
	var c Created
	if p, ok := reg.Lookup(tr.Type); ok {
		if c, err = p.Create(ctx, r); err != nil {
			return false, fmt.Errorf("create %s (%s): %w", id, tr.Type, err)
		}
	} else {
		c = observed(r)
		log.Debug("observational resource not emulated", "resource", id, "type", tr.Type)
	}
	if c.Attrs == nil {
		c.Attrs = map[string]any{}
	}
	res.record(id, c)
	log.Debug("provisioned", "resource", id, "type", tr.Type, "ref", c.Ref, "dur", time.Since(start))
	return true, nil
}

// schedule runs create for every node of the acyclic graph deps once all
// its dependencies are done, at most parallel at a time, always starting
// the ready node with the smallest id (so parallel 1 gives a stable
// order). It returns the ids create reported as created, in completion
// order. After an error it starts nothing more, waits for the running
// ones and returns the first error.
func schedule(ctx context.Context, deps map[string][]string, parallel int, create func(context.Context, string) (bool, error)) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waiting := make(map[string]int, len(deps))
	dependents := map[string][]string{}
	var ready []string
	for id, ds := range deps {
		waiting[id] = len(ds)
		for _, d := range ds {
			dependents[d] = append(dependents[d], id)
		}
		if len(ds) == 0 {
			ready = append(ready, id)
		}
	}
	sort.Strings(ready)
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make(chan result)
	running := 0
	var done []string
	var firstErr error
	for len(ready) > 0 || running > 0 {
		for firstErr == nil && running < parallel && len(ready) > 0 {
			id := ready[0]
			ready = ready[1:]
			running++
			go func() {
				if err := ctx.Err(); err != nil {
					results <- result{id: id, err: err}
					return
				}
				ok, err := create(ctx, id)
				results <- result{id, ok, err}
			}()
		}
		if running == 0 {
			break
		}
		r := <-results
		running--
		if r.err != nil {
			if firstErr == nil {
				firstErr = r.err
				cancel()
			}
			continue
		}
		if r.created {
			done = append(done, r.id)
		}
		for _, next := range dependents[r.id] {
			if waiting[next]--; waiting[next] == 0 {
				i := sort.SearchStrings(ready, next)
				ready = append(ready[:i], append([]string{next}, ready[i:]...)...)
			}
		}
	}
	return done, firstErr
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// checkTypes reports every resource type with no provisioner.
func checkTypes(t *Template, reg *Registry) error {
	missing := map[string][]string{}
	for id, r := range t.Resources {
		if _, ok := reg.Lookup(r.Type); !ok && !Observational(r.Type) {
			missing[r.Type] = append(missing[r.Type], id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var lines []string
	for typ, ids := range missing {
		sort.Strings(ids)
		lines = append(lines, fmt.Sprintf("%s (%s)", typ, strings.Join(ids, ", ")))
	}
	sort.Strings(lines)
	return fmt.Errorf("resource types not supported by the local runtime: %s", strings.Join(lines, "; "))
}

// noticeObservational writes one line per observational type the template
// uses, with how many resources have it.
func noticeObservational(t *Template, reg *Registry, log *slog.Logger) {
	count := map[string]int{}
	for _, r := range t.Resources {
		if _, ok := reg.Lookup(r.Type); !ok && Observational(r.Type) {
			count[r.Type]++
		}
	}
	types := make([]string, 0, len(count))
	for typ := range count {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		noun := "resource"
		if count[typ] > 1 {
			noun = "resources"
		}
		log.Info(fmt.Sprintf("notice: %s (%d %s) is observational: accepted, not emulated locally", typ, count[typ], noun))
	}
}

// parameters resolves every template parameter to an override, its
// default, or (for the CDK's bootstrap-version SSM lookup) a fixed value.
func parameters(t *Template, overrides map[string]string) (map[string]any, error) {
	for name := range overrides {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter %s: not declared by the template", name)
		}
	}
	out := make(map[string]any, len(t.Parameters))
	for name, p := range t.Parameters {
		var s string
		if v, ok := overrides[name]; ok {
			s = v
		} else if strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<") {
			path, _ := p.Default.(string)
			if !strings.HasPrefix(path, "/cdk-bootstrap/") {
				return nil, fmt.Errorf("parameter %s: SSM parameter %q has no local value; pass one as an override", name, path)
			}
			s = bootstrapVersion
		} else if p.Default != nil {
			var err error
			if s, err = str(p.Default); err != nil {
				return nil, fmt.Errorf("parameter %s: Default: %w", name, err)
			}
		} else {
			return nil, fmt.Errorf("parameter %s: no value and no Default", name)
		}
		if p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<") {
			parts := strings.Split(s, ",")
			list := make([]any, len(parts))
			for i, x := range parts {
				list[i] = strings.TrimSpace(x)
			}
			out[name] = list
			continue
		}
		out[name] = s
	}
	return out, nil
}

// observed synthesizes the Created of an observational resource: a name
// (its own name property when the template sets one) and an ARN.
func observed(r Resource) Created {
	name := ""
	for _, k := range []string{"LogGroupName", "AlarmName", "DashboardName", "Name"} {
		if s, ok := r.Properties[k].(string); ok && s != "" {
			name = s
			break
		}
	}
	if name == "" {
		name = PhysicalName(r.StackName, r.LogicalID, 255)
	}
	parts := strings.Split(r.Type, "::")
	service, kind := "cloudformation", "resource"
	if len(parts) == 3 {
		service, kind = strings.ToLower(parts[1]), strings.ToLower(parts[2])
	}
	arn := awsapi.ARN(service, kind+"/"+name)
	return Created{Ref: name, Attrs: map[string]any{"Arn": arn}}
}
