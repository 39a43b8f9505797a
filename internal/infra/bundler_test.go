package infra

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// The bundler cross-compiles for the Lambda platform (linux/arm64, static)
// and installs the binary as an executable named bootstrap.
func TestBundlerBuildsBootstrapForLinuxArm64(t *testing.T) {
	const pkg = "./internal/infra/testdata/hello"
	b := NewBundler(moduleRoot(t), "", pkg)
	t.Cleanup(func() { b.Close() })
	out := t.TempDir()
	if err := b.binary(pkg, out); err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(out, "bootstrap")
	info, err := os.Stat(bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap mode %v is not executable", info.Mode())
	}
	f, err := elf.Open(bootstrap)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("bootstrap is %v/%v, want linux arm64", f.OSABI, f.Machine)
	}
	if interp := f.Section(".interp"); interp != nil {
		t.Errorf("bootstrap is dynamically linked (has .interp); CGO must be off")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.dir); !os.IsNotExist(err) {
		t.Errorf("Close left the build directory %s: %v", b.dir, err)
	}
}

// Two builds of unchanged code are byte-identical, so the asset hash CDK
// takes from the output changes only when the code does.
func TestBundlerIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("two cross-builds: skipped under -short")
	}
	const pkg = "./internal/infra/testdata/hello"
	var outs [2][]byte
	for i := range outs {
		b := NewBundler(moduleRoot(t), "", pkg)
		out := t.TempDir()
		if err := b.binary(pkg, out); err != nil {
			t.Fatal(err)
		}
		b.Close()
		data, err := os.ReadFile(filepath.Join(out, "bootstrap"))
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = data
	}
	if string(outs[0]) != string(outs[1]) {
		t.Error("two builds of the same package differ")
	}
}

func TestBundlerReportsCompileErrors(t *testing.T) {
	const pkg = "./internal/infra/testdata/broken"
	b := NewBundler(moduleRoot(t), "", pkg)
	t.Cleanup(func() { b.Close() })
	err := b.binary(pkg, t.TempDir())
	if err == nil {
		t.Fatal("built a package that does not compile")
	}
	for _, want := range []string{"bundle lambdas", "main.go", "cannot use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// The failure is remembered, not retried per function.
	if err2 := b.binary(pkg, t.TempDir()); err2 != err {
		t.Errorf("second call: %v, want the first error", err2)
	}
}

func TestBundlerCodeRejectsUnknownPackage(t *testing.T) {
	b := NewBundler(moduleRoot(t), "", "./lambdas/a")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "./lambdas/b") {
			t.Errorf("recover() = %v, want a panic naming ./lambdas/b", r)
		}
	}()
	b.Code("./lambdas/b")
}

func TestModuleRoot(t *testing.T) {
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("ModuleRoot(.) = %s: %v", root, err)
	}
	got, err := ModuleRoot(filepath.Join(root, "internal", "infra", "testdata"))
	if err != nil || got != root {
		t.Errorf("ModuleRoot(testdata) = %q, %v; want %q", got, err, root)
	}
	if _, err := ModuleRoot(t.TempDir()); err == nil {
		t.Error("ModuleRoot found a go.mod above a fresh temp directory")
	}
}

// A kept build directory survives Close, so the next run relinks only what
// changed.
func TestBundlerKeepsBuildDir(t *testing.T) {
	const pkg = "./internal/infra/testdata/hello"
	keep := filepath.Join(t.TempDir(), "bundle")
	b := NewBundler(moduleRoot(t), keep, pkg)
	if err := b.binary(pkg, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(keep, "hello")); err != nil {
		t.Errorf("kept build directory lost its binary: %v", err)
	}
}
