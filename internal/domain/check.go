package domain

import (
	"strings"
	"unicode/utf8"
)

// Limits shared by every aggregate. Quantities and prices are bounded so
// that totals (price × quantity × lines) stay far from int64 overflow.
const (
	MaxQuantity = 1_000_000
	MaxPrice    = 1_000_000_000 // exclusive, in minor units
	MaxIDLength = 128
	MaxLines    = 100 // distinct products per basket or order
)

// currencies is the set of ISO 4217 codes the shop accepts.
var currencies = map[string]bool{
	"AUD": true, "BRL": true, "CAD": true, "CHF": true, "CNY": true,
	"CZK": true, "DKK": true, "EUR": true, "GBP": true, "HKD": true,
	"INR": true, "JPY": true, "KRW": true, "MXN": true, "NOK": true,
	"NZD": true, "PLN": true, "SEK": true, "SGD": true, "USD": true,
	"ZAR": true,
}

// CheckText checks that value is valid UTF-8 of min..max characters and,
// when min > 0, not only white space.
func CheckText(field, value string, min, max int) error {
	if !utf8.ValidString(value) {
		return Invalid(field, "must be valid UTF-8")
	}
	n := utf8.RuneCountInString(value)
	switch {
	case min > 0 && n == 0:
		return Invalid(field, "is required")
	case n < min:
		return Invalid(field, "must be at least %d characters", min)
	case n > max:
		return Invalid(field, "must be at most %d characters", max)
	case min > 0 && strings.TrimSpace(value) == "":
		return Invalid(field, "must not be blank")
	}
	return nil
}

// CheckID checks an identifier (product id, user name, checkout id, order
// id): 1..MaxIDLength characters from [A-Za-z0-9._@-], so it is safe in a
// stream id, a URL path and a Step Functions execution name.
func CheckID(field, value string) error {
	if value == "" {
		return Invalid(field, "is required")
	}
	if len(value) > MaxIDLength {
		return Invalid(field, "must be at most %d characters", MaxIDLength)
	}
	for _, r := range value {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == '@' || r == '-'
		if !ok {
			return Invalid(field, "must contain only letters, digits, '.', '_', '@' and '-'")
		}
	}
	return nil
}

// CheckQuantity checks 1 <= q <= MaxQuantity.
func CheckQuantity(field string, q int64) error {
	if q < 1 || q > MaxQuantity {
		return Invalid(field, "must be between 1 and %d", MaxQuantity)
	}
	return nil
}

// CheckPrice checks 0 < amount < MaxPrice (minor units).
func CheckPrice(field string, amount int64) error {
	if amount < 1 || amount >= MaxPrice {
		return Invalid(field, "must be between 1 and %d minor units", MaxPrice-1)
	}
	return nil
}

// CheckCurrency checks that code is an ISO 4217 code the shop accepts.
func CheckCurrency(field, code string) error {
	if code == "" {
		return Invalid(field, "is required")
	}
	if !currencies[code] {
		return Invalid(field, "must be a supported ISO 4217 code such as EUR or USD, got %q", code)
	}
	return nil
}

// CheckLine checks single-line text as CheckText does and also refuses
// control characters (C0, DEL, C1) and bidirectional formatting controls
// (U+202A–U+202E, U+2066–U+2069), which can hide or reorder what a
// reader sees: names, categories, a customer's name.
func CheckLine(field, value string, min, max int) error {
	if err := CheckText(field, value, min, max); err != nil {
		return err
	}
	return checkControls(field, value, false)
}

// CheckMultiline is CheckLine for text that may span lines: it allows
// '\n' (and only that line break), for descriptions and addresses.
func CheckMultiline(field, value string, min, max int) error {
	if err := CheckText(field, value, min, max); err != nil {
		return err
	}
	return checkControls(field, value, true)
}

func checkControls(field, value string, newlines bool) error {
	for i, r := range value {
		switch {
		case r == '\n' && newlines:
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return Invalid(field, "must not contain control characters (U+%04X at byte %d)", r, i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return Invalid(field, "must not contain bidirectional formatting characters (U+%04X at byte %d)", r, i)
		}
	}
	return nil
}

// imageExtensions are the file types an imageFile may name. SVG is left
// out on purpose: it can carry script.
var imageExtensions = []string{".png", ".jpg", ".jpeg", ".gif", ".webp"}

// CheckImageFile checks an image's file name: a plain relative name of
// at most max characters from [A-Za-z0-9._-], starting with a letter or
// digit, ending in an image extension (.png .jpg .jpeg .gif .webp). So
// no directory, no "..", no scheme ("javascript:"), nothing to escape.
// The empty string (no image) is accepted.
func CheckImageFile(field, value string, max int) error {
	if value == "" {
		return nil
	}
	if len(value) > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	for i, r := range value {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return Invalid(field, "must be a plain file name such as mug.png: letters, digits, '.', '_' and '-', starting with a letter or digit")
		}
	}
	if strings.Contains(value, "..") {
		return Invalid(field, "must be a plain file name such as mug.png, without \"..\"")
	}
	lower := strings.ToLower(value)
	for _, ext := range imageExtensions {
		if strings.HasSuffix(lower, ext) && len(lower) > len(ext) {
			return nil
		}
	}
	return Invalid(field, "must end in one of %s", strings.Join(imageExtensions, " "))
}
