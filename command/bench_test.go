package command_test

import (
	"testing"

	"github.com/opschat/opschat/command"
)

// BenchmarkParse measures tokenize + parse + validate of a typical command.
func BenchmarkParse(b *testing.B) {
	const text = "@aws cloudwatch describe-alarms --state-value ALARM --region us-east-1"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := command.Parse(text, cat); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStructures is a heavier command: lists, shorthand, a query.
func BenchmarkParseStructures(b *testing.B) {
	const text = "@aws ec2 describe-instances --instance-ids i-1 i-2 --filters Name=tag:env,Values=prod,dev " +
		"Name=instance-state-name,Values=running --query 'Reservations[].Instances[].InstanceId' --region eu-west-1"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := command.Parse(text, cat); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseShorthand(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := command.ParseShorthand("Name=tag:env,Values=prod,dev"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenize(b *testing.B) {
	const text = "<@U123ABC> cloudwatch describe-alarms --state-value ALARM --alarm-names 'a b' c --region us-east-1"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := command.Tokenize(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMaxLen parses the longest command accepted: a --query that
// fills MaxCommandLen. Its B/op is the worst case one chat message can make
// the parser allocate.
func BenchmarkParseMaxLen(b *testing.B) {
	prefix := "ec2 describe-instances --query '"
	q := make([]byte, command.MaxCommandLen-len(prefix)-1)
	for i := range q {
		q[i] = "ab."[i%3]
	}
	q[0], q[len(q)-1] = 'a', 'a'
	text := prefix + string(q) + "'"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := command.Parse(text, cat); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTooLong is the refusal of a 1 MB command: constant work.
func BenchmarkParseTooLong(b *testing.B) {
	text := "ec2 describe-instances --query '" + string(make([]byte, 1<<20)) + "'"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := command.Parse(text, cat); err == nil {
			b.Fatal("accepted")
		}
	}
}
