package command_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

// highLevelCatalog has the operations the high-level commands map onto,
// with the parameters the real tables give them.
func highLevelCatalog() *command.StaticCatalog {
	s := func(n string) command.Param { return command.Param{Name: n, Type: command.TypeString} }
	i := func(n string) command.Param { return command.Param{Name: n, Type: command.TypeInteger} }
	req := func(p command.Param) command.Param { p.Required = true; return p }
	return command.NewStaticCatalog(
		command.StaticService{Service: command.Service{Name: "s3api", IAMPrefix: "s3"}, Operations: []command.Operation{
			{Name: "list-buckets", Access: command.AccessList, Actions: []string{"s3:ListAllMyBuckets"}, Params: []command.Param{s("prefix")}},
			{Name: "list-objects-v2", APIName: "ListObjectsV2", Access: command.AccessList, Actions: []string{"s3:ListBucket"},
				Params: []command.Param{req(s("bucket")), s("prefix"), s("delimiter")}},
		}},
		command.StaticService{Service: command.Service{Name: "logs"}, Operations: []command.Operation{
			{Name: "filter-log-events", Access: command.AccessRead, Params: []command.Param{
				req(s("log-group-name")), i("start-time"), i("end-time"), s("filter-pattern"), i("limit")}},
		}},
		command.StaticService{Service: command.Service{Name: "lambda"}, Operations: []command.Operation{
			{Name: "invoke", Access: command.AccessWrite, Actions: []string{"lambda:InvokeFunction"}, Params: []command.Param{
				req(s("function-name")), {Name: "payload", Type: command.TypeBlob}, s("invocation-type"), s("log-type"), s("qualifier")}},
		}},
	)
}

func TestHighLevelCommands(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(-d).UnixMilli(), 10) }
	tests := []struct {
		in, text, typed, display string
		actions                  []string
	}{
		{"s3 ls", "s3api list-buckets", "s3 ls", command.DisplayS3Ls, []string{"s3:ListAllMyBuckets"}},
		{"aws s3 ls s3://logs-bucket", "s3api list-objects-v2 --bucket logs-bucket --delimiter /", "s3 ls s3://logs-bucket", command.DisplayS3Ls, []string{"s3:ListBucket"}},
		{"s3 ls s3://logs-bucket/2026/12/", "s3api list-objects-v2 --bucket logs-bucket --prefix 2026/12/ --delimiter /", "s3 ls s3://logs-bucket/2026/12/", command.DisplayS3Ls, []string{"s3:ListBucket"}},
		{"s3 ls logs-bucket/app --region eu-west-1", "s3api list-objects-v2 --bucket logs-bucket --prefix app --delimiter / --region eu-west-1", "s3 ls logs-bucket/app --region eu-west-1", command.DisplayS3Ls, []string{"s3:ListBucket"}},
		{"logs tail /aws/lambda/fn", "logs filter-log-events --log-group-name /aws/lambda/fn --start-time " + ms(10*time.Minute), "logs tail /aws/lambda/fn", command.DisplayLogsTail, []string{"logs:FilterLogEvents"}},
		{"logs tail /aws/lambda/fn --since 2h --filter-pattern ERROR", "logs filter-log-events --log-group-name /aws/lambda/fn --filter-pattern ERROR --start-time " + ms(2*time.Hour), "logs tail /aws/lambda/fn --since 2h --filter-pattern ERROR", command.DisplayLogsTail, []string{"logs:FilterLogEvents"}},
		{"logs tail app --since=1d --format short", "logs filter-log-events --log-group-name app --start-time " + ms(24*time.Hour), "logs tail app --since=1d --format short", command.DisplayLogsTail, []string{"logs:FilterLogEvents"}},
		{"invoke my-function", "lambda invoke --function-name my-function", "invoke my-function", "", []string{"lambda:InvokeFunction"}},
		{`invoke my-function --payload {"a": 1}`, `lambda invoke --function-name my-function --payload {"a": 1}`, `invoke my-function --payload {"a": 1}`, "", []string{"lambda:InvokeFunction"}},
		{"lambda invoke my-function", "lambda invoke --function-name my-function", "lambda invoke my-function", "", []string{"lambda:InvokeFunction"}},
		{"lambda invoke --function-name f out.json", "lambda invoke --function-name f", "lambda invoke --function-name f out.json", "", []string{"lambda:InvokeFunction"}},
		{"lambda invoke --function-name f --payload '{}' --log-type Tail /tmp/out.json", "lambda invoke --function-name f --payload {} --log-type Tail", "lambda invoke --function-name f --payload {} --log-type Tail /tmp/out.json", "", []string{"lambda:InvokeFunction"}},
		{"lambda invoke --function-name f", "lambda invoke --function-name f", "", "", []string{"lambda:InvokeFunction"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			inv, err := command.Parse(tt.in, highLevelCatalog(), command.WithNow(func() time.Time { return now }))
			require.NoError(t, err)
			assert.Equal(t, tt.text, inv.Text)
			assert.Equal(t, tt.typed, inv.Typed)
			assert.Equal(t, tt.display, inv.Display)
			assert.Equal(t, tt.actions, inv.IAMActions)
			// What a confirmation stores parses back to the same command.
			again, err := command.Resume(inv.Text, highLevelCatalog())
			require.NoError(t, err)
			assert.Equal(t, inv.Params, again.Params)
		})
	}
}

func TestHighLevelErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		kind error
		msg  string
	}{
		{"s3 ls s3://", command.ErrInvalidValue, "names no bucket"},
		{"s3 ls s3://b --recursive", command.ErrInvalidValue, "not supported in chat"},
		{"logs tail", command.ErrInvalidValue, "Which log group"},
		{"logs tail --since 1h", command.ErrInvalidValue, "Which log group"},
		{"logs tail g --since", command.ErrInvalidValue, "needs a value"},
		{"logs tail g --since 10x", command.ErrInvalidValue, "unit"},
		{"logs tail g --since 0m", command.ErrInvalidValue, "unit"},
		{"logs tail g --since 99999d", command.ErrInvalidValue, "at most a year"},
		{"logs tail g --follow", command.ErrInvalidValue, "cannot stream"},
		{"lambda invoke --function-name f a.json b.json", command.ErrInvalidValue, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := command.Parse(tt.in, highLevelCatalog())
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.kind), "%v", err)
			var ce *command.Error
			if tt.msg != "" && errors.As(err, &ce) {
				assert.Contains(t, ce.Msg, tt.msg)
			}
		})
	}
}
