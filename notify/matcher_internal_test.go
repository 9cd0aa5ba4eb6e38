package notify

import (
	"fmt"
	"testing"
)

// TestPatternSetVerifiesFewBranches checks the scaling claim without
// timing: however many patterns share paths and values with the event, the
// index hands only a handful of branches to verification.
func TestPatternSetVerifiesFewBranches(t *testing.T) {
	event := []byte(`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"000000000001",
"resources":["arn:aws:ec2:us-east-1:000000000002:instance/i-0000000"],"detail":{"instance-id":"i-0000000","state":"stopped"}}`)
	for _, size := range []int{1, 100, 10000} {
		s := NewPatternSet()
		for i := 0; i < size; i++ {
			p, err := CompilePattern([]byte(mixedPattern(i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Add(fmt.Sprint(i), p); err != nil {
				t.Fatal(err)
			}
		}
		eng := s.engine()
		st := s.state(eng)
		if err := st.flattenEvent(eng.root, event); err != nil {
			t.Fatal(err)
		}
		matched := st.run(eng, false)
		verified := len(st.cands)
		if want := min(size, 3); matched != want {
			t.Fatalf("%d patterns: matched %d, want %d", size, matched, want)
		}
		// 1 in 4 patterns shares source aws.ec2 and 1 in 4 the detail-type,
		// but neither is the anchor: only the three true matches are verified.
		if verified > 3 {
			t.Errorf("%d patterns: verified %d branches, want at most 3", size, verified)
		}
	}
}

// TestIndexedOperatorsVerifyFewBranches covers the operators the old index
// left to a linear scan: numeric ranges (segment tree), anything-but
// (complement), wildcard (literal prefix or suffix) and cidr. Each table
// row builds 10,000 patterns of one kind of which want match the event,
// and checks how many branches reach verification.
func TestIndexedOperatorsVerifyFewBranches(t *testing.T) {
	t.Parallel()
	event := []byte(`{"source":"aws.guardduty","detail":{"severity":8,"type":"Recon:EC2/PortProbe","state":"s-5","ip":"10.1.2.3"}}`)
	tests := []struct {
		name      string
		pattern   func(i int) string
		want      int
		maxVerify int // the anything-but matches are the candidates themselves
	}{
		{"numeric bands", func(i int) string {
			lo := float64(i) / 1000
			return fmt.Sprintf(`{"detail":{"severity":[{"numeric":[">=",%g,"<",%g]}]}}`, lo, lo+0.0005)
		}, 1, 1},
		{"numeric open ranges", func(i int) string {
			return fmt.Sprintf(`{"detail":{"severity":[{"numeric":[">",%d]}]}}`, 7+i)
		}, 1, 1},
		{"numeric equals", func(i int) string {
			return fmt.Sprintf(`{"detail":{"severity":[{"numeric":["=",%d]}]}}`, i)
		}, 1, 1},
		{"anything-but one value each", func(i int) string {
			return fmt.Sprintf(`{"detail":{"state":[{"anything-but":"s-%d"}]}}`, i)
		}, 9999, 9999},
		{"wildcard with literal prefix", func(i int) string {
			return fmt.Sprintf(`{"detail":{"type":[{"wildcard":"Recon:EC2/%d*"}]}}`, i)
		}, 0, 0},
		{"wildcard with literal suffix", func(i int) string {
			return fmt.Sprintf(`{"detail":{"type":[{"wildcard":"*Probe%d"}]}}`, i)
		}, 0, 0},
		{"cidr next to an exact value", func(i int) string {
			return fmt.Sprintf(`{"source":["src-%d"],"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, i)
		}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewPatternSet()
			for i := range 10000 {
				p, err := CompilePattern([]byte(tt.pattern(i)))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Add(fmt.Sprint(i), p); err != nil {
					t.Fatal(err)
				}
			}
			eng := s.engine()
			if len(eng.scan) != 0 {
				t.Fatalf("%d branches left to the linear scan", len(eng.scan))
			}
			st := s.state(eng)
			if err := st.flattenEvent(eng.root, event); err != nil {
				t.Fatal(err)
			}
			if got := st.run(eng, false); got != tt.want {
				t.Errorf("matched %d, want %d", got, tt.want)
			}
			if len(st.cands) > tt.maxVerify {
				t.Errorf("verified %d branches, want at most %d", len(st.cands), tt.maxVerify)
			}
		})
	}
}

// mixedPattern is the i-th pattern of a set that mixes exact, prefix and
// anything-but rules over four fields, so that sets of any size share
// paths without matching the same events.
func mixedPattern(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf(`{"source":["aws.ec2"],"detail":{"instance-id":["i-%07d"]}}`, i)
	case 1:
		return fmt.Sprintf(`{"account":["%012d"],"detail-type":["EC2 Instance State-change Notification"]}`, i)
	case 2:
		return fmt.Sprintf(`{"resources":[{"prefix":"arn:aws:ec2:us-east-1:%012d:"}]}`, i)
	default:
		return fmt.Sprintf(`{"source":["aws.svc%d"],"detail":{"state":[{"anything-but":"running"}]}}`, i)
	}
}
