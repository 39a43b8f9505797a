package eventbridge_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TestBilledEventsMeter counts what AWS bills for publishing: one event per
// 64 KB chunk of each accepted PutEvents entry; a rejected entry and an
// AWS service's event on the default bus cost nothing.
func TestBilledEventsMeter(t *testing.T) {
	m := &localtest.Metrics{}
	e := newEnv(t, nil, eventbridge.Config{Metrics: m})
	if _, err := e.ebc.CreateEventBus(ctx, &awseb.CreateEventBusInput{Name: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	e.putEvent(t, "shop", "shop.test", "Small", `{"a":1}`)
	// 70,000 bytes of detail: two 64 KB chunks.
	e.putEvent(t, "shop", "shop.test", "Large", `{"a":"`+strings.Repeat("x", 70_000)+`"}`)
	out, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String("no-such-bus"), Source: aws.String("shop.test"), DetailType: aws.String("Lost"), Detail: aws.String(`{}`),
	}}})
	if err != nil || out.FailedEntryCount != 1 {
		t.Fatalf("PutEvents to a missing bus: %v %+v", err, out)
	}
	if err := e.events.PutServiceEvent(ctx, "aws.states", "Step Functions Execution Status Change", nil, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := m.Sum(telemetry.MetersNamespace, "BilledEvents", map[string]string{"EventBusName": "shop"}); got != 3 {
		t.Errorf("BilledEvents on shop = %v, want 3", got)
	}
	if got := m.Sum(telemetry.MetersNamespace, "BilledEvents", nil); got != 3 {
		t.Errorf("BilledEvents in all = %v, want 3 (the failed entry and the service event are free)", got)
	}
}
