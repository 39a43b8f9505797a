package cognito

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
)

// TargetPrefix is the X-Amz-Target prefix of the Cognito Identity
// Provider JSON 1.1 protocol.
const TargetPrefix = "AWSCognitoIdentityProviderService"

// Buckets in the shared state store.
var (
	bucketPools   = []byte("cognito/pools")   // pool id → poolConfig JSON (signing keys included)
	bucketClients = []byte("cognito/clients") // client id → clientConfig JSON
	bucketGroups  = []byte("cognito/groups")  // pool id \x00 name → group JSON
	bucketUsers   = []byte("cognito/users")   // pool id \x00 username → user JSON
	bucketRefresh = []byte("cognito/refresh") // SHA-256 of the token (hex) → refreshGrant JSON
)

// Options configures a Service. The zero value is usable.
type Options struct {
	// BaseURL is the endpoint's address (default http://127.0.0.1:4566).
	// A pool's token issuer is "<BaseURL>/<poolId>", and its JWKS is
	// served at "<issuer>/.well-known/jwks.json".
	BaseURL string
	// Log receives confirmation codes and temporary passwords (which AWS
	// would send by e-mail or SMS) and notices.
	Log *slog.Logger
	// Now is the clock (default time.Now). Token times, code expiry and
	// token verification all read it, so a test can expire a token by
	// moving it on.
	Now func() time.Time
	// NewID returns UUIDs for subs, token ids and event ids (default:
	// random UUIDs).
	NewID func() string
	// BcryptCost is the cost of password hashes (default
	// bcrypt.DefaultCost); tests may use bcrypt.MinCost.
	BcryptCost int
}

// Service is the local Cognito user pools service. Its methods are safe
// for concurrent use.
type Service struct {
	db      *state.DB
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	newID   func() string
	cost    int

	mu       sync.Mutex
	pools    map[string]*pool   // by id
	clients  map[string]*client // by id
	sessions map[string]*session
}

// New loads the pools, clients, groups and users kept in db.
func New(db *state.DB, opts Options) (*Service, error) {
	s := &Service{
		db: db, baseURL: strings.TrimSuffix(opts.BaseURL, "/"), log: opts.Log, now: opts.Now, newID: opts.NewID, cost: opts.BcryptCost,
		pools: map[string]*pool{}, clients: map[string]*client{}, sessions: map[string]*session{},
	}
	if s.baseURL == "" {
		s.baseURL = "http://127.0.0.1:4566"
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = awsapi.RequestID
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("cognito: load: %w", err)
	}
	return s, nil
}

func (s *Service) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPools, bucketClients, bucketGroups, bucketUsers, bucketRefresh} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		err := tx.Bucket(bucketPools).ForEach(func(k, v []byte) error {
			var cfg poolConfig
			if err := json.Unmarshal(v, &cfg); err != nil {
				return fmt.Errorf("pool %s: %w", k, err)
			}
			p, err := newPool(cfg)
			if err != nil {
				return fmt.Errorf("pool %s: %w", k, err)
			}
			s.pools[cfg.ID] = p
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketClients).ForEach(func(k, v []byte) error {
			var c client
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("client %s: %w", k, err)
			}
			if s.pools[c.PoolID] != nil {
				s.clients[c.ID] = &c
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var g group
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("group %q: %w", k, err)
			}
			if p := s.pools[g.PoolID]; p != nil {
				p.groups[g.Name] = &g
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var u user
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %q: %w", k, err)
			}
			poolID, _, _ := strings.Cut(string(k), "\x00")
			if p := s.pools[poolID]; p != nil {
				p.users[p.key(u.Username)] = &u
			}
			return nil
		})
	})
}

