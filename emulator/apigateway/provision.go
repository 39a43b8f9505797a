package apigateway

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types this package provisions. Account, Model, RequestValidator
// and GatewayResponse are accepted and recorded only: validation models
// and customised gateway responses are not emulated. Authorizers of type
// COGNITO_USER_POOLS are enforced; TOKEN and REQUEST (Lambda) authorizers
// are recorded and announced as not enforced.
const (
	TypeRestAPI          = "AWS::ApiGateway::RestApi"
	TypeResource         = "AWS::ApiGateway::Resource"
	TypeMethod           = "AWS::ApiGateway::Method"
	TypeDeployment       = "AWS::ApiGateway::Deployment"
	TypeStage            = "AWS::ApiGateway::Stage"
	TypeAccount          = "AWS::ApiGateway::Account"
	TypeModel            = "AWS::ApiGateway::Model"
	TypeRequestValidator = "AWS::ApiGateway::RequestValidator"
	TypeGatewayResponse  = "AWS::ApiGateway::GatewayResponse"
	TypeAuthorizer       = "AWS::ApiGateway::Authorizer"
)

// Types implements stack.Provisioner.
func (s *Service) Types() []string {
	return []string{TypeRestAPI, TypeResource, TypeMethod, TypeDeployment, TypeStage,
		TypeAccount, TypeModel, TypeRequestValidator, TypeGatewayResponse, TypeAuthorizer}
}

// Create implements stack.Provisioner. The template is the whole
// configuration, so nothing is persisted: ids are derived from the stack and
// logical id, so URLs stay the same across restarts.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	id := func(n int) string { return shortID(r.StackName+"/"+r.LogicalID, n) }
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Type {
	case TypeRestAPI:
		return s.createAPI(r, id(10))
	case TypeResource:
		return s.createResource(r, id(6))
	case TypeMethod:
		return s.createMethod(r)
	case TypeDeployment:
		return s.createDeployment(r, id(6))
	case TypeStage:
		return s.createStage(r)
	case TypeAuthorizer:
		return s.createAuthorizer(r, id(6))
	case TypeModel:
		name, _ := r.Properties["Name"].(string)
		if name == "" {
			name = r.LogicalID
		}
		return stack.Created{Ref: name}, nil
	case TypeAccount, TypeRequestValidator, TypeGatewayResponse:
		return stack.Created{Ref: id(6)}, nil
	}
	return stack.Created{}, fmt.Errorf("apigateway: unexpected type %s", r.Type)
}

func (s *Service) createAPI(r stack.Resource, id string) (stack.Created, error) {
	name, _ := r.Properties["Name"].(string)
	if name == "" {
		name = r.LogicalID
	}
	binary, err := stringList(r.Properties, "BinaryMediaTypes")
	if err != nil {
		return stack.Created{}, err
	}
	root := &resource{id: shortID(r.StackName+"/"+r.LogicalID+"/root", 10), path: "/", methods: map[string]*method{}}
	s.apis[id] = &restAPI{
		id: id, name: name, binaryTypes: binary, root: root,
		resources:   map[string]*resource{root.id: root},
		stages:      map[string]*stage{},
		authorizers: map[string]*authorizer{},
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"RootResourceId": root.id, "RestApiId": id}}, nil
}

func (s *Service) api(props map[string]any) (*restAPI, error) {
	id, _ := props["RestApiId"].(string)
	if id == "" {
		return nil, fmt.Errorf("RestApiId: required")
	}
	a, ok := s.apis[id]
	if !ok {
		return nil, fmt.Errorf("RestApiId: no REST API %q in this stack", id)
	}
	return a, nil
}

func (s *Service) createResource(r stack.Resource, id string) (stack.Created, error) {
	a, err := s.api(r.Properties)
	if err != nil {
		return stack.Created{}, err
	}
	parentID, _ := r.Properties["ParentId"].(string)
	parent, ok := a.resources[parentID]
	if !ok {
		return stack.Created{}, fmt.Errorf("ParentId: no resource %q in REST API %s", parentID, a.id)
	}
	part, _ := r.Properties["PathPart"].(string)
	if err := checkPathPart(part); err != nil {
		return stack.Created{}, fmt.Errorf("PathPart: %w", err)
	}
	for _, c := range parent.children {
		if c.part == part {
			return stack.Created{}, fmt.Errorf("PathPart: %s already has a child %q", parent.path, part)
		}
	}
	path := strings.TrimSuffix(parent.path, "/") + "/" + part
	res := &resource{id: id, part: part, path: path, methods: map[string]*method{}}
	if strings.HasPrefix(part, "{") {
		res.param = strings.TrimSuffix(strings.TrimSuffix(part[1:], "}"), "+")
		res.greedy = strings.HasSuffix(part, "+}")
	}
	parent.children = append(parent.children, res)
	a.resources[id] = res
	return stack.Created{Ref: id, Attrs: map[string]any{"ResourceId": id}}, nil
}

