//go:build amd64 && !purego

package notify

// stringStop returns the index of the first byte at or after i that ends
// a plain run of a JSON string body: '"', '\\' or a control byte below
// 0x20 (len(b) when there is none, also when i > len(b)), and whether a
// byte of 0x80 or above came before it. String bodies are most of an
// event's bytes, so this is the matcher's innermost loop; it is SSE2
// assembly (part of every amd64 CPU), sixteen bytes per step. It reads
// only b[i:len(b)] and keeps nothing.
//
//go:noescape
func stringStop(b []byte, i int) (stop int, high bool)

// skipValue validates and skips the JSON value at or after i (leading
// whitespace included) in one assembly pass, without a call or a return
// per token: most of an event is subtrees no pattern looks at. ok false
// means it gave up (an error, a \u escape, an exponent, deep nesting) and
// the caller must decide the value from i with the Go loop; ok true means
// that loop would have accepted the value and stopped at end. It reads
// only b[i:len(b)] and keeps nothing.
//
//go:noescape
func skipValue(b []byte, i int) (end int, ok bool)

// haveSkipValue tells the tests that skipValue is expected to succeed.
const haveSkipValue = true
