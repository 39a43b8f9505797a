package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/infra"
)

func requireNode(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes the CDK app (needs Node and a cross-build of every Lambda): skipped under -short")
	}
	if os.Getenv("JSII_NODE") == "" {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("no Node for jsii: install Node >= 22 or set JSII_NODE")
		}
	}
}

func TestNewAppRejectsBadStage(t *testing.T) {
	requireNode(t)
	_, _, err := NewApp(&awscdk.AppProps{
		Context: &map[string]any{"stage": "Prod_1"},
		Outdir:  jsii.String(t.TempDir()),
	}, ".")
	if err == nil || !strings.Contains(err.Error(), `"Prod_1"`) {
		t.Fatalf("NewApp(stage=Prod_1) = %v, want an error naming the stage", err)
	}
}

// A bad alarm e-mail is refused before anything is built, naming the
// context key and the value.
func TestNewAppRejectsBadAlarmEmail(t *testing.T) {
	requireNode(t)
	for _, v := range []any{"ops-at-example.com", 42} {
		_, _, err := NewApp(&awscdk.AppProps{
			Context: &map[string]any{"stage": "dev", "alarmEmail": v},
			Outdir:  jsii.String(t.TempDir()),
		}, ".")
		if err == nil || !strings.Contains(err.Error(), "alarmEmail") || !strings.Contains(err.Error(), fmt.Sprint(v)) {
			t.Errorf("NewApp(alarmEmail=%v) = %v, want an error naming alarmEmail and the value", v, err)
		}
	}
}

// A production stage cannot be synthesized with the simulated gateway,
// which approves any valid card number.
func TestNewAppRefusesSimulatedGatewayInProduction(t *testing.T) {
	requireNode(t)
	for _, ctx := range []map[string]any{
		{"stage": "prod"},
		{"stage": "live", "production": "true"},
		{"stage": "dev", "production": true},
	} {
		_, _, err := NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())}, ".")
		if !errors.Is(err, infra.ErrSimulatedGatewayInProduction) || !strings.Contains(err.Error(), "simulated payment gateway") {
			t.Errorf("NewApp(%v) = %v, want the simulated gateway refused", ctx, err)
		}
	}
	_, _, err := NewApp(&awscdk.AppProps{Context: &map[string]any{"stage": "dev", "production": "maybe"}, Outdir: jsii.String(t.TempDir())}, ".")
	if err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("production=maybe: %v, want an error", err)
	}
}

// The app synthesizes the stage's stack with every Lambda built for
// linux/arm64 as an asset holding bootstrap: what make synth produces.
func TestAppSynthesizesStage(t *testing.T) {
	requireNode(t)
	out := t.TempDir()
	app, bundler, err := NewApp(&awscdk.AppProps{
		Context: &map[string]any{"stage": "test"},
		Outdir:  jsii.String(out),
	}, ".")
	if err != nil {
		t.Fatal(err)
	}
	defer bundler.Close()
	asm := app.Synth(nil)
	stack := asm.GetStackByName(jsii.String(infra.StackName("test")))
	if _, err := os.Stat(*stack.TemplateFullPath()); err != nil {
		t.Fatalf("template: %v", err)
	}
	bootstraps, _ := filepath.Glob(filepath.Join(out, "asset.*", "bootstrap"))
	if len(bootstraps) != len(config.Functions()) {
		t.Fatalf("%d bootstrap assets, want one per function (%d)", len(bootstraps), len(config.Functions()))
	}
	for _, b := range bootstraps {
		f, err := elf.Open(b)
		if err != nil {
			t.Errorf("%s: %v", b, err)
			continue
		}
		if f.Machine != elf.EM_AARCH64 {
			t.Errorf("%s is built for %v, want arm64", b, f.Machine)
		}
		f.Close()
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}
