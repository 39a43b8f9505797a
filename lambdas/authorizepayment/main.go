// Command authorizepayment is the checkout workflow's AuthorizePayment
// task. It calls the simulated gateway (see internal/payment for the test
// card numbers that decline or fail transiently).
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/payment"
)

func main() {
	if _, err := config.AuthorizePayment.Load(); err != nil {
		log.Fatal(err)
	}
	a := &Authorizer{Gateway: payment.Simulated{}}
	lambda.Start(a.Handle)
}
