package chat_test

import (
	"fmt"
	"time"

	"github.com/opschat/opschat/chat"
)

// An adapter reads the platform's Retry-After and classifies the answer;
// the delivery layer waits at most chat.MaxRetryAfter and can log what was
// asked.
func ExampleClassifyHTTP() {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, header := range []string{"7", "86400", "Sun, 06 Dec 2026 10:00:30 GMT", "soon"} {
		asked, _ := chat.ParseRetryAfter(header, now)
		err := chat.ClassifyHTTP(chat.PlatformSlack, 429, asked, nil)
		retry, wait := chat.Retryable(err)
		fmt.Printf("%-30q retry=%t wait=%s\n", header, retry, wait)
	}
	// Output:
	// "7"                            retry=true wait=7s
	// "86400"                        retry=true wait=5m0s
	// "Sun, 06 Dec 2026 10:00:30 GMT" retry=true wait=30s
	// "soon"                         retry=true wait=0s
}
