package logs_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// recorder is a telemetry.Metrics that keeps what it is given: the edge
// where the CloudWatch metrics service plugs in.
type recorder struct {
	mu     sync.Mutex
	points []telemetry.Datum
}

func (r *recorder) Record(d telemetry.Datum) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.points = append(r.points, d)
}

// taken returns and forgets the points recorded in namespace ns.
func (r *recorder) taken(ns string) []telemetry.Datum {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []telemetry.Datum
	for _, d := range r.points {
		if d.Namespace == ns {
			out = append(out, d)
		}
	}
	r.points = nil
	return out
}

// ordering's ForgedEvents line, as lambdas/ordering/security.go writes it.
const forged = `{"_aws":{"Timestamp":1796637600000,"CloudWatchMetrics":[{"Namespace":"Shopstream","Dimensions":[["Stage"]],"Metrics":[{"Name":"ForgedEvents","Unit":"Count"}]}]},"Stage":"dev","ForgedEvents":1,"checkout":"c-1","source":"evil"}`

func TestEMF(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		line string
		want []telemetry.Datum
	}{
		{"ordering's ForgedEvents", forged, []telemetry.Datum{{Namespace: "Shopstream", Name: "ForgedEvents",
			Dimensions: map[string]string{"Stage": "dev"}, Value: 1, Unit: "Count", Time: time.UnixMilli(1796637600000)}}},
		{"dimension sets, value arrays, no unit, no timestamp",
			`{"_aws":{"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[["Fn","Stage"],[]],"Metrics":[{"Name":"Latency"}]}]},"Fn":"f","Stage":"dev","Latency":[5,7]}`,
			[]telemetry.Datum{
				{Namespace: "App", Name: "Latency", Dimensions: map[string]string{"Fn": "f", "Stage": "dev"}, Value: 5, Unit: "None", Time: at},
				{Namespace: "App", Name: "Latency", Dimensions: map[string]string{"Fn": "f", "Stage": "dev"}, Value: 7, Unit: "None", Time: at},
				{Namespace: "App", Name: "Latency", Value: 5, Unit: "None", Time: at},
				{Namespace: "App", Name: "Latency", Value: 7, Unit: "None", Time: at},
			}},
		{"a missing dimension member voids the directive",
			`{"_aws":{"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[["Stage"]],"Metrics":[{"Name":"N"}]}]},"N":1}`, nil},
		{"a non-numeric metric member yields nothing",
			`{"_aws":{"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[[]],"Metrics":[{"Name":"N"}]}]},"N":"one"}`, nil},
		{"AWS/ namespaces are reserved",
			`{"_aws":{"CloudWatchMetrics":[{"Namespace":"AWS/Lambda","Dimensions":[[]],"Metrics":[{"Name":"N"}]}]},"N":1}`, nil},
		{"plain JSON log line", `{"level":"INFO","msg":"_aws mentioned"}`, nil},
		{"text", `START RequestId: 1 "_aws"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logs.EMF(tt.line, at); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("EMF = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Both ways in — a producer's Put and the API's PutLogEvents — keep the
// line and record its metrics.
func TestEMFLinesBecomeMetrics(t *testing.T) {
	rec := &recorder{}
	e := newEnv(t, nil, logs.Options{Metrics: rec, Now: time.Now})
	e.svc.Put(telemetry.LogEvent{Group: "/aws/lambda/ordering", Stream: "s", Time: time.Now(), Message: forged})
	want := []telemetry.Datum{{Namespace: "Shopstream", Name: "ForgedEvents", Dimensions: map[string]string{"Stage": "dev"}, Value: 1, Unit: "Count", Time: time.UnixMilli(1796637600000)}}
	if got := rec.taken("Shopstream"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Put: %+v", got)
	}
	ctx := context.Background()
	if _, err := e.client.PutLogEvents(ctx, &cwlogs.PutLogEventsInput{LogGroupName: aws.String("/aws/lambda/ordering"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Message: aws.String("plain"), Timestamp: aws.Int64(time.Now().UnixMilli())}, {Message: aws.String(forged), Timestamp: aws.Int64(time.Now().UnixMilli())}}}); err != nil {
		t.Fatal(err)
	}
	if got := rec.taken("Shopstream"); !reflect.DeepEqual(got, want) {
		t.Fatalf("PutLogEvents: %+v", got)
	}
	out, err := e.client.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/ordering"), FilterPattern: aws.String("ForgedEvents")})
	if err != nil || len(out.Events) != 2 {
		t.Fatalf("EMF lines kept: %+v %v", out, err)
	}
}

// TestIncomingMeters: both ways in count the accepted events and their
// message bytes (AWS/Logs IncomingLogEvents, IncomingBytes per group),
// which ingestion is billed by; an expired event is not ingested.
func TestIncomingMeters(t *testing.T) {
	m := &localtest.Metrics{}
	e := newEnv(t, nil, logs.Options{Metrics: m})
	e.svc.Put(telemetry.LogEvent{Group: "/aws/lambda/f", Stream: "s", Time: t0, Message: "hello"})
	ctx := context.Background()
	for _, ev := range []types.InputLogEvent{
		{Message: aws.String("too old"), Timestamp: aws.Int64(t0.Add(-15 * 24 * time.Hour).UnixMilli())},
		{Message: aws.String("héllo"), Timestamp: aws.Int64(t0.UnixMilli())},
	} {
		if _, err := e.client.PutLogEvents(ctx, &cwlogs.PutLogEventsInput{LogGroupName: aws.String("/aws/lambda/f"), LogStreamName: aws.String("s"),
			LogEvents: []types.InputLogEvent{ev}}); err != nil {
			t.Fatal(err)
		}
	}
	g := map[string]string{"LogGroupName": "/aws/lambda/f"}
	if n := m.Sum("AWS/Logs", "IncomingLogEvents", g); n != 2 {
		t.Errorf("IncomingLogEvents = %v, want 2", n)
	}
	if n := m.Sum("AWS/Logs", "IncomingBytes", g); n != 11 { // "hello" + "héllo" (é is 2 bytes in UTF-8)
		t.Errorf("IncomingBytes = %v, want 11", n)
	}
}
