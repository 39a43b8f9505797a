//go:build !testfn_tagged

package main

// builtWith tells the build-tag tests which file set the binary came from.
const builtWith = "untagged"
