package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/config"
)

// Route is one REST method and the function that serves it.
type Route struct {
	Method   string
	Path     string // "/product/{id}"
	Function string // config.Function name
	// Public routes answer anyone; every other route needs a valid token
	// of the user pool (the Cognito authorizer), and its function decides
	// what the caller may do (its own resources, or anything for admins).
	Public bool
}

// Routes returns the REST API's routes, in a stable order.
func Routes() []Route {
	catalog, basket, order := config.CatalogAPI.Name, config.BasketAPI.Name, config.OrderAPI.Name
	const public = true
	return []Route{
		{"POST", "/product", catalog, !public},
		{"GET", "/product", catalog, public},
		{"GET", "/product/{id}", catalog, public},
		{"PUT", "/product/{id}", catalog, !public},
		{"DELETE", "/product/{id}", catalog, !public},
		{"POST", "/product/{id}/stock", catalog, !public},

		{"GET", "/basket", basket, !public},
		{"POST", "/basket", basket, !public},
		{"GET", "/basket/{userName}", basket, !public},
		{"DELETE", "/basket/{userName}", basket, !public},
		{"POST", "/basket/checkout", basket, !public},
		{"GET", "/checkout/{checkoutId}", basket, !public},

		{"GET", "/order", order, !public},
		{"GET", "/order/{userName}", order, !public},
		{"GET", "/order/{userName}/{orderId}", order, !public},
		{"GET", "/audit/{streamId}", order, !public},
	}
}

// AuthorizationHeader carries the caller's Cognito ID token (the raw JWT)
// on every route that is not public.
const AuthorizationHeader = "Authorization"

// API is the REST API and the functions behind it.
type API struct {
	RestAPI    awsapigateway.RestApi
	Authorizer awsapigateway.CognitoUserPoolsAuthorizer
	Functions  map[string]awslambda.Function   // by config.Function name
	Methods    map[string]awsapigateway.Method // by "METHOD /path"
}

// NewAPI creates the REST API, deployed to a stage named stage with access
// logs and tracing, and one function per bounded context: catalog, basket
// (with checkout) and order (with audit). Every route is a Lambda proxy
// integration; every route but the public ones is behind a Cognito
// authorizer of users, which passes the verified token's claims to the
// function (requestContext.authorizer.claims). The resources the
// functions need must already be bound.
func NewAPI(scope constructs.Construct, id, stage string, users awscognito.IUserPool, fns *FunctionFactory) *API {
	c := constructs.NewConstruct(scope, jsii.String(id))
	functions := map[string]awslambda.Function{}
	for _, f := range []config.Function{config.CatalogAPI, config.BasketAPI, config.OrderAPI} {
		functions[f.Name] = fns.New(c, f, FunctionOptions{})
	}
	accessLogs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	api := awsapigateway.NewRestApi(c, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String("shopstream-" + stage),
		Description: jsii.String("shopstream " + stage + " REST API"),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(stage),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_JsonWithStandardFields(nil),
			TracingEnabled:       jsii.Bool(true),
			MetricsEnabled:       jsii.Bool(true),
		},
		// A stage with access logging fails to create unless the region's
		// API Gateway account settings name a CloudWatch Logs role, and a
		// fresh account has none. So the stack creates the role and the
		// AWS::ApiGateway::Account that names it (the stage depends on it),
		// and retains both: the setting is one per account and region, each
		// stage's stack points it at its own role (the last deployed wins,
		// every one of them works), and a deleted stage must not leave the
		// setting naming a deleted role while another stage still logs.
		CloudWatchRole:              jsii.Bool(true),
		CloudWatchRoleRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	integrations := map[string]awsapigateway.LambdaIntegration{}
	for name, fn := range functions {
		integrations[name] = awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{
			Proxy: jsii.Bool(true),
			// One invoke permission per method for the deployed stage only;
			// the console's test button is not worth doubling them.
			AllowTestInvoke: jsii.Bool(false),
		})
	}
	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(c, jsii.String("Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{users},
		IdentitySource:   jsii.String("method.request.header." + AuthorizationHeader),
	})
	methods := map[string]awsapigateway.Method{}
	for _, r := range Routes() {
		opts := &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_COGNITO, Authorizer: authorizer}
		if r.Public {
			opts = &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_NONE}
		}
		m := api.Root().ResourceForPath(jsii.String(strings.TrimPrefix(r.Path, "/"))).AddMethod(jsii.String(r.Method), integrations[r.Function], opts)
		if r.Public {
			cdknag.NagSuppressions_AddResourceSuppressions(m, &[]*cdknag.NagPackSuppression{
				{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String("public catalog reads, by design")},
				{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String("public catalog reads, by design")},
			}, jsii.Bool(false))
		}
		methods[r.Method+" "+r.Path] = m
	}
	cdknag.NagSuppressions_AddResourceSuppressions(api, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG2"), Reason: jsii.String(
			"Each handler validates its input strictly and answers 400 naming the field and the reason " +
				"(DESIGN §6); API Gateway models would duplicate those rules in a second place.")},
		{Id: jsii.String("AwsSolutions-APIG3"), Reason: jsii.String(
			"No WAF web ACL in the sample stack (a monthly cost per ACL); associate one for production.")},
		{Id: jsii.String("AwsSolutions-APIG6"), Reason: jsii.String(
			"Access logging and X-Ray tracing are on for every method; execution logs would go to a " +
				"log group API Gateway creates outside the stack, never expiring and outliving it.")},
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(
			"The API Gateway account's CloudWatch Logs role uses the AWS managed policy made for it, " +
				"as the API Gateway guide prescribes; it grants log delivery only."),
			AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}},
	}, jsii.Bool(true))
	return &API{RestAPI: api, Authorizer: authorizer, Functions: functions, Methods: methods}
}
