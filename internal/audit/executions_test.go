package audit_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/testutil/localsfn"
)

// listCounter passes every call to the real client and counts the
// executions ListExecutions returned.
type listCounter struct {
	*sfn.Client
	listed atomic.Int64
}

func (c *listCounter) ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	out, err := c.Client.ListExecutions(ctx, in, opts...)
	if err == nil {
		c.listed.Add(int64(len(out.Executions)))
	}
	return out, err
}

// Issue 13: `shopstream-audit executions -limit N` asks Step Functions for
// N executions, not a default page of 100 cut afterwards.
func TestListExecutionsReadsOnePage(t *testing.T) {
	s := localsfn.Start(t)
	machine := s.CreateMachine(t, "checkout", `{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}`)
	for i := range 5 {
		out, err := s.Client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String(fmt.Sprintf("c%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		s.WaitClosed(t, aws.ToString(out.ExecutionArn))
	}
	api := &listCounter{Client: s.Client}
	list, err := audit.ListExecutions(context.Background(), api, machine, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Executions started in the same millisecond tie on their start date,
	// so which two are newest is not asserted: two distinct ones are.
	if len(list) != 2 || list[0].Name == list[1].Name || len(list[0].Steps) != 1 || len(list[1].Steps) != 1 {
		t.Fatalf("ListExecutions(limit 2) = %+v, want two executions with their step", list)
	}
	if n := api.listed.Load(); n != 2 {
		t.Fatalf("Step Functions returned %d executions for a limit of 2", n)
	}
	if _, err := audit.ListExecutions(context.Background(), api, machine, "", 0); err == nil {
		t.Fatal("limit 0: no error")
	}
}
