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
	"runtime"
	"strings"
	"sync"
)

// builder compiles function packages for the host. A binary is cached under
// cacheDir/<hash>/bootstrap where the hash covers every source file of the
// package and of its dependencies inside the main module, plus go.mod and
// go.sum, so a restart with unchanged sources reuses it and any edit that
// could change the program rebuilds it.
type builder struct {
	moduleRoot string
	cacheDir   string

	mu    sync.Mutex
	locks map[string]*sync.Mutex // per package: one build at a time
}

func newBuilder(moduleRoot, cacheDir string) *builder {
	return &builder{moduleRoot: moduleRoot, cacheDir: cacheDir, locks: map[string]*sync.Mutex{}}
}

// build returns the path of the host binary for pkg (a path relative to the
// module root such as "./lambdas/catalogapi").
func (b *builder) build(ctx context.Context, pkg string) (string, error) {
	if err := checkPackagePath(pkg); err != nil {
		return "", err
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
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-trimpath", "-o", tmp, pkg)
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
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", format, pkg)
	cmd.Dir = b.moduleRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build %s: go list: %w: %s", pkg, err, bytes.TrimSpace(stderr.Bytes()))
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, pkg)
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
