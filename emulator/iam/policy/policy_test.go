package policy

import (
	"strings"
	"testing"
)

// Documentation pages the cases come from (IAM User Guide unless noted).
const (
	docOperators  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
	docMultiValue = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html"
	docEvaluation = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html"
	docResource   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
	docVariables  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
	docCondition  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
	docNotAction  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
	docPrincipal  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
	// DynamoDB Developer Guide: fine-grained access control.
	docLeadingKeys = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html"
)

type evalCase struct {
	name    string
	doc     string // page the policy and the expected outcome come from
	policy  string
	action  string
	res     string
	ctx     map[string][]string
	princ   *Principal
	want    Decision
	wantSid string // the deciding statement, when it matters
}

func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func run(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseJSON([]byte(c.policy))
			if err != nil {
				t.Fatalf("parse (%s): %v", c.doc, err)
			}
			cx := Context{}
			for k, v := range c.ctx {
				cx.Set(k, v...)
			}
			res := c.res
			if res == "" {
				res = "*"
			}
			got, st := p.Evaluate(&Request{Action: c.action, Resource: res, Context: cx, Principal: c.princ})
			if got != c.want {
				t.Fatalf("%s %s: got %v, want %v (%s)", c.action, res, got, c.want, c.doc)
			}
			if c.wantSid != "" && (st == nil || st.Sid != c.wantSid) {
				t.Fatalf("decided by %+v, want Sid %s", st, c.wantSid)
			}
		})
	}
}

