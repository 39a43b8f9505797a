package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// MinSecretLen is the shortest deployment secret accepted (the stack
// generates 64 characters).
const MinSecretLen = 32

// SecretReader is the Secrets Manager call Secret makes.
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ReadSecret returns the current value of the secret arn names: its
// SecretString (or SecretBinary), which must be at least MinSecretLen
// bytes.
func ReadSecret(ctx context.Context, client SecretReader, arn string) ([]byte, error) {
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: read secret %s: %w", arn, err)
	}
	value := out.SecretBinary
	if out.SecretString != nil {
		value = []byte(*out.SecretString)
	}
	if len(value) < MinSecretLen {
		return nil, fmt.Errorf("lambdaenv: read secret %s: %w", arn, errShortSecret)
	}
	return value, nil
}

var errShortSecret = errors.New("the value is shorter than 32 bytes")

// Secret reads the deployment secret arn names, once, at start (the
// function's cold start), and exits if it cannot: a function that cannot
// key its tokens or cursors must not serve.
func Secret(awsCfg aws.Config, arn string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key, err := ReadSecret(ctx, secretsmanager.NewFromConfig(awsCfg), arn)
	if err != nil {
		log.Fatal(err)
	}
	return key
}
