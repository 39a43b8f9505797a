package logs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// TestAuthorization signs requests with credentials issued for roles: a
// writer granted as CDK's LogGroup.grantWrite writes (on the group's Arn,
// which ends in ":*") may create streams and put events in that group only;
// a reader may filter but not write.
func TestAuthorization(t *testing.T) {
	srv, url := localtest.Serve(t)
	svc, err := logs.New(localtest.OpenDB(t, ""), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	svc.Register(srv)
	ctx := context.Background()
	admin := cwlogs.NewFromConfig(awstest.Config(url))
	for _, g := range []string{"/app", "/other"} {
		if _, err := admin.CreateLogGroup(ctx, &cwlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	iam := localtest.EnforceIAM(t, srv)
	client := func(role string, actions []string, resources ...string) *cwlogs.Client {
		cfg := awstest.Config(url)
		cfg.Credentials = iam.Role(role, localtest.Allow(actions, resources...))
		return cwlogs.NewFromConfig(cfg)
	}
	writer := client("writer", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs.GroupARN("/app")+":*")
	reader := client("reader", []string{"logs:FilterLogEvents", "logs:DescribeLogGroups"}, logs.GroupARN("/app"), logs.GroupARN("*"))

	put := func(c *cwlogs.Client, group string) error {
		if _, err := c.CreateLogStream(ctx, &cwlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("s")}); err != nil {
			return err
		}
		_, err := c.PutLogEvents(ctx, &cwlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("s"),
			LogEvents: []types.InputLogEvent{{Message: aws.String("hello"), Timestamp: aws.Int64(time.Now().UnixMilli())}}})
		return err
	}
	if err := put(writer, "/app"); err != nil {
		t.Fatalf("granted writer: %v", err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"writer on another group", put(writer, "/other"), "logs:CreateLogStream on resource: " + logs.GroupARN("/other") + ":log-stream:s"},
		{"writer reading", func() error {
			_, err := writer.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/app")})
			return err
		}(), "logs:FilterLogEvents on resource: " + logs.GroupARN("/app")},
		{"reader writing", put(reader, "/app"), "logs:CreateLogStream"},
		{"reader deleting", func() error {
			_, err := reader.DeleteLogGroup(ctx, &cwlogs.DeleteLogGroupInput{LogGroupName: aws.String("/app")})
			return err
		}(), "logs:DeleteLogGroup"},
	}
	for _, tt := range tests {
		if errCode(tt.err) != "AccessDeniedException" || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: %v, want AccessDeniedException naming %s", tt.name, tt.err, tt.want)
		}
	}
	out, err := reader.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/app")})
	if err != nil || len(out.Events) != 1 {
		t.Fatalf("granted reader: %+v %v", out, err)
	}
	if _, err := reader.DescribeLogGroups(ctx, &cwlogs.DescribeLogGroupsInput{}); err != nil {
		t.Fatalf("granted DescribeLogGroups: %v", err)
	}
}
