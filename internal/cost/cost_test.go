package cost

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// round prices make the expected figures easy to check by hand.
var testTable = Table{
	AsOf: "2026-01-02", Region: "test-1", Arch: "arm64",
	APIRequest:       Price{USD: 3e-6, Unit: "request", Confirmed: true},
	LambdaRequest:    Price{USD: 2e-7, Unit: "request", Confirmed: true},
	LambdaGBSecond:   Price{USD: 1e-5, Unit: "GB-second", Confirmed: true},
	ReadRequestUnit:  Price{USD: 1e-7, Unit: "read request unit"},
	WriteRequestUnit: Price{USD: 5e-7, Unit: "write request unit"},
	CustomEvent:      Price{USD: 1e-6, Unit: "event"},
	SQSRequest:       Price{USD: 4e-7, Unit: "request"},
	StateTransition:  Price{USD: 2.5e-5, Unit: "state transition", Confirmed: true},
	ExpressRequest:   Price{USD: 1e-6, Unit: "request"},
	ExpressGBSecond:  Price{USD: 2e-5, Unit: "GB-second"},
	LogGB:            Price{USD: 0.5, Unit: "GB ingested"},
	AlarmMonth:       Price{USD: 0.1, Unit: "alarm-month"},
}

func TestCompute(t *testing.T) {
	m := Meters{
		Orders:           4,
		APIRequests:      8,       // 2 per order × $3/M        = $6.00 per 1M orders
		LambdaRequests:   20,      // 5 × $0.20/M               = $1.00
		LambdaGBSeconds:  0.5,     // 0.125 × $0.00001          = $1.25
		ReadUnits:        10,      // 2.5 × $0.10/M             = $0.25
		WriteUnits:       40,      // 10 × $0.50/M              = $5.00
		Events:           12,      // 3 × $1/M                  = $3.00
		SQSRequests:      24,      // 6 × $0.40/M               = $2.40
		StateTransitions: 40,      // 10 × $0.025/1000          = $250.00
		LogBytes:         4 << 20, // 1 MiB = 1/1024 GB × $0.50 = $488.28125
		Alarms:           7,
		SQSMappings:      2,
	}
	r, err := Compute(m, testTable)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"API Gateway requests": 6, "Lambda requests": 1, "Lambda compute (arm64)": 1.25, "DynamoDB reads": 0.25,
		"DynamoDB writes": 5, "EventBridge events": 3, "SQS requests": 2.4, "Step Functions Standard": 250,
		"CloudWatch Logs ingestion": 488.28125,
	}
	got := map[string]float64{}
	for _, l := range r.Lines {
		got[l.Service] = l.PerMillion
	}
	if len(got) != len(want) {
		t.Fatalf("lines %v, want %v (no Express lines for a Standard run)", got, want)
	}
	total := 0.0
	for k, v := range want {
		if math.Abs(got[k]-v) > 1e-9 {
			t.Errorf("%s: $%v per 1M orders, want $%v", k, got[k], v)
		}
		total += v
	}
	if math.Abs(r.PerMillion-total) > 1e-9 || math.Abs(total-757.18125) > 1e-9 {
		t.Errorf("total $%v per 1M orders, want $%v", r.PerMillion, total)
	}
	// 2 mappings × 648,000 idle receives × $0.40/M = $0.5184.
	if len(r.Monthly) != 2 || math.Abs(r.Monthly[0].PerMillion-0.7) > 1e-12 || math.Abs(r.Monthly[1].PerMillion-0.5184) > 1e-12 {
		t.Errorf("monthly lines %+v, want 7 alarms at $0.10 = $0.70 and $0.5184 of idle polling", r.Monthly)
	}
	if r.Lines[0].UnitsPerOrder != 2 {
		t.Errorf("API requests per order = %v, want 2", r.Lines[0].UnitsPerOrder)
	}
	if logs := r.Lines[len(r.Lines)-1]; logs.UnitsPerOrder != 1024 || logs.Unit != "KB ingested" {
		t.Errorf("logs line %+v, want 1024 KB per order", logs)
	}
	text := r.Text()
	for _, s := range []string{"757.18", "250.00", "DynamoDB reads", "*", "7 × alarm-month", "1296000 × request"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("JSON round trip: %v\n%s", err, raw)
	}
}

func TestComputeExpress(t *testing.T) {
	r, err := Compute(Meters{Orders: 2, ExpressRequests: 2, ExpressGBSeconds: 2 * ExpressGBSeconds(150*time.Millisecond, 64)}, testTable)
	if err != nil {
		t.Fatal(err)
	}
	// 1 request × $1/M = $1; 0.2 s × 64/1024 GB = 0.0125 GB-s × $0.00002 = $0.25.
	if len(r.Lines) != 2 || math.Abs(r.PerMillion-1.25) > 1e-9 {
		t.Errorf("Express: %+v, want $1.25 per 1M orders", r)
	}
}

func TestComputeRejects(t *testing.T) {
	for name, m := range map[string]Meters{
		"no orders":      {APIRequests: 1},
		"negative units": {Orders: 1, WriteUnits: -1},
		"NaN units":      {Orders: 1, LogBytes: math.NaN()},
	} {
		if _, err := Compute(m, testTable); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Express bills duration in 100 ms steps and memory in 64 MB steps, both
// rounded up.
func TestExpressGBSeconds(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		mb   float64
		want float64
	}{
		{time.Millisecond, 64, 0.1 * 64 / 1024},
		{100 * time.Millisecond, 64, 0.1 * 64 / 1024},
		{101 * time.Millisecond, 64, 0.2 * 64 / 1024},
		{101 * time.Millisecond, 65, 0.2 * 128 / 1024},
		{time.Second, 50, 1 * 64 / 1024.0},
	} {
		if got := ExpressGBSeconds(c.d, c.mb); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ExpressGBSeconds(%v, %v MB) = %v, want %v", c.d, c.mb, got, c.want)
		}
	}
}

// Every price of the bench's table has a unit, a positive amount and a
// source page, and the table is dated.
func TestUSEast1IsComplete(t *testing.T) {
	if _, err := time.Parse("2006-01-02", USEast1.AsOf); err != nil {
		t.Errorf("AsOf %q: %v", USEast1.AsOf, err)
	}
	v := reflect.ValueOf(USEast1)
	for i := range v.NumField() {
		p, ok := v.Field(i).Interface().(Price)
		if !ok {
			continue
		}
		if name := v.Type().Field(i).Name; p.USD <= 0 || p.Unit == "" || !strings.HasPrefix(p.Source, "https://aws.amazon.com/") {
			t.Errorf("%s: %+v", name, p)
		}
	}
}
