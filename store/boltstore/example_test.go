package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/opschat/opschat/store/boltstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "opschat-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, err := boltstore.Open(filepath.Join(dir, "opschat.db"))
	if err != nil {
		log.Fatal(err)
	}
	// A dedup record: the first delivery of a message wins, repeats are
	// dropped for an hour, across restarts.
	first, _ := st.PutIfAbsent(ctx, "dedup", "sns/5c1e", nil, time.Hour)
	again, _ := st.PutIfAbsent(ctx, "dedup", "sns/5c1e", nil, time.Hour)
	_ = st.Put(ctx, "alias", "T1/U1/logs", []byte("logs tail /aws/lambda/checkout"), 0)
	if err := st.Close(); err != nil {
		log.Fatal(err)
	}

	// After a restart the state is still there.
	st, err = boltstore.Open(filepath.Join(dir, "opschat.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	alias, ok, _ := st.Get(ctx, "alias", "T1/U1/logs")
	afterRestart, _ := st.PutIfAbsent(ctx, "dedup", "sns/5c1e", nil, time.Hour)
	fmt.Println(first, again, afterRestart)
	fmt.Println(ok, string(alias))
	// Output:
	// true false false
	// true logs tail /aws/lambda/checkout
}
