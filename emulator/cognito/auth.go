package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	bolt "go.etcd.io/bbolt"
)

// session is a pending NEW_PASSWORD_REQUIRED challenge. Sessions live in
// memory only: they last minutes, and a restart makes the client sign in
// again, as an expired session would.
type session struct {
	poolID, clientID, username string
	expires                    time.Time
}

type authInput struct {
	UserPoolID     string `json:"UserPoolId"`
	ClientID       string `json:"ClientId"`
	AuthFlow       string
	AuthParameters map[string]string
}

func (s *Service) initiateAuth(_ context.Context, body []byte) (any, error) {
	var in authInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.auth(in, false)
}

func (s *Service) adminInitiateAuth(_ context.Context, body []byte) (any, error) {
	var in authInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.auth(in, true)
}

// auth runs InitiateAuth (admin false) or AdminInitiateAuth.
func (s *Service) auth(in authInput, admin bool) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, p, err := s.clientByID(in.ClientID)
	if err != nil {
		return nil, err
	}
	if admin {
		if _, err := s.poolByID(in.UserPoolID); err != nil {
			return nil, err
		}
		if c.PoolID != in.UserPoolID {
			return nil, apiError("ResourceNotFoundException", "User pool client %s does not exist.", c.ID)
		}
	}
	params := in.AuthParameters
	switch flow := in.AuthFlow; {
	case flow == "USER_PASSWORD_AUTH" && !admin, (flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH") && admin:
		need := flowPassword
		if admin {
			need = flowAdminPassword
		}
		if !c.allows(need) {
			return nil, invalidParameter("%s flow not enabled for this client", flow)
		}
		return s.passwordAuth(p, c, params)
	case flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN":
		if !c.allows(flowRefresh) {
			return nil, invalidParameter("Refresh Token flow not enabled for this client")
		}
		return s.refreshAuth(p, c, params)
	case flow == "USER_SRP_AUTH" || flow == "CUSTOM_AUTH" || flow == "USER_AUTH":
		return nil, invalidParameter("%s is not supported by the local Cognito: enable ALLOW_USER_PASSWORD_AUTH on the app client and sign in with USER_PASSWORD_AUTH (with Amplify: authenticationFlowType USER_PASSWORD_AUTH)", flow)
	case flow == "":
		return nil, invalidParameter("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
	default:
		return nil, invalidParameter("Initiate Auth method not supported.")
	}
}

// passwordAuth checks a username and password, in Cognito's order: the
// user, the password, then the user's state.
func (s *Service) passwordAuth(p *pool, c *client, params map[string]string) (any, error) {
	name, pw := params["USERNAME"], params["PASSWORD"]
	if name == "" {
		return nil, invalidParameter("Missing required parameter USERNAME")
	}
	if pw == "" {
		return nil, invalidParameter("Missing required parameter PASSWORD")
	}
	if err := checkSecretHash(c, name, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u := p.lookup(name)
	if u == nil {
		if c.PreventExistenceErrors {
			return nil, notAuthorized("Incorrect username or password.")
		}
		return nil, apiError("UserNotFoundException", "User does not exist.")
	}
	if !u.Enabled {
		return nil, notAuthorized("User is disabled.")
	}
	if !passwordMatches(u.PasswordHash, pw) {
		return nil, notAuthorized("Incorrect username or password.")
	}
	switch u.Status {
	case statusUnconfirmed:
		return nil, apiError("UserNotConfirmedException", "User is not confirmed.")
	case statusResetRequired:
		return nil, apiError("PasswordResetRequiredException", "Password reset required for the user")
	case statusForceChange:
		if !s.now().Before(u.TempExpires) {
			return nil, notAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		return s.newPasswordChallenge(p, c, u), nil
	}
	return s.authResult(p, c, u)
}

// newPasswordChallenge answers a sign-in with a temporary password.
func (s *Service) newPasswordChallenge(p *pool, c *client, u *user) map[string]any {
	token := pick(alnum, 128)
	s.sessions[token] = &session{poolID: p.ID, clientID: c.ID, username: u.Username, expires: s.now().Add(c.SessionValidity)}
	attrs := map[string]string{}
	for k, v := range u.Attributes {
		if k != "sub" {
			attrs[k] = v
		}
	}
	rawAttrs, _ := json.Marshal(attrs)
	return map[string]any{
		"ChallengeName": "NEW_PASSWORD_REQUIRED",
		"Session":       token,
		"ChallengeParameters": map[string]string{
			"USER_ID_FOR_SRP": u.Username, "requiredAttributes": "[]", "userAttributes": string(rawAttrs),
		},
	}
}

// refreshAuth issues new ID and access tokens for a refresh token. As in
// Cognito without refresh token rotation, the refresh token is not renewed
// and the new tokens keep the sign-in's auth_time, origin_jti and event_id.
func (s *Service) refreshAuth(p *pool, c *client, params map[string]string) (any, error) {
	token := params["REFRESH_TOKEN"]
	if token == "" {
		return nil, invalidParameter("Missing required parameter REFRESH_TOKEN")
	}
	var grant refreshGrant
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketRefresh).Get([]byte(refreshKey(token)))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &grant)
	})
	if err != nil {
		return nil, err
	}
	if !found || grant.ClientID != c.ID || grant.PoolID != p.ID {
		return nil, notAuthorized("Invalid Refresh Token")
	}
	if !s.now().Before(grant.Expires) {
		return nil, notAuthorized("Refresh Token has expired")
	}
	u := p.users[p.key(grant.Username)]
	if u == nil {
		return nil, notAuthorized("Refresh Token has been revoked")
	}
	if err := checkSecretHash(c, firstNonEmpty(params["USERNAME"], u.Username), params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, notAuthorized("User is disabled.")
	}
	idToken, accessToken, err := s.tokens(p, c, u, signIn{authTime: grant.AuthTime, originJTI: grant.OriginJTI, eventID: grant.EventID})
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"ChallengeParameters": map[string]string{},
		"AuthenticationResult": map[string]any{
			"AccessToken": accessToken, "ExpiresIn": int(c.AccessValidity / time.Second), "TokenType": "Bearer", "IdToken": idToken,
		},
	}, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type challengeInput struct {
	UserPoolID         string `json:"UserPoolId"`
	ClientID           string `json:"ClientId"`
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
}

