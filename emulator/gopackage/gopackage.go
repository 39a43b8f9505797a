// Package gopackage is the contract between a CDK app and the emulator for
// running a Go function locally: the app stamps each AWS::Lambda::Function
// with the Go package it was built from, and the emulator builds that
// package for the host instead of unpacking the Linux/arm64 asset.
//
// It imports nothing, so both halves can depend on it: the CDK constructs
// (internal/infra) write the key and the emulator (emulator/lambda,
// emulator/runtime) reads it.
package gopackage

// MetadataKey is the resource Metadata key naming a function's Go package,
// relative to the module root (e.g. "./lambdas/catalogapi").
const MetadataKey = "shopstream:goPackage"

// Of returns the Go package a resource's Metadata names, or "" if none.
func Of(metadata map[string]any) string {
	pkg, _ := metadata[MetadataKey].(string)
	return pkg
}
