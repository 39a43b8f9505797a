// Command iamfn is the runtime IAM test's function: it puts an item into
// the table named by TABLE with the credentials the runtime gave it and
// answers with the outcome, the AWS error code of a failure and the prefix
// of its access key.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

type result struct {
	OK        bool   `json:"ok"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	KeyPrefix string `json:"keyPrefix"`
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context, in struct{ ID string }) (result, error) {
		r := result{KeyPrefix: os.Getenv("AWS_ACCESS_KEY_ID")[:4]}
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(os.Getenv("TABLE")),
			Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: in.ID}},
		})
		var api smithy.APIError
		switch {
		case err == nil:
			r.OK = true
		case errors.As(err, &api):
			r.Code, r.Message = api.ErrorCode(), api.ErrorMessage()
		default:
			return r, err
		}
		return r, nil
	})
}
