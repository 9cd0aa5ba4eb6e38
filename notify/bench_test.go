package notify_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/opschat/opschat/notify"
)

// BenchmarkDecodeFormatAlarm is the hot path of an alarm notification:
// SNS envelope → Notification → chat.Message. Target: ≤ 20 µs.
func BenchmarkDecodeFormatAlarm(b *testing.B) {
	body, err := os.ReadFile("testdata/samples/cloudwatch-alarm-lambda.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		env, err := notify.ParseEnvelope(body)
		if err != nil {
			b.Fatal(err)
		}
		n := notify.Decode(env)
		m, err := notify.DefaultFormatter().Format(n)
		if err != nil || len(m.Buttons) != 2 {
			b.Fatal("bad message", err)
		}
	}
}

// BenchmarkPatternSetMatch matches one EventBridge event against 1, 100,
// 1,000 and 10,000 patterns in one PatternSet. The patterns mix exact
// values, prefixes, numeric ranges and anything-but on a few shared paths,
// like a fleet of channel configurations would; the event matches three
// (one) of them, while 1 in 4 patterns shares its detail-type and 1 in 4
// its anything-but test, so a naive index would touch half of them.
func BenchmarkPatternSetMatch(b *testing.B) {
	event := []byte(`{"version":"0","id":"7bf73129","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",
"account":"000000000001","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:000000000002:instance/i-0000000"],
"detail":{"instance-id":"i-0000000","state":"stopped","count":42}}`)
	for _, size := range []int{1, 100, 1000, 10000} {
		set := notify.NewPatternSet()
		for i := 0; i < size; i++ {
			var src string
			switch i % 4 {
			case 0:
				src = fmt.Sprintf(`{"source":["aws.ec2"],"detail":{"instance-id":["i-%07d"]}}`, i)
			case 1:
				src = fmt.Sprintf(`{"account":["%012d"],"detail-type":["EC2 Instance State-change Notification"]}`, i)
			case 2:
				src = fmt.Sprintf(`{"resources":[{"prefix":"arn:aws:ec2:us-east-1:%012d:"}]}`, i)
			default:
				src = fmt.Sprintf(`{"source":["aws.svc%d"],"detail":{"state":[{"anything-but":"running"}]}}`, i)
			}
			p, err := notify.CompilePattern([]byte(src))
			if err != nil {
				b.Fatal(err)
			}
			if err := set.Add(fmt.Sprint(i), p); err != nil {
				b.Fatal(err)
			}
		}
		want := min(size, 3) // patterns 0, 1 and 2 match
		b.Run(fmt.Sprintf("patterns=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ids, err := set.Match(event)
				if err != nil || len(ids) != want {
					b.Fatal("matched", ids, err)
				}
			}
		})
	}
}

// BenchmarkRoute routes an alarm envelope to 3 of 50 subscriptions, each
// with a filter policy, and formats it for the three.
func BenchmarkRoute(b *testing.B) {
	body, err := os.ReadFile("testdata/samples/cloudwatch-alarm-lambda.json")
	if err != nil {
		b.Fatal(err)
	}
	env, err := notify.ParseEnvelope(body)
	if err != nil {
		b.Fatal(err)
	}
	env.MessageAttributes = map[string]notify.MessageAttribute{"team": {Type: "String", Value: "payments"}}
	var subs []notify.Subscription
	for i := 0; i < 50; i++ {
		topic := fmt.Sprintf("arn:aws:sns:us-east-1:123456789012:topic-%d", i)
		if i%17 == 0 {
			topic = env.TopicARN
		}
		fp, err := notify.CompileFilterPolicy([]byte(`{"env":[{"exists":false}]}`))
		if err != nil {
			b.Fatal(err)
		}
		subs = append(subs, notify.Subscription{Name: fmt.Sprint("cfg-", i), Conversation: conv(fmt.Sprint("C", i)), TopicARNs: []string{topic}, FilterPolicy: fp})
	}
	r, err := notify.NewRouter(subs)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ds, err := r.Route(context.Background(), env)
		if err != nil || len(ds) != 3 {
			b.Fatal("bad routing", len(ds), err)
		}
	}
}
