package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge/pattern"
)

// Limits are AWS's.
const (
	maxEntries       = 10
	maxEntriesSize   = 256 * 1024
	maxTargetsInRule = 5
)

var nameRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

type putEventsEntry struct {
	Source       string
	DetailType   string
	Detail       string
	Resources    []string
	Time         *json.Number
	EventBusName string
	TraceHeader  string
}

type putEventsResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (s *Service) putEvents(ctx context.Context, body []byte) (any, error) {
	var in struct{ Entries []putEventsEntry }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 || len(in.Entries) > maxEntries {
		return nil, validation("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and %d (it has %d)", maxEntries, len(in.Entries))
	}
	size := 0
	for _, e := range in.Entries {
		size += entrySize(e)
	}
	if size > maxEntriesSize {
		return nil, validation("Total size of the entries in the request is over the limit (%d bytes, the limit is %d).", size, maxEntriesSize)
	}
	allowed, denied, err := s.authorizeEntries(ctx, in.Entries)
	if err != nil {
		return nil, err
	}
	entries := make([]putEventsEntry, len(allowed))
	for i, j := range allowed {
		entries[i] = in.Entries[j]
	}
	accepted, failed, err := s.accept(entries)
	if err != nil {
		return nil, err
	}
	results := make([]putEventsResult, len(in.Entries))
	for i, j := range allowed {
		results[j] = accepted[i]
		if accepted[i].ErrorCode == "" {
			s.meterPublished(in.Entries[j])
		}
	}
	for j, r := range denied {
		results[j] = r
		failed++
	}
	return map[string]any{"FailedEntryCount": failed, "Entries": results}, nil
}

