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
			p, err := CompilePattern([]byte(src))
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
