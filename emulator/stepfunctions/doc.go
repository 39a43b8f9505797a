// Package stepfunctions is the local AWS Step Functions service: the
// AWSStepFunctions JSON 1.0 API on the shared loopback endpoint, a
// provisioner for AWS::StepFunctions::StateMachine, and executions run by
// the asl interpreter with Lambda and AWS SDK task integrations.
//
// Wiring, in the order the runtime does it:
//
//	svc, err := stepfunctions.New(db, stepfunctions.Options{Invoker: lambdas, TimeScale: scale})
//	svc.Register(endpoint)  // API, and the services SDK tasks call
//	// ... provision the template: svc is the stack.Provisioner for state machines
//	svc.ResumeExecutions()  // once the functions and tables exist
//	// ... on shutdown, before closing db:
//	svc.Close()
//
// Executions persist in the shared state store ("sfn/..." buckets): the
// machine definitions, every execution's record and its history, and a
// resume point written before each top-level state is entered. On restart,
// ResumeExecutions continues every RUNNING execution from its last resume
// point: the state that was in progress runs again with the input it had
// (at-least-once, like a Step Functions retry; a Map or Parallel state
// starts over as a whole), and the history goes on from where it stopped.
// An execution that cannot resume (its machine is gone) is marked FAILED
// with States.Runtime. None vanishes.
//
// Memory holds only the executions that still need the process (running,
// or closed with status events to emit); history and closed executions
// are read from the store, and closed ones are deleted after
// Options.Retention (90 days, as on AWS) by a background sweep (closed.go).
//
// With Options.Logs set, a machine whose LoggingConfiguration has a level
// (ALL, ERROR, FATAL) and a CloudWatch Logs destination writes its history
// events there as Step Functions does (see logging.go); the machine's role
// is not checked for the log-delivery permissions AWS requires.
//
// Every execution sends Step Functions' status change events to the
// default event bus through Options.Events (statusevents.go); an event is
// kept with the execution until the bus accepts it. Machine and task
// TimeoutSeconds count the runtime's own running time on the service's
// clock, scaled like Wait states and Retry intervals (deadline.go): a
// stopped runtime's executions resume with the budget they had left.
//
// Deviations from AWS worth knowing: Express machines keep history like
// Standard ones (but send no status events); .sync and .waitForTaskToken
// integrations are not supported.
package stepfunctions