func TestStringOperators(t *testing.T) {
	tagPolicy := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*",
		"Resource":"arn:aws:iam::111122223333:user/*",
		"Condition":{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}}}`
	homeDir := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::BUCKET-NAME",
		 "Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}},
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET-NAME/home/${aws:username}","arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"]}]}`
	user := "arn:aws:iam::111122223333:user/Bob"
	run(t, []evalCase{
		{"StringEquals tag present", docOperators, tagPolicy, "iam:CreateAccessKey", user, ctx("aws:PrincipalTag/job-category", "iamuser-admin"), nil, Allowed, ""},
		{"StringEquals tag key is case-insensitive", docOperators, tagPolicy, "iam:CreateAccessKey", user, ctx("AWS:PRINCIPALTAG/JOB-CATEGORY", "iamuser-admin"), nil, Allowed, ""},
		{"StringEquals value is case-sensitive", docOperators, tagPolicy, "iam:CreateAccessKey", user, ctx("aws:PrincipalTag/job-category", "IAMUSER-ADMIN"), nil, ImplicitDeny, ""},
		{"StringEquals tag missing: implicitly denied", docOperators, tagPolicy, "iam:UpdateAccessKey", user, nil, nil, ImplicitDeny, ""},
		{"action wildcard in the middle", docOperators, tagPolicy, "iam:ListAccessKeys", user, ctx("aws:PrincipalTag/job-category", "iamuser-admin"), nil, Allowed, ""},
		{"action outside the pattern", docOperators, tagPolicy, "iam:ListUsers", user, ctx("aws:PrincipalTag/job-category", "iamuser-admin"), nil, ImplicitDeny, ""},
		{"StringLike with a policy variable: own prefix", docOperators, homeDir, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", ctx("aws:username", "David", "s3:prefix", "home/David/"), nil, Allowed, ""},
		{"StringLike with a policy variable: empty prefix", docOperators, homeDir, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", ctx("aws:username", "David", "s3:prefix", ""), nil, Allowed, ""},
		{"StringLike with a policy variable: someone else's prefix", docOperators, homeDir, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", ctx("aws:username", "David", "s3:prefix", "home/Bob/"), nil, ImplicitDeny, ""},
		{"variable in Resource: own home", docOperators, homeDir, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt", ctx("aws:username", "David"), nil, Allowed, ""},
		{"variable in Resource: other home", docOperators, homeDir, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/Bob/notes.txt", ctx("aws:username", "David"), nil, ImplicitDeny, ""},
		{"variable without a value matches nothing", docVariables, homeDir, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home//notes.txt", nil, nil, ImplicitDeny, ""},
		{"StringNotLike: key missing is true", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"private/*"}}}}`,
			"s3:ListBucket", "arn:aws:s3:::b", nil, nil, Allowed, ""},
		{"StringNotLike: matching value is false", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"private/*"}}}}`,
			"s3:ListBucket", "arn:aws:s3:::b", ctx("s3:prefix", "private/x"), nil, ImplicitDeny, ""},
		{"StringEqualsIgnoreCase", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Ops"}}}}`,
			"sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", ctx("aws:PrincipalTag/team", "OPS"), nil, Allowed, ""},
		{"StringNotEqualsIgnoreCase", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"Ops"}}}}`,
			"sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", ctx("aws:PrincipalTag/team", "ops"), nil, ImplicitDeny, ""},
	})
}

func TestNumericDateBoolBinaryIP(t *testing.T) {
	maxKeys := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket","Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}}`
	issued := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}}}`
	secure := `{"Version":"2012-10-17","Statement":[{"Sid":"BooleanExample","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	binary := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}}}`
	ip := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"someservice:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}}}`
	bucket := "arn:aws:s3:::example_bucket"
	user := "arn:aws:iam::111122223333:user/Bob"
	run(t, []evalCase{
		{"NumericLessThanEquals: equal", docOperators, maxKeys, "s3:ListBucket", bucket, ctx("s3:max-keys", "10"), nil, Allowed, ""},
		{"NumericLessThanEquals: less, decimal", docOperators, maxKeys, "s3:ListBucket", bucket, ctx("s3:max-keys", "9.5"), nil, Allowed, ""},
		{"NumericLessThanEquals: more", docOperators, maxKeys, "s3:ListBucket", bucket, ctx("s3:max-keys", "11"), nil, ImplicitDeny, ""},
		{"NumericLessThanEquals: key missing", docOperators, maxKeys, "s3:ListBucket", bucket, nil, nil, ImplicitDeny, ""},
		{"DateGreaterThan: after", docOperators, issued, "iam:CreateAccessKey", user, ctx("aws:TokenIssueTime", "2020-06-01T10:00:00Z"), nil, Allowed, ""},
		{"DateGreaterThan: epoch seconds after", docOperators, issued, "iam:CreateAccessKey", user, ctx("aws:TokenIssueTime", "1600000000"), nil, Allowed, ""},
		{"DateGreaterThan: before", docOperators, issued, "iam:CreateAccessKey", user, ctx("aws:TokenIssueTime", "2019-12-31T23:59:59Z"), nil, ImplicitDeny, ""},
		{"DateGreaterThan: long-term keys have no token time", docOperators, issued, "iam:CreateAccessKey", user, nil, nil, ImplicitDeny, ""},
		{"Bool: insecure request explicitly denied", docOperators, secure, "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a", ctx("aws:SecureTransport", "false"), nil, ExplicitDeny, "BooleanExample"},
		{"Bool: secure request allowed by the other statement", docOperators, secure, "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a", ctx("aws:SecureTransport", "true"), nil, Allowed, "All"},
		{"Bool: JSON true in the policy", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}}`,
			"s3:GetObject", "arn:aws:s3:::b/a", ctx("aws:SecureTransport", "true"), nil, Allowed, ""},
		{"BinaryEquals: same bytes", docOperators, binary, "x:Y", "", ctx("key", "BinaryValueInBase64"), nil, Allowed, ""},
		{"BinaryEquals: other bytes", docOperators, binary, "x:Y", "", ctx("key", "Other"), nil, ImplicitDeny, ""},
		{"IpAddress: IPv4 in range", docOperators, ip, "someservice:Do", "", ctx("aws:SourceIp", "203.0.113.7"), nil, Allowed, ""},
		{"IpAddress: IPv6 in range", docOperators, ip, "someservice:Do", "", ctx("aws:SourceIp", "2001:db8:1234:5678::1"), nil, Allowed, ""},
		{"IpAddress: out of range", docOperators, ip, "someservice:Do", "", ctx("aws:SourceIp", "198.51.100.1"), nil, ImplicitDeny, ""},
		{"NotIpAddress: out of range", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}}`,
			"s3:GetObject", "", ctx("aws:SourceIp", "203.0.113.1"), nil, ExplicitDeny, ""},
		{"address without a prefix is /32", docOperators,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.1"}}}}`,
			"s3:GetObject", "", ctx("aws:SourceIp", "203.0.113.2"), nil, ImplicitDeny, ""},
	})
}

