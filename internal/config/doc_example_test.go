package config_test

import (
	"fmt"
	"os"

	"github.com/shopstream/shopstream/internal/config"
)

// A Lambda's main parses its configuration once, before lambda.Start, and
// exits with the missing names if the stack did not set them.
func ExampleFunction_Load() {
	cfg, err := config.ReserveStock.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = cfg.EventsTable
}

func ExampleLoadFrom() {
	lookup := func(name string) (string, bool) {
		v, ok := map[string]string{config.EventsTable: "Shopstream-dev-Events"}[name]
		return v, ok
	}
	_, err := config.LoadFrom(lookup, config.EventsTable, config.Stage)
	fmt.Println(err)
	// Output: config: load: missing environment variable: STAGE
}
