package apigateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// API Gateway's answers when a COGNITO_USER_POOLS authorizer refuses a
// request. What AWS does, from its troubleshooting guide ("401
// Unauthorized errors from an API Gateway REST API endpoint after I've set
// up an Amazon Cognito user pool") and from responses reported by users of
// real APIs:
//
//   - Every refusal is 401 with x-amzn-ErrorType UnauthorizedException
//     (the UNAUTHORIZED gateway response), never 403: a missing or empty
//     header, a value that is not a JWT, a bad signature (tampered, or
//     another pool's key), another issuer, an access token on a method
//     without AuthorizationScopes (only ID tokens are accepted there), an
//     ID token on a method with scopes, or an access token carrying none
//     of the method's scopes.
//   - The body is {"message":"Unauthorized"}, except for a token that is
//     valid but past its exp, which gets {"message":"The incoming token has
//     expired"}.
//   - The header's value is the raw token; a "Bearer " prefix is accepted
//     too (the API Gateway console's authorizer test and clients sending
//     "Authorization: Bearer <id token>" succeed against real APIs).
//
// (403 {"message":"Missing Authentication Token"} remains the answer for a
// path or method the API does not define, before any authorizer runs.)
const (
	msgUnauthorized = "Unauthorized"
	msgExpired      = "The incoming token has expired"
)

// authorize runs a method's COGNITO_USER_POOLS authorizer on r. It returns
// the claims for requestContext.authorizer.claims, or the 401 message.
func (s *Service) authorize(r *http.Request, a *methodAuth) (map[string]string, string) {
	token := strings.TrimSpace(r.Header.Get(a.authorizer.header))
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	if token == "" {
		return nil, msgUnauthorized
	}
	var claims map[string]any
	expired := false
	for _, pool := range a.authorizer.providers {
		c, err := s.opts.Verifier.Verify(pool, token)
		if err == nil {
			claims = c
			break
		}
		expired = expired || errors.Is(err, jwt.ErrExpired)
	}
	switch {
	case claims == nil && expired:
		return nil, msgExpired
	case claims == nil:
		return nil, msgUnauthorized
	}
	use, _ := claims["token_use"].(string)
	if len(a.scopes) == 0 {
		if use != "id" {
			return nil, msgUnauthorized
		}
	} else {
		scope, _ := claims["scope"].(string)
		granted := strings.Fields(scope)
		if use != "access" || !slices.ContainsFunc(a.scopes, func(s string) bool { return slices.Contains(granted, s) }) {
			return nil, msgUnauthorized
		}
	}
	return claimStrings(claims), ""
}

// javaDateLayout is how API Gateway renders exp and iat in claims: Java's
// Date.toString ("Tue Apr 04 18:39:39 UTC 2023").
const javaDateLayout = "Mon Jan 02 15:04:05 UTC 2006"

// claimStrings renders a token's claims as a REST API's Lambda proxy event
// carries them in requestContext.authorizer.claims: every value a string.
// AWS renders booleans as "true"/"false", exp and iat as dates in Java's
// format, other numbers as written (auth_time "1680629979"), and arrays as
// their elements joined by commas (cognito:groups ["admin","staff"] →
// "admin,staff"; one group → "admin"). Objects, which Cognito's tokens do
// not carry, are rendered as JSON.
func claimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if n, ok := v.(float64); ok && (k == "exp" || k == "iat" || k == "nbf") {
			out[k] = time.Unix(int64(n), 0).UTC().Format(javaDateLayout)
			continue
		}
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = claimString(e)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	default:
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}
