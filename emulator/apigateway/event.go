package apigateway

import (
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// proxyEvent is the Lambda proxy integration event as API Gateway REST
// sends it. Unlike events.APIGatewayProxyRequest it keeps AWS's nulls:
// queryStringParameters, pathParameters, stageVariables and body are null
// when absent, and identity fields API Gateway knows nothing about are null.
type proxyEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  requestContext      `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type requestContext struct {
	ResourceID        string   `json:"resourceId"`
	ResourcePath      string   `json:"resourcePath"`
	HTTPMethod        string   `json:"httpMethod"`
	ExtendedRequestID string   `json:"extendedRequestId"`
	RequestTime       string   `json:"requestTime"`
	Path              string   `json:"path"`
	AccountID         string   `json:"accountId"`
	Protocol          string   `json:"protocol"`
	Stage             string   `json:"stage"`
	DomainPrefix      string   `json:"domainPrefix"`
	RequestTimeEpoch  int64    `json:"requestTimeEpoch"`
	RequestID         string   `json:"requestId"`
	Identity          identity `json:"identity"`
	DomainName        string   `json:"domainName"`
	APIID             string   `json:"apiId"`
	// Authorizer is set for methods a COGNITO_USER_POOLS authorizer
	// guards, and absent otherwise, as in AWS.
	Authorizer *authorizerContext `json:"authorizer,omitempty"`
}

// authorizerContext is requestContext.authorizer for a Cognito user pool
// authorizer: the token's claims, every value a string (see claimStrings).
type authorizerContext struct {
	Claims map[string]string `json:"claims"`
}

type identity struct {
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	AccountID                     *string `json:"accountId"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	Caller                        *string `json:"caller"`
	SourceIP                      string  `json:"sourceIp"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	AccessKey                     *string `json:"accessKey"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	UserArn                       *string `json:"userArn"`
	UserAgent                     string  `json:"userAgent"`
	User                          *string `json:"user"`
}

// requestTimeLayout is requestContext.requestTime's format.
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// route is a matched request: where it goes and what the path bound.
type route struct {
	api    *restAPI
	stage  *stage
	res    *resource
	method *method
	path   string // the path below the stage, "/product/1"
	params map[string]string
}

// buildEvent shapes r (whose body has been read) as API Gateway would.
func (s *Service) buildEvent(r *http.Request, rt route, body []byte, requestID string, now time.Time) proxyEvent {
	ev := proxyEvent{
		Resource:       rt.res.path,
		Path:           rt.path,
		HTTPMethod:     r.Method,
		PathParameters: rt.params,
		StageVariables: rt.stage.variables,
	}
	ev.Headers, ev.MultiValueHeaders = headers(r)
	if q := queryValues(r.URL.RawQuery); len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		ev.MultiValueQueryStringParameters = q
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[len(vs)-1] // AWS keeps the last
		}
	}
	if len(body) > 0 {
		var text string
		if isBinary(r.Header.Get("Content-Type"), rt.api.binaryTypes, body) {
			text, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			text = string(body)
		}
		ev.Body = &text
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	ev.RequestContext = requestContext{
		ResourceID:        rt.res.id,
		ResourcePath:      rt.res.path,
		HTTPMethod:        r.Method,
		ExtendedRequestID: requestID,
		RequestTime:       now.UTC().Format(requestTimeLayout),
		Path:              "/" + rt.stage.name + rt.path,
		AccountID:         awsapi.AccountID,
		Protocol:          r.Proto,
		Stage:             rt.stage.name,
		DomainPrefix:      rt.api.id,
		RequestTimeEpoch:  now.UnixMilli(),
		RequestID:         requestID,
		Identity:          identity{SourceIP: sourceIP, UserAgent: r.UserAgent()},
		DomainName:        r.Host,
		APIID:             rt.api.id,
	}
	return ev
}

// headers returns the request headers in both forms API Gateway sends,
// adding the ones its edge adds (Host, X-Forwarded-*). For a repeated
// header the single-value form keeps the last value, as AWS does. Names
// arrive canonicalized by net/http ("X-Api-Key") where AWS keeps the
// client's spelling, so handlers must match names case-insensitively, as
// HTTP requires anyway.
func headers(r *http.Request) (map[string]string, map[string][]string) {
	multi := make(map[string][]string, len(r.Header)+4)
	for k, vs := range r.Header {
		multi[k] = append([]string(nil), vs...)
	}
	multi["Host"] = []string{r.Host}
	if ip, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		multi["X-Forwarded-For"] = append(multi["X-Forwarded-For"], ip)
		if _, p, err := net.SplitHostPort(r.Host); err == nil {
			port = p
		}
		multi["X-Forwarded-Port"] = []string{port}
	}
	multi["X-Forwarded-Proto"] = []string{"http"}
	single := make(map[string]string, len(multi))
	for k, vs := range multi {
		single[k] = vs[len(vs)-1]
	}
	if fwd := multi["X-Forwarded-For"]; len(fwd) > 1 {
		single["X-Forwarded-For"] = strings.Join(fwd, ", ")
		multi["X-Forwarded-For"] = []string{single["X-Forwarded-For"]}
	}
	return single, multi
}

// isBinary reports whether a request body travels base64-encoded: its
// content type matches one of the API's BinaryMediaTypes, or (where AWS
// would corrupt it) it is not valid UTF-8.
func isBinary(contentType string, binaryTypes []string, body []byte) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		for _, pattern := range binaryTypes {
			// BinaryMediaTypes escape "/" as "~1" in CloudFormation.
			pattern = strings.ReplaceAll(pattern, "~1", "/")
			if ok, _ := path.Match(pattern, mt); ok {
				return true
			}
		}
	}
	return !utf8.Valid(body)
}

// queryValues parses a raw query string as API Gateway hands it to a
// proxy integration: values decoded, and a value that is not valid
// percent-encoding (cursor=%%%) passed on as sent rather than dropped, so
// the function sees it and can refuse it. url.ParseQuery would drop it.
func queryValues(raw string) map[string][]string {
	out := map[string][]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k = unescapeQuery(k)
		out[k] = append(out[k], unescapeQuery(v))
	}
	return out
}

func unescapeQuery(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}
