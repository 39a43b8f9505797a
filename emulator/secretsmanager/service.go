package secretsmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
)

// TargetPrefix is the X-Amz-Target prefix of the Secrets Manager API.
const TargetPrefix = "secretsmanager"

// CurrentStage is the staging label of the one version kept.
const CurrentStage = "AWSCURRENT"

var bucketSecrets = []byte("secretsmanager/secrets") // name → secret JSON

// secret is one stored secret with its current version.
type secret struct {
	Name        string    `json:"name"`
	ARN         string    `json:"arn"`
	Description string    `json:"description,omitempty"`
	String      *string   `json:"string,omitempty"`
	Binary      []byte    `json:"binary,omitempty"`
	VersionID   string    `json:"versionId"`
	Created     time.Time `json:"created"`
	Changed     time.Time `json:"changed"`
	// Template marks a secret provisioned from the template: its logical
	// id, so a later start finds and keeps it.
	Template string `json:"template,omitempty"`
}

// Options configures a Service. The zero value is usable.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID returns version ids and ARN suffixes' randomness (default:
	// random UUIDs).
	NewID func() string
}

// Service is the local Secrets Manager. Its methods are safe for
// concurrent use.
type Service struct {
	db    *state.DB
	now   func() time.Time
	newID func() string

	mu      sync.Mutex
	secrets map[string]*secret // by name
}

// New loads the secrets kept in db.
func New(db *state.DB, opts Options) (*Service, error) {
	s := &Service{db: db, now: opts.Now, newID: opts.NewID, secrets: map[string]*secret{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = awsapi.RequestID
	}
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSecrets)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var sec secret
			if err := json.Unmarshal(v, &sec); err != nil {
				return fmt.Errorf("secret %s: %w", k, err)
			}
			s.secrets[sec.Name] = &sec
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("secretsmanager: load: %w", err)
	}
	return s, nil
}

// save writes sec through to the store. The caller holds s.mu.
func (s *Service) save(sec *secret) error {
	raw, err := json.Marshal(sec)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSecrets).Put([]byte(sec.Name), raw)
	})
}

// Register serves the API on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, []byte) (any, error){
		"GetSecretValue": s.getSecretValue, "DescribeSecret": s.describeSecret,
		"CreateSecret": s.createSecret, "PutSecretValue": s.putSecretValue,
		"GetRandomPassword": s.getRandomPassword,
	}
	srv.Register(TargetPrefix, "1.1", "", func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnsupportedOperation", Message: op + " is not supported by the local Secrets Manager.", Status: http.StatusBadRequest}
		}
		return f(ctx, body)
	})
}

// Errors, with the types the SDKs match on.
func notFound() error {
	return awsapi.Errorf("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

func invalidParameter(format string, args ...any) error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awsapi.Errorf("SerializationException", "Request body is not valid JSON: %v", err)
	}
	return nil
}

// arnFor returns the ARN of a new secret: AWS appends a hyphen and six
// random characters to the name.
func (s *Service) arnFor(name string) string {
	id := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s.newID())
	for len(id) < 6 {
		id += "x"
	}
	return awsapi.ARN("secretsmanager", "secret:"+name+"-"+id[len(id)-6:])
}

// resolve returns the secret id names (its name, its ARN, or its ARN
// without the random suffix), or nil. The caller holds s.mu.
func (s *Service) resolve(id string) *secret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for _, sec := range s.secrets {
		if sec.ARN == id || strings.HasPrefix(id, "arn:") && strings.HasPrefix(sec.ARN, id+"-") && len(sec.ARN) == len(id)+7 {
			return sec
		}
	}
	return nil
}

// authorize checks "secretsmanager:<op>" on the secret id names: its ARN
// when it exists, else the ARN id is or would be (so a denial never says
// whether a secret exists).
func (s *Service) authorize(ctx context.Context, op, id string) error {
	resource := id
	s.mu.Lock()
	if sec := s.resolve(id); sec != nil {
		resource = sec.ARN
	} else if !strings.HasPrefix(id, "arn:") {
		resource = awsapi.ARN("secretsmanager", "secret:"+id)
	}
	s.mu.Unlock()
	return awsapi.Authorize(ctx, "secretsmanager:"+op, resource, nil)
}

