package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent, plus
// the build events `go test -json` adds for packages that do not compile).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// Allowed is one entry of the skip allow-list: skips whose reason matches
// Pattern are expected, for the written reason Label.
type Allowed struct {
	Label   string
	Pattern *regexp.Regexp
}

// ParseAllowList reads "label | regexp" lines; blank lines and lines
// starting with # are comments.
func ParseAllowList(r io.Reader) ([]Allowed, error) {
	var out []Allowed
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, pattern, ok := strings.Cut(line, "|")
		label, pattern = strings.TrimSpace(label), strings.TrimSpace(pattern)
		if !ok || label == "" || pattern == "" {
			return nil, fmt.Errorf("allow-list line %d: want \"label | regexp\", got %q", n, line)
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, fmt.Errorf("allow-list line %d: %w", n, err)
		}
		out = append(out, Allowed{Label: label, Pattern: re})
	}
	return out, sc.Err()
}

// Skip is a skipped test and the message it gave.
type Skip struct {
	Package, Test, Reason string
	Label                 string // the allow-list entry that expects it, or ""
}

// Summary is what a run produced.
type Summary struct {
	Passed, Failed int
	Skips          []Skip
	// BrokenPackages failed without a failing test: a build failure, a
	// panic in TestMain, a timeout.
	BrokenPackages []string
}

// Disallowed returns the skips no allow-list entry expects.
func (s *Summary) Disallowed() []Skip {
	var out []Skip
	for _, k := range s.Skips {
		if k.Label == "" {
			out = append(out, k)
		}
	}
	return out
}

// testKey identifies a test within the run.
type testKey struct{ pkg, test string }

// Report reads `go test -json` from in and writes what a person needs to
// out: each package's result line, the full output of every failing test
// and of every package that failed outside a test; lines that are not JSON
// (a go command error) are copied as they are.
func Report(in io.Reader, out io.Writer, allow []Allowed) (*Summary, error) {
	s := &Summary{}
	output := map[testKey][]string{}
	pkgOutput := map[string][]string{}
	failedTests := map[string]int{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "build-fail":
			// Its package's "fail" event follows and is counted there.
		case e.Test != "":
			k := testKey{e.Package, e.Test}
			switch e.Action {
			case "output":
				output[k] = append(output[k], e.Output)
			case "pass":
				s.Passed++
				delete(output, k)
			case "fail":
				s.Failed++
				failedTests[e.Package]++
				for _, o := range output[k] {
					fmt.Fprint(out, o)
				}
				delete(output, k)
			case "skip":
				skip := Skip{Package: e.Package, Test: e.Test, Reason: skipReason(output[k])}
				for _, a := range allow {
					if a.Pattern.MatchString(skip.Reason) {
						skip.Label = a.Label
						break
					}
				}
				s.Skips = append(s.Skips, skip)
				delete(output, k)
			}
		default:
			switch e.Action {
			case "output":
				pkgOutput[e.Package] = append(pkgOutput[e.Package], e.Output)
			case "pass", "skip":
				printResultLines(out, pkgOutput[e.Package])
				delete(pkgOutput, e.Package)
			case "fail":
				if failedTests[e.Package] == 0 {
					// No test failed, so the reason is in the package's
					// own output (or in a test that never ended).
					s.BrokenPackages = append(s.BrokenPackages, e.Package)
					for k, lines := range output {
						if k.pkg == e.Package {
							fmt.Fprintf(out, "--- unfinished: %s (%s)\n", k.test, k.pkg)
							for _, o := range lines {
								fmt.Fprint(out, o)
							}
							delete(output, k)
						}
					}
					for _, o := range pkgOutput[e.Package] {
						fmt.Fprint(out, o)
					}
				} else {
					printResultLines(out, pkgOutput[e.Package])
				}
				delete(pkgOutput, e.Package)
			}
		}
	}
	return s, sc.Err()
}

// printResultLines prints a package's "ok"/"FAIL"/"?" line (and any
// other line that is not -v noise).
func printResultLines(out io.Writer, lines []string) {
	for _, l := range lines {
		switch t := strings.TrimSpace(l); {
		case t == "PASS", t == "FAIL", t == "", strings.HasPrefix(t, "=== "), strings.HasPrefix(t, "coverage:"):
		default:
			fmt.Fprint(out, l)
		}
	}
}

// fileLine is the "name_test.go:12: " prefix the testing package puts
// before a logged line.
var fileLine = regexp.MustCompile(`^\S+\.go:\d+: `)

// skipReason is what a skipped test logged (its t.Skip message last),
// without the framing lines and file:line prefixes.
func skipReason(lines []string) string {
	var msgs []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		msgs = append(msgs, fileLine.ReplaceAllString(t, ""))
	}
	if len(msgs) == 0 {
		return "(no reason given)"
	}
	return msgs[len(msgs)-1]
}

// WriteSummary prints the skip reasons, one line per reason with a count,
// and the closing "N passed, N failed, N skipped" line.
func WriteSummary(out io.Writer, s *Summary) {
	type group struct {
		reason, label string
		tests         []string
	}
	groups := map[string]*group{}
	for _, k := range s.Skips {
		g := groups[k.Reason]
		if g == nil {
			g = &group{reason: k.Reason, label: k.Label}
			groups[k.Reason] = g
		}
		g.tests = append(g.tests, k.Package+"."+k.Test)
	}
	reasons := make([]string, 0, len(groups))
	for r := range groups {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	fmt.Fprintln(out)
	fmt.Fprintf(out, "skipped tests: %d\n", len(s.Skips))
	for _, r := range reasons {
		g := groups[r]
		label := g.label
		if label == "" {
			label = "NOT ON THE ALLOW-LIST"
		}
		example := g.tests[0]
		if len(g.tests) > 1 {
			example += fmt.Sprintf(" and %d more", len(g.tests)-1)
		}
		fmt.Fprintf(out, "  %3d × %s [%s] (%s)\n", len(g.tests), r, label, example)
	}
	for _, p := range s.BrokenPackages {
		fmt.Fprintf(out, "package failed outside a test: %s\n", p)
	}
	fmt.Fprintf(out, "tests: %d passed, %d failed, %d skipped\n", s.Passed, s.Failed, len(s.Skips))
}
