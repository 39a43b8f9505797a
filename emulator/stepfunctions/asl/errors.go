package asl

import "fmt"

// Predefined error names of the States Language.
const (
	ErrAll                    = "States.ALL"
	ErrTaskFailed             = "States.TaskFailed"
	ErrTimeout                = "States.Timeout"
	ErrRuntime                = "States.Runtime"
	ErrNoChoiceMatched        = "States.NoChoiceMatched"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrDataLimitExceeded      = "States.DataLimitExceeded"
)

// Error is a States Language error: a name that Retry and Catch match on
// ErrorEquals, and a human-readable cause. Task runners return it for task
// failures (a Lambda error's name is its errorType).
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

func errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// matches reports whether a Retry/Catch ErrorEquals list matches name.
// States.ALL matches every error except States.Runtime and
// States.DataLimitExceeded, which always end the execution; States.TaskFailed
// matches everything but States.Timeout (and those two).
func matches(errorEquals []string, name string) bool {
	terminal := name == ErrRuntime || name == ErrDataLimitExceeded
	for _, e := range errorEquals {
		switch {
		case e == name && !terminal:
			return true
		case e == ErrAll && !terminal:
			return true
		case e == ErrTaskFailed && !terminal && name != ErrTimeout:
			return true
		}
	}
	return false
}
