// Package cognito is the local Amazon Cognito user pools service: the
// Cognito Identity Provider JSON 1.1 API (target prefix
// "AWSCognitoIdentityProviderService") on the shared awsapi endpoint, each
// pool's JWKS and OpenID configuration, and in-process token verification
// for API Gateway's COGNITO_USER_POOLS authorizers (Verify).
//
// # Resources
//
// AWS::Cognito::UserPool (Ref: the pool id, shaped like AWS's
// "us-east-1_AbC123xyz"; GetAtt Arn, UserPoolId, ProviderName,
// ProviderURL), AWS::Cognito::UserPoolClient (Ref: the client id; GetAtt
// ClientId, Name, ClientSecret), AWS::Cognito::UserPoolGroup (Ref: the
// name), AWS::Cognito::UserPoolUser (Ref: the username) and
// AWS::Cognito::UserPoolUserToGroupAttachment. Ids derive from the stack
// and logical id, so they are the same on every start. Honoured: the
// password policy, UsernameAttributes (sign in with e-mail: the username
// is then a UUID, as in AWS) and AliasAttributes, AutoVerifiedAttributes,
// AdminCreateUserConfig.AllowAdminCreateUserOnly, UsernameConfiguration
// .CaseSensitive, required and custom schema attributes; on clients
// ExplicitAuthFlows (current and legacy names), GenerateSecret (then
// SECRET_HASH is checked), the three token validities with
// TokenValidityUnits, AuthSessionValidity and PreventUserExistenceErrors.
//
// # Operations
//
// SignUp, ConfirmSignUp, ResendConfirmationCode, AdminCreateUser,
// AdminSetUserPassword, AdminConfirmSignUp, AdminGetUser, AdminDeleteUser,
// AdminDisableUser, AdminEnableUser, AdminAddUserToGroup,
// AdminRemoveUserFromGroup, AdminListGroupsForUser, CreateGroup, GetGroup,
// ListGroups, ListUsers (Filter on username, email, phone_number, name,
// given_name, family_name, preferred_username, sub, status and
// cognito:user_status, with = and ^=; Limit and PaginationToken),
// GetUser, InitiateAuth and AdminInitiateAuth (USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, REFRESH_TOKEN_AUTH),
// RespondToAuthChallenge and AdminRespondToAuthChallenge
// (NEW_PASSWORD_REQUIRED), DescribeUserPool, DescribeUserPoolClient,
// ListUserPools, ListUserPoolClients. Errors carry Cognito's exception
// names and messages (NotAuthorizedException "Incorrect username or
// password.", InvalidPasswordException naming the broken rule, …).
//
// # Tokens
//
// ID and access tokens are RS256 JWTs with Cognito's claims (ID: sub, aud,
// email_verified, token_use "id", auth_time, iss, cognito:username, exp,
// iat, jti, origin_jti, event_id, the user's attributes, cognito:groups
// when the user is in a group; access: sub, cognito:groups, iss,
// client_id, origin_jti, event_id, token_use "access", scope
// "aws.cognito.signin.user.admin", auth_time, exp, iat, jti, username).
// As in Cognito, each pool has two RSA keys, one for ID and one for access
// tokens, named by the kid header; they are generated when the pool is
// first created and kept in the state store, so tokens stay valid across
// restarts. The JWKS is served at GET /<poolId>/.well-known/jwks.json on
// the AWS endpoint. Refresh tokens are opaque; only their SHA-256 is
// stored.
//
// # Differences from AWS
//
//   - The issuer is "<AWS endpoint URL>/<poolId>" (AWS:
//     https://cognito-idp.<region>.amazonaws.com/<poolId>), and
//     ProviderName/ProviderURL name it; verifiers that build the AWS URL
//     from the pool id (aws-jwt-verify) must be given the local issuer.
//   - No SRP (USER_SRP_AUTH), custom auth, USER_AUTH or hosted UI / OAuth
//     endpoints: clients sign in with USER_PASSWORD_AUTH (enable
//     ALLOW_USER_PASSWORD_AUTH; with Amplify set authenticationFlowType).
//   - No MFA: a pool with MFA OPTIONAL behaves as AWS does for users who
//     never set up a second factor; MFA ON is announced and not enforced.
//   - Nothing is e-mailed or texted: confirmation codes and temporary
//     passwords are written to the runtime's log ("cognito: confirmation
//     code 123456 for user …").
//   - Lambda triggers, advanced security, device tracking, token
//     revocation and refresh token rotation are not emulated.
//   - Passwords are stored as bcrypt hashes of their SHA-256 (bcrypt reads
//     72 bytes; Cognito allows 256).
//   - NEW_PASSWORD_REQUIRED sessions live in memory: a restart ends them.
//
// # Go API
//
// Verify checks a token for a pool (by ARN or id) and returns its claims.
// EnsureUser creates or updates a confirmed user with a permanent
// password and groups (for seeding demo users); Pools lists the pools with
// their client ids and groups.
package cognito