// entrySize counts an entry as AWS documents: 14 bytes for Time, and the
// UTF-8 bytes of Source, DetailType, Detail and each resource.
func entrySize(e putEventsEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// envelope is the event as targets and patterns see it.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// accept validates entries, matches each against its bus's rules and
// archives, and persists the resulting deliveries before returning, so an
// event acknowledged to the caller is never lost.
func (s *Service) accept(entries []putEventsEntry) ([]putEventsResult, int, error) {
	results := make([]putEventsResult, len(entries))
	failed := 0
	var deliveries []*delivery
	var archived []archivedEvent

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for i, e := range entries {
		env, code, msg := s.envelope(e, now)
		if code != "" {
			results[i] = putEventsResult{ErrorCode: code, ErrorMessage: msg}
			failed++
			continue
		}
		raw, err := marshalJSON(env)
		if err != nil {
			return nil, 0, err
		}
		value, err := pattern.Decode(raw)
		if err != nil {
			return nil, 0, err
		}
		results[i] = putEventsResult{EventID: env.ID}
		onBus := busName(e.EventBusName)
		for _, key := range slices.Sorted(maps.Keys(s.rules)) {
			r := s.rules[key]
			if r.Bus != onBus || r.State != "ENABLED" || r.compiled == nil || !r.compiled.MatchValue(value) {
				continue
			}
			for _, t := range r.Targets {
				s.seq++
				deliveries = append(deliveries, &delivery{
					Seq: s.seq, EventID: env.ID, Event: raw, RuleARN: r.ARN, RuleName: r.Name, Target: t,
					Accepted: now, NextAttempt: now,
				})
			}
		}
		for _, a := range s.archives {
			if a.SourceARN == busARN(onBus) && (a.compiled == nil || a.compiled.MatchValue(value)) {
				s.seq++
				archived = append(archived, archivedEvent{archive: a, seq: s.seq, event: raw})
			}
		}
	}
	if err := s.persistAccepted(deliveries, archived); err != nil {
		return nil, 0, fmt.Errorf("eventbridge: put events: %w", err)
	}
	for _, d := range deliveries {
		s.outbox[d.Seq] = d
	}
	if len(deliveries) > 0 {
		s.disp.Wake()
	}
	return results, failed, nil
}

// envelope builds the event for one entry, or returns the per-entry error
// code and message PutEvents reports. The caller holds s.mu.
func (s *Service) envelope(e putEventsEntry, now time.Time) (envelope, string, string) {
	for _, f := range []struct{ name, value string }{{"Source", e.Source}, {"DetailType", e.DetailType}, {"Detail", e.Detail}} {
		if strings.TrimSpace(f.value) == "" {
			return envelope{}, "InvalidArgument", fmt.Sprintf("Parameter %s is not valid. Reason: %s is a required argument.", f.name, f.name)
		}
	}
	if !utf8.ValidString(e.Detail) {
		return envelope{}, "MalformedDetail", "Detail is malformed."
	}
	var detail map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil || detail == nil {
		return envelope{}, "MalformedDetail", "Detail is malformed."
	}
	name := busName(e.EventBusName)
	if s.buses[name] == nil {
		return envelope{}, "ResourceNotFoundException", fmt.Sprintf("Event bus %s does not exist.", name)
	}
	at := now
	if e.Time != nil {
		secs, err := e.Time.Float64()
		if err != nil || math.IsNaN(secs) {
			return envelope{}, "InvalidArgument", "Parameter Time is not valid. Reason: Time must be a timestamp."
		}
		at = time.Unix(0, int64(secs*1e9))
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	return envelope{
		Version: "0", ID: s.cfg.NewID(), DetailType: e.DetailType, Source: e.Source,
		Account: awsapi.AccountID, Time: at.UTC().Truncate(time.Second).Format(time.RFC3339),
		Region: awsapi.Region, Resources: resources, Detail: json.RawMessage(e.Detail),
	}, "", ""
}

func (s *Service) putRule(body []byte) (any, error) {
	var in struct {
		Name, EventPattern, ScheduleExpression, State, Description, RoleArn, EventBusName string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.defineRule(in.Name, in.EventBusName, in.EventPattern, in.ScheduleExpression, in.State, in.Description, in.RoleArn, nil, false)
	if err != nil {
		return nil, err
	}
	return map[string]string{"RuleArn": r.ARN}, nil
}

// defineRule creates or updates a rule. An update keeps the rule's targets
// unless replaceTargets is set (the template defines them). The caller
// holds s.mu.
func (s *Service) defineRule(name, busRef, eventPattern, schedule, state, description, roleARN string, targets []Target, replaceTargets bool) (*rule, error) {
	if !nameRE.MatchString(name) {
		return nil, validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64", name)
	}
	b, err := s.findBus(busRef)
	if err != nil {
		return nil, err
	}
	bus := b.Name
	if eventPattern == "" && schedule == "" {
		return nil, validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if schedule != "" && bus != DefaultBus {
		return nil, validation("ScheduleExpression is supported only on the default event bus.")
	}
	switch state {
	case "":
		state = "ENABLED"
	case "ENABLED", "DISABLED":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [DISABLED, ENABLED]", state)
	}
	var compiled *pattern.Pattern
	if eventPattern != "" {
		p, err := pattern.Compile([]byte(eventPattern))
		if err != nil {
			return nil, awsapi.Errorf("InvalidEventPatternException", "%s", err.Error())
		}
		compiled = p
	}
	key := ruleKey(bus, name)
	r := &rule{
		Name: name, Bus: bus, ARN: ruleARN(bus, name), EventPattern: eventPattern,
		ScheduleExpression: schedule, State: state, Description: description, RoleARN: roleARN,
		Created: s.cfg.Now(), compiled: compiled,
	}
	if old := s.rules[key]; old != nil {
		r.Created = old.Created
		if !replaceTargets {
			targets = old.Targets
		}
	}
	for _, t := range targets {
		if err := validTarget(t); err != nil {
			return nil, validation("Target %s: %s", t.ID, err.Error())
		}
	}
	r.Targets = targets
	if err := s.put(bucketRules, []byte(key), r); err != nil {
		return nil, err
	}
	if schedule != "" {
		s.log.Warn("eventbridge: scheduled rules are stored but not run locally", "rule", r.ARN, "schedule", schedule)
	}
	s.rules[key] = r
	return r, nil
}

// findRule returns a rule or the error AWS gives. The caller holds s.mu.
func (s *Service) findRule(name, busRef string) (*rule, error) {
	bus := busName(busRef)
	r := s.rules[ruleKey(bus, name)]
	if r == nil {
		return nil, notFound("Rule %s does not exist on EventBus %s.", name, bus)
	}
	return r, nil
}

// withRule runs fn on a rule, holding s.mu throughout; an unknown rule is
// an error and fn does not run.
func (s *Service) withRule(name, busRef string, fn func(r *rule) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(name, busRef)
	if err != nil {
		return nil, err
	}
	return fn(r)
}

// updateRule stores the rule as edit leaves a copy of it, and only then
// changes r, so a failed write leaves the rule as it was. The caller holds
// s.mu.
func (s *Service) updateRule(r *rule, edit func(*rule)) error {
	updated := *r
	edit(&updated)
	if err := s.put(bucketRules, []byte(ruleKey(r.Bus, r.Name)), &updated); err != nil {
		return err
	}
	*r = updated
	return nil
}

type ruleRef struct {
	Name         string
	Rule         string
	EventBusName string
}

func (r ruleRef) name() string {
	if r.Rule != "" {
		return r.Rule
	}
	return r.Name
}

func ruleOutput(r *rule) map[string]any {
	out := map[string]any{"Name": r.Name, "Arn": r.ARN, "State": r.State, "EventBusName": r.Bus}
	for k, v := range map[string]string{"EventPattern": r.EventPattern, "ScheduleExpression": r.ScheduleExpression, "Description": r.Description, "RoleArn": r.RoleARN} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func (s *Service) describeRule(body []byte) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withRule(in.name(), in.EventBusName, func(r *rule) (any, error) {
		out := ruleOutput(r)
		out["CreatedBy"] = awsapi.AccountID
		return out, nil
	})
}

func (s *Service) listRules(body []byte) (any, error) {
	var in struct {
		NamePrefix, EventBusName string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.findBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	rules := []map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(s.rules)) {
		r := s.rules[key]
		if r.Bus == b.Name && strings.HasPrefix(r.Name, in.NamePrefix) {
			rules = append(rules, ruleOutput(r))
		}
	}
	return map[string]any{"Rules": rules}, nil
}

func (s *Service) deleteRule(body []byte) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(in.name(), in.EventBusName)
	if err != nil {
		// Deleting a rule that does not exist succeeds, as in AWS.
		return nil, nil
	}
	if len(r.Targets) > 0 {
		return nil, validation("Rule can't be deleted since it has targets.")
	}
	if err := s.del(bucketRules, []byte(ruleKey(r.Bus, r.Name))); err != nil {
		return nil, err
	}
	delete(s.rules, ruleKey(r.Bus, r.Name))
	return nil, nil
}

func (s *Service) enableRule(body []byte) (any, error)  { return s.setState(body, "ENABLED") }
func (s *Service) disableRule(body []byte) (any, error) { return s.setState(body, "DISABLED") }

func (s *Service) setState(body []byte, state string) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withRule(in.name(), in.EventBusName, func(r *rule) (any, error) {
		return nil, s.updateRule(r, func(u *rule) { u.State = state })
	})
}

type failedEntry struct {
	TargetID     string `json:"TargetId"`
	ErrorCode    string
	ErrorMessage string
}

func (s *Service) putTargets(body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Targets            []Target
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 || len(in.Targets) > 10 {
		return nil, validation("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	return s.withRule(in.Rule, in.EventBusName, func(r *rule) (any, error) {
		targets := slices.Clone(r.Targets)
		failed := []failedEntry{}
		for _, t := range in.Targets {
			if err := validTarget(t); err != nil {
				failed = append(failed, failedEntry{TargetID: t.ID, ErrorCode: "ValidationException", ErrorMessage: err.Error()})
				continue
			}
			i := slices.IndexFunc(targets, func(x Target) bool { return x.ID == t.ID })
			if i >= 0 {
				targets[i] = t
			} else {
				targets = append(targets, t)
			}
		}
		if len(targets) > maxTargetsInRule {
			return nil, awsapi.Errorf("LimitExceededException", "The requested resource exceeds the maximum number allowed (%d targets per rule).", maxTargetsInRule)
		}
		if err := s.updateRule(r, func(u *rule) { u.Targets = targets }); err != nil {
			return nil, err
		}
		return map[string]any{"FailedEntryCount": len(failed), "FailedEntries": failed}, nil
	})
}

func (s *Service) removeTargets(body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withRule(in.Rule, in.EventBusName, func(r *rule) (any, error) {
		failed := []failedEntry{}
		targets := slices.Clone(r.Targets)
		for _, id := range in.Ids {
			i := slices.IndexFunc(targets, func(x Target) bool { return x.ID == id })
			if i < 0 {
				failed = append(failed, failedEntry{TargetID: id, ErrorCode: "ResourceNotFoundException", ErrorMessage: "Target " + id + " does not exist on rule " + r.Name + "."})
				continue
			}
			targets = slices.Delete(targets, i, i+1)
		}
		if err := s.updateRule(r, func(u *rule) { u.Targets = targets }); err != nil {
			return nil, err
		}
		return map[string]any{"FailedEntryCount": len(failed), "FailedEntries": failed}, nil
	})
}

func (s *Service) listTargetsByRule(body []byte) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withRule(in.name(), in.EventBusName, func(r *rule) (any, error) {
		targets := r.Targets
		if targets == nil {
			targets = []Target{}
		}
		return map[string]any{"Targets": targets}, nil
	})
}

// requiredEventFields are the envelope fields TestEventPattern insists on.
var requiredEventFields = []string{"id", "account", "source", "time", "region", "detail-type"}

func (s *Service) testEventPattern(body []byte) (any, error) {
	var in struct{ EventPattern, Event string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	p, err := pattern.Compile([]byte(in.EventPattern))
	if err != nil {
		return nil, awsapi.Errorf("InvalidEventPatternException", "%s", err.Error())
	}
	event, err := pattern.Decode([]byte(in.Event))
	obj, isObject := event.(map[string]any)
	if err != nil || !isObject {
		return nil, validation("Parameter Event is not valid. Reason: Event must be a JSON object.")
	}
	for _, f := range requiredEventFields {
		if _, ok := obj[f]; !ok {
			return nil, validation("Parameter Event is not valid. Reason: Provided Event is missing the mandatory field %s.", f)
		}
	}
	return map[string]bool{"Result": p.MatchValue(event)}, nil
}

func (s *Service) createEventBus(body []byte) (any, error) {
	var in struct{ Name string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if !nameRE.MatchString(in.Name) && !strings.HasPrefix(in.Name, "aws.partner/") {
		return nil, validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+", in.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buses[in.Name] != nil {
		return nil, awsapi.Errorf("ResourceAlreadyExistsException", "Event bus %s already exists.", in.Name)
	}
	b, err := s.ensureBus(in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]string{"EventBusArn": b.ARN}, nil
}

// findBus returns a bus by name or ARN (empty is the default bus), or the
// error AWS gives. The caller holds s.mu.
func (s *Service) findBus(ref string) (*bus, error) {
	name := busName(ref)
	b := s.buses[name]
	if b == nil {
		return nil, notFound("Event bus %s does not exist.", name)
	}
	return b, nil
}

// ensureBus returns the bus, creating it if needed. The caller holds s.mu.
func (s *Service) ensureBus(name string) (*bus, error) {
	if b := s.buses[name]; b != nil {
		return b, nil
	}
	b := &bus{Name: name, ARN: busARN(name), Created: s.cfg.Now()}
	if err := s.put(bucketBuses, []byte(name), b); err != nil {
		return nil, err
	}
	s.buses[name] = b
	return b, nil
}

func (s *Service) describeEventBus(body []byte) (any, error) {
	var in struct{ Name string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.findBus(in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Name": b.Name, "Arn": b.ARN, "CreationTime": awsapi.EpochSeconds(b.Created)}, nil
}

func (s *Service) listEventBuses(body []byte) (any, error) {
	var in struct{ NamePrefix string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	buses := []map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(s.buses)) {
		if strings.HasPrefix(name, in.NamePrefix) {
			buses = append(buses, map[string]any{"Name": name, "Arn": s.buses[name].ARN})
		}
	}
	return map[string]any{"EventBuses": buses}, nil
}

func (s *Service) deleteEventBus(body []byte) (any, error) {
	var in struct{ Name string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.Name == DefaultBus {
		return nil, validation("Cannot delete event bus default.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buses[in.Name] == nil {
		return nil, nil
	}
	for _, r := range s.rules {
		if r.Bus == in.Name {
			return nil, validation("Event bus %s has rules; delete them first.", in.Name)
		}
	}
	if err := s.del(bucketBuses, []byte(in.Name)); err != nil {
		return nil, err
	}
	delete(s.buses, in.Name)
	return nil, nil
}
