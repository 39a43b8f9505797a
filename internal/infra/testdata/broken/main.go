// Command broken does not compile: the bundler must report the compiler's
// message.
package main

var answer int = "forty-two"

func main() { _ = answer }
