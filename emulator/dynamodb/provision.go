package dynamodb

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Provisioner creates tables for AWS::DynamoDB::Table and
// AWS::DynamoDB::GlobalTable resources.
type Provisioner struct {
	svc *Service
	// stackName prefixes generated table names, as CloudFormation does.
	stackName string
}

// Provisioner returns the stack.Provisioner for this service. stackName
// is used to name tables whose template gives no TableName.
func (s *Service) Provisioner(stackName string) *Provisioner {
	return &Provisioner{svc: s, stackName: stackName}
}

var _ stack.Provisioner = (*Provisioner)(nil)

// Types implements stack.Provisioner.
func (p *Provisioner) Types() []string {
	return []string{"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"}
}

// cfnTable is the part of the CloudFormation schema the emulator uses.
type cfnTable struct {
	TableName              string
	KeySchema              []keyElem
	AttributeDefinitions   []attrDef
	GlobalSecondaryIndexes []createIndexInput
	LocalSecondaryIndexes  []createIndexInput
	StreamSpecification    *struct {
		StreamViewType string
		StreamEnabled  *bool
	}
	BillingMode           string
	ProvisionedThroughput *throughput
}

// Create implements stack.Provisioner. A table that already exists (from
// a previous run's data directory) is kept with its items and stream.
func (p *Provisioner) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	raw, err := json.Marshal(r.Properties)
	if err != nil {
		return stack.Created{}, fmt.Errorf("dynamodb: %s %s: %w", r.Type, r.LogicalID, err)
	}
	var in cfnTable
	if err := json.Unmarshal(raw, &in); err != nil {
		return stack.Created{}, fmt.Errorf("dynamodb: %s %s: properties: %w", r.Type, r.LogicalID, err)
	}
	name := in.TableName
	if name == "" {
		name = p.generatedName(r.LogicalID)
	}
	ct := createTableInput{
		TableName:              name,
		KeySchema:              in.KeySchema,
		AttributeDefinitions:   in.AttributeDefinitions,
		GlobalSecondaryIndexes: in.GlobalSecondaryIndexes,
		LocalSecondaryIndexes:  in.LocalSecondaryIndexes,
		BillingMode:            in.BillingMode,
		ProvisionedThroughput:  in.ProvisionedThroughput,
	}
	if ss := in.StreamSpecification; ss != nil && ss.StreamViewType != "" && (ss.StreamEnabled == nil || *ss.StreamEnabled) {
		ct.StreamSpecification = &streamSpec{StreamEnabled: true, StreamViewType: ss.StreamViewType}
	}

	s := p.svc
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[name]
	if t == nil {
		if t, err = s.create(ct.definition(s.clock())); err != nil {
			return stack.Created{}, fmt.Errorf("dynamodb: %s %s (table %s): %w", r.Type, r.LogicalID, name, err)
		}
	}
	attrs := map[string]any{"Arn": t.arn(), "TableId": t.def.TableID}
	if t.stream != nil {
		attrs["StreamArn"] = t.stream.arn
	}
	return stack.Created{Ref: name, Attrs: attrs}, nil
}

// generatedName mimics CloudFormation's "<stack>-<LogicalId>-<SUFFIX>",
// deterministic so a restart finds the same table.
func (p *Provisioner) generatedName(logicalID string) string {
	sum := sha256.Sum256([]byte(p.stackName + "/" + logicalID))
	suffix := strings.ToUpper(fmt.Sprintf("%x", sum[:6]))
	name := logicalID + "-" + suffix
	if p.stackName != "" {
		name = p.stackName + "-" + name
	}
	if len(name) > 255 {
		name = name[len(name)-255:]
	}
	return name
}
