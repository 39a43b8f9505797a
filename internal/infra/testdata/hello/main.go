// Command hello is a tiny main package the bundler tests cross-compile.
package main

import "fmt"

func main() { fmt.Println("hello from a bundled function") }
