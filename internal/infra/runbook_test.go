package infra_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/infra"
)

// githubAnchor is the anchor GitHub gives a Markdown heading: lower case,
// punctuation other than '-' and '_' dropped, spaces as '-'.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func TestGithubAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"Checkout executions failed, timed out or aborted": "checkout-executions-failed-timed-out-or-aborted",
		"API 5XX errors":            "api-5xx-errors",
		"A function's log":          "a-functions-log",
		" Order dead-letter queue ": "order-dead-letter-queue",
	} {
		if got := githubAnchor(in); got != want {
			t.Errorf("githubAnchor(%q) = %q, want %q", in, got, want)
		}
	}
}

// runbookAnchors returns the anchors of the runbook's headings.
func runbookAnchors(t *testing.T) map[string]bool {
	t.Helper()
	root, err := infra.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, infra.RunbookPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	inCode := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if heading, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && !inCode && strings.HasPrefix(line, "#") {
			out[githubAnchor(heading)] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var runbookRef = regexp.MustCompile(` Runbook: ` + regexp.QuoteMeta(infra.RunbookPath) + `#([a-z0-9_-]+)$`)

// Every alarm's description ends by naming a section of the runbook that
// exists, so the page an operator gets leads straight to what to do.
func TestRunbookAnchors(t *testing.T) {
	synth(t)
	anchors := runbookAnchors(t)
	for _, a := range infra.RunbookAnchors() {
		if !anchors[a] {
			t.Errorf("%s has no heading for #%s", infra.RunbookPath, a)
		}
	}
	all := alarms()
	if len(all) == 0 {
		t.Fatal("no alarms in the template")
	}
	for id, a := range all {
		desc, _ := a.Properties["AlarmDescription"].(string)
		m := runbookRef.FindStringSubmatch(desc)
		if m == nil {
			t.Errorf("alarm %s: description %q does not end with \"Runbook: %s#<section>\"", id, desc, infra.RunbookPath)
			continue
		}
		if !anchors[m[1]] {
			t.Errorf("alarm %s names %s#%s: no such heading", id, infra.RunbookPath, m[1])
		}
	}
}

// The runbook's own links to its sections lead somewhere.
func TestRunbookInternalLinks(t *testing.T) {
	root, err := infra.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(root, infra.RunbookPath))
	if err != nil {
		t.Fatal(err)
	}
	anchors := runbookAnchors(t)
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(text), -1)
	if len(links) == 0 {
		t.Fatal("no internal links found: the pattern is wrong")
	}
	for _, l := range links {
		if !anchors[l[1]] {
			t.Errorf("link to #%s: no such heading", l[1])
		}
	}
}
