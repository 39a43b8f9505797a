package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Executions is the part of the Step Functions API Executions reads.
type Executions interface {
	ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, opts ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

// Step is one state of an execution as the console's "Events" view groups
// them: entered, how many attempts its task took, how it ended.
type Step struct {
	State    string
	Entered  time.Time
	Duration time.Duration
	Attempts int    // task attempts (1 unless retried)
	Outcome  string // "succeeded", or the error name
	Cause    string
}

// Execution is one checkout execution and its steps.
type Execution struct {
	Name   string
	ARN    string
	Status types.ExecutionStatus
	Start  time.Time
	Stop   time.Time
	Steps  []Step
	Error  string
	Cause  string
}

// MaxListPage is the most executions one ListExecutions call returns
// (Step Functions' maxResults cap).
const MaxListPage = 1000

// ListExecutions returns up to limit (1 or more) executions of the state
// machine, newest first, with their steps; status "" means all. It asks
// Step Functions for no more than limit executions (one page when limit
// is at most MaxListPage) instead of a full default page.
func ListExecutions(ctx context.Context, api Executions, stateMachineARN string, status types.ExecutionStatus, limit int) ([]Execution, error) {
	if limit < 1 {
		return nil, fmt.Errorf("executions: limit %d: must be 1 or more", limit)
	}
	var out []Execution
	p := sfn.NewListExecutionsPaginator(api, &sfn.ListExecutionsInput{StateMachineArn: aws.String(stateMachineARN), StatusFilter: status},
		func(o *sfn.ListExecutionsPaginatorOptions) { o.Limit = int32(min(limit, MaxListPage)) })
	for p.HasMorePages() && len(out) < limit {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("executions: list: %w", err)
		}
		for _, e := range page.Executions {
			if len(out) == limit {
				break
			}
			ex := Execution{Name: aws.ToString(e.Name), ARN: aws.ToString(e.ExecutionArn), Status: e.Status, Start: aws.ToTime(e.StartDate), Stop: aws.ToTime(e.StopDate)}
			if err := steps(ctx, api, &ex); err != nil {
				return nil, err
			}
			out = append(out, ex)
		}
	}
	return out, nil
}

func steps(ctx context.Context, api Executions, ex *Execution) error {
	var open *Step
	p := sfn.NewGetExecutionHistoryPaginator(api, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(ex.ARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("executions: history of %s: %w", ex.Name, err)
		}
		for _, h := range page.Events {
			at := aws.ToTime(h.Timestamp)
			switch {
			case h.StateEnteredEventDetails != nil:
				ex.Steps = append(ex.Steps, Step{State: aws.ToString(h.StateEnteredEventDetails.Name), Entered: at, Outcome: "running"})
				open = &ex.Steps[len(ex.Steps)-1]
			case h.StateExitedEventDetails != nil && open != nil:
				open.Duration = at.Sub(open.Entered)
				if open.Outcome == "running" {
					open.Outcome = "succeeded"
				}
				open = nil
			case open != nil && (h.Type == types.HistoryEventTypeTaskScheduled || h.Type == types.HistoryEventTypeLambdaFunctionScheduled):
				// A retry schedules the task again: the last attempt decides.
				open.Attempts++
				open.Outcome, open.Cause = "running", ""
			case open != nil && h.TaskFailedEventDetails != nil:
				open.Outcome, open.Cause = aws.ToString(h.TaskFailedEventDetails.Error), aws.ToString(h.TaskFailedEventDetails.Cause)
				open.Duration = at.Sub(open.Entered)
			case open != nil && h.LambdaFunctionFailedEventDetails != nil:
				open.Outcome, open.Cause = aws.ToString(h.LambdaFunctionFailedEventDetails.Error), aws.ToString(h.LambdaFunctionFailedEventDetails.Cause)
				open.Duration = at.Sub(open.Entered)
			case h.ExecutionFailedEventDetails != nil:
				ex.Error, ex.Cause = aws.ToString(h.ExecutionFailedEventDetails.Error), aws.ToString(h.ExecutionFailedEventDetails.Cause)
			}
		}
	}
	return nil
}

// PrintExecutions writes executions the way the console lists them.
func PrintExecutions(w io.Writer, list []Execution) {
	for _, ex := range list {
		dur := "-"
		if !ex.Stop.IsZero() {
			dur = ex.Stop.Sub(ex.Start).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%s  %s  started %s  took %s\n", ex.Name, ex.Status, ex.Start.UTC().Format(time.RFC3339), dur)
		for _, s := range ex.Steps {
			line := fmt.Sprintf("    %-22s %-24s %8s", s.State, s.Outcome, s.Duration.Round(time.Millisecond))
			if s.Attempts > 1 {
				line += fmt.Sprintf("  (%d attempts)", s.Attempts)
			}
			if s.Cause != "" && s.Outcome != "succeeded" {
				line += "  " + oneLine(s.Cause, 120)
			}
			fmt.Fprintln(w, line)
		}
		if ex.Error != "" {
			fmt.Fprintf(w, "    failed: %s: %s\n", ex.Error, oneLine(ex.Cause, 160))
		}
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no executions")
	}
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