func TestARNOperatorsAndIfExistsAndNull(t *testing.T) {
	value := "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
	cond := func(op string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"` + op + `":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}}}`
	}
	queue := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"SQS:SendMessage",
		"Resource":"arn:aws:sqs:REGION:123456789012:QUEUE-ID","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:REGION:123456789012:TOPIC-ID"}}}}`
	runInstances := func(op string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"RunInstance","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
			"Condition":{"` + op + `":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}]}`
	}
	noTemp := `{"Version":"2012-10-17","Statement":{"Action":"ec2:*","Effect":"Allow","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}}`
	tagged := `{"Version":"2012-10-17","Statement":[{"Sid":"deny","Effect":"Deny","Action":"ec2:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:ResourceTag/env":"dev"}}},{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`
	queueARN := "arn:aws:sqs:REGION:123456789012:QUEUE-ID"
	svc := &Principal{AWS: []string{"arn:aws:iam::123456789012:role/r"}, Account: "123456789012"}
	run(t, []evalCase{
		{"StringLike spans colons", docOperators, cond("StringLike"), "x:Y", "", ctx("aws:SourceArn", value), nil, Allowed, ""},
		{"ArnLike matches per segment", docOperators, cond("ArnLike"), "x:Y", "", ctx("aws:SourceArn", value), nil, ImplicitDeny, ""},
		{"ArnLike same shape", docOperators, cond("ArnLike"), "x:Y", "", ctx("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/q1.txt"), nil, Allowed, ""},
		{"ArnEquals takes wildcards too", docOperators, cond("ArnEquals"), "x:Y", "", ctx("aws:SourceArn", "arn:aws:someservice:eu-west-1:111122223333:finance/x"), nil, Allowed, ""},
		{"ArnNotLike missing key is true", docOperators, cond("ArnNotLike"), "x:Y", "", nil, nil, Allowed, ""},
		{"ArnNotEquals matching value is false", docOperators, cond("ArnNotEquals"), "x:Y", "", ctx("aws:SourceArn", "arn:aws:someservice:eu-west-1:111122223333:finance/x"), nil, ImplicitDeny, ""},
		// The queue policy's Allow names the account: within it, that
		// delegates to identity policies (see TestResourcePolicyPrincipals).
		{"queue policy: ArnEquals on SourceArn, service principal", docOperators,
			strings.Replace(queue, `{"AWS":"123456789012"}`, `{"Service":"sns.amazonaws.com"}`, 1),
			"sqs:SendMessage", queueARN, ctx("aws:SourceArn", "arn:aws:sns:REGION:123456789012:TOPIC-ID"), &Principal{Service: "sns.amazonaws.com"}, Allowed, ""},
		{"queue policy: other topic", docOperators,
			strings.Replace(queue, `{"AWS":"123456789012"}`, `{"Service":"sns.amazonaws.com"}`, 1),
			"sqs:SendMessage", queueARN, ctx("aws:SourceArn", "arn:aws:sns:REGION:123456789012:OTHER"), &Principal{Service: "sns.amazonaws.com"}, ImplicitDeny, ""},
		{"queue policy: direct call has no SourceArn", docOperators,
			strings.Replace(queue, `{"AWS":"123456789012"}`, `{"AWS":"*"}`, 1),
			"sqs:SendMessage", queueARN, nil, svc, ImplicitDeny, ""},
		{"without IfExists a resource lacking the key fails", docOperators, runInstances("StringLike"), "ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1", nil, nil, ImplicitDeny, ""},
		{"IfExists: resource without the key", docOperators, runInstances("StringLikeIfExists"), "ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1", nil, nil, Allowed, ""},
		{"IfExists: allowed instance type", docOperators, runInstances("StringLikeIfExists"), "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*", ctx("ec2:InstanceType", "t2.micro"), nil, Allowed, ""},
		{"IfExists: other instance type", docOperators, runInstances("StringLikeIfExists"), "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*", ctx("ec2:InstanceType", "m4.large"), nil, ImplicitDeny, ""},
		{"Deny with a negated IfExists still denies without the tag", docOperators, tagged, "ec2:StartInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", nil, nil, ExplicitDeny, "deny"},
		{"Deny with a negated IfExists: tag matches", docOperators, tagged, "ec2:StartInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", ctx("aws:ResourceTag/env", "dev"), nil, Allowed, ""},
		{"Null true: long-term credentials", docOperators, noTemp, "ec2:DescribeInstances", "", nil, nil, Allowed, ""},
		{"Null true: temporary credentials", docOperators, noTemp, "ec2:DescribeInstances", "", ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), nil, ImplicitDeny, ""},
		{"Null false: key present", docOperators, strings.Replace(noTemp, `"true"`, `"false"`, 1), "ec2:DescribeInstances", "", ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), nil, Allowed, ""},
	})
}

