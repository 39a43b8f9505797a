//go:build !faultinject

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Strings only the fault code contains: the variable's name and the log
// line of the crash.
var faultMarkers = []string{"SHOPSTREAM_FAULT", "fault injected"}

func TestFaultSwitchIsOffWithoutTheTag(t *testing.T) {
	t.Setenv("SHOPSTREAM_FAULT", "ordering-crash-after-append")
	p := &Placer{}
	installFaults(p)
	if p.AfterAppend != nil {
		t.Fatal("a build without the faultinject tag installed a fault")
	}
}

// TestShippedBuildHasNoFaultSwitch builds the function as the CDK bundler
// does (-tags lambda.norpc) and checks that no fault code is in it; the
// same build with faultinject added must contain it, or the check proves
// nothing.
func TestShippedBuildHasNoFaultSwitch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function twice; skipped under -short")
	}
	for _, tt := range []struct {
		tags string
		want bool
	}{{"lambda.norpc", false}, {"lambda.norpc,faultinject", true}} {
		out, err := exec.Command("go", "list", "-tags", tt.tags, "-f", `{{join .GoFiles " "}}`, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %s: %v\n%s", tt.tags, err, out)
		}
		files := strings.Fields(string(out))
		if got := slices.Contains(files, "fault_faultinject.go"); got != tt.want {
			t.Errorf("-tags %s compiles %v: fault_faultinject.go included = %v, want %v", tt.tags, files, got, tt.want)
		}
		if got := slices.Contains(files, "fault_off.go"); got == tt.want {
			t.Errorf("-tags %s compiles %v: fault_off.go included = %v, want %v", tt.tags, files, got, !tt.want)
		}

		bin := filepath.Join(t.TempDir(), "bootstrap")
		build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", tt.tags, "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build -tags %s: %v\n%s", tt.tags, err, out)
		}
		raw, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range faultMarkers {
			if got := bytes.Contains(raw, []byte(m)); got != tt.want {
				t.Errorf("binary built with -tags %s contains %q = %v, want %v", tt.tags, m, got, tt.want)
			}
		}
	}
}

// TestTaggedBuildCrashesAfterAppend runs the faultinject build's own test
// (fault_faultinject_test.go), so the default test run covers the crash
// that tests/e2e relies on and not only its absence.
func TestTaggedBuildCrashesAfterAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package's tests with -tags faultinject; skipped under -short")
	}
	out, err := exec.Command("go", "test", "-tags", "faultinject", "-count=1", "-run", "^TestInjectedCrash$", "-v", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags faultinject: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestInjectedCrash") {
		t.Fatalf("TestInjectedCrash did not run and pass under -tags faultinject:\n%s", out)
	}
}
