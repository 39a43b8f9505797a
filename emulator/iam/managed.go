package iam

import (
	"github.com/shopstream/shopstream/emulator/iam/policy"
)

// awsManagedPrefix begins the ARN of every AWS-managed policy.
const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// awsManagedDocs are the AWS-managed policies CDK constructs attach, with
// the statements of their current default versions (IAM console, "AWS
// managed" policies). Another AWS-managed policy is a startup notice and
// grants nothing locally.
var awsManagedDocs = map[string]string{
	"service-role/AWSLambdaBasicExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"service-role/AWSLambdaDynamoDBExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams",
		"logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"service-role/AWSLambdaSQSQueueExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes",
		"logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"service-role/AWSLambdaKinesisExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator",
		"kinesis:ListShards","kinesis:ListStreams","kinesis:SubscribeToShard",
		"logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"service-role/AWSLambdaVPCAccessExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents",
		"ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","ec2:DeleteNetworkInterface",
		"ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses"],"Resource":"*"}]}`,
	"service-role/AWSLambdaRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["lambda:InvokeFunction"],"Resource":["*"]}]}`,
	"AWSLambdaExecute": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["logs:*"],"Resource":"arn:aws:logs:*:*:*"},
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::*"}]}`,
	"AWSXRayDaemonWriteAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules",
		"xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":["*"]}]}`,
	"CloudWatchLambdaInsightsExecutionRolePolicy": `{"Version":"2012-10-17","Statement":[
		{"Sid":"CloudWatchLambdaInsightsExecutionRolePolicy","Effect":"Allow","Action":["logs:CreateLogGroup"],"Resource":"*"},
		{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda-insights:*"}]}`,
	"service-role/AmazonAPIGatewayPushToCloudWatchLogs": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogGroups","logs:DescribeLogStreams",
		"logs:PutLogEvents","logs:GetLogEvents","logs:FilterLogEvents"],"Resource":"*"}]}`,
}

// awsManaged holds the parsed awsManagedDocs by ARN.
var awsManaged = func() map[string]*policy.Policy {
	m := make(map[string]*policy.Policy, len(awsManagedDocs))
	for name, doc := range awsManagedDocs {
		m[awsManagedPrefix+name] = must(policy.ParseJSON([]byte(doc)))
	}
	return m
}()

func must(p *policy.Policy, err error) *policy.Policy {
	if err != nil {
		panic(err)
	}
	return p
}
