package main

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// countingBus counts the PutEvents calls made to a real EventBridge client.
type countingBus struct {
	*eventbridge.Client
	mu    sync.Mutex
	calls int
}

func (b *countingBus) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	return b.Client.PutEvents(ctx, in, opts...)
}

// TestPublishesToARealBus puts a stream batch on an EventBridge endpoint
// (moto_server) and reads what a rule routed to a queue: the envelope a
// consumer such as the ordering Lambda receives.
func TestPublishesToARealBus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	ctx := context.Background()
	cfg := motoserver.Config(motoserver.Start(t))
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)

	const busName = "shopstream-test"
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(busName)}); err != nil {
		t.Fatal(err)
	}
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("published")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("products"), EventBusName: aws.String(busName),
		EventPattern: aws.String(`{"source":["shopstream.catalog"],"detail-type":["ProductCreated"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("products"), EventBusName: aws.String(busName),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])}}}); err != nil {
		t.Fatal(err)
	}

	evs := stored(t, 25)
	bus := &countingBus{Client: eb}
	p := &Publisher{Bus: publish.Sender{Bus: bus}, BusName: busName, Registry: registry.Default()}
	resp, err := p.Handle(ctx, inserts(t, evs))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if bus.calls != 3 {
		t.Fatalf("%d PutEvents calls for 25 events, want 3", bus.calls)
	}

	var got []eventstore.Event
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < len(evs) && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var env struct {
				DetailType string           `json:"detail-type"`
				Source     string           `json:"source"`
				Time       time.Time        `json:"time"`
				Detail     eventstore.Event `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatalf("envelope %s: %v", aws.ToString(m.Body), err)
			}
			if env.DetailType != "ProductCreated" || env.Source != "shopstream.catalog" || !env.Time.Equal(t0) {
				t.Fatalf("envelope = %+v", env)
			}
			got = append(got, env.Detail)
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: queue.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if len(got) != len(evs) {
		t.Fatalf("%d events routed, want %d", len(got), len(evs))
	}
	for i := range evs {
		// The bus may re-encode the detail (moto does), so data is
		// compared as JSON values.
		var gotData, wantData any
		if err := json.Unmarshal(got[i].Data, &gotData); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(evs[i].Data, &wantData)
		if !reflect.DeepEqual(gotData, wantData) {
			t.Fatalf("event %d: data %s, want %s", i, got[i].Data, evs[i].Data)
		}
		got[i].Data = evs[i].Data
		if !reflect.DeepEqual(got[i], evs[i]) {
			t.Fatalf("event %d: routed %+v, want %+v", i, got[i], evs[i])
		}
	}
}
