package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
)

// BenchmarkExecution measures a whole execution through the service: the
// StartExecution call, five states (two Lambda tasks with an in-process
// function, a Choice, a Pass, a Succeed) with every history event and
// resume point written to the state store, until the execution is
// SUCCEEDED. It reports the start-to-finish latency (p50/p99) and the
// state transitions per second that include persistence.
func BenchmarkExecution(b *testing.B) {
	db, err := state.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fns := &functions{}
	fns.set("f", func(context.Context, []byte) (stack.InvokeResult, error) {
		return stack.InvokeResult{Payload: []byte(`{"ok":true}`)}, nil
	})
	svc, err := New(db, Options{Invoker: fns})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	const states = 5
	def := `{"StartAt":"Price","States":{
	  "Price":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"ok.$":"$.Payload.ok"},"ResultPath":"$.price","Next":"Check"},
	  "Check":{"Type":"Choice","Choices":[{"Variable":"$.price.ok","BooleanEquals":true,"Next":"Reserve"}],"Default":"Reserve"},
	  "Reserve":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","ResultPath":"$.reserved","Next":"Mark"},
	  "Mark":{"Type":"Pass","Result":"done","ResultPath":"$.status","Next":"Done"},
	  "Done":{"Type":"Succeed"}}}`
	body, _ := json.Marshal(map[string]string{"name": "Bench", "definition": def, "roleArn": testRole})
	out, err := svc.handle(context.Background(), "CreateStateMachine", body)
	if err != nil {
		b.Fatal(err)
	}
	machine := out.(map[string]any)["stateMachineArn"].(string)

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req, _ := json.Marshal(map[string]string{"stateMachineArn": machine, "name": fmt.Sprintf("e-%d", i), "input": `{"basketId":"b-1"}`})
		res, err := svc.handle(context.Background(), "StartExecution", req)
		if err != nil {
			b.Fatal(err)
		}
		e, err := svc.execution(res.(map[string]any)["executionArn"].(string))
		if err != nil {
			b.Fatal(err)
		}
		e.mu.Lock()
		done := e.done
		e.mu.Unlock()
		<-done
		lat = append(lat, time.Since(start))
		if e.rec.Status != statusSucceeded {
			b.Fatalf("execution %s: %s %s", e.rec.ARN, e.rec.Error, e.rec.Cause)
		}
	}
	b.StopTimer()
	localtest.ReportPercentiles(b, lat, time.Microsecond)
	b.ReportMetric(float64(b.N*states)/b.Elapsed().Seconds(), "transitions/s")
}
