package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// codeValidity is how long a sign-up confirmation code works.
const codeValidity = 24 * time.Hour

type attributeInput struct {
	Name  string
	Value string
}

func toMap(list []attributeInput) map[string]string {
	m := make(map[string]string, len(list))
	for _, a := range list {
		m[a.Name] = a.Value
	}
	return m
}

// attributeMap reads a template's [{Name, Value}] list.
func attributeMap(raw any) (map[string]string, error) {
	m := map[string]string{}
	if raw == nil {
		return m, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of {Name, Value}")
	}
	for i, a := range list {
		e, _ := a.(map[string]any)
		n, _ := e["Name"].(string)
		v, _ := e["Value"].(string)
		if n == "" {
			return nil, fmt.Errorf("[%d].Name: required", i)
		}
		m[n] = v
	}
	return m, nil
}

// hashPassword returns the bcrypt hash kept for pw. bcrypt reads at most
// 72 bytes and Cognito allows 256, so the password is first reduced to its
// SHA-256 (base64, 44 bytes).
func (s *Service) hashPassword(pw string) ([]byte, error) {
	return bcrypt.GenerateFromPassword(prehash(pw), s.cost)
}

func passwordMatches(hash []byte, pw string) bool {
	return len(hash) > 0 && bcrypt.CompareHashAndPassword(hash, prehash(pw)) == nil
}

