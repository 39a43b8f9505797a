package motoserver_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

func TestStartServesDynamoDB(t *testing.T) {
	endpoint := motoserver.Start(t)
	client := dynamodb.NewFromConfig(motoserver.Config(endpoint))
	out, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables against %s: %v", endpoint, err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("fresh server has tables %v, want none", out.TableNames)
	}
}
