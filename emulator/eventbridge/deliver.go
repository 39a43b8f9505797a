package eventbridge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/sqs"
)

// AWS's default retry policy for targets.
const (
	defaultMaxRetries = 185
	defaultMaxAge     = 24 * time.Hour
	maxBackoff        = time.Minute
	attemptTimeout    = 5 * time.Minute
)

type kind int

const (
	kindSQS kind = iota + 1
	kindLambda
	kindStates
)

func targetKind(arn string) (kind, error) {
	switch {
	case strings.HasPrefix(arn, "arn:aws:sqs:"):
		return kindSQS, nil
	case strings.HasPrefix(arn, "arn:aws:lambda:"):
		return kindLambda, nil
	case strings.HasPrefix(arn, "arn:aws:states:") && strings.Contains(arn, ":stateMachine:"):
		return kindStates, nil
	}
	return 0, fmt.Errorf("target %q: only SQS queues, Lambda functions and Step Functions state machines are supported locally", arn)
}

// permanent marks a failure that retrying cannot fix (a missing resource,
// a denied permission); AWS does not retry those either.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// attempt delivers d once and records the outcome: done, retry later, or
// give up to the dead-letter queue. s.disp runs it with d busy; d stays
// busy until the outcome is recorded.
func (s *Service) attempt(d *delivery) {
	ctx, cancel := context.WithTimeout(s.ctx, attemptTimeout)
	defer cancel()
	err := s.deliver(ctx, d)

	s.mu.Lock()
	if s.ctx.Err() != nil {
		delete(s.busy, d.Seq)
		s.mu.Unlock()
		return // shutting down: the delivery stays in the outbox
	}
	if err == nil {
		s.finish(d)
		s.mu.Unlock()
		return
	}
	now := s.cfg.Now()
	d.Attempts++
	d.LastError = err.Error()
	maxRetries, maxAge := defaultMaxRetries, defaultMaxAge
	if rp := d.Target.RetryPolicy; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			maxRetries = *rp.MaximumRetryAttempts
		}
		if rp.MaximumEventAgeInSeconds != nil {
			maxAge = time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second
		}
	}
	var perm permanent
	if errors.As(err, &perm) || d.Attempts > maxRetries || now.Sub(d.Accepted) >= maxAge {
		s.mu.Unlock()
		s.giveUp(ctx, d, err)
		s.mu.Lock()
		s.finish(d)
		s.mu.Unlock()
		return
	}
	backoff := min(s.cfg.RetryBase<<min(d.Attempts-1, 20), maxBackoff)
	d.NextAttempt = now.Add(backoff)
	delete(s.busy, d.Seq)
	if perr := s.put(bucketOutbox, seqKey(d.Seq), d); perr != nil {
		s.log.Error("eventbridge: persist retry", "rule", d.RuleARN, "target", d.Target.ID, "err", perr)
	}
	s.mu.Unlock()
	s.log.Warn("eventbridge: delivery failed, will retry", "rule", d.RuleARN, "target", d.Target.ARN, "attempt", d.Attempts, "in", backoff, "err", err)
}

// finish removes a delivery from the outbox. The caller holds s.mu. The
// delivery stays busy until then, so the dispatcher cannot start it again
// while it is being given up.
func (s *Service) finish(d *delivery) {
	delete(s.busy, d.Seq)
	if err := s.del(bucketOutbox, seqKey(d.Seq)); err != nil {
		s.log.Error("eventbridge: remove delivered event", "rule", d.RuleARN, "err", err)
	}
	delete(s.outbox, d.Seq)
}