func prehash(pw string) []byte {
	sum := sha256.Sum256([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

// checkSecretHash verifies SECRET_HASH for a client with a secret:
// Base64(HMAC-SHA256(secret, username + clientId)).
func checkSecretHash(c *client, username, given string) error {
	if c.Secret == "" {
		return nil
	}
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write([]byte(username + c.ID))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if given == "" || !hmac.Equal([]byte(given), []byte(want)) {
		return notAuthorized("Unable to verify secret hash for client %s", c.ID)
	}
	return nil
}

// checkAttributes validates attribute names against p's schema.
func checkAttributes(p *pool, attrs map[string]string) error {
	for name, v := range attrs {
		switch {
		case name == "sub":
			return invalidParameter("Attributes did not conform to the schema: sub: Attribute cannot be updated.")
		case standardAttributes[name], slices.Contains(p.Custom, name):
		default:
			return invalidParameter("Attributes did not conform to the schema: %s: Attribute does not exist in the schema.", name)
		}
		if name == "email" && !emailRE.MatchString(v) {
			return invalidParameter("Invalid email address format.")
		}
		if name == "phone_number" && !phoneRE.MatchString(v) {
			return invalidParameter("Invalid phone number format.")
		}
	}
	return nil
}

// newUser validates a new user's sign-in name and attributes for p and
// returns it, not yet stored. In pools that sign in with e-mail or phone
// the name is that attribute and the username a generated UUID (the sub),
// as in Cognito. The caller holds s.mu.
func (s *Service) newUser(p *pool, name string, attrs map[string]string) (*user, error) {
	if name == "" {
		return nil, invalidParameter("1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null")
	}
	if err := checkAttributes(p, attrs); err != nil {
		return nil, err
	}
	sub := s.newID()
	username := name
	if len(p.UsernameAttributes) > 0 {
		attr := ""
		switch {
		case slices.Contains(p.UsernameAttributes, "email") && emailRE.MatchString(name):
			attr = "email"
		case slices.Contains(p.UsernameAttributes, "phone_number") && phoneRE.MatchString(name):
			attr = "phone_number"
		case len(p.UsernameAttributes) == 2:
			return nil, invalidParameter("Username should be either an email or a phone number.")
		case p.UsernameAttributes[0] == "email":
			return nil, invalidParameter("Username should be an email.")
		default:
			return nil, invalidParameter("Username should be a phone number.")
		}
		if p.findByAttribute(attr, name, false) != nil {
			what := map[string]string{"email": "email", "phone_number": "phone_number"}[attr]
			return nil, apiError("UsernameExistsException", "An account with the given %s already exists.", what)
		}
		attrs[attr] = name
		username = sub
	} else {
		if !usernameRE.MatchString(name) {
			return nil, invalidParameter(`1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+`)
		}
		if slices.Contains(p.AliasAttributes, "email") && emailRE.MatchString(name) {
			return nil, invalidParameter("Username cannot be of email format, since user pool is configured for email alias.")
		}
		if slices.Contains(p.AliasAttributes, "phone_number") && phoneRE.MatchString(name) {
			return nil, invalidParameter("Username cannot be of phone number format, since user pool is configured for phone_number alias.")
		}
		if p.users[p.key(name)] != nil {
			return nil, apiError("UsernameExistsException", "User already exists")
		}
	}
	for _, r := range p.Required {
		if attrs[r] == "" {
			return nil, invalidParameter("Attributes did not conform to the schema: %s: The attribute is required", r)
		}
	}
	attrs["sub"] = sub
	now := s.now()
	return &user{Username: username, Attributes: attrs, Enabled: true, Created: now, Modified: now}, nil
}

// storeUser saves u and indexes it. The caller holds s.mu.
func (s *Service) storeUser(p *pool, u *user) error {
	u.Modified = s.now()
	if err := s.saveUser(p, u); err != nil {
		return err
	}
	p.users[p.key(u.Username)] = u
	return nil
}

// sendCode creates a confirmation code for u's auto-verified e-mail or
// phone and logs it where AWS would send it. It returns the delivery
// details, or nil when the pool verifies nothing u has.
func (s *Service) sendCode(p *pool, u *user) map[string]string {
	attr := ""
	for _, a := range []string{"email", "phone_number"} {
		if slices.Contains(p.AutoVerified, a) && u.Attributes[a] != "" {
			attr = a
			break
		}
	}
	if attr == "" {
		return nil
	}
	u.Code, u.CodeAttr, u.CodeExpires = pick("0123456789", 6), attr, s.now().Add(codeValidity)
	medium := map[string]string{"email": "EMAIL", "phone_number": "SMS"}[attr]
	s.log.Info(fmt.Sprintf("cognito: confirmation code %s for user %s (%s) in pool %s; AWS would send it by %s",
		u.Code, u.Username, u.Attributes[attr], p.ID, medium))
	return map[string]string{"Destination": maskDestination(attr, u.Attributes[attr]), "DeliveryMedium": medium, "AttributeName": attr}
}

func (s *Service) signUp(_ context.Context, body []byte) (any, error) {
	var in struct {
		ClientID       string `json:"ClientId"`
		SecretHash     string
		Username       string
		Password       string
		UserAttributes []attributeInput
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, p, err := s.clientByID(in.ClientID)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	if p.AdminCreateOnly {
		return nil, notAuthorized("SignUp is not permitted for this user pool")
	}
	u, err := s.newUser(p, in.Username, toMap(in.UserAttributes))
	if err != nil {
		return nil, err
	}
	if err := p.Policy.check(in.Password); err != nil {
		return nil, err
	}
	if u.PasswordHash, err = s.hashPassword(in.Password); err != nil {
		return nil, err
	}
	u.Status = statusUnconfirmed
	delivery := s.sendCode(p, u)
	if err := s.storeUser(p, u); err != nil {
		return nil, err
	}
	out := map[string]any{"UserConfirmed": false, "UserSub": u.sub()}
	if delivery != nil {
		out["CodeDeliveryDetails"] = delivery
	}
	return out, nil
}

// clientUser is the input of a public-client operation on one user.
type clientUser struct {
	ClientID   string `json:"ClientId"`
	SecretHash string
	Username   string
}

func (c *clientUser) clientTarget() *clientUser { return c }

// withClientUser decodes a public-client request into in (which embeds
// clientUser) and runs fn on the pool and user, holding s.mu. It fails
// with UserNotFoundException when the pool has no such user, and with
// NotAuthorizedException when the client has a secret and the request's
// SECRET_HASH does not match it.
func (s *Service) withClientUser(body []byte, in interface{ clientTarget() *clientUser }, fn func(p *pool, u *user) (any, error)) (any, error) {
	if err := decodeInput(body, in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cu := in.clientTarget()
	c, p, err := s.clientByID(cu.ClientID)
	if err != nil {
		return nil, err
	}
	u := p.lookup(cu.Username)
	if u == nil {
		return nil, apiError("UserNotFoundException", "Username/client id combination not found.")
	}
	if err := checkSecretHash(c, cu.Username, cu.SecretHash); err != nil {
		return nil, err
	}
	return fn(p, u)
}

func (s *Service) confirmSignUp(_ context.Context, body []byte) (any, error) {
	var in struct {
		clientUser
		ConfirmationCode   string
		ForceAliasCreation bool
	}
	return s.withClientUser(body, &in, func(p *pool, u *user) (any, error) {
		return s.confirm(p, u, in.ConfirmationCode, in.ForceAliasCreation)
	})
}

// confirm checks code against u's confirmation code and confirms u; with
// forceAlias it takes the verified alias from the user who had it. The
// caller holds s.mu.
func (s *Service) confirm(p *pool, u *user, code string, forceAlias bool) (any, error) {
	if u.Status != statusUnconfirmed {
		return nil, notAuthorized("User cannot be confirmed. Current status is %s", u.Status)
	}
	if u.Code == "" || !hmac.Equal([]byte(code), []byte(u.Code)) {
		return nil, apiError("CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	if !s.now().Before(u.CodeExpires) {
		return nil, apiError("ExpiredCodeException", "Invalid code provided, please request a code again.")
	}
	// In a pool with this attribute as an alias, a verified value belongs
	// to one user: another's verified alias is an error, or with
	// ForceAliasCreation moves to this user.
	var previous *user
	if slices.Contains(p.AliasAttributes, u.CodeAttr) {
		if previous = p.findByAttribute(u.CodeAttr, u.Attributes[u.CodeAttr], true); previous == u {
			previous = nil
		}
		if previous != nil && !forceAlias {
			return nil, apiError("AliasExistsException", "An account with the given %s already exists.", u.CodeAttr)
		}
	}
	if previous != nil {
		previous.Attributes[u.CodeAttr+"_verified"] = "false"
		if err := s.storeUser(p, previous); err != nil {
			return nil, err
		}
	}
	u.Status = statusConfirmed
	u.Attributes[u.CodeAttr+"_verified"] = "true"
	u.Code, u.CodeAttr, u.CodeExpires = "", "", time.Time{}
	return nil, s.storeUser(p, u)
}

func (s *Service) resendConfirmationCode(_ context.Context, body []byte) (any, error) {
	var in struct{ clientUser }
	return s.withClientUser(body, &in, func(p *pool, u *user) (any, error) {
		if u.Status != statusUnconfirmed {
			return nil, invalidParameter("User is already confirmed.")
		}
		delivery := s.sendCode(p, u)
		if delivery == nil {
			return nil, invalidParameter("Auto verification not turned on.")
		}
		if err := s.storeUser(p, u); err != nil {
			return nil, err
		}
		return map[string]any{"CodeDeliveryDetails": delivery}, nil
	})
}

// adminCreate creates u as AdminCreateUser does: FORCE_CHANGE_PASSWORD
// with tempPassword (generated when empty), announced in the log unless
// messageAction is SUPPRESS. The caller holds s.mu.
func (s *Service) adminCreate(p *pool, name string, attrs map[string]string, tempPassword, messageAction string) (*user, error) {
	switch messageAction {
	case "", "SUPPRESS":
	case "RESEND":
		u := p.lookup(name)
		if u == nil {
			return nil, apiError("UserNotFoundException", "User does not exist.")
		}
		if u.Status != statusForceChange {
			return nil, apiError("UnsupportedUserStateException", "Resend not possible. %s status is %s", u.Username, u.Status)
		}
		return u, s.setTemporaryPassword(p, u, tempPassword, true)
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]", messageAction)
	}
	if p.lookup(name) != nil {
		return nil, apiError("UsernameExistsException", "User account already exists")
	}
	u, err := s.newUser(p, name, attrs)
	if err != nil {
		return nil, err
	}
	return u, s.setTemporaryPassword(p, u, tempPassword, messageAction != "SUPPRESS")
}

// setTemporaryPassword gives u a temporary password (pw, or a generated
// one) valid for the pool's TemporaryPasswordValidityDays, and stores u.
func (s *Service) setTemporaryPassword(p *pool, u *user, pw string, announce bool) error {
	if pw == "" {
		pw = p.Policy.temporaryPassword()
	} else if err := p.Policy.check(pw); err != nil {
		return err
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	u.PasswordHash, u.Status = hash, statusForceChange
	u.TempExpires = s.now().Add(time.Duration(p.Policy.TemporaryPasswordValidityDays) * 24 * time.Hour)
	if announce {
		to := u.Attributes["email"]
		if to == "" {
			to = u.Attributes["phone_number"]
		}
		s.log.Info(fmt.Sprintf("cognito: temporary password %s for user %s (%s) in pool %s; AWS would send it in the invitation message",
			pw, u.Username, to, p.ID))
	}
	return s.storeUser(p, u)
}

func (s *Service) adminCreateUser(_ context.Context, body []byte) (any, error) {
	var in struct {
		poolInput
		Username          string
		UserAttributes    []attributeInput
		TemporaryPassword string
		MessageAction     string
	}
	return s.withPool(body, &in, func(p *pool) (any, error) {
		u, err := s.adminCreate(p, in.Username, toMap(in.UserAttributes), in.TemporaryPassword, in.MessageAction)
		if err != nil {
			return nil, err
		}
		return map[string]any{"User": u.userType(nil)}, nil
	})
}

// poolInput is the input naming a user pool.
type poolInput struct {
	UserPoolID string `json:"UserPoolId"`
}

func (in *poolInput) poolTarget() *poolInput { return in }

// withPool decodes an admin request into in (which embeds poolInput) and
// runs fn on the pool, holding s.mu.
func (s *Service) withPool(body []byte, in interface{ poolTarget() *poolInput }, fn func(p *pool) (any, error)) (any, error) {
	if err := decodeInput(body, in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.poolByID(in.poolTarget().UserPoolID)
	if err != nil {
		return nil, err
	}
	return fn(p)
}

// adminUser is the input naming a pool and one of its users.
type adminUser struct {
	poolInput
	Username string
}

// withUser decodes an admin request into in (which embeds adminUser) and
// runs fn on the pool and user, holding s.mu. It fails with
// UserNotFoundException when the pool has no such user.
func (s *Service) withUser(body []byte, in interface {
	poolTarget() *poolInput
	target() *adminUser
}, fn func(p *pool, u *user) (any, error)) (any, error) {
	return s.withPool(body, in, func(p *pool) (any, error) {
		u := p.lookup(in.target().Username)
		if u == nil {
			return nil, apiError("UserNotFoundException", "User does not exist.")
		}
		return fn(p, u)
	})
}

func (a *adminUser) target() *adminUser { return a }

func (s *Service) adminSetUserPassword(_ context.Context, body []byte) (any, error) {
	var in struct {
		adminUser
		Password  string
		Permanent bool
	}
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		if !in.Permanent {
			return nil, s.setTemporaryPassword(p, u, in.Password, false)
		}
		if err := p.Policy.check(in.Password); err != nil {
			return nil, err
		}
		hash, err := s.hashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash, u.Status, u.TempExpires = hash, statusConfirmed, time.Time{}
		return nil, s.storeUser(p, u)
	})
}

func (s *Service) adminConfirmSignUp(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		if u.Status != statusUnconfirmed {
			return nil, notAuthorized("User cannot be confirmed. Current status is %s", u.Status)
		}
		u.Status = statusConfirmed
		u.Code, u.CodeAttr, u.CodeExpires = "", "", time.Time{}
		return nil, s.storeUser(p, u)
	})
}

// userResponse is AdminGetUser's and GetUser's answer.
func userResponse(u *user) map[string]any {
	return map[string]any{
		"Username": u.Username, "UserAttributes": u.attributeList(nil),
		"UserCreateDate": awsapi.EpochSeconds(u.Created), "UserLastModifiedDate": awsapi.EpochSeconds(u.Modified),
		"Enabled": u.Enabled, "UserStatus": u.Status,
	}
}

func (s *Service) adminGetUser(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(_ *pool, u *user) (any, error) { return userResponse(u), nil })
}

func (s *Service) adminDeleteUser(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		if err := s.deleteUserState(p, u); err != nil {
			return nil, err
		}
		delete(p.users, p.key(u.Username))
		return nil, nil
	})
}

