package eventbridge

import (
	"context"
	"fmt"
)

// PutServiceEvent puts one event on the default bus as an AWS service does
// (Step Functions' execution status changes, say): no caller's IAM applies,
// and the event reaches the bus's rules and archives like any other. It
// returns once the event is persisted, or an error when it was not
// accepted (the caller keeps it and tries again).
func (s *Service) PutServiceEvent(_ context.Context, source, detailType string, resources []string, detail []byte) error {
	results, failed, err := s.accept([]putEventsEntry{{
		Source: source, DetailType: detailType, Detail: string(detail), Resources: resources, EventBusName: DefaultBus,
	}})
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("eventbridge: %s event not accepted: %s: %s", source, results[0].ErrorCode, results[0].ErrorMessage)
	}
	return nil
}
