// Package iam provisions IAM roles and policies, KMS keys and aliases and
// SSM parameters, and enforces the roles locally.
//
// Every resource gets the Ref and attributes CloudFormation documents,
// derived from the stack and logical id so they are stable across
// restarts. KMS keys encrypt nothing and no IAM, STS, KMS or SSM API is
// served.
//
// Enforcement: the Service keeps each AWS::IAM::Role with its inline
// Policies, the AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources
// attached to it and its ManagedPolicyArns (AWS-managed policies from a
// built-in table of those CDK uses); it learns which function runs with
// which role, the functions' AWS::Lambda::Permission statements and API
// Gateway integration credentials by watching those resources' provisioners
// (Watch). It issues each function temporary credentials for its execution
// role (Issue) and, as the awsapi.Authorizer, maps a request's access key
// back to that role session and evaluates the request against the role's
// identity-based policies and the resource's resource-based policy with
// AWS's logic (package policy).
package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/iam/policy"
	"github.com/shopstream/shopstream/emulator/stack"
)

// Options configure a Service.
type Options struct {
	// Enforce makes malformed policy documents a startup error (as IAM
	// rejects them); without it they are accepted with a notice, as
	// nothing evaluates them. The Service authorizes requests either way
	// once installed as the endpoint's Authorizer; a runtime that does not
	// enforce does not install it.
	Enforce bool
	// Log receives startup notices and one line per denied request.
	Log *slog.Logger
	// Now is the clock for aws:CurrentTime (default time.Now).
	Now func() time.Time
}

// Service is the provisioner of the types Types lists, the local IAM
// model and the awsapi.Authorizer.
type Service struct {
	opts Options
	log  *slog.Logger

	mu          sync.RWMutex
	roles       map[string]*role            // by ARN
	attached    map[string]*attachedPolicy  // AWS::IAM::Policy and ManagedPolicy, by logical id
	managed     map[string]*policy.Policy   // customer managed policies by ARN
	functions   map[string]function         // by function ARN
	permissions map[string][]*policy.Policy // function ARN → its Lambda permissions
	apiRoles    map[apiMethod]string        // API Gateway integration credentials
	sources     []func(arn string) string   // resource policies kept by services (SQS queues)
	creds       map[string]*issued          // by access key id
	warned      map[string]bool             // notices already given
	parsed      map[string]*policy.Policy   // resource policy documents by their text
}

// New returns an empty Service with the default Options: malformed
// policies are accepted with a notice and logs are discarded.
func New() *Service { return NewService(Options{}) }

// NewService returns an empty Service.
func NewService(opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{
		opts: opts, log: opts.Log,
		roles: map[string]*role{}, attached: map[string]*attachedPolicy{},
		managed: map[string]*policy.Policy{}, functions: map[string]function{}, permissions: map[string][]*policy.Policy{},
		apiRoles: map[apiMethod]string{}, creds: map[string]*issued{}, warned: map[string]bool{}, parsed: map[string]*policy.Policy{},
	}
}

var _ awsapi.Authorizer = (*Service)(nil)

// Types implements stack.Provisioner.
func (*Service) Types() []string {
	return []string{
		"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
		"AWS::KMS::Key", "AWS::KMS::Alias", "AWS::SSM::Parameter",
	}
}

// iamARN builds an IAM ARN: IAM is global, so it has no region.
func iamARN(resource string) string {
	return "arn:aws:iam::" + awsapi.AccountID + ":" + resource
}

// Create implements stack.Provisioner with the Ref and attributes
// CloudFormation documents for each type, and records roles and policies.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	name := func(key string, maxLen int) string {
		if s, ok := r.Properties[key].(string); ok && s != "" {
			return s
		}
		return stack.PhysicalName(r.StackName, r.LogicalID, maxLen)
	}
	path := "/"
	if p, ok := r.Properties["Path"].(string); ok && p != "" {
		path = p
	}
	switch r.Type {
	case "AWS::IAM::Role":
		if _, ok := r.Properties["AssumeRolePolicyDocument"]; !ok {
			return stack.Created{}, fmt.Errorf("property AssumeRolePolicyDocument: required")
		}
		n := name("RoleName", 64)
		c := stack.Created{Ref: n, Attrs: map[string]any{
			"Arn":    iamARN("role" + path + n),
			"RoleId": uniqueID("AROA", r),
		}}
		return c, s.addRole(r, n, c.Attrs["Arn"].(string), c.Attrs["RoleId"].(string))
	case "AWS::IAM::Policy":
		if _, ok := r.Properties["PolicyDocument"]; !ok {
			return stack.Created{}, fmt.Errorf("property PolicyDocument: required")
		}
		return stack.Created{Ref: uniqueID("", r), Attrs: map[string]any{"Id": uniqueID("", r)}}, s.addPolicy(r, "")
	case "AWS::IAM::ManagedPolicy":
		arn := iamARN("policy" + path + name("ManagedPolicyName", 128))
		return stack.Created{Ref: arn, Attrs: map[string]any{"PolicyArn": arn, "PolicyId": uniqueID("ANPA", r)}}, s.addPolicy(r, arn)
	case "AWS::KMS::Key":
		id := keyID(r)
		return stack.Created{Ref: id, Attrs: map[string]any{"Arn": awsapi.ARN("kms", "key/"+id), "KeyId": id}}, nil
	case "AWS::KMS::Alias":
		alias, _ := r.Properties["AliasName"].(string)
		if !strings.HasPrefix(alias, "alias/") {
			return stack.Created{}, fmt.Errorf("property AliasName: %q must begin with \"alias/\"", alias)
		}
		return stack.Created{Ref: alias}, nil
	case "AWS::SSM::Parameter":
		if _, ok := r.Properties["Value"]; !ok {
			return stack.Created{}, fmt.Errorf("property Value: required")
		}
		typ, _ := r.Properties["Type"].(string)
		return stack.Created{Ref: name("Name", 2048), Attrs: map[string]any{"Type": typ, "Value": r.Properties["Value"]}}, nil
	}
	return stack.Created{}, fmt.Errorf("iam: unexpected type %s", r.Type)
}

// uniqueID is shaped like IAM's unique ids: a type prefix and 17 characters.
func uniqueID(prefix string, r stack.Resource) string {
	sum := sha256.Sum256([]byte(r.StackName + "/" + r.LogicalID))
	return prefix + strings.ToUpper(hex.EncodeToString(sum[:]))[:17]
}

// keyID is shaped like a KMS key id (a UUID).
func keyID(r stack.Resource) string {
	sum := sha256.Sum256([]byte("kms/" + r.StackName + "/" + r.LogicalID))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// notice logs msg once per key.
func (s *Service) notice(key, msg string, args ...any) {
	s.mu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.mu.Unlock()
	if !seen {
		s.log.Info("notice: "+msg, args...)
	}
}