// checkPathPart accepts a literal segment, {name} or greedy {name+}.
func checkPathPart(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("required")
	case strings.Contains(p, "/"):
		return fmt.Errorf("%q: a path part is one segment, without '/'", p)
	case strings.HasPrefix(p, "{") != strings.HasSuffix(p, "}"):
		return fmt.Errorf("%q: unbalanced braces", p)
	case strings.HasPrefix(p, "{") && len(strings.Trim(p, "{+}")) == 0:
		return fmt.Errorf("%q: empty parameter name", p)
	}
	return nil
}

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "ANY": true}

func (s *Service) createMethod(r stack.Resource) (stack.Created, error) {
	a, err := s.api(r.Properties)
	if err != nil {
		return stack.Created{}, err
	}
	resID, _ := r.Properties["ResourceId"].(string)
	res, ok := a.resources[resID]
	if !ok {
		return stack.Created{}, fmt.Errorf("ResourceId: no resource %q in REST API %s", resID, a.id)
	}
	verb, _ := r.Properties["HttpMethod"].(string)
	verb = strings.ToUpper(verb)
	if !httpMethods[verb] {
		return stack.Created{}, fmt.Errorf("HttpMethod: %q is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY", verb)
	}
	if _, dup := res.methods[verb]; dup {
		return stack.Created{}, fmt.Errorf("HttpMethod: %s %s is defined twice", verb, res.path)
	}
	integ, _ := r.Properties["Integration"].(map[string]any)
	m := &method{verb: verb}
	typ, _ := integ["Type"].(string)
	switch typ {
	case "AWS_PROXY":
		uri, _ := integ["Uri"].(string)
		fn, ok := functionFromURI(uri)
		if !ok {
			return stack.Created{}, fmt.Errorf("Integration.Uri: %q is not a Lambda invocation URI (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations)", uri)
		}
		m.function, m.functionName = fn, fn
		if _, name, ok := strings.Cut(fn, ":function:"); ok {
			m.functionName, _, _ = strings.Cut(name, ":") // drop a qualifier
		}
	case "MOCK":
		m.mock, err = parseMock(integ)
		if err != nil {
			return stack.Created{}, fmt.Errorf("Integration.%w", err)
		}
	default:
		return stack.Created{}, fmt.Errorf("Integration.Type: %q on %s %s is not supported locally (use AWS_PROXY to a Lambda function, or MOCK)", typ, verb, res.path)
	}
	if m.auth, err = s.methodAuth(a, r.Properties, verb, res.path); err != nil {
		return stack.Created{}, err
	}
	if key, _ := r.Properties["ApiKeyRequired"].(bool); key {
		s.opts.Log.Info(fmt.Sprintf("notice: %s %s: ApiKeyRequired is not enforced locally", verb, res.path))
	}
	res.methods[verb] = m
	return stack.Created{Ref: shortID(r.StackName+"/"+r.LogicalID, 10)}, nil
}

// methodAuth reads a method's AuthorizationType, AuthorizerId and
// AuthorizationScopes. COGNITO_USER_POOLS is enforced; other types are
// announced as not enforced and let every request through.
func (s *Service) methodAuth(a *restAPI, props map[string]any, verb, path string) (*methodAuth, error) {
	typ, _ := props["AuthorizationType"].(string)
	scopes, err := stringList(props, "AuthorizationScopes")
	if err != nil {
		return nil, err
	}
	switch typ {
	case "", "NONE":
		return nil, nil
	case "COGNITO_USER_POOLS":
	default:
		s.opts.Log.Info(fmt.Sprintf("notice: %s %s: AuthorizationType %s is not enforced locally", verb, path, typ))
		return nil, nil
	}
	id, _ := props["AuthorizerId"].(string)
	az := a.authorizers[id]
	switch {
	case id == "":
		return nil, fmt.Errorf("AuthorizerId: required with AuthorizationType COGNITO_USER_POOLS (%s %s)", verb, path)
	case az == nil:
		return nil, fmt.Errorf("AuthorizerId: no authorizer %q in REST API %s", id, a.id)
	case az.typ != "COGNITO_USER_POOLS":
		return nil, fmt.Errorf("AuthorizerId: authorizer %s is of type %s, not COGNITO_USER_POOLS", az.name, az.typ)
	}
	return &methodAuth{authorizer: az, scopes: scopes}, nil
}

