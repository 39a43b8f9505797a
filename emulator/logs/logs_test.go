package logs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

type env struct {
	svc    *logs.Service
	client *cwlogs.Client
	url    string
	clock  *localtest.Clock
}

// t0 is the tests' "now": events are stamped around it.
var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, db *state.DB, opts logs.Options) *env {
	t.Helper()
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	srv, url := localtest.Serve(t)
	clock := localtest.NewClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	svc, err := logs.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	svc.Register(srv)
	return &env{svc: svc, client: cwlogs.NewFromConfig(awstest.Config(url)), url: url, clock: clock}
}

func ms(t time.Time) *int64 { v := t.UnixMilli(); return &v }

func (e *env) put(t *testing.T, group, stream string, at time.Time, msgs ...string) {
	t.Helper()
	var evs []types.InputLogEvent
	for i, m := range msgs {
		evs = append(evs, types.InputLogEvent{Message: aws.String(m), Timestamp: ms(at.Add(time.Duration(i) * time.Millisecond))})
	}
	out, err := e.client.PutLogEvents(context.Background(), &cwlogs.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: evs})
	if err != nil {
		t.Fatalf("PutLogEvents: %v", err)
	}
	if out.RejectedLogEventsInfo != nil {
		t.Fatalf("PutLogEvents rejected %+v", *out.RejectedLogEventsInfo)
	}
}

func messages(evs []types.FilteredLogEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, aws.ToString(e.Message))
	}
	return out
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

