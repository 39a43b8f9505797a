package domain

import "fmt"

// PricedLine is one product in a checked-out basket or a placed order, priced
// from the catalog at checkout (never from the client).
type PricedLine struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	UnitPrice int64  `json:"unitPrice"` // minor units
	Currency  string `json:"currency"`
	Quantity  int64  `json:"quantity"`
	LineTotal int64  `json:"lineTotal"` // UnitPrice × Quantity
}

// CheckPricedLines checks that lines are 1..MaxLines distinct, valid
// products, all in currency, that each line total is its unit price times
// its quantity, and that total is their sum. Field names are as in
// BasketCheckedOut and OrderPlaced ("lines[1].lineTotal", "total").
func CheckPricedLines(lines []PricedLine, total int64, currency string) error {
	if err := CheckCurrency("currency", currency); err != nil {
		return err
	}
	if len(lines) == 0 {
		return Invalid("lines", "must not be empty")
	}
	if len(lines) > MaxLines {
		return Invalid("lines", "must have at most %d lines", MaxLines)
	}
	seen := make(map[string]bool, len(lines))
	var sum int64
	for i, l := range lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if err := CheckID(f("productId"), l.ProductID); err != nil {
			return err
		}
		if seen[l.ProductID] {
			return Invalid(f("productId"), "duplicates an earlier line")
		}
		seen[l.ProductID] = true
		if err := CheckText(f("name"), l.Name, 1, 200); err != nil {
			return err
		}
		if err := CheckPrice(f("unitPrice"), l.UnitPrice); err != nil {
			return err
		}
		if l.Currency != currency {
			return Invalid(f("currency"), "must be %s like the order, got %q", currency, l.Currency)
		}
		if err := CheckQuantity(f("quantity"), l.Quantity); err != nil {
			return err
		}
		if l.LineTotal != l.UnitPrice*l.Quantity {
			return Invalid(f("lineTotal"), "must be unitPrice × quantity = %d, got %d", l.UnitPrice*l.Quantity, l.LineTotal)
		}
		sum += l.LineTotal
	}
	if total != sum {
		return Invalid("total", "must be the sum of the line totals = %d, got %d", sum, total)
	}
	return nil
}

// ClonePricedLines returns a copy of lines that shares no memory with it, so
// an aggregate's state cannot be changed through a slice it handed out.
func ClonePricedLines(lines []PricedLine) []PricedLine {
	if lines == nil {
		return nil
	}
	return append([]PricedLine(nil), lines...)
}

// OrderIDFor returns the id of the order a checkout becomes. An order's id
// is its checkout's id: deriving it, rather than minting a new one, is what
// makes "one order per checkout" hold under retries, since every redelivery
// of a checkout lands on the same order stream (appended with NoStream).
func OrderIDFor(checkoutID string) string { return checkoutID }
