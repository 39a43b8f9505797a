package infra

import (
	"os"
	"path/filepath"
)

// NewStubBundler returns a Bundler whose "binaries" are small files naming
// their package, for tests of the stack's shape: they do not depend on the
// Lambdas compiling, and skip the cross-build.
func NewStubBundler(root string, packages ...string) *Bundler {
	b := NewBundler(root, "", packages...)
	b.compile = func(_, dir string, packages []string) error {
		for _, p := range packages {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), []byte("stub "+p), 0o755); err != nil {
				return err
			}
		}
		return nil
	}
	return b
}
