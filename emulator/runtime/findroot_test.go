package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindModuleRoot(t *testing.T) {
	mod := t.TempDir()
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(mod, "cdk.out", "asset.1")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	tests := []struct {
		name    string
		dirs    []string
		want    string
		wantErr string
	}{
		{"the directory itself", []string{mod}, mod, ""},
		{"a parent", []string{deep}, mod, ""},
		{"falls back to the next directory", []string{elsewhere, deep}, mod, ""},
		{"none", []string{elsewhere}, "", "no go.mod at or above " + elsewhere},
	}
	for _, tt := range tests {
		got, err := findModuleRoot(tt.dirs...)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
