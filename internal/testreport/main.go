// Command testreport reads `go test -json` on standard input and prints
// what `make test` shows: each package's result, the output of failing
// tests, one line per skip reason with its count, and a closing
// "N passed, N failed, N skipped" line.
//
// Skips are how a test suite silently stops testing: a missing tool, an
// unset variable. With -strict (make test sets it when CI=true), a skip
// whose reason is not on the allow-list fails the run, so a skip is either
// written down as expected or fixed.
//
//	go test -json ./... | go run ./internal/testreport -allow .ci/skip-allowlist -strict
//
// It exits 1 when a test or a package failed, or when -strict finds a skip
// that is not allowed.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	allowFile := flag.String("allow", "", "skip allow-list: `file` of \"label | regexp\" lines")
	strict := flag.Bool("strict", false, "fail when a skip's reason is not on the allow-list")
	flag.Parse()

	var allow []Allowed
	if *allowFile != "" {
		f, err := os.Open(*allowFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		allow, err = ParseAllowList(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testreport: %s: %v\n", *allowFile, err)
			os.Exit(2)
		}
	}
	s, err := Report(os.Stdin, os.Stdout, allow)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport: reading go test -json:", err)
		os.Exit(2)
	}
	WriteSummary(os.Stdout, s)
	code := 0
	if s.Failed > 0 || len(s.BrokenPackages) > 0 {
		code = 1
	}
	if bad := s.Disallowed(); *strict && len(bad) > 0 {
		fmt.Printf("FAIL: %d skipped tests are not on the allow-list %s (fix the test or add the reason with why):\n", len(bad), *allowFile)
		for _, k := range bad {
			fmt.Printf("  %s %s: %s\n", k.Package, k.Test, k.Reason)
		}
		code = 1
	}
	os.Exit(code)
}
