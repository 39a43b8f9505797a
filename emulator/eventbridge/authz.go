package eventbridge

import (
	"context"
	"encoding/json"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// authorize checks the operation's action on the resource it names
// (Service Authorization Reference, "Actions defined by Amazon
// EventBridge"): a rule's ARN for the rule and target operations, a bus's
// or an archive's for theirs, "*" for the listings and TestEventPattern.
// PutEvents is authorized per entry (authorizeEntries).
func (s *Service) authorize(ctx context.Context, op string, body []byte) error {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		return nil
	}
	var in struct {
		Name, Rule, EventBusName, ArchiveName string
	}
	if json.Unmarshal(body, &in) != nil {
		return nil // the operation reports the malformed body
	}
	resource := "*"
	switch op {
	case "PutRule", "DescribeRule", "DeleteRule", "EnableRule", "DisableRule":
		resource = ruleARN(busName(in.EventBusName), in.Name)
	case "PutTargets", "RemoveTargets", "ListTargetsByRule":
		resource = ruleARN(busName(in.EventBusName), in.Rule)
	case "CreateEventBus", "DescribeEventBus", "DeleteEventBus":
		resource = busARN(busName(in.Name))
	case "CreateArchive", "DescribeArchive":
		resource = archiveARN(in.ArchiveName)
	}
	return awsapi.Authorize(ctx, "events:"+op, resource, nil)
}

// authorizeEntries checks events:PutEvents on each entry's bus with the
// entry's events:source and events:detail-type. It returns the indexes of
// the allowed entries and a failed result for each denied one; when no
// entry is allowed the call itself is denied (err), as it is on AWS for a
// caller without the action.
func (s *Service) authorizeEntries(ctx context.Context, entries []putEventsEntry) (allowed []int, denied map[int]putEventsResult, err error) {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		allowed = make([]int, len(entries))
		for i := range entries {
			allowed[i] = i
		}
		return allowed, nil, nil
	}
	denied = map[int]putEventsResult{}
	var first error
	for i, e := range entries {
		conds := awsapi.Conditions{"events:source": {e.Source}, "events:detail-type": {e.DetailType}}
		if err := awsapi.Authorize(ctx, "events:PutEvents", busARN(busName(e.EventBusName)), conds); err != nil {
			var msg string
			if ae, ok := err.(*awsapi.Error); ok {
				msg = ae.Message
			}
			denied[i] = putEventsResult{ErrorCode: "AccessDeniedException", ErrorMessage: msg}
			if first == nil {
				first = err
			}
			continue
		}
		allowed = append(allowed, i)
	}
	if len(allowed) == 0 {
		return nil, nil, first
	}
	return allowed, denied, nil
}
