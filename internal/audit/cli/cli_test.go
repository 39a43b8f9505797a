package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.env")
	content := "# written by shopstream-local\nEVENTS_TABLE=Events-1\nexport CATALOG_TABLE=\"Catalog-1\"\n\nORDERS_TABLE = 'Orders-1'\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err := readEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"EVENTS_TABLE": "Events-1", "CATALOG_TABLE": "Catalog-1", "ORDERS_TABLE": "Orders-1"}
	for k, v := range want {
		if vars[k] != v {
			t.Fatalf("%s = %q, want %q (all: %v)", k, vars[k], v, vars)
		}
	}
	if err := os.WriteFile(path, []byte("NOT A PAIR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readEnvFile(path); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Fatalf("bad line: err = %v", err)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("EVENTS_TABLE", "")
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, flag.ErrHelp.Error()},
		{[]string{"nonsense"}, `unknown command "nonsense"`},
		{[]string{"history"}, "history takes one stream id"},
		{[]string{"history", "basket-ann"}, "EVENTS_TABLE"},
		{[]string{"executions", "-status", "DONE"}, `-status "DONE"`},
		{[]string{"replay"}, `-since ""`},
		{[]string{"replay", "-since", "yesterday"}, `-since "yesterday"`},
		{[]string{"-env-file", "/nonexistent/env", "verify"}, "env file"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), tt.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Fatalf("Run(%q) = %v, want error containing %q", tt.args, err, tt.wantErr)
		}
		if errors.Is(err, ExitDrift) {
			t.Fatalf("Run(%q) reported drift", tt.args)
		}
	}
}
