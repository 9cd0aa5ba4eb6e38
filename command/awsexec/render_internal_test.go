package awsexec

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

type fakeDoc struct{ v any }

func (d fakeDoc) MarshalSmithyDocument() ([]byte, error) { return json.Marshal(d.v) }

type union interface{ isU() }
type UMemberS struct{ Value string }

func (*UMemberS) isU() {}

type shapeOut struct {
	Name     *string
	Count    int32
	Missing  *string
	Nil      []string
	Empty    []string
	When     *time.Time
	Precise  time.Time
	Blob     []byte
	Doc      any
	U        union
	Nested   *struct{ A *int64 }
	Tags     map[string]string
	private  string
	Metadata struct{ X int } // an ordinary field named like metadata stays
}

func TestCLIShape(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	v := &shapeOut{
		Name: aws.String("x"), Count: 3, Empty: []string{}, When: &when, Precise: when.Add(1500 * time.Microsecond),
		Blob: []byte("hi"), Doc: fakeDoc{map[string]any{"k": 1}}, U: &UMemberS{Value: "s"},
		Nested: &struct{ A *int64 }{A: aws.Int64(7)}, Tags: map[string]string{"a": "b"}, private: "no",
	}
	got := CLIShape(v)
	want := map[string]any{
		"Name": "x", "Count": 3.0, "Empty": []any{}, "When": "2024-05-01T12:00:00+00:00",
		"Precise": "2024-05-01T12:00:00.001500+00:00", "Blob": "aGk=", "Doc": map[string]any{"k": 1.0},
		"U": map[string]any{"S": "s"}, "Nested": map[string]any{"A": 7.0}, "Tags": map[string]any{"a": "b"},
		"Metadata": map[string]any{"X": 0.0},
	}
	assert.Equal(t, want, got)
	assert.Nil(t, CLIShape((*shapeOut)(nil)))
}

func TestRenderTables(t *testing.T) {
	t.Parallel()
	// EC2's reservations are flattened to instances; nested State shows its Name.
	result := map[string]any{"Reservations": []any{
		map[string]any{"ReservationId": "r-1", "Instances": []any{
			map[string]any{"InstanceId": "i-1", "State": map[string]any{"Code": 16.0, "Name": "running"}, "InstanceType": "t3.small",
				"Tags": []any{map[string]any{"Key": "Name", "Value": "web-1"}}, "LaunchTime": "2024-05-01T12:00:00+00:00"},
		}},
		map[string]any{"ReservationId": "r-2", "Instances": []any{
			map[string]any{"InstanceId": "i-2", "State": map[string]any{"Code": 80.0, "Name": "stopped"}, "InstanceType": "c6i.large"},
		}},
	}}
	msg := chat.Message{}
	render(&msg, "ec2 describe-instances", "", "", result, page{}, chat.Capabilities{MaxText: 3000})
	require.Len(t, msg.CodeBlocks, 1)
	assert.Equal(t, "Instances (2)", msg.CodeBlocks[0].Caption)
	assert.Equal(t, ""+
		"InstanceId  Name   State    InstanceType  LaunchTime\n"+
		"----------  -----  -------  ------------  -------------------------\n"+
		"i-1         web-1  running  t3.small      2024-05-01T12:00:00+00:00\n"+
		"i-2                stopped  c6i.large\n", msg.CodeBlocks[0].Content)

	// Scalars only: key/value text.
	msg = chat.Message{}
	render(&msg, "sts get-caller-identity", "", "", map[string]any{"Account": "1", "Arn": "arn:aws:iam::1:user/x", "UserId": "AID"}, page{}, chat.Capabilities{MaxText: 3000})
	assert.Equal(t, "Account  1\nArn      arn:aws:iam::1:user/x\nUserId   AID\n", msg.CodeBlocks[0].Content)

	// Nothing: a plain note.
	msg = chat.Message{}
	render(&msg, "ec2 stop-instances", "", "", map[string]any{"StoppingInstances": []any{}}, page{}, chat.Capabilities{MaxText: 3000})
	assert.Equal(t, "Done. AWS returned no data.", msg.Text)

	// Mixed: pretty JSON.
	msg = chat.Message{}
	render(&msg, "x y", "", "", map[string]any{"A": []any{"x", 1.0}, "B": map[string]any{"c": true}}, page{}, chat.Capabilities{MaxText: 3000})
	assert.Equal(t, "json", msg.CodeBlocks[0].Language)

	// Shown of total.
	msg = chat.Message{}
	render(&msg, "x y", "", "", []any{map[string]any{"Name": "a"}}, page{shown: 1, total: 7, limit: 1}, chat.Capabilities{MaxText: 3000})
	assert.Contains(t, msg.Text, "Showing 1 of 7 items")
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		`{"Reservations":[{"Instances":[{"InstanceId":"i-1","State":{"Name":"running"}}]}]}`,
		`[{"a":1},{"b":"x\ny"}]`, `{"a":"b"}`, `"x"`, `null`, `[[1,2],[3]]`, `{"A":[{"B":[{"C":1}]}],"D":[]}`,
		`{"k":"` + strings.Repeat("é", 500) + `"}`,
	} {
		f.Add([]byte(s), 300, "")
		f.Add([]byte(s), 3000, "text")
	}
	f.Fuzz(func(t *testing.T, data []byte, maxText int, output string) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		msg := chat.Message{}
		render(&msg, "svc op", output, "", v, page{shown: 1, total: 2}, chat.Capabilities{MaxText: maxText % 100000, Files: maxText%2 == 0})
		for _, b := range msg.CodeBlocks {
			if !utf8.ValidString(b.Content) {
				t.Fatalf("invalid UTF-8 in %q", b.Content)
			}
		}
	})
}
