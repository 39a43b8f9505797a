package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

var testCursors = Cursors{Key: []byte("0123456789abcdef0123456789abcdef")}

func TestCursorsSealAndOpen(t *testing.T) {
	scope := Scope("GET /product", "category=kitchen")
	sealed, err := testCursors.Seal(scope, `{"productId":["S","p1"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := testCursors.Open(scope, sealed); err != nil || got != `{"productId":["S","p1"]}` {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if end, err := testCursors.Seal(scope, ""); end != "" || err != nil {
		t.Fatalf("Seal(\"\") = %q, %v", end, err)
	}
	if start, err := testCursors.Open(scope, ""); start != "" || err != nil {
		t.Fatalf("Open(\"\") = %q, %v", start, err)
	}
	enc, mac, _ := strings.Cut(sealed, ".")
	for name, c := range map[string]string{
		"other scope":    "",
		"no mac":         enc,
		"bad mac":        enc + ".AAAAAAAAAAAAAAAAAAAAAA",
		"truncated mac":  enc + "." + mac[:4],
		"not base64":     "***." + mac,
		"empty position": "." + mac,
		"too long":       strings.Repeat("A", 5000) + "." + mac,
		"another key's": func() string {
			s, _ := (Cursors{Key: []byte("fedcba9876543210fedcba9876543210")}).Seal(scope, "x")
			return s
		}(),
		"a category short": func() string { s, _ := testCursors.Seal(Scope("GET /product", "category=kitchen", ""), "x"); return s }(),
	} {
		s := scope
		if name == "other scope" {
			c, s = sealed, Scope("GET /product", "category=")
		}
		if _, err := testCursors.Open(s, c); err != ErrBadCursor {
			t.Errorf("%s: Open(%q) = %v, want ErrBadCursor", name, c, err)
		}
	}
	// Without a key nothing is sealed or opened: a 500, not an unsigned cursor.
	for _, key := range [][]byte{nil, []byte("short")} {
		if _, err := (Cursors{Key: key}).Seal(scope, "x"); err == nil || errors.Is(err, ErrBadCursor) {
			t.Errorf("key %q: Seal err = %v", key, err)
		}
		if _, err := (Cursors{Key: key}).Open(scope, sealed); err == nil || errors.Is(err, ErrBadCursor) {
			t.Errorf("key %q: Open err = %v", key, err)
		}
	}
	if AsError(ErrBadCursor).Status != 400 || AsError(ErrBadCursor).Code != "bad_cursor" || AsError(ErrBadCursor).Field != "cursor" {
		t.Errorf("AsError(ErrBadCursor) = %+v", AsError(ErrBadCursor))
	}
}

func TestOpenQuery(t *testing.T) {
	scope := Scope("GET /order")
	sealed, _ := testCursors.Seal(scope, "p")
	for _, tt := range []struct {
		query   string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"limit=2", "", false},
		{"cursor=" + sealed, "p", false},
		{"cursor=%%%", "", true},
		{"limit=2&cursor=%zz", "", true},
		{"cursor=" + sealed + "&x=%%%", "p", false}, // the cursor itself decoded
		{"cursor=garbage", "", true},
	} {
		r := httptest.NewRequest("GET", "/order?"+tt.query, nil)
		got, err := testCursors.OpenQuery(r, scope)
		if got != tt.want || (err != nil) != tt.wantErr || (err != nil && err != ErrBadCursor) {
			t.Errorf("OpenQuery(%q) = %q, %v", tt.query, got, err)
		}
	}
}
