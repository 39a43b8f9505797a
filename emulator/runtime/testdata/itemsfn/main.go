// Command itemsfn is the runtime test's function behind the fixture API:
// PUT /items/{id} stores the body's "value" in the table named by TABLE,
// GET /items/{id} reads it back. It reaches DynamoDB through the SDK's
// AWS_ENDPOINT_URL like every shopstream Lambda. Every answer carries the
// FN_TAG environment variable in an X-Fn-Tag header, so tests can see
// variables the runtime adds.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type handler struct {
	db    *dynamodb.Client
	table string
}

func (h handler) handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.PathParameters["id"]
	switch req.HTTPMethod {
	case http.MethodPut:
		var in struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal([]byte(req.Body), &in); err != nil || in.Value == "" {
			return reply(http.StatusBadRequest, map[string]string{"message": "body: want {\"value\": non-empty string}"})
		}
		_, err := h.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(h.table),
			Item: map[string]types.AttributeValue{
				"id":    &types.AttributeValueMemberS{Value: id},
				"value": &types.AttributeValueMemberS{Value: in.Value},
			},
		})
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return reply(http.StatusCreated, map[string]string{"id": id, "value": in.Value, "stage": req.RequestContext.Stage})
	case http.MethodGet:
		out, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(h.table),
			Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
		})
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		v, ok := out.Item["value"].(*types.AttributeValueMemberS)
		if !ok {
			return reply(http.StatusNotFound, map[string]string{"message": "no item " + id})
		}
		return reply(http.StatusOK, map[string]string{"id": id, "value": v.Value})
	}
	return reply(http.StatusMethodNotAllowed, map[string]string{"message": req.HTTPMethod + " not allowed"})
}

func reply(status int, body any) (events.APIGatewayProxyResponse, error) {
	raw, err := json.Marshal(body)
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Fn-Tag": os.Getenv("FN_TAG")},
		Body:       string(raw),
	}, err
}

func main() {
	table := os.Getenv("TABLE")
	if table == "" {
		panic(errors.New("TABLE: not set"))
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	lambda.Start(handler{db: dynamodb.NewFromConfig(cfg), table: table}.handle)
}
