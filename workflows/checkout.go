package workflows

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/checkout/errnames"
)

// State names, as they appear in the execution history.
const (
	StatePriceBasket          = "PriceBasket"
	StateReserveStock         = "ReserveStock"
	StateReserveLine          = "ReserveLine"
	StateReserveLineFailed    = "ReserveLineFailed"
	StateAllLinesReserved     = "AllLinesReserved"
	StateReserveStockFailed   = "ReserveStockFailed"
	StateAuthorizePayment     = "AuthorizePayment"
	StateConfirmCheckout      = "ConfirmCheckout"
	StateReleaseStock         = "ReleaseStock"
	StateRecordCheckoutFailed = "RecordCheckoutFailed"
	StateCheckoutFailed       = "CheckoutFailed"
)

// ExecutionTimeoutMinutes bounds a checkout; the tasks are short Lambda
// calls, so a checkout still running after this is stuck, not slow.
const ExecutionTimeoutMinutes = 5

// reserveConcurrency bounds the lines reserved in parallel.
const reserveConcurrency = 5

// CheckoutTasks are the task functions, one per task state.
type CheckoutTasks struct {
	PriceBasket          awslambda.IFunction
	ReserveStock         awslambda.IFunction
	AuthorizePayment     awslambda.IFunction
	ConfirmCheckout      awslambda.IFunction
	ReleaseStock         awslambda.IFunction
	RecordCheckoutFailed awslambda.IFunction
}

// Checkout is the checkout state machine and its log group.
type Checkout struct {
	StateMachine awsstepfunctions.StateMachine
	Logs         awslogs.LogGroup
}

// NewCheckout creates the Standard state machine with X-Ray tracing and
// every execution event logged to CloudWatch (without execution data, which
// carries customer details).
func NewCheckout(scope constructs.Construct, id string, tasks CheckoutTasks) *Checkout {
	c := constructs.NewConstruct(scope, jsii.String(id))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	sm := awsstepfunctions.NewStateMachine(c, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		Comment:          jsii.String("Checkout: price, reserve stock, authorize payment, confirm; release and record on failure"),
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromChainable(Definition(c, tasks)),
		Timeout:          awscdk.Duration_Minutes(jsii.Number(ExecutionTimeoutMinutes)),
		TracingEnabled:   jsii.Bool(true),
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(sm.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK's Lambda task grant covers the versions and aliases (<arn>:*) of the " +
			"task functions only; X-Ray tracing and CloudWatch Logs delivery actions support no " +
			"resource-level permissions (Resource::*)."),
		AppliesTo: &[]interface{}{
			"Resource::*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<[A-Za-z0-9]+\.Arn>:\*$/g`)},
		},
	}}, jsii.Bool(true))
	return &Checkout{StateMachine: sm, Logs: logs}
}

