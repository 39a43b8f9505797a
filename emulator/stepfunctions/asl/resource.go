package asl

import "strings"

// Resource is a Task's Resource ARN taken apart the way history events
// report it.
type Resource struct {
	ARN string
	// Lambda is true for a bare function ARN
	// (arn:aws:lambda:region:account:function:name): history then uses the
	// LambdaFunction* events.
	Lambda bool
	// Type and Name are the service integration's resourceType and
	// resource: "lambda"/"invoke" for arn:aws:states:::lambda:invoke,
	// "aws-sdk:dynamodb"/"putItem" for arn:aws:states:::aws-sdk:dynamodb:putItem.
	Type, Name string
	// Pattern is the integration pattern suffix (".sync",
	// ".waitForTaskToken"), empty for request-response.
	Pattern string
}

// ParseResource classifies a Task's Resource ARN.
func ParseResource(arn string) Resource {
	r := Resource{ARN: arn}
	if strings.HasPrefix(arn, "arn:aws:lambda:") {
		r.Lambda = true
		return r
	}
	rest, ok := strings.CutPrefix(arn, "arn:aws:states:::")
	if !ok {
		// Activities and other ARNs: report the service name.
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) > 2 {
			r.Type = parts[2]
		}
		r.Name = arn
		return r
	}
	for _, p := range []string{".sync:2", ".sync", ".waitForTaskToken"} {
		if s, ok := strings.CutSuffix(rest, p); ok {
			rest, r.Pattern = s, p
			break
		}
	}
	i := strings.LastIndex(rest, ":")
	if i < 0 {
		r.Type = rest
		return r
	}
	r.Type, r.Name = rest[:i], rest[i+1:]
	return r
}
