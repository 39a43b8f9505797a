package sample

import (
	"os"
	"testing"
)

func TestPasses(t *testing.T) { t.Log("quiet when passing") }

func TestFails(t *testing.T) { t.Error("the failure message") }

func TestSkipsAllowed(t *testing.T) { t.Skip("optional-tool not found on PATH") }

func TestSkipsNotAllowed(t *testing.T) {
	if os.Getenv("SAMPLE_NEVER_SET") == "" {
		t.Skipf("SAMPLE_NEVER_SET is not set")
	}
}

func TestSubtests(t *testing.T) {
	t.Run("a", func(t *testing.T) {})
	t.Run("b", func(t *testing.T) { t.Skip("optional-tool not found on PATH") })
}