// Register serves the Cognito Identity Provider JSON API and each pool's
// JWKS and OpenID configuration on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, []byte) (any, error){
		"SignUp": s.signUp, "ConfirmSignUp": s.confirmSignUp, "ResendConfirmationCode": s.resendConfirmationCode,
		"AdminCreateUser": s.adminCreateUser, "AdminSetUserPassword": s.adminSetUserPassword,
		"AdminConfirmSignUp": s.adminConfirmSignUp, "AdminGetUser": s.adminGetUser, "AdminDeleteUser": s.adminDeleteUser,
		"AdminDisableUser": s.adminDisableUser, "AdminEnableUser": s.adminEnableUser,
		"AdminAddUserToGroup": s.adminAddUserToGroup, "AdminRemoveUserFromGroup": s.adminRemoveUserFromGroup,
		"AdminListGroupsForUser": s.adminListGroupsForUser,
		"CreateGroup":            s.createGroup, "GetGroup": s.getGroup, "ListGroups": s.listGroups,
		"ListUsers": s.listUsers, "GetUser": s.getUser,
		"InitiateAuth": s.initiateAuth, "AdminInitiateAuth": s.adminInitiateAuth,
		"RespondToAuthChallenge": s.respondToAuthChallenge, "AdminRespondToAuthChallenge": s.adminRespondToAuthChallenge,
		"DescribeUserPool": s.describeUserPool, "DescribeUserPoolClient": s.describeUserPoolClient,
		"ListUserPools": s.listUserPools, "ListUserPoolClients": s.listUserPoolClients,
	}
	srv.Register(TargetPrefix, "1.1", "", func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnsupportedOperationException", Message: op + " is not supported by the local Cognito.", Status: http.StatusBadRequest}
		}
		if err := authorize(ctx, op, body); err != nil {
			return nil, err
		}
		return f(ctx, body)
	})
	srv.Handle("GET /{pool}/.well-known/jwks.json", http.HandlerFunc(s.serveJWKS))
	srv.Handle("GET /{pool}/.well-known/openid-configuration", http.HandlerFunc(s.serveOpenIDConfiguration))
}

// Errors. Cognito answers every client error with HTTP 400 and the
// exception's name as __type.

func apiError(typ, format string, args ...any) error {
	return &awsapi.Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func invalidParameter(format string, args ...any) error {
	return apiError("InvalidParameterException", format, args...)
}

func notAuthorized(format string, args ...any) error {
	return apiError("NotAuthorizedException", format, args...)
}

func decodeInput(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &awsapi.Error{Type: "SerializationException", Message: "Request body is not valid JSON: " + err.Error(), Status: http.StatusBadRequest}
	}
	return nil
}

// poolByID looks a pool up; the caller holds s.mu.
func (s *Service) poolByID(id string) (*pool, error) {
	if id == "" {
		return nil, invalidParameter("1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	}
	p := s.pools[id]
	if p == nil {
		return nil, apiError("ResourceNotFoundException", "User pool %s does not exist.", id)
	}
	return p, nil
}

// clientByID looks an app client and its pool up; the caller holds s.mu.
func (s *Service) clientByID(id string) (*client, *pool, error) {
	if id == "" {
		return nil, nil, invalidParameter("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	c := s.clients[id]
	if c == nil {
		return nil, nil, apiError("ResourceNotFoundException", "User pool client %s does not exist.", id)
	}
	return c, s.pools[c.PoolID], nil
}

// Persistence. Callers hold s.mu, so writes reach bbolt in the order the
// in-memory state changed.

func (s *Service) put(bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), raw)
	})
}

func (s *Service) savePool(p *pool) error     { return s.put(bucketPools, p.ID, &p.poolConfig) }
func (s *Service) saveClient(c *client) error { return s.put(bucketClients, c.ID, c) }
func (s *Service) saveGroup(g *group) error   { return s.put(bucketGroups, g.PoolID+"\x00"+g.Name, g) }
func (s *Service) saveUser(p *pool, u *user) error {
	return s.put(bucketUsers, p.ID+"\x00"+u.Username, u)
}

func (s *Service) deleteUserState(p *pool, u *user) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).Delete([]byte(p.ID + "\x00" + u.Username))
	})
}

// pick returns n characters drawn uniformly from alphabet (at most 256
// characters) by crypto/rand.
func pick(alphabet string, n int) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	var b [1]byte
	for len(out) < n {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			out = append(out, alphabet[int(b[0])%len(alphabet)])
		}
	}
	return string(out)
}
