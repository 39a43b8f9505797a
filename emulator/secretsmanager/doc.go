// Package secretsmanager is the local AWS Secrets Manager: secrets served
// over the AWS JSON 1.1 protocol (target prefix "secretsmanager") —
// GetSecretValue, DescribeSecret, CreateSecret, PutSecretValue and
// GetRandomPassword — and provisioned from AWS::SecretsManager::Secret,
// including GenerateSecretString (PasswordLength, ExcludeCharacters, the
// Exclude* classes, IncludeSpace, RequireEachIncludedType, and
// SecretStringTemplate with GenerateStringKey).
//
// Only the current version (AWSCURRENT) of a secret is kept; rotation,
// replication, resource policies and KMS keys are not emulated. Secrets
// are written to the shared state store (bucket "secretsmanager/secrets"),
// so a generated value survives restarts as it does in AWS: a secret the
// template declares again on the next start keeps its value.
//
// Every operation is authorized (awsapi.Authorize) as
// "secretsmanager:<Operation>" on the secret's ARN ("*" for
// GetRandomPassword), as IAM does.
package secretsmanager