// withSecret authorizes "secretsmanager:<op>" on the secret id names and
// runs fn on it, holding s.mu. It fails with InvalidParameterException
// when id is empty and ResourceNotFoundException when no secret has it.
func (s *Service) withSecret(ctx context.Context, op, id string, fn func(sec *secret) (any, error)) (any, error) {
	if id == "" {
		return nil, invalidParameter("SecretId is required.")
	}
	if err := s.authorize(ctx, op, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.resolve(id)
	if sec == nil {
		return nil, notFound()
	}
	return fn(sec)
}

func (s *Service) getSecretValue(ctx context.Context, body []byte) (any, error) {
	var in struct {
		SecretID     string `json:"SecretId"`
		VersionID    string `json:"VersionId"`
		VersionStage string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.withSecret(ctx, "GetSecretValue", in.SecretID, func(sec *secret) (any, error) {
		return getValue(sec, in.VersionID, in.VersionStage)
	})
}

// getValue answers GetSecretValue for sec, which has one version: the
// current one.
func getValue(sec *secret, versionID, versionStage string) (any, error) {
	if (versionID != "" && versionID != sec.VersionID) || (versionStage != "" && versionStage != CurrentStage) {
		return nil, awsapi.Errorf("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", versionStage)
	}
	out := map[string]any{
		"ARN": sec.ARN, "Name": sec.Name, "VersionId": sec.VersionID,
		"VersionStages": []string{CurrentStage}, "CreatedDate": awsapi.EpochSeconds(sec.Changed),
	}
	if sec.String != nil {
		out["SecretString"] = *sec.String
	}
	if sec.Binary != nil {
		out["SecretBinary"] = sec.Binary // []byte marshals as base64, as the protocol wants
	}
	return out, nil
}

func (s *Service) describeSecret(ctx context.Context, body []byte) (any, error) {
	var in struct {
		SecretID string `json:"SecretId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.withSecret(ctx, "DescribeSecret", in.SecretID, func(sec *secret) (any, error) {
		out := map[string]any{
			"ARN": sec.ARN, "Name": sec.Name, "CreatedDate": awsapi.EpochSeconds(sec.Created),
			"LastChangedDate":    awsapi.EpochSeconds(sec.Changed),
			"VersionIdsToStages": map[string][]string{sec.VersionID: {CurrentStage}},
		}
		if sec.Description != "" {
			out["Description"] = sec.Description
		}
		return out, nil
	})
}

// validName is Secrets Manager's rule for names: 1–512 of ASCII letters,
// digits and /_+=.@-.
func validName(name string) bool {
	if name == "" || len(name) > 512 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+=.@-", r)) {
			return false
		}
	}
	return true
}

func (s *Service) createSecret(ctx context.Context, body []byte) (any, error) {
	var in struct {
		Name               string
		Description        string
		SecretString       *string
		SecretBinary       []byte
		ClientRequestToken string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !validName(in.Name) {
		return nil, invalidParameter("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	if in.SecretString != nil && in.SecretBinary != nil {
		return nil, invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if err := s.authorize(ctx, "CreateSecret", in.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets[in.Name] != nil {
		return nil, awsapi.Errorf("ResourceExistsException", "The operation failed because the secret %s already exists.", in.Name)
	}
	sec, err := s.create(in.Name, in.Description, in.SecretString, in.SecretBinary, in.ClientRequestToken, "")
	if err != nil {
		return nil, err
	}
	return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": sec.VersionID}, nil
}

// create stores a new secret. The caller holds s.mu.
func (s *Service) create(name, description string, str *string, bin []byte, version, logicalID string) (*secret, error) {
	if version == "" {
		version = s.newID()
	}
	now := s.now()
	sec := &secret{Name: name, ARN: s.arnFor(name), Description: description, String: str, Binary: bin,
		VersionID: version, Created: now, Changed: now, Template: logicalID}
	if err := s.save(sec); err != nil {
		return nil, fmt.Errorf("secretsmanager: create %s: %w", name, err)
	}
	s.secrets[name] = sec
	return sec, nil
}

func (s *Service) putSecretValue(ctx context.Context, body []byte) (any, error) {
	var in struct {
		SecretID           string `json:"SecretId"`
		SecretString       *string
		SecretBinary       []byte
		ClientRequestToken string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	// A missing SecretId is reported first, by withSecret.
	if in.SecretID != "" && (in.SecretString == nil) == (in.SecretBinary == nil) {
		return nil, invalidParameter("You must provide either SecretString or SecretBinary, and not both.")
	}
	return s.withSecret(ctx, "PutSecretValue", in.SecretID, func(sec *secret) (any, error) {
		return s.putValue(sec, in.SecretString, in.SecretBinary, in.ClientRequestToken)
	})
}

// putValue makes str or bin sec's current version, under the ID token
// (generated when empty); a retried request with the same token and
// value changes nothing. The caller holds s.mu.
func (s *Service) putValue(sec *secret, str *string, bin []byte, token string) (any, error) {
	if token != "" && token == sec.VersionID {
		// A retried request: the same version, unchanged.
		if !sameValue(sec, str, bin) {
			return nil, awsapi.Errorf("ResourceExistsException", "You can't modify an existing version, you can only create a new version.")
		}
	} else {
		next := *sec
		next.String, next.Binary, next.Changed = str, bin, s.now()
		next.VersionID = token
		if next.VersionID == "" {
			next.VersionID = s.newID()
		}
		if err := s.save(&next); err != nil {
			return nil, fmt.Errorf("secretsmanager: put %s: %w", sec.Name, err)
		}
		*sec = next
	}
	return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": sec.VersionID, "VersionStages": []string{CurrentStage}}, nil
}

func sameValue(sec *secret, str *string, bin []byte) bool {
	if str != nil {
		return sec.String != nil && *sec.String == *str
	}
	return sec.String == nil && string(sec.Binary) == string(bin)
}

func (s *Service) getRandomPassword(ctx context.Context, body []byte) (any, error) {
	var spec PasswordSpec
	if err := decode(body, &spec); err != nil {
		return nil, err
	}
	if spec.SecretStringTemplate != "" || spec.GenerateStringKey != "" {
		return nil, invalidParameter("GetRandomPassword takes no SecretStringTemplate or GenerateStringKey.")
	}
	if err := awsapi.Authorize(ctx, "secretsmanager:GetRandomPassword", "*", nil); err != nil {
		return nil, err
	}
	p, err := spec.Generate()
	if err != nil {
		return nil, err
	}
	return map[string]string{"RandomPassword": p}, nil
}
