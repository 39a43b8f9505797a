package lambdaenv

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type fakeSecrets struct {
	out *secretsmanager.GetSecretValueOutput
	err error
	ids []string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.ids = append(f.ids, aws.ToString(in.SecretId))
	return f.out, f.err
}

func TestReadSecret(t *testing.T) {
	long := "0123456789abcdef0123456789abcdef0123"
	arn := "arn:aws:secretsmanager:us-east-1:000000000000:secret:k-AbCdEf"
	tests := []struct {
		name    string
		f       *fakeSecrets
		want    string
		wantErr bool
	}{
		{"string", &fakeSecrets{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String(long)}}, long, false},
		{"binary", &fakeSecrets{out: &secretsmanager.GetSecretValueOutput{SecretBinary: []byte(long)}}, long, false},
		{"too short", &fakeSecrets{out: &secretsmanager.GetSecretValueOutput{SecretString: aws.String("short")}}, "", true},
		{"empty", &fakeSecrets{out: &secretsmanager.GetSecretValueOutput{}}, "", true},
		{"denied", &fakeSecrets{err: errors.New("AccessDeniedException")}, "", true},
	}
	for _, tt := range tests {
		got, err := ReadSecret(context.Background(), tt.f, arn)
		if string(got) != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: ReadSecret = %q, %v", tt.name, got, err)
		}
		if len(tt.f.ids) != 1 || tt.f.ids[0] != arn {
			t.Errorf("%s: read %v, want %s once", tt.name, tt.f.ids, arn)
		}
	}
}