// Definition returns the workflow's states, created in scope.
func Definition(scope constructs.Construct, tasks CheckoutTasks) awsstepfunctions.IChainable {
	invoke := func(name string, fn awslambda.IFunction, payload map[string]interface{}, resultPath *string) awsstepfunctionstasks.LambdaInvoke {
		props := &awsstepfunctionstasks.LambdaInvokeProps{
			LambdaFunction:      fn,
			PayloadResponseOnly: jsii.Bool(true),
			ResultPath:          resultPath,
		}
		if payload != nil {
			props.Payload = awsstepfunctions.TaskInput_FromObject(&payload)
		}
		return awsstepfunctionstasks.NewLambdaInvoke(scope, jsii.String(name), props)
	}
	catchAll := &awsstepfunctions.CatchProps{
		Errors:     jsii.Strings(*awsstepfunctions.Errors_ALL()),
		ResultPath: jsii.String("$.error"),
	}
	discard := awsstepfunctions.JsonPath_DISCARD()

	failed := awsstepfunctions.NewFail(scope, jsii.String(StateCheckoutFailed), &awsstepfunctions.FailProps{
		ErrorPath: jsii.String("$.error.Error"),
		CausePath: jsii.String("$.error.Cause"),
	})
	record := invoke(StateRecordCheckoutFailed, tasks.RecordCheckoutFailed, map[string]interface{}{
		"checkoutId.$": "$.checkoutId",
		"userName.$":   "$.userName",
		"error.$":      "$.error",
	}, discard)
	// If the failure cannot be recorded (the Lambda service retries are
	// spent, or the basket append keeps failing), the execution still ends
	// in CheckoutFailed with the checkout's own error, not the recording's;
	// the stuck-checkout alarm and the audit find the unrecorded basket.
	record.AddCatch(failed, &awsstepfunctions.CatchProps{
		Errors:     jsii.Strings(*awsstepfunctions.Errors_ALL()),
		ResultPath: jsii.String("$.recordError"),
	})
	record.Next(failed)

	release := invoke(StateReleaseStock, tasks.ReleaseStock, map[string]interface{}{
		"checkoutId.$": "$.checkoutId",
		"userName.$":   "$.userName",
		"lines.$":      "$.priced.lines",
		"error.$":      "$.error",
	}, discard)
	// Releasing must not give up on a conflict: it is what returns the
	// stock. If it still fails, the failure is recorded all the same.
	release.AddRetry(retry(errnames.StockConflict, 10, 1.5))
	release.AddCatch(record, &awsstepfunctions.CatchProps{
		Errors:     jsii.Strings(*awsstepfunctions.Errors_ALL()),
		ResultPath: jsii.String("$.releaseError"),
	})
	release.Next(record)

	price := invoke(StatePriceBasket, tasks.PriceBasket, nil, jsii.String("$.priced"))
	// Nothing is reserved yet: record the failure directly.
	price.AddCatch(record, catchAll)

	// Every line settles inside the Map before the workflow decides: a
	// line whose reservation fails catches its own error and ends as
	// {"reserved": false, "error": …} (checkout.Reservation). Were the
	// failure to fail the Map, the Map would stop waiting for its other
	// iterations while their Lambda calls still run (as on AWS), and a
	// reservation landing after ReleaseStock would stay held. The product
	// aggregate refuses a reservation after its checkout's release as well
	// (catalog.Product.Release leaves a mark), so a late call that still
	// lands, say a Lambda retry, can never hold stock either.
	reserveLine := invoke(StateReserveLine, tasks.ReserveStock, nil, nil)
	reserveLine.AddRetry(retry(errnames.StockConflict, 5, 1.5))
	lineFailed := awsstepfunctions.NewPass(scope, jsii.String(StateReserveLineFailed), &awsstepfunctions.PassProps{
		Parameters: &map[string]interface{}{
			"reserved":    false,
			"productId.$": "$.line.productId",
			"quantity.$":  "$.line.quantity",
			"error.$":     "$.error",
		},
	})
	reserveLine.AddCatch(lineFailed, catchAll)
	reserve := awsstepfunctions.NewMap(scope, jsii.String(StateReserveStock), &awsstepfunctions.MapProps{
		ItemsPath: jsii.String("$.priced.lines"),
		ItemSelector: &map[string]interface{}{
			"checkoutId.$": "$.checkoutId",
			"line.$":       "$$.Map.Item.Value",
		},
		MaxConcurrency: jsii.Number(reserveConcurrency),
		// checkout.Reservations: every line's outcome, and the errors of
		// the lines not reserved, in line order.
		ResultSelector: &map[string]interface{}{
			"lines.$":  "$",
			"failed.$": "$[?(@.reserved == false)].error",
		},
		ResultPath: jsii.String("$.reservations"),
	})
	reserve.ItemProcessor(reserveLine, nil)
	// Only the Map itself failing lands here (every line catches its own).
	reserve.AddCatch(release, catchAll)
	// A line not reserved fails the checkout with the first such line's
	// error, as if that line's task had failed the workflow.
	reserveFailed := awsstepfunctions.NewPass(scope, jsii.String(StateReserveStockFailed), &awsstepfunctions.PassProps{
		InputPath:  jsii.String("$.reservations.failed[0]"),
		ResultPath: jsii.String("$.error"),
	})
	reserveFailed.Next(release)

	// The retry count lets the (simulated) gateway tell a retry from a
	// first attempt; a real gateway would get it as an idempotency key.
	authorize := invoke(StateAuthorizePayment, tasks.AuthorizePayment, map[string]interface{}{
		"checkoutId.$": "$.checkoutId",
		"userName.$":   "$.userName",
		"payment.$":    "$.payment",
		"priced.$":     "$.priced",
		"attempt.$":    "$$.State.RetryCount",
	}, jsii.String("$.authorization"))
	authorize.AddRetry(retry(errnames.TransientPayment, 3, 2))
	authorize.AddCatch(release, catchAll)

	confirm := invoke(StateConfirmCheckout, tasks.ConfirmCheckout, nil, jsii.String("$.confirmation"))
	confirm.AddCatch(release, catchAll)

	allReserved := awsstepfunctions.NewChoice(scope, jsii.String(StateAllLinesReserved), nil).
		When(awsstepfunctions.Condition_IsPresent(jsii.String("$.reservations.failed[0]")), reserveFailed, nil).
		Otherwise(authorize.Next(confirm))

	price.Next(reserve).Next(allReserved)
	return price
}

// retry retries the transient error name, starting one second apart and
// growing by backoff.
func retry(name string, attempts, backoff float64) *awsstepfunctions.RetryProps {
	if !errnames.IsTransient(name) {
		panic("workflows: retry of non-transient error " + name)
	}
	return &awsstepfunctions.RetryProps{
		Errors:      jsii.Strings(name),
		Interval:    awscdk.Duration_Seconds(jsii.Number(1)),
		MaxAttempts: jsii.Number(attempts),
		BackoffRate: jsii.Number(backoff),
	}
}
