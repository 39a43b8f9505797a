package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shBlock is a ```sh block of a Markdown file and the paragraph that
// introduces it (the text since the previous block, blank lines trimmed).
type shBlock struct {
	intro, code string
}

// docBlocks returns the ```sh blocks of the Markdown file (relative to the
// module root) that follow the heading or paragraph starting with marker,
// up to the next "## " heading, or to the end when toEnd is set.
func docBlocks(t *testing.T, file, marker string, toEnd bool) []shBlock {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(), file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("%s has no %q", file, marker)
	}
	text = text[i+len(marker):]
	if j := strings.Index(text, "\n## "); j >= 0 && !toEnd {
		text = text[:j]
	}
	var blocks []shBlock
	for {
		start := strings.Index(text, "```sh\n")
		if start < 0 {
			break
		}
		intro := text[:start]
		if k := strings.LastIndex(strings.TrimSpace(intro), "\n\n"); k >= 0 {
			intro = strings.TrimSpace(intro)[k:]
		}
		text = text[start+len("```sh\n"):]
		end := strings.Index(text, "```")
		if end < 0 {
			t.Fatalf("%s: unterminated sh block after %q", file, marker)
		}
		blocks = append(blocks, shBlock{intro: strings.TrimSpace(intro), code: text[:end]})
		text = text[end+3:]
	}
	if len(blocks) == 0 {
		t.Fatalf("%s: no sh block after %q", file, marker)
	}
	return blocks
}

// readmeBlocks returns the code of README.md's ```sh blocks after marker,
// up to the next "## " heading.
func readmeBlocks(t *testing.T, marker string) []string {
	t.Helper()
	var code []string
	for _, b := range docBlocks(t, "README.md", marker, false) {
		code = append(code, b.code)
	}
	return code
}

// TestREADMESession runs the README's first session as a new user would:
// `make run ARGS=--sample-catalog` (here: the same runtime on a fresh data
// directory), then, in another shell from the repository root, the
// session's commands as written — AWS CLI sign-in, the 401 and the 403,
// products, a checkout, orders and audits — and the sign-up snippet, then
// the Audit section's shopstream-audit commands.
func TestREADMESession(t *testing.T) {
	localOnly(t)
	for _, tool := range []string{"aws", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if tool == "aws" {
				t.Skipf("aws (AWS CLI) not found on PATH: %v", err)
			}
			t.Fatalf("%s not found on PATH: the README's session needs it: %v", tool, err)
		}
	}
	root := repoView(t) // the session runs from the repository's root
	h, err := startRuntime(runtimeOptions{dataDir: filepath.Join(root, ".data", "local"), extraArgs: []string{"--sample-catalog"}, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	for _, want := range []string{"demo user admin", "demo user ann", "demo user ben", "sample catalog: 6 products created"} {
		if !strings.Contains(h.logs.String(), want) {
			t.Fatalf("runtime output lacks %q:\n%s", want, h.logs.String())
		}
	}

	script := "set -euo pipefail\n" +
		strings.Join(readmeBlocks(t, "With the stack running, the AWS CLI talks to it"), "\n") +
		strings.Join(readmeBlocks(t, "## A first session with curl"), "\n")
	out := runDocScript(t, root, "README session", script)
	for _, want := range []string{
		`{"message":"Unauthorized"} 401`,
		`"code":"forbidden"`, ` 403`,
		`"name":"Mug"`,
		`"status":"SUCCEEDED"`,
		`"type":"BasketCheckedOut"`,
		`"UserConfirmed": false`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("README session output lacks %q", want)
		}
	}

	// Then the Audit section's commands. The read models follow the events
	// asynchronously, so verify may find drift (exit 3) until they catch
	// up: the block is run again until it passes, within a deadline.
	audit := untilNoDrift(t, "README Audit", time.Minute, func() (string, error) {
		return docScript(t, root, "set -euo pipefail\n"+strings.Join(readmeBlocks(t, "## Audit"), "\n"))
	})
	t.Logf("README Audit output:\n%s", audit)
	for _, want := range []string{"BasketCheckedOut", "0 differences", "failure records replayed"} {
		if !strings.Contains(audit, want) {
			t.Errorf("README Audit output lacks %q", want)
		}
	}
}
