package cognito

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Errors Verify returns (wrapped, with the reason).
var (
	// ErrInvalidToken: not a JWT, not signed by the pool, not issued by
	// it, not for one of its clients, or not an ID or access token.
	ErrInvalidToken = errors.New("invalid token")
	// ErrTokenExpired is go-jose's jwt.ErrExpired, so callers may match
	// either: the token was valid but its exp has passed.
	ErrTokenExpired = jwt.ErrExpired
)

// scopeAdmin is the scope of access tokens from the user pool API.
const scopeAdmin = "aws.cognito.signin.user.admin"

// signingKey is an RSA key with its JWK form.
type signingKey struct {
	priv   *rsa.PrivateKey
	kid    string
	signer jose.Signer
	public jose.JSONWebKey
}

func newSigningKey(priv *rsa.PrivateKey) (*signingKey, error) {
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	// Cognito's key ids are standard base64 ("abcd…=").
	kid := base64.StdEncoding.EncodeToString(thumb)
	pub.KeyID = kid
	// No "typ" header: Cognito's tokens carry only kid and alg.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}}, nil)
	if err != nil {
		return nil, err
	}
	return &signingKey{priv: priv, kid: kid, signer: signer, public: pub}, nil
}

// generateKeys returns a new pool's two signing keys (ID and access).
func generateKeys() ([][]byte, error) {
	out := make([][]byte, 2)
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		out[i] = pkcs1(k)
	}
	return out, nil
}

// session of a sign-in: what its tokens share, and what a refresh keeps.
type signIn struct {
	authTime  time.Time
	originJTI string
	eventID   string
}

// tokens issues an ID and an access token for u through c, with the
// claims Cognito puts in each. The caller holds s.mu.
func (s *Service) tokens(p *pool, c *client, u *user, si signIn) (idToken, accessToken string, err error) {
	now := s.now()
	iss := p.issuer(s.baseURL)
	groups := s.groupNames(p, u)
	common := func(validity time.Duration) map[string]any {
		m := map[string]any{
			"sub": u.sub(), "iss": iss, "origin_jti": si.originJTI, "event_id": si.eventID,
			"auth_time": si.authTime.Unix(), "iat": now.Unix(), "exp": now.Add(validity).Unix(), "jti": s.newID(),
		}
		if len(groups) > 0 {
			m["cognito:groups"] = groups
		}
		return m
	}
	id := common(c.IDValidity)
	id["aud"] = c.ID
	id["token_use"] = "id"
	id["cognito:username"] = u.Username
	for k, v := range u.Attributes {
		switch k {
		case "sub":
		case "email_verified", "phone_number_verified":
			id[k] = v == "true"
		default:
			id[k] = v
		}
	}
	acc := common(c.AccessValidity)
	acc["client_id"] = c.ID
	acc["token_use"] = "access"
	acc["scope"] = scopeAdmin
	acc["username"] = u.Username
	if idToken, err = jwt.Signed(p.idKey.signer).Claims(id).Serialize(); err != nil {
		return "", "", err
	}
	if accessToken, err = jwt.Signed(p.accKey.signer).Claims(acc).Serialize(); err != nil {
		return "", "", err
	}
	return idToken, accessToken, nil
}

// groupNames lists u's groups as cognito:groups does: by precedence (lowest
// first, groups without one last), then name.
func (s *Service) groupNames(p *pool, u *user) []string {
	names := slices.Clone(u.Groups)
	prec := func(n string) int {
		if g := p.groups[n]; g != nil && g.Precedence != nil {
			return *g.Precedence
		}
		return 1 << 30
	}
	sort.SliceStable(names, func(i, j int) bool {
		if pi, pj := prec(names[i]), prec(names[j]); pi != pj {
			return pi < pj
		}
		return names[i] < names[j]
	})
	return names
}

// refreshGrant is a stored refresh token; the token itself is kept only
// as its SHA-256.
type refreshGrant struct {
	PoolID, ClientID, Username string
	Expires                    time.Time
	AuthTime                   time.Time
	OriginJTI, EventID         string
}

func refreshKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// authResult signs u in through c: new tokens, a refresh token, and the
// AuthenticationResult Cognito answers with. The caller holds s.mu.
func (s *Service) authResult(p *pool, c *client, u *user) (map[string]any, error) {
	now := s.now()
	si := signIn{authTime: now, originJTI: s.newID(), eventID: s.newID()}
	idToken, accessToken, err := s.tokens(p, c, u, si)
	if err != nil {
		return nil, err
	}
	refresh := base64.RawURLEncoding.EncodeToString([]byte(pick(alnum, 48))) + "." + pick(alnum, 64)
	grant := refreshGrant{PoolID: p.ID, ClientID: c.ID, Username: u.Username, Expires: now.Add(c.RefreshValidity),
		AuthTime: now, OriginJTI: si.originJTI, EventID: si.eventID}
	if err := s.put(bucketRefresh, refreshKey(refresh), &grant); err != nil {
		return nil, err
	}
	return map[string]any{
		"ChallengeParameters": map[string]string{},
		"AuthenticationResult": map[string]any{
			"AccessToken": accessToken, "ExpiresIn": int(c.AccessValidity / time.Second), "TokenType": "Bearer",
			"RefreshToken": refresh, "IdToken": idToken,
		},
	}, nil
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Verify checks a token a user pool issued, as API Gateway's
// COGNITO_USER_POOLS authorizer and resource servers do: the signature
// (by the kid header, against the pool's keys), the issuer, expiry,
// token_use ("id" or "access") and, for ID tokens, that aud is one of the
// pool's app clients (client_id for access tokens). pool is the pool's
// ARN (as in an authorizer's ProviderARNs) or its id. It returns the
// token's claims, numbers as float64. Errors wrap ErrInvalidToken or
// ErrTokenExpired.
func (s *Service) Verify(pool, token string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verify(pool, token)
}

func (s *Service) verify(poolRef, token string) (map[string]any, error) {
	id := poolRef
	if _, after, ok := strings.Cut(poolRef, ":userpool/"); ok {
		id = after
	}
	p := s.pools[id]
	if p == nil {
		return nil, fmt.Errorf("%w: no user pool %q", ErrInvalidToken, poolRef)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	var key *signingKey
	for _, k := range []*signingKey{p.idKey, p.accKey} {
		if len(tok.Headers) == 1 && tok.Headers[0].KeyID == k.kid {
			key = k
		}
	}
	if key == nil {
		return nil, fmt.Errorf("%w: not signed by a key of user pool %s", ErrInvalidToken, p.ID)
	}
	var claims map[string]any
	var std jwt.Claims
	if err := tok.Claims(&key.priv.PublicKey, &claims, &std); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: p.issuer(s.baseURL), Time: s.now()}, 0); err != nil {
		if errors.Is(err, jwt.ErrExpired) {
			return nil, fmt.Errorf("token expired at %s: %w", std.Expiry.Time().UTC().Format(time.RFC3339), err)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if std.Expiry == nil {
		return nil, fmt.Errorf("%w: no exp claim", ErrInvalidToken)
	}
	use, _ := claims["token_use"].(string)
	var clientID string
	switch {
	case use == "id" && key == p.idKey:
		if len(std.Audience) == 1 {
			clientID = std.Audience[0]
		}
	case use == "access" && key == p.accKey:
		clientID, _ = claims["client_id"].(string)
	default:
		return nil, fmt.Errorf("%w: token_use %q", ErrInvalidToken, use)
	}
	if c := s.clients[clientID]; c == nil || c.PoolID != p.ID {
		return nil, fmt.Errorf("%w: %q is not an app client of user pool %s", ErrInvalidToken, clientID, p.ID)
	}
	return claims, nil
}

// serveJWKS answers GET /<poolId>/.well-known/jwks.json with the pool's
// public keys, as https://cognito-idp.<region>.amazonaws.com/<poolId>/
// .well-known/jwks.json does.
func (s *Service) serveJWKS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.pools[r.PathValue("pool")]
	var set jose.JSONWebKeySet
	if p != nil {
		set.Keys = []jose.JSONWebKey{p.idKey.public, p.accKey.public}
	}
	s.mu.Unlock()
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User pool " + r.PathValue("pool") + " does not exist."})
		return
	}
	writeJSON(w, http.StatusOK, set)
}

// serveOpenIDConfiguration answers the pool's OpenID discovery document,
// limited to what the local pool serves (no hosted UI or OAuth endpoints).
func (s *Service) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.pools[r.PathValue("pool")]
	s.mu.Unlock()
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User pool " + r.PathValue("pool") + " does not exist."})
		return
	}
	iss := p.issuer(s.baseURL)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": iss, "jwks_uri": iss + "/.well-known/jwks.json",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"subject_types_supported":               []string{"public"},
		"response_types_supported":              []string{"code", "token"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"claims_supported":                      []string{"sub", "email", "email_verified", "cognito:username", "cognito:groups"},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}
