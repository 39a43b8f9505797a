// Command authorizepayment is the checkout workflow's AuthorizePayment
// task. It calls the simulated gateway (see internal/payment for the test
// card numbers that decline or fail transiently).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/payment"
)

func main() {
	lambdaenv.Config(config.AuthorizePayment)
	a := &Authorizer{Gateway: payment.Simulated{}}
	lambda.Start(withFaults(a.Handle))
}
