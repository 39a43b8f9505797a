package cognito

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Pool describes a provisioned user pool for in-process callers.
type Pool struct {
	ID, Name, ARN string
	// Issuer is the iss of the pool's tokens; its JWKS is at
	// Issuer + "/.well-known/jwks.json".
	Issuer string
	// Clients are the ids of the pool's app clients, by name.
	Clients map[string]string
	// Groups are the pool's group names, sorted.
	Groups []string
}

// Pools lists the user pools, sorted by name.
func (s *Service) Pools() []Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pool
	for _, p := range s.sortedPools() {
		d := Pool{ID: p.ID, Name: p.Name, ARN: poolARN(p.ID), Issuer: p.issuer(s.baseURL), Clients: map[string]string{}}
		for _, c := range s.poolClients(p) {
			d.Clients[c.Name] = c.ID
		}
		d.Groups = slices.Sorted(maps.Keys(p.groups))
		out = append(out, d)
	}
	return out
}

// User is a user for EnsureUser to create.
type User struct {
	// Username is the sign-in name: in a pool that signs in with e-mail,
	// the e-mail address.
	Username string
	// Password becomes the user's permanent password; it must satisfy the
	// pool's policy.
	Password string
	// Attributes such as "email", "name" or "custom:tier". An e-mail or
	// phone number given here is marked verified, so the user can sign in
	// with it and receives it verified in the ID token.
	Attributes map[string]string
	// Groups the user joins; each must exist in the pool.
	Groups []string
}

// EnsureUser makes u a confirmed user of the pool (by id) with u's
// password and groups, as AdminCreateUser, AdminSetUserPassword (Permanent)
// and AdminAddUserToGroup would: for seeding demo users at start-up. It is
// idempotent: an existing user keeps its sub and takes the password,
// attributes and groups again. It returns the username, which in a pool
// that signs in with e-mail is a generated UUID (the sub).
func (s *Service) EnsureUser(poolID string, u User) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.poolByID(poolID)
	if err != nil {
		return "", fmt.Errorf("cognito: ensure user %s: %w", u.Username, err)
	}
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("cognito: ensure user %s in %s: %w", u.Username, poolID, err)
	}
	for _, g := range u.Groups {
		if p.groups[g] == nil {
			return fail(fmt.Errorf("no group %q", g))
		}
	}
	if err := p.Policy.check(u.Password); err != nil {
		return fail(err)
	}
	attrs := maps.Clone(u.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	if err := checkAttributes(p, attrs); err != nil {
		return fail(err)
	}
	usr := p.lookup(u.Username)
	if usr == nil {
		if usr, err = s.newUser(p, u.Username, attrs); err != nil {
			return fail(err)
		}
	} else {
		maps.Copy(usr.Attributes, attrs)
	}
	for _, a := range []string{"email", "phone_number"} {
		if usr.Attributes[a] != "" {
			usr.Attributes[a+"_verified"] = "true"
		}
	}
	if usr.PasswordHash, err = s.hashPassword(u.Password); err != nil {
		return fail(err)
	}
	usr.Status, usr.Enabled, usr.TempExpires = statusConfirmed, true, time.Time{}
	usr.Code, usr.CodeAttr, usr.CodeExpires = "", "", time.Time{}
	for _, g := range u.Groups {
		if !slices.Contains(usr.Groups, g) {
			usr.Groups = append(usr.Groups, g)
		}
	}
	if err := s.storeUser(p, usr); err != nil {
		return fail(err)
	}
	return usr.Username, nil
}
