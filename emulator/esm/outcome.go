package esm

import (
	"bytes"
	"encoding/json"

	"github.com/shopstream/shopstream/emulator/stack"
)

// outcome is how Lambda reads a batch's invocation result.
type outcome struct {
	// allFailed: retry (or give up on) the whole batch.
	allFailed bool
	// failed lists the item identifiers the function reported, each known
	// to be in the batch; empty with allFailed false is full success.
	failed []string
}

// evaluate applies Lambda's rules for a batch response. A function error
// fails the whole batch. Without ReportBatchItemFailures any other response
// is success. With it, an empty or null response, an empty object, or a
// null or empty batchItemFailures list is full success; a response that is
// not a JSON object, a batchItemFailures that is not a list, or an item
// whose itemIdentifier is missing, null, empty or not in the batch fails the
// whole batch.
func evaluate(res stack.InvokeResult, reportFailures bool, inBatch func(id string) bool) outcome {
	if res.FunctionError != "" {
		return outcome{allFailed: true}
	}
	if !reportFailures {
		return outcome{}
	}
	payload := bytes.TrimSpace(res.Payload)
	if len(payload) == 0 || string(payload) == "null" {
		return outcome{}
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(payload, &resp); err != nil {
		return outcome{allFailed: true}
	}
	raw, ok := resp["batchItemFailures"]
	if !ok || string(raw) == "null" {
		return outcome{}
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return outcome{allFailed: true}
	}
	var failed []string
	for _, item := range items {
		var id string
		if err := json.Unmarshal(item["itemIdentifier"], &id); err != nil || id == "" || !inBatch(id) {
			return outcome{allFailed: true}
		}
		failed = append(failed, id)
	}
	return outcome{failed: failed}
}