func (s *Service) adminDisableUser(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		u.Enabled = false
		return nil, s.storeUser(p, u)
	})
}

func (s *Service) adminEnableUser(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		u.Enabled = true
		return nil, s.storeUser(p, u)
	})
}

// addToGroup adds the user name denotes to groupName. The caller holds s.mu.
func (s *Service) addToGroup(p *pool, name, groupName string) error {
	if p.groups[groupName] == nil {
		return apiError("ResourceNotFoundException", "Group not found.")
	}
	u := p.lookup(name)
	if u == nil {
		return apiError("UserNotFoundException", "User does not exist.")
	}
	if slices.Contains(u.Groups, groupName) {
		return nil
	}
	u.Groups = append(u.Groups, groupName)
	return s.storeUser(p, u)
}

func (s *Service) adminAddUserToGroup(_ context.Context, body []byte) (any, error) {
	var in struct {
		poolInput
		Username  string
		GroupName string
	}
	return s.withPool(body, &in, func(p *pool) (any, error) {
		return nil, s.addToGroup(p, in.Username, in.GroupName)
	})
}

func (s *Service) adminRemoveUserFromGroup(_ context.Context, body []byte) (any, error) {
	var in struct {
		adminUser
		GroupName string
	}
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		if p.groups[in.GroupName] == nil {
			return nil, apiError("ResourceNotFoundException", "Group not found.")
		}
		u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == in.GroupName })
		return nil, s.storeUser(p, u)
	})
}

