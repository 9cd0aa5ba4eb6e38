package notify_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/opschat/opschat/notify"
)

// BenchmarkDecodeFormatSecurityHubBatch measures the worst case of the
// batched formats: a Security Hub event with 100 findings (the most one
// event carries), decoded, sorted worst first and rendered.
func BenchmarkDecodeFormatSecurityHubBatch(b *testing.B) {
	findings := make([]any, 100)
	for i := range findings {
		findings[i] = map[string]any{
			"Id":           fmt.Sprintf("arn:aws:securityhub:us-east-1:123456789012:finding/%d", i),
			"Title":        fmt.Sprintf("EC2.19 Security groups should not allow unrestricted access (%d)", i),
			"Region":       "us-east-1",
			"AwsAccountId": "123456789012",
			"ProductName":  "Security Hub",
			"Severity":     map[string]any{"Label": []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}[i%4]},
			"Resources":    []any{map[string]any{"Type": "AwsEc2SecurityGroup", "Id": fmt.Sprintf("arn:aws:ec2:us-east-1:123456789012:security-group/sg-%08d", i), "Tags": map[string]any{"Name": "web"}}},
		}
	}
	body, err := json.Marshal(map[string]any{"version": "0", "id": "1", "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
		"account": "123456789012", "time": "2026-11-24T20:05:23Z", "region": "us-east-1", "resources": []string{}, "detail": map[string]any{"findings": findings}})
	if err != nil {
		b.Fatal(err)
	}
	msg := string(body)
	f := notify.DefaultFormatter()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		n := notify.DecodeMessage(msg, "")
		if _, err := f.Format(n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFormatGenericEvent measures the generic format (severity
// inference, flattening, detail block) on a mid-sized unknown event.
func BenchmarkDecodeFormatGenericEvent(b *testing.B) {
	detail := map[string]any{"state": "FAILED", "statusMessage": "Access denied", "nested": map[string]any{"a": 1, "b": "two"}, "list": []any{1, 2, 3}}
	for i := 0; i < 30; i++ {
		detail[fmt.Sprintf("key%02d", i)] = fmt.Sprintf("value %d", i)
	}
	body, err := json.Marshal(map[string]any{"version": "0", "id": "1", "detail-type": "Job State Change", "source": "aws.example",
		"account": "123456789012", "time": "2026-11-24T20:05:23Z", "region": "us-east-1", "resources": []string{}, "detail": detail})
	if err != nil {
		b.Fatal(err)
	}
	msg := string(body)
	f := notify.DefaultFormatter()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		n := notify.DecodeMessage(msg, "")
		if _, err := f.Format(n); err != nil {
			b.Fatal(err)
		}
	}
}
