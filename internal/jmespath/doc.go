// Package jmespath is go-jmespath v0.4.0 (github.com/jmespath/go-jmespath,
// Apache-2.0, see LICENSE and NOTICE) with the changes that make --query
// evaluate as in the AWS CLI, whose engine is Python's jmespath:
//
//   - <, <=, > and >= compare two strings (by code point) as well as two
//     numbers; any other pair gives null. Upstream compares numbers only,
//     so [?LaunchTime > '2026-11-01'] matched nothing.
//   - keys(@), values(@) and the object wildcard (*) list an object's
//     members in sorted key order, the same order each time. The CLI uses
//     the API model's member order, which the Go SDK does not keep.
//   - A panic inside the engine comes back as an error wrapping
//     ErrInternal.
//
// The grammar (lexer and parser) is upstream's, unchanged, so an
// expression that github.com/jmespath/go-jmespath compiles compiles here
// too and the other way round. Compiled expressions are safe for
// concurrent use; the package has no global state.
package jmespath
