package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// sampleRun runs the real `go test -json` on testdata/sample: a package
// with passing, failing and skipping tests, and one that does not compile.
func sampleRun(t *testing.T) []byte {
	t.Helper()
	cmd := exec.Command("go", "test", "-json", "-count=1", "./...")
	cmd.Dir = "testdata/sample"
	cmd.Env = append(cmd.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.Output()
	if err == nil {
		t.Fatal("go test on the sample passed; it has a failing test and a broken package")
	}
	if len(out) == 0 {
		t.Fatalf("go test -json printed nothing: %v", err)
	}
	return out
}

func TestReport(t *testing.T) {
	allow, err := ParseAllowList(strings.NewReader("# comment\n\noptional oracle | not found on PATH$\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := Report(bytes.NewReader(sampleRun(t)), &out, allow)
	if err != nil {
		t.Fatal(err)
	}
	WriteSummary(&out, s)
	text := out.String()

	if s.Passed != 3 || s.Failed != 1 || len(s.Skips) != 3 {
		t.Errorf("passed %d, failed %d, skipped %d; want 3 (TestPasses, TestSubtests, TestSubtests/a), 1, 3\n%s", s.Passed, s.Failed, len(s.Skips), text)
	}
	if len(s.BrokenPackages) != 1 || s.BrokenPackages[0] != "sample/broken" {
		t.Errorf("broken packages = %v, want [sample/broken]", s.BrokenPackages)
	}
	bad := s.Disallowed()
	if len(bad) != 1 || bad[0].Test != "TestSkipsNotAllowed" || bad[0].Reason != "SAMPLE_NEVER_SET is not set" {
		t.Errorf("disallowed skips = %+v, want TestSkipsNotAllowed with its reason", bad)
	}
	for _, want := range []string{
		"--- FAIL: TestFails (",
		"the failure message",
		"undefinedName", // the compiler's error for the broken package
		"FAIL\tsample",  // go test's package result line
		"  2 × optional-tool not found on PATH [optional oracle] (sample.TestSkipsAllowed and 1 more)",
		"  1 × SAMPLE_NEVER_SET is not set [NOT ON THE ALLOW-LIST] (sample.TestSkipsNotAllowed)",
		"package failed outside a test: sample/broken",
		"\ntests: 3 passed, 1 failed, 3 skipped\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "quiet when passing") {
		t.Errorf("a passing test's log was printed:\n%s", text)
	}
}

func TestParseAllowListErrors(t *testing.T) {
	for _, in := range []string{"no separator", "label |", "| regexp", "bad | ("} {
		if _, err := ParseAllowList(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: err = %v, want an error naming line 1", in, err)
		}
	}
}
