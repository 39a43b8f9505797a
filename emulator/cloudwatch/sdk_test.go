package cloudwatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// sdkClient is the Go SDK's CloudWatch client on the JSON 1.0 protocol.
// The client speaks CBOR by default, which the local runtime does not
// serve; CloudWatch also accepts JSON 1.0, which the SDK can be told to use.
func sdkClient(url string) *awscw.Client {
	return awscw.NewFromConfig(awstest.Config(url), func(o *awscw.Options) {
		o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
	})
}

func TestGoSDK(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.Advance(time.Since(start).Truncate(time.Minute)) // the SDK's times are the wall clock's
	cw := sdkClient(e.url)
	ctx := context.Background()
	_, err := cw.PutMetricAlarm(ctx, &awscw.PutMetricAlarmInput{
		AlarmName: aws.String("sdk-dlq"), Namespace: aws.String("AWS/SQS"), MetricName: aws.String("ApproximateNumberOfMessagesVisible"),
		Dimensions: []types.Dimension{{Name: aws.String("QueueName"), Value: aws.String("dlq")}},
		Statistic:  types.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, 1)
	e.minute()
	out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 || *out.MetricAlarms[0].AlarmName != "sdk-dlq" || out.MetricAlarms[0].StateValue != types.StateValueAlarm ||
		out.MetricAlarms[0].StateUpdatedTimestamp == nil || *out.MetricAlarms[0].Threshold != 1 {
		t.Fatalf("DescribeAlarms ALARM: %+v", out.MetricAlarms)
	}

	now := e.clock.Now()
	if _, err := cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: []types.MetricDatum{
		{MetricName: aws.String("Orders"), Value: aws.Float64(3), Timestamp: aws.Time(now.Add(-time.Minute))},
	}}); err != nil {
		t.Fatal(err)
	}
	st, err := cw.GetMetricStatistics(ctx, &awscw.GetMetricStatisticsInput{Namespace: aws.String("Shop"), MetricName: aws.String("Orders"),
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Hour)), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if err != nil || len(st.Datapoints) != 1 || *st.Datapoints[0].Sum != 3 || !st.Datapoints[0].Timestamp.Equal(now.Add(-time.Minute).Truncate(time.Minute)) {
		t.Fatalf("GetMetricStatistics: %v %+v", err, st)
	}
	md, err := cw.GetMetricData(ctx, &awscw.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Hour)),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("o"), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("Shop"), MetricName: aws.String("Orders")}, Period: aws.Int32(60), Stat: aws.String("Sum")}}}})
	if err != nil || len(md.MetricDataResults) != 1 || len(md.MetricDataResults[0].Values) != 1 || md.MetricDataResults[0].Values[0] != 3 {
		t.Fatalf("GetMetricData: %v %+v", err, md)
	}

	// Errors come back as the SDK's typed errors.
	_, err = cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueAlarm, StateReason: aws.String("x")})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) {
		t.Errorf("SetAlarmState on a missing alarm: %v, want ResourceNotFound", err)
	}
	_, err = cw.PutMetricData(ctx, &awscw.PutMetricDataInput{Namespace: aws.String("AWS/Shop"), MetricData: []types.MetricDatum{{MetricName: aws.String("x"), Value: aws.Float64(1)}}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("PutMetricData in AWS/: %v, want InvalidParameterValue", err)
	}
}
