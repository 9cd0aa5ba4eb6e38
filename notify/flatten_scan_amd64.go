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

// scanValue validates and skips JSON in one assembly pass, without a call
// or a return per token: most of an event is subtrees and members no
// pattern looks at. With mode scanSkip it skips the value at or after i
// (leading whitespace included): status stepDone, end after it. With
// scanSkipMember it then also reads, inside an object, the ',' and the
// next member's key up to its value (status stepKey: the key is
// b[keyStart:keyEnd], plain ASCII, and its value starts at end) or the
// closing '}' (stepClose, end after it); scanMember does the same from i
// just after a value. Status stepGiveUp (with end = i) means it met
// something it leaves to the Go loop (an error, a \u escape, an exponent,
// deep nesting, a key that is not plain ASCII); the Go loop then decides
// from i and would have accepted whatever scanValue accepts. It reads only
// b[i:len(b)] and keeps nothing.
//
//go:noescape
func scanValue(b []byte, i, mode int) (end, keyStart, keyEnd, status int)

// haveSkipValue tells the tests that skipValue is expected to succeed.
const haveSkipValue = true
