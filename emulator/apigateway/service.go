package apigateway

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// Limits API Gateway enforces that callers can observe.
const (
	// MaxBody is the largest request payload REST APIs accept (10 MB).
	MaxBody = 10 << 20
	// IntegrationTimeout is REST APIs' default integration timeout.
	IntegrationTimeout = 29 * time.Second
)

// Options configure a Service; zero values pick AWS's behaviour.
type Options struct {
	Log *slog.Logger
	// Now and RequestID are injected so tests are deterministic.
	Now       func() time.Time
	RequestID func() string
	// Timeout bounds one integration call; default IntegrationTimeout.
	Timeout time.Duration
	// Verifier checks the tokens of COGNITO_USER_POOLS authorizers; a
	// template with one needs it (*cognito.Service is one).
	Verifier Verifier
	// Metrics receives the stages' AWS/ApiGateway metrics (nil: none).
	Metrics telemetry.Metrics
}

// Verifier checks a token issued by the user pool named by its ARN (an
// authorizer's ProviderARNs entry): signature, issuer, expiry, token_use
// and audience. It returns the token's claims; an expired but otherwise
// valid token's error wraps go-jose's jwt.ErrExpired.
type Verifier interface {
	Verify(poolARN, token string) (map[string]any, error)
}

// Service holds the REST APIs of the deployed stack and serves them.
type Service struct {
	invoker stack.Invoker
	opts    Options

	mu   sync.RWMutex
	apis map[string]*restAPI // by id
}

type restAPI struct {
	id, name    string
	binaryTypes []string
	root        *resource
	resources   map[string]*resource // by id, root included
	stages      map[string]*stage
	authorizers map[string]*authorizer // by id
}

// authorizer is an AWS::ApiGateway::Authorizer. Only COGNITO_USER_POOLS
// authorizers are enforced locally.
type authorizer struct {
	id, name, typ string
	// providers are the user pool ARNs a token may come from; header is
	// the request header holding it (IdentitySource).
	providers []string
	header    string
}

type resource struct {
	id, part, path string
	// param is the path parameter this segment binds ("id" for {id},
	// "proxy" for {proxy+}); greedy marks {name+}.
	param    string
	greedy   bool
	children []*resource
	methods  map[string]*method // by HTTP method or ANY
}

type method struct {
	verb string
	// function is the Lambda ARN of an AWS_PROXY integration; functionName
	// its short name, for log lines.
	function, functionName string
	mock                   *mockResponse
	// auth is set when a COGNITO_USER_POOLS authorizer guards the method.
	auth *methodAuth
}

// methodAuth is a method's COGNITO_USER_POOLS authorization: with scopes,
// an access token carrying one of them is required, else an ID token.
type methodAuth struct {
	authorizer *authorizer
	scopes     []string
}

// mockResponse is a MOCK integration's static answer.
type mockResponse struct {
	status  int
	headers map[string]string
	// fromRequest copies request headers into response headers
	// ([response name, request name]), e.g. Origin for CORS.
	fromRequest [][2]string
	body        string
}

type stage struct {
	name      string
	variables map[string]string
}

// New returns a Service that invokes Lambda proxy integrations through inv.
func New(inv stack.Invoker, opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RequestID == nil {
		opts.RequestID = awsapi.RequestID
	}
	if opts.Timeout == 0 {
		opts.Timeout = IntegrationTimeout
	}
	return &Service{invoker: inv, opts: opts, apis: map[string]*restAPI{}}
}

// Stage names one deployed stage, for printing endpoints.
type Stage struct {
	APIID, APIName, Name string
}

// Stages lists every deployed stage, sorted by API name and stage.
func (s *Service) Stages() []Stage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Stage
	for _, a := range s.apis {
		for _, st := range a.stages {
			out = append(out, Stage{APIID: a.id, APIName: a.name, Name: st.name})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].APIName != out[j].APIName {
			return out[i].APIName < out[j].APIName
		}
		return out[i].Name < out[j].Name
	})
	return out
}
