package infra

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Bundler builds the stack's Lambdas for linux/arm64 on the host with the
// Go toolchain, as CDK local bundling, so synthesis never needs Docker.
//
// The first TryBundle builds every registered package in one go build,
// which links them in parallel and reuses the build cache; each function's
// TryBundle then copies its binary to <outputDir>/bootstrap. The builds use
// -trimpath and no VCS stamp, so a binary, and the asset hash CDK derives
// from it, changes only when its code does.
type Bundler struct {
	root     string
	packages []string // "./lambdas/<name>", in registration order
	// keep is the build directory given to NewBundler; empty means a
	// temporary one, which Close removes.
	keep string
	// compile builds packages into dir, each binary named after its
	// package's last element; goBuild unless a test swaps it.
	compile func(root, dir string, packages []string) error

	once sync.Once
	dir  string
	err  error
}

// NewBundler returns a Bundler for the module rooted at root (the directory
// holding go.mod) that builds packages ("./lambdas/<name>"). CDK bundles an
// asset as soon as its function is constructed, so every package must be
// known up front for the single build to cover them all.
//
// buildDir, if not empty, keeps the binaries between runs: go build then
// relinks only what changed, which makes a warm synth seconds faster. It
// must not be shared by concurrent runs; a directory inside the cloud
// assembly's output directory fits, as CDK makes the same demand of that.
// An empty buildDir means a temporary directory that Close removes.
func NewBundler(root, buildDir string, packages ...string) *Bundler {
	return &Bundler{root: root, keep: buildDir, packages: packages, compile: goBuild}
}

// Code returns the Lambda code asset for pkg, one of the Bundler's
// packages. The asset's source is the package directory, but its hash is
// taken from the built binary, which also reflects every package it imports.
func (b *Bundler) Code(pkg string) awslambda.Code {
	if !slices.Contains(b.packages, pkg) {
		panic(fmt.Sprintf("bundler: package %s was not passed to NewBundler", pkg))
	}
	return awslambda.Code_FromAsset(jsii.String(filepath.Join(b.root, pkg)), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled or run: TryBundle always succeeds or panics.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("local-go-bundling-only")),
			Local: &localBundling{b: b, pkg: pkg},
		},
	})
}

// Close removes the build directory if it is a temporary one. The stack is
// unusable for synthesis afterwards.
func (b *Bundler) Close() error {
	if b.dir == "" || b.keep != "" {
		return nil
	}
	return os.RemoveAll(b.dir)
}

// build compiles every registered package into b.dir, once.
func (b *Bundler) build() error {
	b.once.Do(func() {
		if b.keep != "" {
			b.dir, b.err = b.keep, os.MkdirAll(b.keep, 0o755)
		} else {
			b.dir, b.err = os.MkdirTemp("", "shopstream-bundle-")
		}
		if b.err != nil {
			b.err = fmt.Errorf("bundle lambdas: %w", b.err)
			return
		}
		if err := b.compile(b.root, b.dir, b.packages); err != nil {
			b.err = fmt.Errorf("bundle lambdas: %w", err)
		}
	})
	return b.err
}

// goBuild cross-compiles packages for linux/arm64 in one go build, which
// links them in parallel.
func goBuild(root, dir string, packages []string) error {
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc",
		"-o", dir + string(filepath.Separator)}
	args = append(args, packages...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %v: %w\n%s", args, err, stderr.Bytes())
	}
	return nil
}

// binary copies pkg's built binary to outputDir/bootstrap, the name the
// provided.al2023 runtime executes.
func (b *Bundler) binary(pkg, outputDir string) error {
	if err := b.build(); err != nil {
		return err
	}
	src := filepath.Join(b.dir, filepath.Base(pkg))
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", pkg, err)
	}
	if err := os.WriteFile(filepath.Join(outputDir, "bootstrap"), data, 0o755); err != nil {
		return fmt.Errorf("bundle %s: %w", pkg, err)
	}
	return nil
}

// localBundling is CDK's ILocalBundling for one package.
type localBundling struct {
	b   *Bundler
	pkg string
}

// TryBundle panics on a build error rather than returning false: false
// would make CDK fall back to Docker and hide the compiler's message.
func (l *localBundling) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := l.b.binary(l.pkg, *outputDir); err != nil {
		panic(err)
	}
	return jsii.Bool(true)
}

// ModuleRoot returns the nearest directory at or above dir holding go.mod.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
