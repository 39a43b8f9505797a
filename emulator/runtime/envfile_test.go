package runtime

import "testing"

func TestSnake(t *testing.T) {
	tests := map[string]string{
		"EventsTable":             "EVENTS_TABLE",
		"CheckoutStateMachineArn": "CHECKOUT_STATE_MACHINE_ARN",
		"EventBusName":            "EVENT_BUS_NAME",
		"ApiUrl":                  "API_URL",
		"TableName":               "TABLE_NAME",
		"APIURLForTests":          "APIURL_FOR_TESTS",
		"x":                       "X",
	}
	for in, want := range tests {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
