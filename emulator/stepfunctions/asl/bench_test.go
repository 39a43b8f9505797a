package asl

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// chain builds a machine of n states of the given JSON body, each
// pointing at the next.
func chain(n int, body string) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&b, `"S%d":{%s,%s}`, i, body, next)
	}
	b.WriteString("}}")
	return b.String()
}

// benchmarkChain reports state transitions per second for a chain of
// states, with and without history events being built.
func benchmarkChain(b *testing.B, body string, tasks TaskRunner) {
	const n = 100
	m := mustParse(b, chain(n, body))
	input := mustJSONValue(b, `{"orderId":"o-1","items":[{"sku":"a","qty":1}],"total":10}`)
	for _, history := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", history), func(b *testing.B) {
			in := &Interpreter{Tasks: tasks}
			if history {
				in.Emit = func(Event) {}
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := in.Run(context.Background(), m, testExecution, "", input); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "transitions/s")
		})
	}
}

func BenchmarkPassChain(b *testing.B) {
	benchmarkChain(b, `"Type":"Pass","Result":{"ok":true},"ResultPath":"$.last"`, nil)
}

func BenchmarkTaskChain(b *testing.B) {
	trivial := TaskRunnerFunc(func(_ context.Context, req TaskRequest) (any, error) {
		return map[string]any{"StatusCode": int64(200)}, nil
	})
	benchmarkChain(b, `"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"code.$":"$.StatusCode"},"ResultPath":"$.result"`, trivial)
}