func TestSetOperators(t *testing.T) {
	allowSome := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/Thread",
		"Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["ID","Message","Tags"]}}}]}`
	denyAny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:*:*:table/Thread",
		"Condition":{"ForAnyValue:StringEquals":{"dynamodb:Attributes":["ID","PostDateTime"]}}},
		{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`
	// The DynamoDB guide's per-user partition: ForAllValues:StringEquals on
	// dynamodb:LeadingKeys with a policy variable.
	leading := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","dynamodb:PutItem"],
		"Resource":["arn:aws:dynamodb:*:*:table/GameScores"],
		"Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${www.amazon.com:user_id}"]}}}]}`
	// What the stack uses: ForAllValues:StringLike on LeadingKeys prefixes.
	prefixes := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Events",
		"Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["product#*","basket#*"]}}}]}`
	anyNot := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
		"Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}}]}`
	allNot := strings.Replace(anyNot, "ForAnyValue", "ForAllValues", 1)
	thread := "arn:aws:dynamodb:us-east-1:111122223333:table/Thread"
	scores := "arn:aws:dynamodb:us-east-1:111122223333:table/GameScores"
	events := "arn:aws:dynamodb:us-east-1:000000000000:table/Events"
	attrs := func(vs ...string) map[string][]string { return map[string][]string{"dynamodb:Attributes": vs} }
	keys := func(vs ...string) map[string][]string { return map[string][]string{"dynamodb:LeadingKeys": vs} }
	run(t, []evalCase{
		{"ForAllValues: every value listed", docMultiValue, allowSome, "dynamodb:GetItem", thread, attrs("Message", "Tags"), nil, Allowed, ""},
		{"ForAllValues: one value not listed", docMultiValue, allowSome, "dynamodb:GetItem", thread, attrs("ID", "UserName"), nil, ImplicitDeny, ""},
		{"ForAllValues: key absent is true", docMultiValue, allowSome, "dynamodb:GetItem", thread, nil, nil, Allowed, ""},
		{"ForAnyValue Deny: one forbidden attribute", docMultiValue, denyAny, "dynamodb:PutItem", thread, attrs("PostDateTime", "Message"), nil, ExplicitDeny, ""},
		{"ForAnyValue Deny: no forbidden attribute", docMultiValue, denyAny, "dynamodb:PutItem", thread, attrs("UserName"), nil, Allowed, ""},
		{"ForAnyValue: key absent is false", docMultiValue, denyAny, "dynamodb:PutItem", thread, nil, nil, Allowed, ""},
		{"LeadingKeys: own partition", docLeadingKeys, leading, "dynamodb:GetItem", scores, map[string][]string{"dynamodb:LeadingKeys": {"u-1"}, "www.amazon.com:user_id": {"u-1"}}, nil, Allowed, ""},
		{"LeadingKeys: someone else's partition", docLeadingKeys, leading, "dynamodb:Query", scores, map[string][]string{"dynamodb:LeadingKeys": {"u-2"}, "www.amazon.com:user_id": {"u-1"}}, nil, ImplicitDeny, ""},
		{"LeadingKeys prefixes: all match", docMultiValue, prefixes, "dynamodb:PutItem", events, keys("product#1", "basket#alice"), nil, Allowed, ""},
		{"LeadingKeys prefixes: one outside", docMultiValue, prefixes, "dynamodb:PutItem", events, keys("product#1", "order#9"), nil, ImplicitDeny, ""},
		{"LeadingKeys prefixes: case-sensitive", docMultiValue, prefixes, "dynamodb:PutItem", events, keys("Product#1"), nil, ImplicitDeny, ""},
		{"ForAnyValue negated: one value outside the set", docMultiValue, anyNot, "x:Tag", "", map[string][]string{"aws:TagKeys": {"a", "c"}}, nil, Allowed, ""},
		{"ForAnyValue negated: all inside the set", docMultiValue, anyNot, "x:Tag", "", map[string][]string{"aws:TagKeys": {"a", "b"}}, nil, ImplicitDeny, ""},
		{"ForAllValues negated: none inside the set", docMultiValue, allNot, "x:Tag", "", map[string][]string{"aws:TagKeys": {"c", "d"}}, nil, Allowed, ""},
		{"ForAllValues negated: one inside the set", docMultiValue, allNot, "x:Tag", "", map[string][]string{"aws:TagKeys": {"a", "d"}}, nil, ImplicitDeny, ""},
	})
}