// giveUp sends the event to the target's dead-letter queue, with the
// attributes AWS adds, or logs that it is dropped.
func (s *Service) giveUp(ctx context.Context, d *delivery, cause error) {
	dlq := ""
	if d.Target.DeadLetterConfig != nil {
		dlq = d.Target.DeadLetterConfig.ARN
	}
	if dlq == "" || s.cfg.Queues == nil {
		s.log.Error("eventbridge: event dropped", "event", d.EventID, "rule", d.RuleARN, "target", d.Target.ARN, "attempts", d.Attempts, "err", cause)
		return
	}
	if !s.cfg.Queues.AllowsSend(dlq, principal, d.RuleARN) {
		s.log.Error("eventbridge: event dropped: dead-letter queue policy does not allow events.amazonaws.com", "event", d.EventID, "dlq", dlq, "rule", d.RuleARN, "err", cause)
		return
	}
	code := "TARGET_FAILURE"
	var perm permanent
	if errors.As(cause, &perm) {
		code = "PERMISSION_OR_RESOURCE_ERROR"
	}
	str := func(v string) sqs.Attribute { return sqs.Attribute{DataType: "String", StringValue: &v} }
	attrs := map[string]sqs.Attribute{
		"RULE_ARN": str(d.RuleARN), "TARGET_ARN": str(d.Target.ARN),
		"ERROR_CODE": str(code), "ERROR_MESSAGE": str(truncate(cause.Error(), 1000)),
	}
	if _, err := s.cfg.Queues.Send(context.WithoutCancel(ctx), dlq, string(d.Event), attrs); err != nil {
		s.log.Error("eventbridge: event dropped: dead-letter queue send failed", "event", d.EventID, "dlq", dlq, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// deliver sends the target's input for d once.
func (s *Service) deliver(ctx context.Context, d *delivery) error {
	t := d.Target
	payload, err := input(t, d.Event, d.RuleARN, d.RuleName, d.Accepted.UTC().Format(time.RFC3339))
	if err != nil {
		return permanent{fmt.Errorf("rule %s target %s: input: %w", d.RuleARN, t.ID, err)}
	}
	k, err := targetKind(t.ARN)
	if err != nil {
		return permanent{err}
	}
	switch k {
	case kindSQS:
		return s.deliverSQS(ctx, d, payload)
	case kindLambda:
		return s.deliverLambda(ctx, d, payload)
	default:
		return s.deliverStates(ctx, d, payload)
	}
}

func (s *Service) deliverSQS(ctx context.Context, d *delivery, payload []byte) error {
	q := s.cfg.Queues
	if q == nil {
		return permanent{errors.New("no SQS service is configured for queue targets")}
	}
	if !q.AllowsSend(d.Target.ARN, principal, d.RuleARN) {
		return permanent{fmt.Errorf("queue %s: its policy does not allow %s to sqs:SendMessage for rule %s (add an AWS::SQS::QueuePolicy with that principal and an aws:SourceArn condition)", d.Target.ARN, principal, d.RuleARN)}
	}
	if _, err := q.Send(ctx, d.Target.ARN, string(payload), nil); err != nil {
		if errors.Is(err, sqs.ErrQueueDoesNotExist) {
			return permanent{err}
		}
		return err
	}
	return nil
}

func (s *Service) deliverLambda(ctx context.Context, d *delivery, payload []byte) error {
	if s.cfg.Invoker == nil {
		return permanent{errors.New("no Lambda invoker is configured for function targets")}
	}
	// EventBridge invokes as itself for the rule: the function's
	// AWS::Lambda::Permission must allow that (checked when IAM is on).
	ctx = awsapi.WithPrincipal(ctx, awsapi.Principal{Service: principal, SourceARN: d.RuleARN})
	// EventBridge invokes asynchronously: once Lambda has accepted the
	// event the delivery is done, and a function error is handled by
	// Lambda's own retries and destinations (the function's
	// EventInvokeConfig), not by this target's RetryPolicy.
	err := s.cfg.Invoker.InvokeAsync(ctx, d.Target.ARN, payload)
	if awsapi.IsAccessDenied(err) {
		return permanent{fmt.Errorf("invoke %s: %w", d.Target.ARN, err)}
	}
	if err != nil {
		return fmt.Errorf("invoke %s: %w", d.Target.ARN, err)
	}
	return nil
}

func (s *Service) deliverStates(ctx context.Context, d *delivery, payload []byte) error {
	if s.cfg.Caller == nil {
		return permanent{errors.New("no Step Functions endpoint is configured for state machine targets")}
	}
	body, err := json.Marshal(map[string]string{
		"stateMachineArn": d.Target.ARN, "name": executionName(d), "input": string(payload),
	})
	if err != nil {
		return permanent{err}
	}
	if d.Target.RoleARN != "" {
		// EventBridge starts the execution with the target's role, whose
		// policies must allow states:StartExecution.
		ctx = awsapi.WithPrincipal(ctx, awsapi.Principal{RoleARN: d.Target.RoleARN, Session: d.RuleName})
	}
	_, err = s.cfg.Caller.Call(ctx, "AWSStepFunctions.StartExecution", body)
	var ae *awsapi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Type == "ExecutionAlreadyExists":
		return nil // an earlier attempt started it
	case errors.As(err, &ae) && (ae.Type == "StateMachineDoesNotExist" || ae.Type == "InvalidArn" || ae.Type == "UnknownOperationException" || awsapi.IsAccessDenied(ae)):
		return permanent{fmt.Errorf("start execution of %s: %w", d.Target.ARN, err)}
	}
	return fmt.Errorf("start execution of %s: %w", d.Target.ARN, err)
}

// executionName is derived from the event, rule and target, so a retried
// StartExecution names the same execution and cannot start a second one.
func executionName(d *delivery) string {
	sum := sha256.Sum256([]byte(d.EventID + "|" + d.RuleARN + "|" + d.Target.ID))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// marshalJSON encodes without HTML escaping, so "<" and "&" in events
// reach targets as written.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
