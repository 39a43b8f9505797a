package cognito

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// filterRE is ListUsers' filter: `attribute = "value"` or
// `attribute ^= "prefix"`, the attribute name optionally quoted.
var filterRE = regexp.MustCompile(`^\s*"?([a-z_:]+)"?\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

// filterAttributes are the attributes ListUsers can filter on.
var filterAttributes = map[string]bool{
	"username": true, "email": true, "phone_number": true, "name": true, "given_name": true, "family_name": true,
	"preferred_username": true, "cognito:user_status": true, "status": true, "sub": true,
}

type userFilter struct {
	attr, value string
	prefix      bool
}

func parseFilter(f string) (*userFilter, error) {
	if strings.TrimSpace(f) == "" {
		return nil, nil
	}
	m := filterRE.FindStringSubmatch(f)
	if m == nil || !filterAttributes[m[1]] {
		return nil, invalidParameter("Error while parsing filter.")
	}
	value := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[3])
	return &userFilter{attr: m[1], value: value, prefix: m[2] == "^="}, nil
}

func (f *userFilter) match(p *pool, u *user) bool {
	if f == nil {
		return true
	}
	var v string
	switch f.attr {
	case "username":
		v = u.Username
	case "cognito:user_status":
		v = u.Status
	case "status":
		v = map[bool]string{true: "Enabled", false: "Disabled"}[u.Enabled]
	default:
		v = u.Attributes[f.attr]
	}
	if f.attr == "username" && !p.CaseSensitive || f.attr == "email" {
		v, want := strings.ToLower(v), strings.ToLower(f.value)
		if f.prefix {
			return strings.HasPrefix(v, want)
		}
		return v == want
	}
	if f.prefix {
		return strings.HasPrefix(v, f.value)
	}
	return v == f.value
}

func (s *Service) listUsers(_ context.Context, body []byte) (any, error) {
	var in struct {
		UserPoolID      string `json:"UserPoolId"`
		AttributesToGet []string
		Filter          string
		Limit           *int
		PaginationToken string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	limit := 60
	if in.Limit != nil {
		if *in.Limit < 0 || *in.Limit > 60 {
			return nil, invalidParameter("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", *in.Limit)
		}
		if *in.Limit > 0 {
			limit = *in.Limit
		}
	}
	f, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	var names map[string]bool
	if in.AttributesToGet != nil {
		names = map[string]bool{}
		for _, a := range in.AttributesToGet {
			if !standardAttributes[a] && !slices.Contains(p.Custom, a) {
				return nil, invalidParameter("One or more requested attributes do not exist.")
			}
			names[a] = true
		}
	}
	after := ""
	if in.PaginationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.PaginationToken)
		if err != nil {
			return nil, invalidParameter("Invalid pagination token.")
		}
		after = string(raw)
	}
	// Pages follow the username order, so a token is the last username
	// listed and users created meanwhile are not skipped or repeated.
	keys := make([]string, 0, len(p.users))
	for k := range p.users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []map[string]any{}
	next := ""
	for _, k := range keys {
		if after != "" && k <= after {
			continue
		}
		u := p.users[k]
		if !f.match(p, u) {
			continue
		}
		if len(out) == limit {
			next = base64.RawURLEncoding.EncodeToString([]byte(p.key(out[len(out)-1]["Username"].(string))))
			break
		}
		out = append(out, u.userType(names))
	}
	res := map[string]any{"Users": out}
	if next != "" {
		res["PaginationToken"] = next
	}
	return res, nil
}

func (s *Service) describeUserPool(_ context.Context, body []byte) (any, error) {
	var in struct{ poolInput }
	return s.withPool(body, &in, describePool)
}

func describePool(p *pool) (any, error) {
	pol := p.Policy
	desc := map[string]any{
		"Id": p.ID, "Name": p.Name, "Arn": poolARN(p.ID),
		"CreationDate": awsapi.EpochSeconds(p.Created), "LastModifiedDate": awsapi.EpochSeconds(p.Modified),
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": pol.MinimumLength, "RequireUppercase": pol.RequireUppercase, "RequireLowercase": pol.RequireLowercase,
			"RequireNumbers": pol.RequireNumbers, "RequireSymbols": pol.RequireSymbols,
			"TemporaryPasswordValidityDays": pol.TemporaryPasswordValidityDays,
		}},
		"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": p.AdminCreateOnly},
		"UsernameConfiguration":  map[string]any{"CaseSensitive": p.CaseSensitive},
		"EstimatedNumberOfUsers": len(p.users),
		"MfaConfiguration":       firstNonEmpty(p.MFA, "OFF"),
	}
	if len(p.UsernameAttributes) > 0 {
		desc["UsernameAttributes"] = p.UsernameAttributes
	}
	if len(p.AliasAttributes) > 0 {
		desc["AliasAttributes"] = p.AliasAttributes
	}
	if len(p.AutoVerified) > 0 {
		desc["AutoVerifiedAttributes"] = p.AutoVerified
	}
	return map[string]any{"UserPool": desc}, nil
}

func (s *Service) describeUserPoolClient(_ context.Context, body []byte) (any, error) {
	var in struct {
		UserPoolID string `json:"UserPoolId"`
		ClientID   string `json:"ClientId"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _, err := s.clientByID(in.ClientID)
	if err != nil {
		return nil, err
	}
	if c.PoolID != in.UserPoolID {
		return nil, apiError("ResourceNotFoundException", "User pool client %s does not exist.", c.ID)
	}
	inUnits := func(d time.Duration, unitKey string) int { return int(d / validityUnits[c.Units[unitKey]]) }
	desc := map[string]any{
		"UserPoolId": c.PoolID, "ClientName": c.Name, "ClientId": c.ID,
		"CreationDate": awsapi.EpochSeconds(c.Created), "LastModifiedDate": awsapi.EpochSeconds(c.Modified),
		"ExplicitAuthFlows":          c.Flows,
		"AccessTokenValidity":        inUnits(c.AccessValidity, "AccessToken"),
		"IdTokenValidity":            inUnits(c.IDValidity, "IdToken"),
		"RefreshTokenValidity":       inUnits(c.RefreshValidity, "RefreshToken"),
		"TokenValidityUnits":         c.Units,
		"AuthSessionValidity":        int(c.SessionValidity / time.Minute),
		"PreventUserExistenceErrors": map[bool]string{true: "ENABLED", false: "LEGACY"}[c.PreventExistenceErrors],
	}
	if c.Secret != "" {
		desc["ClientSecret"] = c.Secret
	}
	return map[string]any{"UserPoolClient": desc}, nil
}

