package cost

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Meters are the billable units a run of Orders orders consumed, as the
// services bill them: each rounding rule (a Lambda invocation to the next
// millisecond, a 64 KB chunk of an event or SQS payload, a transactional
// write counted twice) is already applied by the meter that counted it.
type Meters struct {
	Orders int

	APIRequests      float64 // API Gateway REST requests
	LambdaRequests   float64 // invocations, every function
	LambdaGBSeconds  float64 // Σ billed ms / 1000 × MemorySize / 1024
	ReadUnits        float64 // DynamoDB read request units, indexes and transactions included
	WriteUnits       float64 // DynamoDB write request units
	Events           float64 // EventBridge custom events published (64 KB chunks)
	SQSRequests      float64 // SQS requests (64 KB chunks), empty receives included
	StateTransitions float64 // Step Functions Standard
	ExpressRequests  float64 // Step Functions Express executions
	ExpressGBSeconds float64 // see ExpressGBSeconds
	LogBytes         float64 // CloudWatch Logs bytes ingested

	// Fixed monthly units, not per order, listed apart from the price per
	// order: alarms, and the SQS event source mappings, whose pollers
	// keep receiving from an idle queue.
	Alarms      int
	SQSMappings int
}

// IdlePollsPerMonth is what one SQS event source mapping receives from an
// idle queue in a 30-day month, at most: Lambda long-polls (20 s) with
// five pollers when traffic is low ("as few as 2" after optimisation),
// each returning empty three times a minute. An estimate from AWS's
// description of SQS mapping scaling
// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
const IdlePollsPerMonth = 5 * 3 * 60 * 24 * 30

// Line is one service's share of the price of an order.
type Line struct {
	Service       string  `json:"service"`
	Unit          string  `json:"unit"`
	UnitsPerOrder float64 `json:"unitsPerOrder"`
	PricePerUnit  float64 `json:"pricePerUnitUSD"`
	PerMillion    float64 `json:"usdPerMillionOrders"`
	Confirmed     bool    `json:"priceConfirmed"`
	Source        string  `json:"source"`
}

// Report is the price of an order by service.
type Report struct {
	Orders     int     `json:"orders"`
	PricesAsOf string  `json:"pricesAsOf"`
	Region     string  `json:"region"`
	Arch       string  `json:"arch"`
	Lines      []Line  `json:"lines"`
	PerMillion float64 `json:"usdPerMillionOrders"`
	// Monthly lists what is billed by the month whatever the orders.
	Monthly []Line `json:"monthly,omitempty"`
}

// gb is the gigabyte CloudWatch Logs bills ingestion by (2^30 bytes);
// the report counts logs in KB (2^10 bytes) per order.
const gb, kb = 1 << 30, 1 << 10

// Compute prices m with t. Lines with no units are left out, so a
// Standard run shows no Express line and the reverse.
func Compute(m Meters, t Table) (Report, error) {
	if m.Orders <= 0 {
		return Report{}, errors.New("cost: Meters.Orders must be positive")
	}
	r := Report{Orders: m.Orders, PricesAsOf: t.AsOf, Region: t.Region, Arch: t.Arch}
	for _, l := range []struct {
		service string
		units   float64
		price   Price
	}{
		{"API Gateway requests", m.APIRequests, t.APIRequest},
		{"Lambda requests", m.LambdaRequests, t.LambdaRequest},
		{"Lambda compute (" + t.Arch + ")", m.LambdaGBSeconds, t.LambdaGBSecond},
		{"DynamoDB reads", m.ReadUnits, t.ReadRequestUnit},
		{"DynamoDB writes", m.WriteUnits, t.WriteRequestUnit},
		{"EventBridge events", m.Events, t.CustomEvent},
		{"SQS requests", m.SQSRequests, t.SQSRequest},
		{"Step Functions Standard", m.StateTransitions, t.StateTransition},
		{"Step Functions Express requests", m.ExpressRequests, t.ExpressRequest},
		{"Step Functions Express duration", m.ExpressGBSeconds, t.ExpressGBSecond},
		{"CloudWatch Logs ingestion", m.LogBytes / kb, Price{USD: t.LogGB.USD / (gb / kb), Unit: "KB ingested", Source: t.LogGB.Source, Confirmed: t.LogGB.Confirmed}},
	} {
		if l.units < 0 || math.IsNaN(l.units) || math.IsInf(l.units, 0) {
			return Report{}, fmt.Errorf("cost: %s: %v units is not a count", l.service, l.units)
		}
		if l.units == 0 {
			continue
		}
		per := l.units / float64(m.Orders)
		line := Line{Service: l.service, Unit: l.price.Unit, UnitsPerOrder: per, PricePerUnit: l.price.USD,
			PerMillion: per * l.price.USD * 1e6, Confirmed: l.price.Confirmed, Source: l.price.Source}
		r.Lines = append(r.Lines, line)
		r.PerMillion += line.PerMillion
	}
	for _, l := range []struct {
		service string
		units   float64
		price   Price
	}{
		{"CloudWatch alarms", float64(m.Alarms), t.AlarmMonth},
		{"SQS idle polling (event source mappings)", float64(m.SQSMappings * IdlePollsPerMonth), t.SQSRequest},
	} {
		if l.units > 0 {
			r.Monthly = append(r.Monthly, Line{Service: l.service, Unit: l.price.Unit, UnitsPerOrder: l.units,
				PricePerUnit: l.price.USD, PerMillion: l.units * l.price.USD, Confirmed: l.price.Confirmed, Source: l.price.Source})
		}
	}
	return r, nil
}

// ExpressGBSeconds is what Step Functions Express bills one execution's
// duration as: the duration rounded up to the next 100 ms, at the memory
// it used rounded up to the next 64 MB.
func ExpressGBSeconds(d time.Duration, memoryMB float64) float64 {
	const step = 100 * time.Millisecond
	billed := time.Duration(math.Ceil(float64(d)/float64(step))) * step
	mem := math.Ceil(memoryMB/64) * 64
	return billed.Seconds() * mem / 1024
}

// Text renders r as an aligned table: service, units per order, price per
// unit, $ per 1M orders, and the total; monthly lines follow.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "price per order, %d orders measured; on-demand prices %s, %s, %s (* = price not confirmed on the page)\n",
		r.Orders, r.PricesAsOf, r.Region, r.Arch)
	fmt.Fprintf(&b, "%-34s %14s  %-22s %14s  %14s\n", "service", "units/order", "unit", "$/unit", "$/1M orders")
	for _, l := range r.Lines {
		mark := " "
		if !l.Confirmed {
			mark = "*"
		}
		fmt.Fprintf(&b, "%-34s %14.4f  %-22s %14.10f%s %14.2f\n", l.Service, l.UnitsPerOrder, l.Unit, l.PricePerUnit, mark, l.PerMillion)
	}
	fmt.Fprintf(&b, "%-34s %14s  %-22s %14s  %14.2f\n", "total", "", "", "", r.PerMillion)
	for _, l := range r.Monthly {
		mark := " "
		if !l.Confirmed {
			mark = "*"
		}
		fmt.Fprintf(&b, "monthly, not per order: %s: %.0f × %s at $%g%s = $%.2f a month\n", l.Service, l.UnitsPerOrder, l.Unit, l.PricePerUnit, mark, l.PerMillion)
	}
	return b.String()
}
