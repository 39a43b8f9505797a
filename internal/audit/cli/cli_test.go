package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
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
		{[]string{"executions", "-limit", "0"}, `-limit 0`},
		{[]string{"replay"}, `-since ""`},
		{[]string{"replay", "-since", "yesterday"}, `-since "yesterday"`},
		{[]string{"replay", "-failures", "-since", "2026-11-26T00:00:00Z"}, "give exactly one"},
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

// An env file alone points the AWS clients at its endpoint, with its
// region and credentials: nothing from the shell or ~/.aws is needed.
func TestRunUsesEnvFileEndpoint(t *testing.T) {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "EVENTS_TABLE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // fail fast should the file be ignored
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fmt.Fprint(w, `{"Items":[],"Count":0}`)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "stack.env")
	content := "AWS_ENDPOINT_URL=" + srv.URL + "\nAWS_REGION=eu-central-1\nAWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\nEVENTS_TABLE=Events-1\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"-env-file", path, "history", "basket-ann"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "stream has no events") {
		t.Fatalf("history = %v, want the stream to be read from the file's endpoint", err)
	}
	if !strings.Contains(auth, "Credential=local/") || !strings.Contains(auth, "/eu-central-1/dynamodb/") {
		t.Fatalf("Authorization = %q, want the file's key and region", auth)
	}
}
