// Package expr parses and evaluates DynamoDB's expression language for the
// local emulator: condition, filter and key-condition expressions, update
// expressions (SET/REMOVE/ADD/DELETE), and projection expressions, with
// expression attribute names (#n) and values (:v), nested document paths
// (a.b[2].c) and the built-in functions.
//
// Parse errors carry DynamoDB's messages (for example `Invalid
// UpdateExpression: Syntax error; token: "=", near: "a = = :v"`), so
// callers can return them unchanged in a ValidationException.
package expr