func (s *Service) listUserPools(_ context.Context, body []byte) (any, error) {
	var in struct{ MaxResults int }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.MaxResults < 1 || in.MaxResults > 60 {
		return nil, invalidParameter("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", in.MaxResults)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, p := range s.sortedPools() {
		if len(out) == in.MaxResults {
			break
		}
		out = append(out, map[string]any{"Id": p.ID, "Name": p.Name,
			"CreationDate": awsapi.EpochSeconds(p.Created), "LastModifiedDate": awsapi.EpochSeconds(p.Modified)})
	}
	return map[string]any{"UserPools": out}, nil
}

func (s *Service) listUserPoolClients(_ context.Context, body []byte) (any, error) {
	var in struct{ poolInput }
	return s.withPool(body, &in, func(p *pool) (any, error) {
		out := []map[string]any{}
		for _, c := range s.poolClients(p) {
			out = append(out, map[string]any{"ClientId": c.ID, "UserPoolId": p.ID, "ClientName": c.Name})
		}
		return map[string]any{"UserPoolClients": out}, nil
	})
}

func (s *Service) sortedPools() []*pool {
	out := make([]*pool, 0, len(s.pools))
	for _, p := range s.pools {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].ID < out[j].ID
	})
	return out
}

func (s *Service) poolClients(p *pool) []*client {
	var out []*client
	for _, c := range s.clients {
		if c.PoolID == p.ID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].ID < out[j].ID
	})
	return out
}
