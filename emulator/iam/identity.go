package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/iam/policy"
	"github.com/shopstream/shopstream/emulator/stack"
)

// role is an AWS::IAM::Role with its inline policies and the managed
// policies it names.
type role struct {
	name, arn, id string
	inline        []*policy.Policy
	managedARNs   []string
	tags          map[string]string
}

// attachedPolicy is an AWS::IAM::Policy or AWS::IAM::ManagedPolicy and
// the roles (by name) its Roles property attaches it to.
type attachedPolicy struct {
	doc   *policy.Policy
	roles []string
}

// function is what IAM knows of an AWS::Lambda::Function.
type function struct {
	name, role string
}

// apiMethod names an API Gateway method.
type apiMethod struct{ api, resource, method string }

// parse reads a policy document of a template resource. A malformed one
// stops startup when enforcing (IAM rejects it on AWS); otherwise it is
// accepted with a notice and grants nothing.
func (s *Service) parse(where string, doc any) (*policy.Policy, error) {
	p, err := policy.Parse(doc)
	if err != nil {
		if s.opts.Enforce {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		s.notice("malformed/"+where, fmt.Sprintf("%s: %v (accepted: IAM is not enforced)", where, err))
		return nil, nil
	}
	return p, nil
}

func (s *Service) addRole(r stack.Resource, name, arn, id string) error {
	ro := &role{name: name, arn: arn, id: id, tags: map[string]string{}}
	list, _ := r.Properties["Policies"].([]any)
	for i, e := range list {
		m, _ := e.(map[string]any)
		pn, _ := m["PolicyName"].(string)
		p, err := s.parse(fmt.Sprintf("role %s: Policies[%d] (%s)", r.LogicalID, i, pn), m["PolicyDocument"])
		if err != nil {
			return err
		}
		if p != nil {
			ro.inline = append(ro.inline, p)
		}
	}
	arns, _ := r.Properties["ManagedPolicyArns"].([]any)
	for _, a := range arns {
		arn, _ := a.(string)
		if arn == "" {
			continue
		}
		ro.managedARNs = append(ro.managedARNs, arn)
		if strings.HasPrefix(arn, awsManagedPrefix) && awsManaged[arn] == nil {
			s.notice("managed/"+arn, fmt.Sprintf("role %s: AWS managed policy %s is not known to the local runtime: it grants nothing locally", r.LogicalID, arn))
		}
	}
	tags, _ := r.Properties["Tags"].([]any)
	for _, t := range tags {
		m, _ := t.(map[string]any)
		k, _ := m["Key"].(string)
		v, _ := m["Value"].(string)
		if k != "" {
			ro.tags[k] = v
		}
	}
	s.mu.Lock()
	s.roles[arn] = ro
	s.mu.Unlock()
	return nil
}

func (s *Service) addPolicy(r stack.Resource, managedARN string) error {
	p, err := s.parse(fmt.Sprintf("%s %s: PolicyDocument", r.Type, r.LogicalID), r.Properties["PolicyDocument"])
	if err != nil || p == nil {
		return err
	}
	var roles []string
	list, _ := r.Properties["Roles"].([]any)
	for _, e := range list {
		if n, _ := e.(string); n != "" {
			roles = append(roles, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attached[r.LogicalID] = &attachedPolicy{doc: p, roles: roles}
	if managedARN != "" {
		s.managed[managedARN] = p
	}
	return nil
}

// identityPolicies returns the role's identity-based policies: inline,
// attached by AWS::IAM::Policy or ManagedPolicy Roles, and named in its
// ManagedPolicyArns. The caller holds s.mu.
func (s *Service) identityPolicies(ro *role) []*policy.Policy {
	out := append([]*policy.Policy{}, ro.inline...)
	ids := make([]string, 0, len(s.attached))
	for id := range s.attached {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, n := range s.attached[id].roles {
			if n == ro.name {
				out = append(out, s.attached[id].doc)
				break
			}
		}
	}
	for _, arn := range ro.managedARNs {
		if p := awsManaged[arn]; p != nil {
			out = append(out, p)
		} else if p := s.managed[arn]; p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Watch wraps a provisioner so the Service learns what IAM needs from the
// resources it creates: each function's execution role (Role), each
// AWS::Lambda::Permission as a statement of the function's resource-based
// policy, and the Credentials role of API Gateway integrations.
func (s *Service) Watch(p stack.Provisioner) stack.Provisioner { return watched{p, s} }

type watched struct {
	stack.Provisioner
	s *Service
}

func (w watched) Create(ctx context.Context, r stack.Resource) (stack.Created, error) {
	c, err := w.Provisioner.Create(ctx, r)
	if err != nil {
		return c, err
	}
	return c, w.s.observe(r, c)
}

func (s *Service) observe(r stack.Resource, c stack.Created) error {
	switch r.Type {
	case "AWS::Lambda::Function":
		arn, _ := c.Attrs["Arn"].(string)
		roleARN, _ := r.Properties["Role"].(string)
		s.mu.Lock()
		s.functions[arn] = function{name: c.Ref, role: roleARN}
		s.mu.Unlock()
	case "AWS::Lambda::Permission":
		return s.addPermission(r)
	case "AWS::ApiGateway::Method":
		integ, _ := r.Properties["Integration"].(map[string]any)
		creds, _ := integ["Credentials"].(string)
		// "arn:aws:iam::*:user/*" passes the caller's own credentials
		// through; only a role is a principal of its own.
		if !strings.Contains(creds, ":role/") {
			return nil
		}
		api, _ := r.Properties["RestApiId"].(string)
		res, _ := r.Properties["ResourceId"].(string)
		method, _ := r.Properties["HttpMethod"].(string)
		s.mu.Lock()
		s.apiRoles[apiMethod{api, res, method}] = creds
		s.mu.Unlock()
	}
	return nil
}

// functionARN normalises a function name, partial ARN or ARN (with an
// optional qualifier) to the unqualified ARN, and returns the qualifier.
func functionARN(name string) (arn, qualifier string) {
	if i := strings.Index(name, "function:"); i >= 0 {
		name = name[i+len("function:"):]
	}
	name, qualifier, _ = strings.Cut(name, ":")
	return awsapi.ARN("lambda", "function:"+name), qualifier
}

// addPermission turns an AWS::Lambda::Permission into the statement Lambda
// adds to the function's resource-based policy.
func (s *Service) addPermission(r stack.Resource) error {
	p := r.Properties
	fn, _ := p["FunctionName"].(string)
	action, _ := p["Action"].(string)
	who, _ := p["Principal"].(string)
	if fn == "" || action == "" || who == "" {
		return fmt.Errorf("iam: permission %s: FunctionName, Action and Principal are required", r.LogicalID)
	}
	base, qualifier := functionARN(fn)
	resource := base
	if qualifier != "" {
		resource += ":" + qualifier
	}
	var principal any
	switch {
	case who == "*":
		principal = "*"
	case strings.HasSuffix(who, ".amazonaws.com") || strings.HasSuffix(who, ".amazon.com"):
		principal = map[string]any{"Service": who}
	default:
		principal = map[string]any{"AWS": who}
	}
	cond := map[string]any{}
	add := func(op, key, prop string) {
		if v, _ := p[prop].(string); v != "" {
			m, _ := cond[op].(map[string]any)
			if m == nil {
				m = map[string]any{}
				cond[op] = m
			}
			m[key] = v
		}
	}
	add("ArnLike", "AWS:SourceArn", "SourceArn")
	add("StringEquals", "AWS:SourceAccount", "SourceAccount")
	add("StringEquals", "aws:PrincipalOrgID", "PrincipalOrgID")
	add("StringEquals", "lambda:FunctionUrlAuthType", "FunctionUrlAuthType")
	st := map[string]any{"Sid": r.LogicalID, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	doc, err := policy.Parse(map[string]any{"Version": policy.Version2012, "Statement": []any{st}})
	if err != nil {
		return fmt.Errorf("iam: permission %s: %w", r.LogicalID, err)
	}
	s.mu.Lock()
	s.permissions[base] = append(s.permissions[base], doc)
	s.mu.Unlock()
	return nil
}

// ResourcePolicies adds a source of resource-based policies a service
// keeps itself (an SQS queue's Policy attribute): f returns the policy
// document of the resource with that ARN, or "" for none.
func (s *Service) ResourcePolicies(f func(arn string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources = append(s.sources, f)
}

// resourcePolicies returns the resource-based policies of a resource.
func (s *Service) resourcePolicies(resource string) []*policy.Policy {
	s.mu.RLock()
	var out []*policy.Policy
	if strings.HasPrefix(resource, awsapi.ARN("lambda", "function:")) {
		base, _ := functionARN(resource)
		out = append(out, s.permissions[base]...)
	}
	sources := s.sources
	s.mu.RUnlock()
	for _, f := range sources {
		doc := f(resource)
		if doc == "" {
			continue
		}
		s.mu.Lock()
		p, ok := s.parsed[doc]
		if !ok {
			var err error
			if p, err = policy.ParseJSON([]byte(doc)); err != nil {
				s.mu.Unlock()
				s.notice("resource-policy/"+resource, fmt.Sprintf("resource policy of %s: %v: it grants nothing locally", resource, err))
				continue
			}
			s.parsed[doc] = p
		}
		s.mu.Unlock()
		out = append(out, p)
	}
	return out
}

// APIGateway wraps the Invoker API Gateway reaches functions through: each
// invocation acts as apigateway.amazonaws.com for the method's execute-api
// ARN (which the function's AWS::Lambda::Permission must allow), or as the
// integration's Credentials role when it has one.
func (s *Service) APIGateway(inv stack.Invoker) stack.Invoker { return apiInvoker{inv, s} }

type apiInvoker struct {
	stack.Invoker
	s *Service
}

func (a apiInvoker) Invoke(ctx context.Context, fn string, payload []byte) (stack.InvokeResult, error) {
	var ev struct {
		RequestContext struct {
			APIID        string `json:"apiId"`
			Stage        string `json:"stage"`
			HTTPMethod   string `json:"httpMethod"`
			ResourcePath string `json:"resourcePath"`
			ResourceID   string `json:"resourceId"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &ev); err == nil && ev.RequestContext.APIID != "" {
		rc := ev.RequestContext
		a.s.mu.RLock()
		roleARN := a.s.apiRoles[apiMethod{rc.APIID, rc.ResourceID, rc.HTTPMethod}]
		if roleARN == "" {
			roleARN = a.s.apiRoles[apiMethod{rc.APIID, rc.ResourceID, "ANY"}]
		}
		a.s.mu.RUnlock()
		p := awsapi.Principal{Service: "apigateway.amazonaws.com",
			SourceARN: awsapi.ARN("execute-api", rc.APIID+"/"+rc.Stage+"/"+rc.HTTPMethod+rc.ResourcePath)}
		if roleARN != "" {
			p = awsapi.Principal{RoleARN: roleARN, Session: "apigateway"}
		}
		ctx = awsapi.WithPrincipal(ctx, p)
	}
	return a.Invoker.Invoke(ctx, fn, payload)
}