func TestMultipleConditionsAndValues(t *testing.T) {
	// Operators are ANDed, the values of one key ORed.
	p := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{
		"DateGreaterThan":{"aws:CurrentTime":"2019-07-16T12:00:00Z"},
		"DateLessThan":{"aws:CurrentTime":"2019-07-16T15:00:00Z"},
		"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}}`
	twoKeys := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"events:PutEvents","Resource":"*","Condition":{
		"StringEquals":{"events:source":["shopstream.catalog","shopstream.basket"],"events:detail-type":"ProductCreated"}}}}`
	run(t, []evalCase{
		{"all three hold (second range)", docMultiValue, p, "sqs:SendMessage", "", ctx("aws:CurrentTime", "2019-07-16T13:00:00Z", "aws:SourceIp", "203.0.113.9"), nil, Allowed, ""},
		{"too late", docMultiValue, p, "sqs:SendMessage", "", ctx("aws:CurrentTime", "2019-07-16T16:00:00Z", "aws:SourceIp", "203.0.113.9"), nil, ImplicitDeny, ""},
		{"wrong address", docMultiValue, p, "sqs:SendMessage", "", ctx("aws:CurrentTime", "2019-07-16T13:00:00Z", "aws:SourceIp", "198.51.100.1"), nil, ImplicitDeny, ""},
		{"two keys under one operator: both hold", docCondition, twoKeys, "events:PutEvents", "", ctx("events:source", "shopstream.basket", "events:detail-type", "ProductCreated"), nil, Allowed, ""},
		{"two keys under one operator: one fails", docCondition, twoKeys, "events:PutEvents", "", ctx("events:source", "shopstream.basket", "events:detail-type", "OrderPlaced"), nil, ImplicitDeny, ""},
		{"two keys under one operator: one missing", docCondition, twoKeys, "events:PutEvents", "", ctx("events:source", "shopstream.basket"), nil, ImplicitDeny, ""},
	})
}

func TestActionsResourcesAndEvaluation(t *testing.T) {
	tables := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["dynamodb:Get*","DynamoDB:PutItem"],
		"Resource":["arn:aws:dynamodb:us-east-2:111122223333:table/books_table","arn:aws:dynamodb:us-east-2:111122223333:table/magazines_table"]}}`
	accounting := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::111122223333:user/accounting/*"}}`
	ownTable := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-2:111122223333:table/${aws:username}"}}`
	cdkGrant := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["dynamodb:Query","dynamodb:GetItem"],
		"Resource":["arn:aws:dynamodb:us-east-1:000000000000:table/Events","arn:aws:dynamodb:us-east-1:000000000000:table/Events/index/*"]}}`
	lambdaGrant := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction",
		"Resource":["arn:aws:lambda:us-east-1:000000000000:function:price","arn:aws:lambda:us-east-1:000000000000:function:price:*"]}}`
	notAction := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`
	notResource := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"deny","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}]}`
	denyWins := `{"Version":"2012-10-17","Statement":[{"Sid":"allow","Effect":"Allow","Action":"dynamodb:*","Resource":"*"},
		{"Sid":"deny","Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}]}`
	books := "arn:aws:dynamodb:us-east-2:111122223333:table/books_table"
	run(t, []evalCase{
		{"listed resource", docResource, tables, "dynamodb:GetItem", books, nil, nil, Allowed, ""},
		{"second listed resource", docResource, tables, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-2:111122223333:table/magazines_table", nil, nil, Allowed, ""},
		{"unlisted resource", docResource, tables, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-2:111122223333:table/other", nil, nil, ImplicitDeny, ""},
		{"action names ignore case", docResource, tables, "dynamodb:putitem", books, nil, nil, Allowed, ""},
		{"action prefix wildcard", docResource, tables, "dynamodb:GetRecords", books, nil, nil, Allowed, ""},
		{"action outside the prefix", docResource, tables, "dynamodb:DeleteItem", books, nil, nil, ImplicitDeny, ""},
		{"resources are case-sensitive", docResource, tables, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-2:111122223333:table/Books_table", nil, nil, ImplicitDeny, ""},
		{"path wildcard", docResource, accounting, "iam:GetUser", "arn:aws:iam::111122223333:user/accounting/bob", nil, nil, Allowed, ""},
		{"other path", docResource, accounting, "iam:GetUser", "arn:aws:iam::111122223333:user/marketing/bob", nil, nil, ImplicitDeny, ""},
		{"variable names the table", docResource, ownTable, "dynamodb:Query", "arn:aws:dynamodb:us-east-2:111122223333:table/alice", ctx("aws:username", "alice"), nil, Allowed, ""},
		{"variable: another user's table", docResource, ownTable, "dynamodb:Query", "arn:aws:dynamodb:us-east-2:111122223333:table/bob", ctx("aws:username", "alice"), nil, ImplicitDeny, ""},
		{"variable value is literal, not a wildcard", docVariables, ownTable, "dynamodb:Query", "arn:aws:dynamodb:us-east-2:111122223333:table/bob", ctx("aws:username", "*"), nil, ImplicitDeny, ""},
		{"CDK grant: table", docResource, cdkGrant, "dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/Events", nil, nil, Allowed, ""},
		{"CDK grant: index", docResource, cdkGrant, "dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/Events/index/byType", nil, nil, Allowed, ""},
		{"CDK grant: another table's index", docResource, cdkGrant, "dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/EventsX/index/byType", nil, nil, ImplicitDeny, ""},
		{"CDK grant: the stream is not the table", docResource, cdkGrant, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Events/stream/2024", nil, nil, ImplicitDeny, ""},
		{"function grant: unqualified", docResource, lambdaGrant, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:price", nil, nil, Allowed, ""},
		{"function grant: qualified", docResource, lambdaGrant, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:price:live", nil, nil, Allowed, ""},
		{"function grant: prefix is not a match", docResource, lambdaGrant, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:pricex", nil, nil, ImplicitDeny, ""},
		{"a segment wildcard does not span colons", docResource,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:lambda:*:function:f"}}`,
			"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:f", nil, nil, ImplicitDeny, ""},
		{"request on no resource needs Resource *", docResource, tables, "dynamodb:GetItem", "*", nil, nil, ImplicitDeny, ""},
		{"NotAction allows other services", docNotAction, notAction, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", nil, nil, Allowed, ""},
		{"NotAction excludes its actions", docNotAction, notAction, "iam:CreateUser", "arn:aws:iam::1:user/x", nil, nil, ImplicitDeny, ""},
		{"NotResource deny spares the listed ones", docNotAction, notResource, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x", nil, nil, Allowed, ""},
		{"NotResource deny hits the rest", docNotAction, notResource, "s3:GetObject", "arn:aws:s3:::HRBucket/Other", nil, nil, ExplicitDeny, "deny"},
		{"explicit deny overrides allow", docEvaluation, denyWins, "dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:1:table/t", nil, nil, ExplicitDeny, "deny"},
		{"allow where no deny applies", docEvaluation, denyWins, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t", nil, nil, Allowed, "allow"},
		{"nothing applies: implicit deny", docEvaluation, `{"Version":"2012-10-17","Statement":[]}`, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t", nil, nil, ImplicitDeny, ""},
	})
}

func TestResourcePolicyPrincipals(t *testing.T) {
	role := "arn:aws:iam::000000000000:role/fn"
	session := "arn:aws:sts::000000000000:assumed-role/fn/f"
	me := &Principal{AWS: []string{role, session}, Account: "000000000000"}
	events := &Principal{Service: "events.amazonaws.com", Account: "000000000000"}
	policy := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + principal + `,"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:q"}}`
	}
	q := "arn:aws:sqs:us-east-1:000000000000:q"
	run(t, []evalCase{
		{"role ARN", docPrincipal, policy(`{"AWS":"` + role + `"}`), "sqs:SendMessage", q, nil, me, Allowed, ""},
		{"session ARN", docPrincipal, policy(`{"AWS":["x","` + session + `"]}`), "sqs:SendMessage", q, nil, me, Allowed, ""},
		{"another role", docPrincipal, policy(`{"AWS":"arn:aws:iam::000000000000:role/other"}`), "sqs:SendMessage", q, nil, me, ImplicitDeny, ""},
		{"everyone", docPrincipal, policy(`"*"`), "sqs:SendMessage", q, nil, me, Allowed, ""},
		{"AWS *", docPrincipal, policy(`{"AWS":"*"}`), "sqs:SendMessage", q, nil, events, Allowed, ""},
		{"service principal", docPrincipal, policy(`{"Service":["events.amazonaws.com"]}`), "sqs:SendMessage", q, nil, events, Allowed, ""},
		{"service principal does not match a role", docPrincipal, policy(`{"Service":"events.amazonaws.com"}`), "sqs:SendMessage", q, nil, me, ImplicitDeny, ""},
		// Naming the account delegates to the account's identity policies.
		{"account id grants nothing by itself", docPrincipal, policy(`{"AWS":"000000000000"}`), "sqs:SendMessage", q, nil, me, ImplicitDeny, ""},
		{"account root grants nothing by itself", docPrincipal, policy(`{"AWS":"arn:aws:iam::000000000000:root"}`), "sqs:SendMessage", q, nil, me, ImplicitDeny, ""},
		{"account deny applies", docPrincipal, strings.Replace(policy(`{"AWS":"000000000000"}`), "Allow", "Deny", 1), "sqs:SendMessage", q, nil, me, ExplicitDeny, ""},
		{"NotPrincipal", docPrincipal, strings.Replace(strings.Replace(policy(`{"AWS":"`+role+`"}`), "Allow", "Deny", 1), `"Principal"`, `"NotPrincipal"`, 1), "sqs:SendMessage", q, nil, events, ExplicitDeny, ""},
		{"statement without a principal does not apply", docPrincipal,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}`, "sqs:SendMessage", q, nil, me, ImplicitDeny, ""},
	})
}

func TestPolicyVariables(t *testing.T) {
	p := func(res string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + res + `"}}`
	}
	run(t, []evalCase{
		{"default value", docVariables, p(`arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*`), "s3:GetObject", "arn:aws:s3:::b/company-wide/x", nil, nil, Allowed, ""},
		{"value wins over the default", docVariables, p(`arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*`), "s3:GetObject", "arn:aws:s3:::b/ops/x", ctx("aws:PrincipalTag/team", "ops"), nil, Allowed, ""},
		{"${*} is a literal asterisk", docVariables, p(`arn:aws:s3:::b/${*}`), "s3:GetObject", "arn:aws:s3:::b/*", nil, nil, Allowed, ""},
		{"${*} is not a wildcard", docVariables, p(`arn:aws:s3:::b/${*}`), "s3:GetObject", "arn:aws:s3:::b/x", nil, nil, ImplicitDeny, ""},
		{"${$} and ${?}", docVariables, p(`arn:aws:s3:::b/${$}${?}`), "s3:GetObject", "arn:aws:s3:::b/$?", nil, nil, Allowed, ""},
		{"multivalued key is no variable", docVariables, p(`arn:aws:s3:::b/${aws:TagKeys}`), "s3:GetObject", "arn:aws:s3:::b/a", map[string][]string{"aws:TagKeys": {"a", "b"}}, nil, ImplicitDeny, ""},
		{"version 2008 has no variables", docVariables,
			`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}}`,
			"s3:GetObject", "arn:aws:s3:::b/${aws:username}", ctx("aws:username", "alice"), nil, Allowed, ""},
	})
}

func TestParse(t *testing.T) {
	// Documents as CloudFormation resolves them: a Statement object or a
	// list, values as strings or lists, JSON bools and numbers.
	cfn := map[string]any{
		"Version": "2012-10-17",
		"Statement": map[string]any{
			"Effect": "Allow", "Action": []any{"sqs:SendMessage"}, "Resource": "*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": true}, "NumericLessThan": map[string]any{"n": 3.0}},
		},
	}
	p, err := Parse(cfn)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 1 || len(p.Statements[0].Conditions) != 2 {
		t.Fatalf("parsed %+v", p.Statements)
	}
	bad := []struct{ doc, want string }{
		{`{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`, "Effect"},
		{`{"Statement":{"Effect":"Allow","Resource":"*"}}`, "needs Action or NotAction"},
		{`{"Statement":{"Effect":"Allow","Action":"*","NotAction":"x:Y","Resource":"*"}}`, "both Action and NotAction"},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"k":"v"}}}}`, "unknown condition operator"},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringLike":{"k":"v"}}}}`, "unknown set qualifier"},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"k":"ten"}}}}`, "not a number"},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":"maybe"}}}}`, "the Null operator takes true or false"},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"someone"}}`, "must be \"*\""},
		{`{"Version":"2020-01-01","Statement":[]}`, "Version"},
		{`{"Version":"2012-10-17"}`, "no Statement"},
	}
	for _, b := range bad {
		if _, err := ParseJSON([]byte(b.doc)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseJSON(%s) = %v, want an error containing %q", b.doc, err, b.want)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"*", "", false, true},
		{"a*c", "abbbc", false, true},
		{"a*c", "abbbd", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true}, // one character, two bytes
		{"*x*y*", "axbxcy", false, true},
		{"DynamoDB:get*", "dynamodb:GetItem", true, true},
		{"dynamodb:get*", "dynamodb:GetItem", false, false},
	}
	for _, tt := range tests {
		if got := glob(tt.p, tt.s, tt.fold); got != tt.want {
			t.Errorf("glob(%q, %q, %v) = %v, want %v", tt.p, tt.s, tt.fold, got, tt.want)
		}
	}
}
