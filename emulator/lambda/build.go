package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// builder compiles function packages for the host. A binary is cached under
// cacheDir/<hash>/bootstrap where the hash covers every source file of the
// package and of its dependencies inside the main module, plus go.mod and
// go.sum and the build tags, so a restart with unchanged sources reuses it
// and any edit that could change the program rebuilds it.
type builder struct {
	moduleRoot string
	cacheDir   string
	// tags is the sorted, de-duplicated -tags list ("" for none). It is
	// part of the hash as well as of the file list: two tag sets that
	// happen to select the same files must still not share a binary.
	tags string
	// tagsErr is why the configured tags are unusable; every build
	// returns it.
	tagsErr error

	mu    sync.Mutex
	locks map[string]*sync.Mutex // per package: one build at a time
}

func newBuilder(moduleRoot, cacheDir string, tags []string) *builder {
	tags = slices.Clone(tags)
	slices.Sort(tags)
	tags = slices.Compact(tags)
	return &builder{
		moduleRoot: moduleRoot, cacheDir: cacheDir,
		tags: strings.Join(tags, ","), tagsErr: checkBuildTags(tags),
		locks: map[string]*sync.Mutex{},
	}
}

// tagRE is what go build accepts as one build tag; checking it here turns a
// comma or a space inside a tag into a clear error, not a different tag set.
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// checkBuildTags reports the first tag go build would not take as one tag.
func checkBuildTags(tags []string) error {
	for _, t := range tags {
		if !tagRE.MatchString(t) {
			return fmt.Errorf("build tag %q: want letters, digits, '_' and '.' only", t)
		}
	}
	return nil
}

// tagArgs is the -tags flag for go build and go list, or nothing.
func (b *builder) tagArgs() []string {
	if b.tags == "" {
		return nil
	}
	return []string{"-tags", b.tags}
}

// build returns the path of the host binary for pkg (a path relative to the
// module root such as "./lambdas/catalogapi").
func (b *builder) build(ctx context.Context, pkg string) (string, error) {
	if err := checkPackagePath(pkg); err != nil {
		return "", err
	}
	if b.tagsErr != nil {
		return "", fmt.Errorf("build %s: %w", pkg, b.tagsErr)
	}
	b.mu.Lock()
	l, ok := b.locks[pkg]
	if !ok {
		l = &sync.Mutex{}
		b.locks[pkg] = l
	}
	b.mu.Unlock()
	l.Lock()
	defer l.Unlock()

	sum, err := b.sourceHash(ctx, pkg)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.cacheDir, sum)
	bin := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	// Build to a temporary name and rename, so a concurrent runtime or an
	// interrupted build never sees a half-written binary.
	tmp := bin + ".tmp" + fmt.Sprint(os.Getpid())
	args := append([]string{"build", "-buildvcs=false", "-trimpath"}, b.tagArgs()...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", tmp, pkg)...)
	cmd.Dir = b.moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("build %s: go build: %w\n%s", pkg, err, bytes.TrimSpace(out))
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return bin, nil
}

// sourceHash hashes the files go build would read from the main module for
// pkg. Standard library and module-cache dependencies are pinned by go.sum
// and the toolchain version, which are hashed too.
func (b *builder) sourceHash(ctx context.Context, pkg string) (string, error) {
	const format = `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{"\t"}}{{join .GoFiles "\t"}}{{"\t"}}{{join .CgoFiles "\t"}}{{"\t"}}{{join .EmbedFiles "\t"}}{{"\n"}}{{end}}{{end}}`
	args := append([]string{"list", "-deps"}, b.tagArgs()...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-f", format, pkg)...)
	cmd.Dir = b.moduleRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build %s: go list: %w: %s", pkg, err, bytes.TrimSpace(stderr.Bytes()))
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s %s tags=%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, pkg, b.tags)
	hashFile := func(path string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(b.moduleRoot, path)
		fmt.Fprintf(h, "%s\n", rel)
		_, err = io.Copy(h, f)
		return err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := hashFile(filepath.Join(b.moduleRoot, name)); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) == 0 || fields[0] == "" {
			continue
		}
		for _, name := range fields[1:] {
			if name == "" {
				continue
			}
			if err := hashFile(filepath.Join(fields[0], name)); err != nil {
				return "", fmt.Errorf("build %s: %w", pkg, err)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// checkPackagePath accepts only module-relative package paths, so a template
// cannot make the runtime build something outside the module.
func checkPackagePath(pkg string) error {
	if !strings.HasPrefix(pkg, "./") {
		return fmt.Errorf("build %q: package path must be relative to the module root and start with \"./\"", pkg)
	}
	clean := filepath.ToSlash(filepath.Clean(pkg))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("build %q: package path leaves the module root", pkg)
	}
	return nil
}
