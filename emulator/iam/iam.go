// Package iam accepts the resources that matter in AWS but have no local
// behaviour: IAM roles and policies (the local runtime does not enforce
// permissions), KMS keys and aliases (data is not encrypted at rest
// locally) and SSM parameters. It synthesizes the Ref and attributes the
// rest of the template reads, derived from the stack and logical id so
// they are stable across restarts.
package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

// Provisioner accepts the types listed by Types.
type Provisioner struct{}

// New returns the provisioner.
func New() Provisioner { return Provisioner{} }

// Types implements stack.Provisioner.
func (Provisioner) Types() []string {
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
// CloudFormation documents for each type.
func (Provisioner) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
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
		return stack.Created{Ref: n, Attrs: map[string]any{
			"Arn":    iamARN("role" + path + n),
			"RoleId": uniqueID("AROA", r),
		}}, nil
	case "AWS::IAM::Policy":
		if _, ok := r.Properties["PolicyDocument"]; !ok {
			return stack.Created{}, fmt.Errorf("property PolicyDocument: required")
		}
		return stack.Created{Ref: uniqueID("", r), Attrs: map[string]any{"Id": uniqueID("", r)}}, nil
	case "AWS::IAM::ManagedPolicy":
		arn := iamARN("policy" + path + name("ManagedPolicyName", 128))
		return stack.Created{Ref: arn, Attrs: map[string]any{"PolicyArn": arn, "PolicyId": uniqueID("ANPA", r)}}, nil
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
