package cognito

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types the Service provisions.
const (
	TypeUserPool          = "AWS::Cognito::UserPool"
	TypeUserPoolClient    = "AWS::Cognito::UserPoolClient"
	TypeUserPoolGroup     = "AWS::Cognito::UserPoolGroup"
	TypeUserPoolUser      = "AWS::Cognito::UserPoolUser"
	TypeUserToGroupAttach = "AWS::Cognito::UserPoolUserToGroupAttachment"
)

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string {
	return []string{TypeUserPool, TypeUserPoolClient, TypeUserPoolGroup, TypeUserPoolUser, TypeUserToGroupAttach}
}

// Create implements stack.Provisioner. Ids derive from the stack and
// logical id, so a restart finds the same pool and client again: the
// template's settings are applied, and users, groups, signing keys and
// refresh tokens are kept.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	var c stack.Created
	var err error
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Type {
	case TypeUserPool:
		c, err = s.createPool(r)
	case TypeUserPoolClient:
		c, err = s.createClient(r)
	case TypeUserPoolGroup:
		c, err = s.createGroupFromTemplate(r)
	case TypeUserPoolUser:
		c, err = s.createUserFromTemplate(r)
	case TypeUserToGroupAttach:
		c, err = s.attachFromTemplate(r)
	default:
		err = fmt.Errorf("unsupported type")
	}
	if err != nil {
		return stack.Created{}, fmt.Errorf("cognito: %s (%s): %w", r.LogicalID, r.Type, err)
	}
	return c, nil
}

// derivedID draws n characters of alphabet from the stack and logical id.
func derivedID(seed, alphabet string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(sum[i%len(sum)]^byte(i/len(sum)))%len(alphabet)]
	}
	return string(out)
}

func (s *Service) createPool(r stack.Resource) (stack.Created, error) {
	props := r.Properties
	id := awsapi.Region + "_" + derivedID("userpool/"+r.StackName+"/"+r.LogicalID, alnum, 9)
	name, _ := props["UserPoolName"].(string)
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 128)
	}
	now := s.now()
	cfg := poolConfig{ID: id, Name: name, Created: now, Modified: now, Policy: defaultPolicy, CaseSensitive: true}
	var err error
	if cfg.UsernameAttributes, err = stringList(props, "UsernameAttributes", "email", "phone_number"); err != nil {
		return stack.Created{}, err
	}
	if cfg.AliasAttributes, err = stringList(props, "AliasAttributes", "email", "phone_number", "preferred_username"); err != nil {
		return stack.Created{}, err
	}
	if len(cfg.UsernameAttributes) > 0 && len(cfg.AliasAttributes) > 0 {
		return stack.Created{}, fmt.Errorf("UsernameAttributes and AliasAttributes: a pool has one or the other")
	}
	if cfg.AutoVerified, err = stringList(props, "AutoVerifiedAttributes", "email", "phone_number"); err != nil {
		return stack.Created{}, err
	}
	if admin, ok := props["AdminCreateUserConfig"].(map[string]any); ok {
		if cfg.AdminCreateOnly, err = stack.BoolProp(admin, "AllowAdminCreateUserOnly", false); err != nil {
			return stack.Created{}, fmt.Errorf("AdminCreateUserConfig.AllowAdminCreateUserOnly: %w", err)
		}
	}
	if uc, ok := props["UsernameConfiguration"].(map[string]any); ok {
		if cfg.CaseSensitive, err = stack.BoolProp(uc, "CaseSensitive", true); err != nil {
			return stack.Created{}, fmt.Errorf("UsernameConfiguration.CaseSensitive: %w", err)
		}
	}
	if pol, ok := props["Policies"].(map[string]any); ok {
		if pp, ok := pol["PasswordPolicy"].(map[string]any); ok {
			if cfg.Policy, err = parsePolicy(pp); err != nil {
				return stack.Created{}, fmt.Errorf("Policies.PasswordPolicy.%w", err)
			}
		}
	}
	if schema, ok := props["Schema"].([]any); ok {
		for i, a := range schema {
			m, _ := a.(map[string]any)
			n, _ := m["Name"].(string)
			if n == "" {
				return stack.Created{}, fmt.Errorf("Schema[%d].Name: required", i)
			}
			if !standardAttributes[n] {
				n = "custom:" + strings.TrimPrefix(n, "custom:")
				cfg.Custom = append(cfg.Custom, n)
			}
			if req, _ := stack.BoolProp(m, "Required", false); req {
				cfg.Required = append(cfg.Required, n)
			}
		}
	}
	cfg.MFA, _ = props["MfaConfiguration"].(string)
	if cfg.MFA == "ON" {
		s.log.Info(fmt.Sprintf("notice: user pool %s: MfaConfiguration ON is not enforced locally (sign-in asks for no second factor)", r.LogicalID))
	}
	if addOns, ok := props["UserPoolAddOns"].(map[string]any); ok {
		if mode, _ := addOns["AdvancedSecurityMode"].(string); mode != "" && mode != "OFF" {
			s.log.Info(fmt.Sprintf("notice: user pool %s: threat protection (AdvancedSecurityMode %s) is not emulated locally", r.LogicalID, mode))
		}
	}
	if lc, ok := props["LambdaConfig"].(map[string]any); ok && len(lc) > 0 {
		s.log.Info(fmt.Sprintf("notice: user pool %s: Lambda triggers (LambdaConfig) are not run locally", r.LogicalID))
	}

	if p := s.pools[id]; p != nil {
		cfg.Created, cfg.Keys = p.Created, p.Keys
		p.poolConfig = cfg
	} else {
		if cfg.Keys, err = generateKeys(); err != nil {
			return stack.Created{}, err
		}
		p, err := newPool(cfg)
		if err != nil {
			return stack.Created{}, err
		}
		s.pools[id] = p
	}
	if err := s.savePool(s.pools[id]); err != nil {
		return stack.Created{}, err
	}
	iss := s.pools[id].issuer(s.baseURL)
	return stack.Created{Ref: id, Attrs: map[string]any{
		"Arn": poolARN(id), "UserPoolId": id,
		// AWS's are "cognito-idp.<region>.amazonaws.com/<id>" and its
		// https URL; locally they name the local issuer, so code that
		// fetches <ProviderURL>/.well-known/jwks.json reaches this pool.
		"ProviderName": strings.TrimPrefix(strings.TrimPrefix(iss, "http://"), "https://"),
		"ProviderURL":  iss,
	}}, nil
}

