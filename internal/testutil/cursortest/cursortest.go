// Package cursortest checks that an HTTP listing accepts only the cursors
// it issued for the same route and query (issue 11): every other cursor is
// 400 bad_cursor on "cursor".
package cursortest

import "testing"

// Get serves GET path and returns the status and the decoded JSON body.
type Get func(t *testing.T, path string) (int, map[string]any)

// Next returns the nextCursor of GET path; it fails t unless the page
// answers 200 with one.
func Next(t *testing.T, get Get, path string) string {
	t.Helper()
	code, body := get(t, path)
	next, _ := body["nextCursor"].(string)
	if code != 200 || next == "" {
		t.Fatalf("GET %s: %d %v, want a next page", path, code, body)
	}
	return next
}

// Case is a GET and the status it must answer.
type Case struct {
	Name, Path string
	Want       int
}

// Run runs each case as a subtest of t: GET Path must answer Want, and a
// 400 must carry the error code bad_cursor on the field "cursor".
func Run(t *testing.T, get Get, cases []Case) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			code, body := get(t, tt.Path)
			if code != tt.Want {
				t.Fatalf("GET %s = %d %v, want %d", tt.Path, code, body, tt.Want)
			}
			if tt.Want == 400 {
				e, _ := body["error"].(map[string]any)
				if e["code"] != "bad_cursor" || e["field"] != "cursor" {
					t.Fatalf("GET %s: error %v, want bad_cursor on cursor", tt.Path, e)
				}
			}
		})
	}
}