// The API through the SDK: groups and streams created, described with a
// prefix and paging, events put, read forward and backward, filtered.
func TestGroupsStreamsEventsThroughSDK(t *testing.T) {
	e := newEnv(t, nil, logs.Options{})
	ctx := context.Background()
	c := e.client
	for _, g := range []string{"/aws/lambda/a", "/aws/lambda/b", "/other"} {
		if _, err := c.CreateLogGroup(ctx, &cwlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateLogGroup(ctx, &cwlogs.CreateLogGroupInput{LogGroupName: aws.String("/other")}); errCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate CreateLogGroup: %v", err)
	}
	if _, err := c.CreateLogGroup(ctx, &cwlogs.CreateLogGroupInput{LogGroupName: aws.String("bad name!")}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("bad name: %v", err)
	}
	// Paging one at a time under a prefix.
	var names []string
	p := cwlogs.NewDescribeLogGroupsPaginator(c, &cwlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/"), Limit: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
			if aws.ToString(g.Arn) != "arn:aws:logs:us-east-1:000000000000:log-group:"+aws.ToString(g.LogGroupName)+":*" {
				t.Errorf("arn %s", aws.ToString(g.Arn))
			}
		}
	}
	if strings.Join(names, ",") != "/aws/lambda/a,/aws/lambda/b" {
		t.Fatalf("DescribeLogGroups pages = %v", names)
	}

	g := "/aws/lambda/a"
	for _, s := range []string{"s1", "s2", "s3"} {
		if _, err := c.CreateLogStream(ctx, &cwlogs.CreateLogStreamInput{LogGroupName: &g, LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateLogStream(ctx, &cwlogs.CreateLogStreamInput{LogGroupName: aws.String("/missing"), LogStreamName: aws.String("s")}); errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("stream in missing group: %v", err)
	}
	if _, err := c.PutLogEvents(ctx, &cwlogs.PutLogEventsInput{LogGroupName: &g, LogStreamName: aws.String("nope"),
		LogEvents: []types.InputLogEvent{{Message: aws.String("x"), Timestamp: ms(t0)}}}); errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("put to missing stream: %v", err)
	}
	if _, err := c.PutLogEvents(ctx, &cwlogs.PutLogEventsInput{LogGroupName: &g, LogStreamName: aws.String("s1"),
		LogEvents: []types.InputLogEvent{{Message: aws.String("b"), Timestamp: ms(t0)}, {Message: aws.String("a"), Timestamp: ms(t0.Add(-time.Second))}}}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("out of order: %v", err)
	}
	e.put(t, g, "s2", t0.Add(-3*time.Minute), "START RequestId: r1", "ERROR payment declined", "END RequestId: r1")
	e.put(t, g, "s1", t0.Add(-2*time.Minute), "INFO order placed id=7", "WARN slow dynamodb", "ERROR \"quoted\" thing")
	e.put(t, g, "s3", t0.Add(-time.Minute), "INFO checkout ok")

	// Streams by last event time, newest first, two per page.
	var streams []string
	sp := cwlogs.NewDescribeLogStreamsPaginator(c, &cwlogs.DescribeLogStreamsInput{LogGroupName: &g, OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(2)})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.LogStreams {
			streams = append(streams, aws.ToString(s.LogStreamName))
		}
	}
	if strings.Join(streams, ",") != "s3,s1,s2" {
		t.Fatalf("DescribeLogStreams by LastEventTime desc = %v", streams)
	}
	if _, err := c.DescribeLogStreams(ctx, &cwlogs.DescribeLogStreamsInput{LogGroupName: &g, OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("s")}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("prefix with LastEventTime: %v", err)
	}

	// GetLogEvents: from the head two at a time, then back from the end.
	var got []string
	var tok *string
	for i := 0; i < 5; i++ {
		out, err := c.GetLogEvents(ctx, &cwlogs.GetLogEventsInput{LogGroupName: &g, LogStreamName: aws.String("s1"), StartFromHead: aws.Bool(true), Limit: aws.Int32(2), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.Events {
			got = append(got, aws.ToString(ev.Message))
		}
		if tok != nil && aws.ToString(out.NextForwardToken) == *tok {
			break // caught up: the same token comes back
		}
		tok = out.NextForwardToken
	}
	if strings.Join(got, "|") != `INFO order placed id=7|WARN slow dynamodb|ERROR "quoted" thing` {
		t.Fatalf("GetLogEvents forward = %q", got)
	}
	last, err := c.GetLogEvents(ctx, &cwlogs.GetLogEventsInput{LogGroupName: &g, LogStreamName: aws.String("s1"), Limit: aws.Int32(1)})
	if err != nil || len(last.Events) != 1 || aws.ToString(last.Events[0].Message) != `ERROR "quoted" thing` {
		t.Fatalf("GetLogEvents tail = %+v, %v", last, err)
	}
	back, err := c.GetLogEvents(ctx, &cwlogs.GetLogEventsInput{LogGroupName: &g, LogStreamName: aws.String("s1"), Limit: aws.Int32(5), NextToken: last.NextBackwardToken})
	if err != nil || len(back.Events) != 2 || aws.ToString(back.Events[0].Message) != "INFO order placed id=7" {
		t.Fatalf("GetLogEvents backward = %+v, %v", back, err)
	}

	filter := func(in *cwlogs.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = &g
		var msgs []string
		fp := cwlogs.NewFilterLogEventsPaginator(c, in)
		for fp.HasMorePages() {
			out, err := fp.NextPage(ctx)
			if err != nil {
				t.Fatalf("FilterLogEvents %q: %v", aws.ToString(in.FilterPattern), err)
			}
			msgs = append(msgs, messages(out.Events)...)
		}
		return msgs
	}
	tests := []struct {
		name string
		in   cwlogs.FilterLogEventsInput
		want string
	}{
		{"all, in time order, paged", cwlogs.FilterLogEventsInput{Limit: aws.Int32(2)},
			`START RequestId: r1|ERROR payment declined|END RequestId: r1|INFO order placed id=7|WARN slow dynamodb|ERROR "quoted" thing|INFO checkout ok`},
		{"term", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("ERROR")}, `ERROR payment declined|ERROR "quoted" thing`},
		{"two terms", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("ERROR payment")}, "ERROR payment declined"},
		{"quoted phrase", cwlogs.FilterLogEventsInput{FilterPattern: aws.String(`"order placed"`)}, "INFO order placed id=7"},
		{"escaped quote", cwlogs.FilterLogEventsInput{FilterPattern: aws.String(`"\"quoted\""`)}, `ERROR "quoted" thing`},
		{"alternatives", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("?WARN ?checkout")}, "WARN slow dynamodb|INFO checkout ok"},
		{"exclusion", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("ERROR -payment")}, `ERROR "quoted" thing`},
		{"case-sensitive", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("error")}, ""},
		{"regex", cwlogs.FilterLogEventsInput{FilterPattern: aws.String("%id=[0-9]+%")}, "INFO order placed id=7"},
		{"streams", cwlogs.FilterLogEventsInput{LogStreamNames: []string{"s2", "s3"}, FilterPattern: aws.String("?r1 ?ok")},
			"START RequestId: r1|END RequestId: r1|INFO checkout ok"},
		{"time window", cwlogs.FilterLogEventsInput{StartTime: ms(t0.Add(-2 * time.Minute)), EndTime: ms(t0.Add(-time.Minute))},
			`INFO order placed id=7|WARN slow dynamodb|ERROR "quoted" thing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if got := strings.Join(filter(&in), "|"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, pat := range []string{`[ip, user, ...]`} {
		_, err := c.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: &g, FilterPattern: aws.String(pat)})
		if errCode(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "not supported by the local CloudWatch Logs") {
			t.Errorf("pattern %s: %v", pat, err)
		}
	}

	if _, err := c.DeleteLogGroup(ctx, &cwlogs.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: &g}); errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("filter deleted group: %v", err)
	}
}

// Put (the telemetry path) creates the group and stream, keeps the
// request id, and everything accepted survives Close and a restart; a
// deleted group stays deleted.
func TestPutSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, logs.Options{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				e.svc.Put(telemetry.LogEvent{Group: "/aws/lambda/f", Stream: fmt.Sprintf("2026/12/07/[$LATEST]w%d", w), Time: t0.Add(time.Duration(i) * time.Millisecond),
					Message: fmt.Sprintf("line %d of %d", i, w), RequestID: fmt.Sprintf("req-%d", w)})
			}
		}()
	}
	wg.Wait()
	e.svc.Put(telemetry.LogEvent{Group: "/gone", Stream: "s", Time: t0, Message: "x"})
	if _, err := e.client.DeleteLogGroup(context.Background(), &cwlogs.DeleteLogGroupInput{LogGroupName: aws.String("/gone")}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, localtest.OpenDB(t, dir), logs.Options{})
	out, err := e2.client.FilterLogEvents(context.Background(), &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/f")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1000 {
		t.Fatalf("after restart %d events, want 1000", len(out.Events))
	}
	streams, err := e2.client.DescribeLogStreams(context.Background(), &cwlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/f")})
	if err != nil || len(streams.LogStreams) != 4 || aws.ToInt64(streams.LogStreams[0].LastEventTimestamp) != t0.Add(249*time.Millisecond).UnixMilli() {
		t.Fatalf("streams after restart: %+v %v", streams, err)
	}
	groups, err := e2.client.DescribeLogGroups(context.Background(), &cwlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 {
		t.Fatalf("groups after restart: %+v %v", groups, err)
	}
}

// The footprint stays bounded: the cap drops the oldest events, retention
// drops those older than the group keeps, on disk as in memory.
func TestCapAndRetention(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, logs.Options{MaxEventsPerGroup: 5})
	ctx := context.Background()
	c, err := e.svc.Create(ctx, stack.Resource{LogicalID: "Logs", Type: logs.TypeLogGroup, StackName: "Shopstream-dev", Properties: map[string]any{"RetentionInDays": float64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Ref, "Shopstream-dev-Logs-") || c.Attrs["Arn"] != logs.GroupARN(c.Ref)+":*" {
		t.Fatalf("created %+v", c)
	}
	// Too old for a one-day retention: dropped at once.
	e.svc.Put(telemetry.LogEvent{Group: c.Ref, Stream: "s", Time: t0.Add(-25 * time.Hour), Message: "ancient"})
	for i := 0; i < 8; i++ {
		e.svc.Put(telemetry.LogEvent{Group: c.Ref, Stream: "s", Time: t0.Add(time.Duration(i-8) * time.Hour), Message: fmt.Sprintf("m%d", i)})
		e.svc.Put(telemetry.LogEvent{Group: "/capped", Stream: "s", Time: t0, Message: fmt.Sprintf("c%d", i)})
	}
	readGroup := func(e *env, group string) string {
		t.Helper()
		out, err := e.client.FilterLogEvents(ctx, &cwlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(messages(out.Events), ",")
	}
	read := func(e *env) string { return readGroup(e, c.Ref) }
	if got := read(e); got != "m3,m4,m5,m6,m7" {
		t.Fatalf("after cap: %s", got)
	}
	if _, err := e.svc.Create(ctx, stack.Resource{LogicalID: "Logs", Type: logs.TypeLogGroup, StackName: "Shopstream-dev", Properties: map[string]any{"RetentionInDays": float64(1)}}); err != nil {
		t.Fatalf("provisioning again: %v", err)
	}
	if err := e.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Most of a day later the restarted service has dropped what the
	// retention expired (m5, at t0-3h, is just past it).
	later := localtest.NewClock(t0.Add(21*time.Hour + 30*time.Minute))
	e2 := newEnv(t, localtest.OpenDB(t, dir), logs.Options{MaxEventsPerGroup: 100, Now: later.Now})
	if got := read(e2); got != "m6,m7" {
		t.Fatalf("after restart: %s", got)
	}
	// The events the cap dropped are gone from disk too.
	if got := readGroup(e2, "/capped"); got != "c3,c4,c5,c6,c7" {
		t.Fatalf("capped group after restart: %s", got)
	}
	// A longer retention keeps what is left; a shorter one drops it all.
	if _, err := e2.client.PutRetentionPolicy(ctx, &cwlogs.PutRetentionPolicyInput{LogGroupName: aws.String(c.Ref), RetentionInDays: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	if got := read(e2); got != "m6,m7" {
		t.Fatalf("after longer retention: %s", got)
	}
	later.Advance(24 * time.Hour)
	if _, err := e2.client.PutRetentionPolicy(ctx, &cwlogs.PutRetentionPolicyInput{LogGroupName: aws.String(c.Ref), RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if got := read(e2); got != "" {
		t.Fatalf("after retention: %s", got)
	}
	if _, err := e2.client.PutRetentionPolicy(ctx, &cwlogs.PutRetentionPolicyInput{LogGroupName: aws.String(c.Ref), RetentionInDays: aws.Int32(2)}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("retention 2: %v", err)
	}
	if _, err := e2.svc.Create(ctx, stack.Resource{LogicalID: "Bad", Type: logs.TypeLogGroup, Properties: map[string]any{"RetentionInDays": float64(2)}}); err == nil || !strings.Contains(err.Error(), "RetentionInDays") {
		t.Fatalf("template retention 2: %v", err)
	}
}
