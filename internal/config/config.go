// Package config names the environment variables that connect a Lambda
// function to the resources it uses, and parses them once at start.
//
// The CDK constructs (internal/infra) and the Lambdas read the same lists:
// the construct that creates a function sets exactly the variables in its
// Function.Vars and grants exactly the IAM actions of the Uses each one
// states (Op.Actions), and the function's main calls Function.Load, which
// fails with the missing name.
// This package imports only the standard library, so Lambdas can use it.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Environment variable names.
const (
	// EventsTable is the event store table's name.
	EventsTable = "EVENTS_TABLE"
	// CatalogTable is the catalog read model table's name.
	CatalogTable = "CATALOG_TABLE"
	// OrdersTable is the orders read model table's name.
	OrdersTable = "ORDERS_TABLE"
	// EventBusName is the custom EventBridge bus's name.
	EventBusName = "EVENT_BUS_NAME"
	// CheckoutStateMachineARN is the checkout workflow's state machine ARN.
	CheckoutStateMachineARN = "CHECKOUT_STATE_MACHINE_ARN"
	// OrderQueueURL is the URL of the queue of checked-out baskets.
	OrderQueueURL = "ORDER_QUEUE_URL"
	// DeploymentSecretARN is the ARN of the deployment's generated secret
	// (Secrets Manager): the key of card tokens and paging cursors.
	DeploymentSecretARN = "DEPLOYMENT_SECRET_ARN"
	// Stage is the deployment stage ("dev", "prod", …). It names no resource.
	Stage = "STAGE"
)

// Names lists every variable this package knows, in a stable order.
func Names() []string {
	return []string{EventsTable, CatalogTable, OrdersTable, EventBusName, CheckoutStateMachineARN, OrderQueueURL, DeploymentSecretARN, Stage}
}

// ErrMissing is wrapped by Load's error when a requested variable is unset
// or empty.
var ErrMissing = errors.New("missing environment variable")

// Config holds the parsed values. Only the fields whose names were passed to
// Load are set; the others stay empty.
type Config struct {
	EventsTable             string
	CatalogTable            string
	OrdersTable             string
	EventBusName            string
	CheckoutStateMachineARN string
	OrderQueueURL           string
	DeploymentSecretARN     string
	Stage                   string
}

// field returns the Config field that holds name, or nil for an unknown name.
func (c *Config) field(name string) *string {
	switch name {
	case EventsTable:
		return &c.EventsTable
	case CatalogTable:
		return &c.CatalogTable
	case OrdersTable:
		return &c.OrdersTable
	case EventBusName:
		return &c.EventBusName
	case CheckoutStateMachineARN:
		return &c.CheckoutStateMachineARN
	case OrderQueueURL:
		return &c.OrderQueueURL
	case DeploymentSecretARN:
		return &c.DeploymentSecretARN
	case Stage:
		return &c.Stage
	}
	return nil
}

// Load reads names from the process environment. See LoadFrom.
func Load(names ...string) (Config, error) {
	return LoadFrom(os.LookupEnv, names...)
}

// LoadFrom reads names through lookup (os.LookupEnv in production). It
// returns an error wrapping ErrMissing that lists every requested variable
// that is unset or empty, and an error for a name this package does not
// define, so a misconfigured function fails at start, not on first use.
func LoadFrom(lookup func(string) (string, bool), names ...string) (Config, error) {
	var (
		c       Config
		missing []string
	)
	for _, name := range names {
		dst := c.field(name)
		if dst == nil {
			return Config{}, fmt.Errorf("config: load: unknown variable %q", name)
		}
		v, ok := lookup(name)
		if !ok || strings.TrimSpace(v) == "" {
			missing = append(missing, name)
			continue
		}
		*dst = v
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("config: load: %w: %s", ErrMissing, strings.Join(missing, ", "))
	}
	return c, nil
}
