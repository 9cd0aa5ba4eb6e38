package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/internal/awssim"
)

// TestInProcessMatchesLoopback sends every operation of every shipped table
// to two identical simulated accounts, one over loopback TCP and one through
// InProcessConfig's transport, and checks the servers recorded the same
// request and the clients decoded the same answer (or the same error).
func TestInProcessMatchesLoopback(t *testing.T) {
	clock := awssim.WithClock(func() time.Time { return fixedNow })
	overTCP, inProc := awssim.New(clock), awssim.New(clock)
	defer overTCP.Close()
	defer inProc.Close()
	tcpClients := shippedClients(routingConfig(t, overTCP))
	ipCfg := routingConfig(t, inProc)
	ipCfg.HTTPClient = inProc.InProcessConfig().HTTPClient
	ipClients := shippedClients(ipCfg)

	reg := awsexec.NewRegistry()
	common.Register(reg)
	iamops.Register(reg)
	stsops.Register(reg)
	total := 0
	for _, name := range reg.Services() {
		svc, _ := reg.Lookup(name)
		tcpC, ipC := reflect.ValueOf(tcpClients[name].client), reflect.ValueOf(ipClients[name].client)
		for _, opName := range reg.Operations(name) {
			op, _ := svc.Operation(opName)
			m := tcpC.MethodByName(op.APIName)
			require.True(t, m.IsValid(), "%s has no method %s", name, op.APIName)
			in := reflect.New(m.Type().In(1).Elem())
			fillLabels(in.Elem())
			overTCP.Reset()
			inProc.Reset()
			tcpOut, tcpErr := call(m, in)
			ipOut, ipErr := call(ipC.MethodByName(op.APIName), in)
			what := name + " " + op.APIName
			assert.Equal(t, errorCode(tcpErr), errorCode(ipErr), what)
			assert.Equal(t, tcpOut, ipOut, what)
			assert.Equal(t, comparable(overTCP.Requests()), comparable(inProc.Requests()), what)
			total++
		}
	}
	assert.Greater(t, total, 1500)
}

func call(m, in reflect.Value) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	err, _ := res[1].Interface().(error)
	if res[0].IsNil() {
		return "", err
	}
	// Compare what was decoded: the members, a streamed payload's bytes,
	// not the response metadata (request IDs, timings).
	out := res[0].Elem()
	body := ""
	for i := range out.NumField() {
		f := out.Field(i)
		switch {
		case out.Type().Field(i).Name == "ResultMetadata":
			f.Set(reflect.Zero(f.Type()))
		case f.Kind() == reflect.Interface && !f.IsNil() && f.Type().Implements(reflect.TypeFor[io.Reader]()):
			b, _ := io.ReadAll(f.Interface().(io.Reader))
			body = string(b)
			f.Set(reflect.Zero(f.Type()))
		}
	}
	j, jerr := json.Marshal(out.Interface())
	if jerr != nil {
		return "marshal: " + jerr.Error(), err
	}
	return string(j) + body, err
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "error"
	}
	return ""
}

// comparable drops what differs between two sends of one request: the
// signature, its date and the SDK's invocation ID. Every other header, the
// ones the transport itself adds included (Host is promoted out of them,
// Content-Length put in), must be the same.
func comparable(reqs []awssim.Request) []awssim.Request {
	out := make([]awssim.Request, len(reqs))
	for i, r := range reqs {
		h := r.Header.Clone()
		for _, k := range []string{"Authorization", "X-Amz-Date", "Amz-Sdk-Invocation-Id"} {
			h.Del(k)
		}
		r.Header = h
		out[i] = r
	}
	return out
}

func TestInProcessTransport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("faults and retries as over TCP", func(t *testing.T) {
		s := newServer(t)
		cfg := s.InProcessConfig()
		s.Inject(awssim.AccessDenied("ec2", "DescribeInstances"))
		_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		assert.Equal(t, "UnauthorizedOperation", apiCode(t, err))
		s.ClearFaults()
		s.Inject(awssim.Throttle("ec2", "DescribeInstances", 2))
		_, err = ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		require.NoError(t, err)
		assert.Len(t, s.Requests(), 4, "one refused, two throttled, one answered")
	})

	t.Run("a slow answer meets the client's deadline", func(t *testing.T) {
		s := newServer(t)
		s.Inject(awssim.Slow("ec2", "DescribeInstances", time.Minute))
		tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := ec2.NewFromConfig(s.InProcessConfig()).DescribeInstances(tctx, &ec2.DescribeInstancesInput{})
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 30*time.Second)
	})

	t.Run("a request body reaches the server with its length", func(t *testing.T) {
		s := newServer(t)
		c := s3.NewFromConfig(s.InProcessConfig(), func(o *s3.Options) { o.UsePathStyle = true })
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("orders-exports"), Key: aws.String("k"),
			Body: strings.NewReader("hello")})
		require.NoError(t, err)
		reqs := s.RequestsFor("s3", "PutObject")
		require.Len(t, reqs, 1)
		assert.Equal(t, "5", reqs[0].Header.Get("Content-Length"))
		assert.Equal(t, "hello", string(reqs[0].Body))
	})
}
