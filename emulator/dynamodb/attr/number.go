package attr

import (
	"math/big"
	"strings"
)

// Number limits DynamoDB enforces.
const (
	maxDigits = 38
	maxExp    = 126  // magnitude must be < 1e126
	minExp    = -130 // and >= 1e-130 unless zero
)

// Error is a validation failure whose text is DynamoDB's own message, so
// the service can return it to clients verbatim.
type Error string

func (e Error) Error() string { return string(e) }

// Number errors, with AWS's wording.
const (
	ErrNotANumber   Error = "A value provided cannot be converted into a number"
	ErrTooPrecise   Error = "Attempting to store more than 38 significant digits in a Number"
	ErrNumOverflow  Error = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	ErrNumUnderflow Error = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)

var bigTen = big.NewInt(10)

// dec is an exact decimal: (-1)^neg × digits × 10^exp, digits without
// leading or trailing zeros ("" for zero).
type dec struct {
	neg    bool
	digits string
	exp    int
}

// parseDec parses a DynamoDB number string ("-1.5e3", "007", ".5").
func parseDec(s string) (dec, error) {
	if s == "" {
		return dec{}, ErrNotANumber
	}
	var d dec
	i := 0
	if s[0] == '-' || s[0] == '+' {
		d.neg = s[0] == '-'
		i++
	}
	var mant strings.Builder
	seenDigit, seenDot := false, false
	frac := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
			mant.WriteByte(c)
			if seenDot {
				frac++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			goto exp
		}
	}
exp:
	if !seenDigit {
		return dec{}, ErrNotANumber
	}
	e := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return dec{}, ErrNotANumber
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return dec{}, ErrNotANumber
		}
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return dec{}, ErrNotANumber
			}
			if e < 100000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
	}
	digits := strings.TrimLeft(mant.String(), "0")
	exp10 := e - frac
	trimmed := strings.TrimRight(digits, "0")
	exp10 += len(digits) - len(trimmed)
	d.digits, d.exp = trimmed, exp10
	if d.digits == "" {
		return dec{}, nil
	}
	return d, nil
}

// check enforces DynamoDB's precision and range.
func (d dec) check() error {
	if d.digits == "" {
		return nil
	}
	if len(d.digits) > maxDigits {
		return ErrTooPrecise
	}
	adj := len(d.digits) + d.exp // value is in [10^(adj-1), 10^adj)
	if adj > maxExp {
		return ErrNumOverflow
	}
	if adj-1 < minExp {
		return ErrNumUnderflow
	}
	return nil
}

// String renders d in plain notation as DynamoDB returns numbers.
func (d dec) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	switch {
	case d.exp >= 0:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp))
	case len(d.digits) > -d.exp:
		p := len(d.digits) + d.exp
		b.WriteString(d.digits[:p])
		b.WriteByte('.')
		b.WriteString(d.digits[p:])
	default:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp-len(d.digits)))
		b.WriteString(d.digits)
	}
	return b.String()
}

func (d dec) cmp(o dec) int {
	switch {
	case d.digits == "" && o.digits == "":
		return 0
	case d.digits == "":
		if o.neg {
			return 1
		}
		return -1
	case o.digits == "":
		if d.neg {
			return -1
		}
		return 1
	case d.neg != o.neg:
		if d.neg {
			return -1
		}
		return 1
	}
	c := cmpMag(d, o)
	if d.neg {
		return -c
	}
	return c
}

func cmpMag(a, b dec) int {
	aa, ba := len(a.digits)+a.exp, len(b.digits)+b.exp
	if aa != ba {
		if aa < ba {
			return -1
		}
		return 1
	}
	n := max(len(a.digits), len(b.digits))
	for i := 0; i < n; i++ {
		var x, y byte = '0', '0'
		if i < len(a.digits) {
			x = a.digits[i]
		}
		if i < len(b.digits) {
			y = b.digits[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (d dec) bigInt() *big.Int {
	v := new(big.Int)
	if d.digits == "" {
		return v
	}
	v.SetString(d.digits, 10)
	if d.neg {
		v.Neg(v)
	}
	return v
}

// add returns a+b exactly (sub negates b first).
func add(a, b dec) dec {
	e := min(a.exp, b.exp)
	x, y := a.bigInt(), b.bigInt()
	x.Mul(x, new(big.Int).Exp(bigTen, big.NewInt(int64(a.exp-e)), nil))
	y.Mul(y, new(big.Int).Exp(bigTen, big.NewInt(int64(b.exp-e)), nil))
	x.Add(x, y)
	s := x.String()
	r := dec{exp: e}
	if strings.HasPrefix(s, "-") {
		r.neg, s = true, s[1:]
	}
	t := strings.TrimRight(s, "0")
	r.exp += len(s) - len(t)
	r.digits = t
	if t == "" {
		return dec{}
	}
	return r
}

// CanonicalNumber validates s and returns DynamoDB's canonical rendering
// ("1.50" → "1.5", "1e2" → "100").
func CanonicalNumber(s string) (string, error) {
	d, err := parseDec(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	if err := d.check(); err != nil {
		return "", err
	}
	return d.String(), nil
}

// CompareNumbers compares two canonical (or at least valid) number strings.
func CompareNumbers(a, b string) int {
	x, _ := parseDec(a)
	y, _ := parseDec(b)
	return x.cmp(y)
}

// AddNumbers returns a+b (or a-b when negate) as a canonical number, with
// DynamoDB's range checks applied to the result.
func AddNumbers(a, b string, negate bool) (string, error) {
	x, err := parseDec(a)
	if err != nil {
		return "", err
	}
	y, err := parseDec(b)
	if err != nil {
		return "", err
	}
	if negate && y.digits != "" {
		y.neg = !y.neg
	}
	r := add(x, y)
	if err := r.check(); err != nil {
		return "", err
	}
	return r.String(), nil
}

// numberSize is the bytes DynamoDB bills for a number: one per two
// significant digits, plus one.
func numberSize(s string) int {
	if strings.ContainsAny(s, "eE") {
		d, _ := parseDec(s)
		return (len(d.digits)+1)/2 + 1
	}
	// Canonical numbers: count digits between the first and last
	// non-zero digit, without allocating.
	first, last, n := -1, -1, 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			if c != '0' {
				if first < 0 {
					first = n
				}
				last = n
			}
			n++
		}
	}
	digits := 0
	if first >= 0 {
		digits = last - first + 1
	}
	return (digits+1)/2 + 1
}