func (s *Service) createAuthorizer(r stack.Resource, id string) (stack.Created, error) {
	a, err := s.api(r.Properties)
	if err != nil {
		return stack.Created{}, err
	}
	az := &authorizer{id: id}
	az.name, _ = r.Properties["Name"].(string)
	if az.name == "" {
		az.name = r.LogicalID
	}
	az.typ, _ = r.Properties["Type"].(string)
	switch az.typ {
	case "COGNITO_USER_POOLS":
		if az.providers, err = stringList(r.Properties, "ProviderARNs"); err != nil {
			return stack.Created{}, err
		}
		if len(az.providers) == 0 {
			return stack.Created{}, fmt.Errorf("ProviderARNs: a COGNITO_USER_POOLS authorizer names at least one user pool")
		}
		src, _ := r.Properties["IdentitySource"].(string)
		header, ok := strings.CutPrefix(src, "method.request.header.")
		if !ok || header == "" {
			return stack.Created{}, fmt.Errorf("IdentitySource: %q is not method.request.header.<name>", src)
		}
		az.header = header
		if s.opts.Verifier == nil {
			return stack.Created{}, fmt.Errorf("authorizer %s: COGNITO_USER_POOLS needs the local Cognito (apigateway.Options.Verifier)", az.name)
		}
	case "TOKEN", "REQUEST":
		s.opts.Log.Info(fmt.Sprintf("notice: authorizer %s: %s (Lambda) authorizers are not run locally; the methods they guard are open", az.name, az.typ))
	default:
		return stack.Created{}, fmt.Errorf("property Type: %q is not one of COGNITO_USER_POOLS, TOKEN, REQUEST", az.typ)
	}
	a.authorizers[id] = az
	return stack.Created{Ref: id, Attrs: map[string]any{"AuthorizerId": id}}, nil
}

// functionFromURI extracts the function ARN from a Lambda proxy
// integration URI.
func functionFromURI(uri string) (string, bool) {
	_, rest, ok := strings.Cut(uri, ":lambda:path/")
	if !ok {
		return "", false
	}
	_, rest, ok = strings.Cut(rest, "/functions/")
	if !ok {
		return "", false
	}
	fn, ok := strings.CutSuffix(rest, "/invocations")
	return fn, ok && fn != ""
}

// parseMock reads the first integration response of a MOCK integration
// (what CDK emits for CORS preflight).
func parseMock(integ map[string]any) (*mockResponse, error) {
	m := &mockResponse{status: 200, headers: map[string]string{}}
	list, _ := integ["IntegrationResponses"].([]any)
	if len(list) == 0 {
		return m, nil
	}
	first, _ := list[0].(map[string]any)
	if code, ok := first["StatusCode"]; ok {
		var n int
		if _, err := fmt.Sscan(fmt.Sprint(code), &n); err != nil || n < 100 || n > 599 {
			return nil, fmt.Errorf("IntegrationResponses[0].StatusCode: %v is not an HTTP status", code)
		}
		m.status = n
	}
	params, _ := first["ResponseParameters"].(map[string]any)
	for k, v := range params {
		name, ok := strings.CutPrefix(k, "method.response.header.")
		if !ok {
			continue
		}
		expr, _ := v.(string)
		if lit, ok := quoted(expr); ok {
			m.headers[name] = lit
		} else if req, ok := strings.CutPrefix(expr, "method.request.header."); ok {
			m.fromRequest = append(m.fromRequest, [2]string{name, req})
		}
	}
	if tpls, ok := first["ResponseTemplates"].(map[string]any); ok {
		if body, ok := tpls["application/json"].(string); ok && !strings.ContainsAny(body, "$#") {
			m.body = body
		}
	}
	return m, nil
}

// quoted returns the literal of a 'single-quoted' mapping expression.
func quoted(expr string) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	return "", false
}

func (s *Service) createDeployment(r stack.Resource, id string) (stack.Created, error) {
	a, err := s.api(r.Properties)
	if err != nil {
		return stack.Created{}, err
	}
	if name, _ := r.Properties["StageName"].(string); name != "" {
		desc, _ := r.Properties["StageDescription"].(map[string]any)
		vars, err := stringMap(desc, "Variables")
		if err != nil {
			return stack.Created{}, fmt.Errorf("StageDescription.%w", err)
		}
		a.stages[name] = &stage{name: name, variables: vars}
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"DeploymentId": id}}, nil
}

func (s *Service) createStage(r stack.Resource) (stack.Created, error) {
	a, err := s.api(r.Properties)
	if err != nil {
		return stack.Created{}, err
	}
	name, _ := r.Properties["StageName"].(string)
	if name == "" {
		return stack.Created{}, fmt.Errorf("StageName: required")
	}
	if strings.ContainsAny(name, "/ ") {
		return stack.Created{}, fmt.Errorf("StageName: %q must be one path segment", name)
	}
	vars, err := stringMap(r.Properties, "Variables")
	if err != nil {
		return stack.Created{}, err
	}
	a.stages[name] = &stage{name: name, variables: vars}
	return stack.Created{Ref: name}, nil
}

func stringList(props map[string]any, key string) ([]string, error) {
	raw, ok := props[key]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of strings", key)
	}
	out := make([]string, len(list))
	for i, v := range list {
		if out[i], ok = v.(string); !ok {
			return nil, fmt.Errorf("%s[%d]: want a string", key, i)
		}
	}
	return out, nil
}

// stringMap reads a map of strings; nil when absent (stageVariables is null
// in events when a stage has none).
func stringMap(props map[string]any, key string) (map[string]string, error) {
	raw, ok := props[key].(map[string]any)
	if !ok || len(raw) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s.%s: want a string", key, k)
		}
		out[k] = s
	}
	return out, nil
}

// shortID derives a lowercase alphanumeric id of n characters from seed,
// shaped like API Gateway's ids.
func shortID(seed string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}
