package notify_test

import (
	"fmt"

	"github.com/opschat/opschat/notify"
)

// AppendMatches reuses the caller's slice, so a hot loop that matches
// event after event allocates nothing.
func ExamplePatternSet_AppendMatches() {
	set := notify.NewPatternSet()
	for id, src := range map[string]string{
		"high-findings": `{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`,
		"prod-alarms":   `{"detail-type":["CloudWatch Alarm State Change"],"detail":{"alarmName":[{"prefix":"prod-"}]}}`,
		"not-ec2":       `{"source":[{"anything-but":["aws.ec2"]}]}`,
	} {
		p, err := notify.CompilePattern([]byte(src))
		if err != nil {
			panic(err)
		}
		if err := set.Add(id, p); err != nil {
			panic(err)
		}
	}
	events := [][]byte{
		[]byte(`{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"severity":8.5}}`),
		[]byte(`{"source":"aws.cloudwatch","detail-type":"CloudWatch Alarm State Change","detail":{"alarmName":"prod-api-5xx"}}`),
		[]byte(`{"source":"aws.ec2","detail":{"state":"stopped"}}`),
		[]byte(`["not", "an", "object"]`),
	}
	ids := make([]string, 0, 4)
	for _, ev := range events {
		var err error
		ids, err = set.AppendMatches(ids[:0], ev)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(ids)
	}
	// Output:
	// [high-findings not-ec2]
	// [not-ec2 prod-alarms]
	// []
	// error: notify: match: event is not a JSON object: got an array
}
