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