func (s *Service) adminListGroupsForUser(_ context.Context, body []byte) (any, error) {
	var in struct{ adminUser }
	return s.withUser(body, &in, func(p *pool, u *user) (any, error) {
		out := []map[string]any{}
		for _, n := range s.groupNames(p, u) {
			if g := p.groups[n]; g != nil {
				out = append(out, g.describe())
			}
		}
		return map[string]any{"Groups": out}, nil
	})
}

func (s *Service) createGroup(_ context.Context, body []byte) (any, error) {
	var in struct {
		poolInput
		GroupName   string
		Description string
		RoleArn     string
		Precedence  *int
	}
	return s.withPool(body, &in, func(p *pool) (any, error) {
		if in.GroupName == "" {
			return nil, invalidParameter("1 validation error detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null")
		}
		if p.groups[in.GroupName] != nil {
			return nil, apiError("GroupExistsException", "A group with the name %s already exists.", in.GroupName)
		}
		g := &group{PoolID: p.ID, Name: in.GroupName, Description: in.Description, RoleArn: in.RoleArn, Precedence: in.Precedence}
		if err := s.putGroup(p, g); err != nil {
			return nil, err
		}
		return map[string]any{"Group": g.describe()}, nil
	})
}

func (s *Service) getGroup(_ context.Context, body []byte) (any, error) {
	var in struct {
		poolInput
		GroupName string
	}
	return s.withPool(body, &in, func(p *pool) (any, error) {
		g := p.groups[in.GroupName]
		if g == nil {
			return nil, apiError("ResourceNotFoundException", "Group not found.")
		}
		return map[string]any{"Group": g.describe()}, nil
	})
}

