// Package awstest builds AWS SDK configurations for tests that talk to a
// local endpoint (moto_server or the shopstream local runtime) instead of
// AWS: dummy static credentials, region us-east-1, and every service's base
// endpoint pointed at the given URL. Nothing here reads the environment or
// the shared AWS config files, so a developer's real credentials are never
// picked up by a test.
package awstest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every local endpoint answers for.
const Region = "us-east-1"

// Config returns an aws.Config whose clients (dynamodb.NewFromConfig, …)
// send every request to endpoint, e.g. "http://127.0.0.1:4566".
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
		// The SDK's default retryer stays on, as in production: moto's
		// HTTP server now and then resets a kept-alive connection, which the
		// SDK retries like any connection reset.
	}
}