func (s *Service) respondToAuthChallenge(_ context.Context, body []byte) (any, error) {
	var in challengeInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.respond(in, false)
}

func (s *Service) adminRespondToAuthChallenge(_ context.Context, body []byte) (any, error) {
	var in challengeInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.respond(in, true)
}

// respond answers the NEW_PASSWORD_REQUIRED challenge, the only one the
// local pool issues: the new password (and any userAttributes.<name>)
// replace the temporary one, the user is confirmed and signed in.
func (s *Service) respond(in challengeInput, admin bool) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, p, err := s.clientByID(in.ClientID)
	if err != nil {
		return nil, err
	}
	if admin && c.PoolID != in.UserPoolID {
		return nil, apiError("ResourceNotFoundException", "User pool client %s does not exist.", c.ID)
	}
	if in.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		return nil, invalidParameter("Challenge %s is not supported by the local Cognito (only NEW_PASSWORD_REQUIRED)", in.ChallengeName)
	}
	sess := s.sessions[in.Session]
	s.dropExpiredSessions()
	if sess == nil || sess.clientID != c.ID || !s.now().Before(sess.expires) {
		return nil, notAuthorized("Invalid session for the user, session is expired.")
	}
	r := in.ChallengeResponses
	u := p.users[p.key(sess.username)]
	if u == nil || (r["USERNAME"] != "" && p.lookup(r["USERNAME"]) != u) {
		return nil, notAuthorized("Invalid session for the user.")
	}
	if err := checkSecretHash(c, r["USERNAME"], r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	pw := r["NEW_PASSWORD"]
	if pw == "" {
		return nil, invalidParameter("Missing required parameter NEW_PASSWORD")
	}
	if err := p.Policy.check(pw); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs[name] = v
		}
	}
	if err := checkAttributes(p, attrs); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return nil, err
	}
	for k, v := range attrs {
		u.Attributes[k] = v
	}
	u.PasswordHash, u.Status, u.TempExpires = hash, statusConfirmed, time.Time{}
	if err := s.storeUser(p, u); err != nil {
		return nil, err
	}
	delete(s.sessions, in.Session)
	return s.authResult(p, c, u)
}

func (s *Service) dropExpiredSessions() {
	now := s.now()
	for k, sess := range s.sessions {
		if !now.Before(sess.expires) {
			delete(s.sessions, k)
		}
	}
}

// unverifiedIssuer reads a JWT's iss without checking it, to find the pool
// to check it against.
func unverifiedIssuer(token string) (string, bool) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", false
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "", false
	}
	return c.Issuer, c.Issuer != ""
}

func isExpired(err error) bool { return errors.Is(err, ErrTokenExpired) }