func (s *Service) listGroups(_ context.Context, body []byte) (any, error) {
	var in struct{ poolInput }
	return s.withPool(body, &in, func(p *pool) (any, error) {
		names := make([]string, 0, len(p.groups))
		for n := range p.groups {
			names = append(names, n)
		}
		slices.Sort(names)
		out := make([]map[string]any, len(names))
		for i, n := range names {
			out[i] = p.groups[n].describe()
		}
		return map[string]any{"Groups": out}, nil
	})
}

// getUser answers GetUser: the user an access token was issued to.
func (s *Service) getUser(_ context.Context, body []byte) (any, error) {
	var in struct{ AccessToken string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, err := s.accessTokenUser(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out := userResponse(u)
	for _, k := range []string{"UserCreateDate", "UserLastModifiedDate", "Enabled", "UserStatus"} {
		delete(out, k)
	}
	return out, nil
}

// accessTokenUser verifies an access token given to the user pool API and
// returns its user. The caller holds s.mu.
func (s *Service) accessTokenUser(token string) (*pool, *user, error) {
	poolID := ""
	if iss, ok := unverifiedIssuer(token); ok {
		poolID = iss[strings.LastIndex(iss, "/")+1:]
	}
	claims, err := s.verify(poolID, token)
	switch {
	case isExpired(err):
		return nil, nil, notAuthorized("Access Token has expired")
	case err != nil || claims["token_use"] != "access":
		return nil, nil, notAuthorized("Invalid Access Token")
	}
	p := s.pools[poolID]
	name, _ := claims["username"].(string)
	u := p.users[p.key(name)]
	if u == nil {
		return nil, nil, notAuthorized("Access Token has been revoked")
	}
	return p, u, nil
}