func parsePolicy(pp map[string]any) (passwordPolicy, error) {
	p := defaultPolicy
	var err error
	if p.MinimumLength, err = stack.IntProp(pp, "MinimumLength", 8); err != nil {
		return p, err
	}
	if p.MinimumLength < 6 || p.MinimumLength > 99 {
		return p, fmt.Errorf("MinimumLength: %d is not between 6 and 99", p.MinimumLength)
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"RequireUppercase", &p.RequireUppercase}, {"RequireLowercase", &p.RequireLowercase},
		{"RequireNumbers", &p.RequireNumbers}, {"RequireSymbols", &p.RequireSymbols}} {
		// A policy given in the template that leaves a rule out turns it
		// off, as CloudFormation does.
		if *f.dst, err = stack.BoolProp(pp, f.key, false); err != nil {
			return p, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	if p.TemporaryPasswordValidityDays, err = stack.IntProp(pp, "TemporaryPasswordValidityDays", 7); err != nil {
		return p, err
	}
	return p, nil
}

// stringList reads a list of strings, each one of allowed (any when
// allowed is empty).
func stringList(props map[string]any, key string, allowed ...string) ([]string, error) {
	raw, ok := props[key]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of strings", key)
	}
	out := make([]string, 0, len(list))
	for i, v := range list {
		s, _ := v.(string)
		if _, isString := v.(string); !isString || (len(allowed) > 0 && !slices.Contains(allowed, s)) {
			return nil, fmt.Errorf("%s[%d]: %q is not one of %s", key, i, s, strings.Join(allowed, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// Explicit auth flows, in their current (ALLOW_) names.
const (
	flowAdminPassword = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	flowCustom        = "ALLOW_CUSTOM_AUTH"
	flowPassword      = "ALLOW_USER_PASSWORD_AUTH"
	flowSRP           = "ALLOW_USER_SRP_AUTH"
	flowRefresh       = "ALLOW_REFRESH_TOKEN_AUTH"
	flowUserAuth      = "ALLOW_USER_AUTH"
)

// legacyFlows maps the older ExplicitAuthFlows values to current ones.
var legacyFlows = map[string]string{
	"ADMIN_NO_SRP_AUTH": flowAdminPassword, "CUSTOM_AUTH_FLOW_ONLY": flowCustom, "USER_PASSWORD_AUTH": flowPassword,
}

// parseFlows normalises ExplicitAuthFlows. Absent, Cognito allows SRP,
// custom auth and refresh; legacy values imply SRP and refresh too; the
// two kinds cannot be mixed.
func parseFlows(props map[string]any) ([]string, error) {
	list, err := stringList(props, "ExplicitAuthFlows")
	if err != nil {
		return nil, err
	}
	if _, given := props["ExplicitAuthFlows"]; !given {
		return []string{flowSRP, flowCustom, flowRefresh}, nil
	}
	var out []string
	legacy, current := false, false
	for i, f := range list {
		switch f {
		case flowAdminPassword, flowCustom, flowPassword, flowSRP, flowRefresh, flowUserAuth:
			current = true
			out = append(out, f)
		default:
			allow, ok := legacyFlows[f]
			if !ok {
				return nil, fmt.Errorf("ExplicitAuthFlows[%d]: %q is not an auth flow", i, f)
			}
			legacy = true
			out = append(out, allow)
		}
	}
	if legacy && current {
		return nil, fmt.Errorf("ExplicitAuthFlows: legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) cannot be mixed with ALLOW_ values")
	}
	if legacy {
		out = append(out, flowSRP, flowRefresh)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

var validityUnits = map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}

// validity reads one token validity: the number from key and its unit from
// TokenValidityUnits[unitKey] (default defUnit), bounded as Cognito bounds it.
func validity(props map[string]any, key, unitKey, defUnit string, def, minD, maxD time.Duration) (time.Duration, error) {
	units, _ := props["TokenValidityUnits"].(map[string]any)
	unit := defUnit
	if u, ok := units[unitKey].(string); ok && u != "" {
		unit = u
	}
	per, ok := validityUnits[unit]
	if !ok {
		return 0, fmt.Errorf("TokenValidityUnits.%s: %q is not one of seconds, minutes, hours, days", unitKey, unit)
	}
	if _, given := props[key]; !given {
		return def, nil
	}
	n, err := stack.IntProp(props, key, 0)
	if err != nil {
		return 0, err
	}
	d := time.Duration(n) * per
	if d < minD || d > maxD {
		return 0, fmt.Errorf("%s: %d %s is outside %s to %s", key, n, unit, minD, maxD)
	}
	return d, nil
}

// templatePool returns the pool a template resource's UserPoolId names,
// which must have been created earlier in the stack.
func (s *Service) templatePool(props map[string]any) (*pool, error) {
	poolID, _ := props["UserPoolId"].(string)
	p := s.pools[poolID]
	if p == nil {
		return nil, fmt.Errorf("UserPoolId: no user pool %q in this stack", poolID)
	}
	return p, nil
}

func (s *Service) createClient(r stack.Resource) (stack.Created, error) {
	props := r.Properties
	p, err := s.templatePool(props)
	if err != nil {
		return stack.Created{}, err
	}
	id := derivedID("client/"+r.StackName+"/"+r.LogicalID, "abcdefghijklmnopqrstuvwxyz0123456789", 26)
	name, _ := props["ClientName"].(string)
	if name == "" {
		name = r.LogicalID
	}
	now := s.now()
	c := &client{ID: id, PoolID: p.ID, Name: name, Created: now, Modified: now}
	if c.Flows, err = parseFlows(props); err != nil {
		return stack.Created{}, err
	}
	const day = 24 * time.Hour
	if c.AccessValidity, err = validity(props, "AccessTokenValidity", "AccessToken", "hours", time.Hour, 5*time.Minute, day); err != nil {
		return stack.Created{}, err
	}
	if c.IDValidity, err = validity(props, "IdTokenValidity", "IdToken", "hours", time.Hour, 5*time.Minute, day); err != nil {
		return stack.Created{}, err
	}
	if c.RefreshValidity, err = validity(props, "RefreshTokenValidity", "RefreshToken", "days", 30*day, time.Hour, 3650*day); err != nil {
		return stack.Created{}, err
	}
	minutes, err := stack.IntProp(props, "AuthSessionValidity", 3)
	if err != nil {
		return stack.Created{}, err
	}
	if minutes < 3 || minutes > 15 {
		return stack.Created{}, fmt.Errorf("AuthSessionValidity: %d minutes is outside 3 to 15", minutes)
	}
	c.SessionValidity = time.Duration(minutes) * time.Minute
	prevent, _ := props["PreventUserExistenceErrors"].(string)
	c.PreventExistenceErrors = prevent == "ENABLED"
	c.Units = map[string]string{"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
	if units, ok := props["TokenValidityUnits"].(map[string]any); ok {
		for k, v := range units {
			if u, _ := v.(string); u != "" && c.Units[k] != "" {
				c.Units[k] = u
			}
		}
	}
	secret, err := stack.BoolProp(props, "GenerateSecret", false)
	if err != nil {
		return stack.Created{}, fmt.Errorf("GenerateSecret: %w", err)
	}
	if old := s.clients[id]; old != nil {
		c.Created, c.Secret = old.Created, old.Secret
	}
	switch {
	case !secret:
		c.Secret = ""
	case c.Secret == "":
		c.Secret = pick("abcdefghijklmnopqrstuvwxyz0123456789", 52)
	}
	if err := s.saveClient(c); err != nil {
		return stack.Created{}, err
	}
	s.clients[id] = c
	attrs := map[string]any{"ClientId": id, "Name": name}
	if c.Secret != "" {
		attrs["ClientSecret"] = c.Secret
	}
	return stack.Created{Ref: id, Attrs: attrs}, nil
}

func (s *Service) createGroupFromTemplate(r stack.Resource) (stack.Created, error) {
	props := r.Properties
	p, err := s.templatePool(props)
	if err != nil {
		return stack.Created{}, err
	}
	name, _ := props["GroupName"].(string)
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 128)
	}
	g := &group{PoolID: p.ID, Name: name}
	g.Description, _ = props["Description"].(string)
	g.RoleArn, _ = props["RoleArn"].(string)
	if _, ok := props["Precedence"]; ok {
		n, err := stack.IntProp(props, "Precedence", 0)
		if err != nil {
			return stack.Created{}, err
		}
		g.Precedence = &n
	}
	if err := s.putGroup(p, g); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: name}, nil
}

// putGroup creates g or updates the group of that name. The caller holds s.mu.
func (s *Service) putGroup(p *pool, g *group) error {
	now := s.now()
	g.Created, g.Modified = now, now
	if old := p.groups[g.Name]; old != nil {
		g.Created = old.Created
	}
	if err := s.saveGroup(g); err != nil {
		return err
	}
	p.groups[g.Name] = g
	return nil
}

func (s *Service) createUserFromTemplate(r stack.Resource) (stack.Created, error) {
	props := r.Properties
	p, err := s.templatePool(props)
	if err != nil {
		return stack.Created{}, err
	}
	username, _ := props["Username"].(string)
	if username == "" {
		return stack.Created{}, fmt.Errorf("property Username: required (the local runtime does not generate one)")
	}
	if p.lookup(username) != nil {
		return stack.Created{Ref: username}, nil // kept from an earlier start
	}
	attrs, err := attributeMap(props["UserAttributes"])
	if err != nil {
		return stack.Created{}, fmt.Errorf("UserAttributes: %w", err)
	}
	action, _ := props["MessageAction"].(string)
	if _, err := s.adminCreate(p, username, attrs, "", action); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: username}, nil
}

func (s *Service) attachFromTemplate(r stack.Resource) (stack.Created, error) {
	props := r.Properties
	p, err := s.templatePool(props)
	if err != nil {
		return stack.Created{}, err
	}
	username, _ := props["Username"].(string)
	groupName, _ := props["GroupName"].(string)
	if err := s.addToGroup(p, username, groupName); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: stack.PhysicalName(r.StackName, r.LogicalID, 128)}, nil
}
