package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRemovedGrantFailsLocally runs the real stack with one grant taken
// out of the synthesized template — reservestock's dynamodb:PutItem on the
// event store — and checks that the local runtime fails that function's
// call as AWS would: AccessDeniedException, the checkout FAILED with its
// stock untouched, and the denial named in the runtime's log.
func TestRemovedGrantFailsLocally(t *testing.T) {
	localOnly(t)
	if _, err := build(); err != nil {
		t.Fatal(err)
	}
	asm := assemblyWithout(t, "./lambdas/reservestock", "dynamodb:PutItem")
	h, err := startRuntime(runtimeOptions{assembly: asm, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	if !strings.Contains(h.logs.String(), "IAM") {
		t.Fatalf("the banner does not say how IAM is treated:\n%s", h.logs.String())
	}
	admin := h.client(t)
	user := unique(t, "denied")
	u := h.as(t, user)
	mug := admin.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 1})
	st := u.waitCheckout(u.checkout(user, cardApproved))
	if st["status"] != "FAILED" {
		t.Fatalf("checkout with reservestock unable to append: %v, want FAILED", st)
	}
	if got := admin.stock(mug); got != 5 {
		t.Fatalf("stock %d, want 5", got)
	}
	logs := h.logs.String()
	var denial string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "access denied") && strings.Contains(line, "dynamodb:PutItem") {
			denial = line
			break
		}
	}
	if denial == "" || !strings.Contains(denial, "reservestock") {
		t.Fatalf("no access-denied line for reservestock's dynamodb:PutItem in the runtime's output:\n%s", logs)
	}
	if !strings.Contains(logs, "AccessDeniedException") {
		t.Errorf("the function did not get AccessDeniedException:\n%s", logs)
	}
}

// assemblyWithout copies the synthesized cloud assembly (assets linked,
// not copied) with action removed from every identity policy of the role
// of the function built from goPackage.
func assemblyWithout(t *testing.T, goPackage, action string) string {
	t.Helper()
	src := filepath.Join(moduleRoot(), "cdk.out")
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var templateName string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".template.json") {
			templateName = e.Name()
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(src, templateName))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]map[string]any
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	role := ""
	for _, r := range tpl.Resources {
		meta, _ := r["Metadata"].(map[string]any)
		if r["Type"] == "AWS::Lambda::Function" && meta["shopstream:goPackage"] == goPackage {
			props := r["Properties"].(map[string]any)
			role = props["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		}
	}
	if role == "" {
		t.Fatalf("no function built from %s in %s", goPackage, templateName)
	}
	removed := 0
	resources := doc["Resources"].(map[string]any)
	for _, v := range resources {
		r := v.(map[string]any)
		if r["Type"] != "AWS::IAM::Policy" {
			continue
		}
		props := r["Properties"].(map[string]any)
		attached := false
		for _, ref := range props["Roles"].([]any) {
			if m, ok := ref.(map[string]any); ok && m["Ref"] == role {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			actions, ok := s["Action"].([]any)
			if !ok {
				actions = []any{s["Action"]}
			}
			kept := slices.DeleteFunc(slices.Clone(actions), func(a any) bool { return a == action })
			removed += len(actions) - len(kept)
			s["Action"] = kept
		}
	}
	if removed == 0 {
		t.Fatalf("role %s has no %s to remove", role, action)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, templateName), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
