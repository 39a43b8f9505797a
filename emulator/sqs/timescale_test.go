package sqs_test

import (
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// With a time scale of 0.01 a 180 s visibility timeout lasts 1.8 s, while
// the queue still reports 180.
func TestTimeScaleShortensVisibility(t *testing.T) {
	c := newClock()
	srv, url := localtest.Serve(t)
	svc, err := sqs.New(localtest.OpenDB(t, ""), sqs.Options{BaseURL: url, Now: c.Now, TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	e := &env{svc: svc, client: awssqs.NewFromConfig(awstest.Config(url)), clock: c}
	q := e.createQueue(t, "scaled", map[string]string{"VisibilityTimeout": "180"})
	e.send(t, q, "m")
	if got := len(e.receive(t, q)); got != 1 {
		t.Fatalf("first receive: %d messages", got)
	}
	c.Advance(1700 * time.Millisecond)
	if got := len(e.receive(t, q)); got != 0 {
		t.Fatalf("message back before the scaled timeout: %d", got)
	}
	c.Advance(200 * time.Millisecond)
	if got := len(e.receive(t, q)); got != 1 {
		t.Fatalf("message not back after the scaled timeout: %d", got)
	}
	if v := e.attribute(t, q, "VisibilityTimeout"); v != "180" {
		t.Fatalf("VisibilityTimeout attribute %s, want 180", v)
	}
}
