package snshttp_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/servertest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/snshttp"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emulatorPolicy trusts the goaws emulator on one loopback host:port: it
// serves its certificate and SubscribeURL over http, and its self-signed
// certificate is valid for only five seconds after the emulator's package
// initialised, so there is no chain or validity period to check. The
// signature itself is still verified.
type emulatorPolicy struct{ hostport string }

func (p emulatorPolicy) CheckURL(u *url.URL, _ string) error {
	if u.Scheme != "http" || u.Host != p.hostport {
		return fmt.Errorf("%w: %s is not the emulator", snshttp.ErrUntrustedURL, u.Redacted())
	}
	return nil
}

func (emulatorPolicy) CheckCertificate(*x509.Certificate, []*x509.Certificate, time.Time) error {
	return nil
}

type countingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.urls = append(c.urls, r.URL.String())
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) URLs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.urls...)
}

// TestGoawsHTTPSubscription: the emulator confirms an HTTP subscription
// with a signed SubscriptionConfirmation, which the endpoint verifies and
// confirms; then notifications published through the SNS API (with and
// without Subject) verify and reach the handler. Not parallel: goaws state
// is package-global.
func TestGoawsHTTPSubscription(t *testing.T) {
	logrus.SetLevel(logrus.WarnLevel)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hostport := l.Addr().String()
	require.NoError(t, l.Close())
	app.CurrentEnvironment = app.Environment{Host: "127.0.0.1", Port: strings.TrimPrefix(hostport, "127.0.0.1:"),
		Region: "us-east-1", AccountID: "123456789012",
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 262144}}
	srv, err := servertest.New(hostport)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Quit() })

	transport := &countingTransport{}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	verifier := snshttp.NewVerifier(snshttp.WithPolicy(emulatorPolicy{hostport: hostport}), snshttp.WithHTTPClient(client))
	next := &recorder{}
	h, err := snshttp.New(next, snshttp.WithVerifier(verifier), snshttp.WithConfirmClient(client), snshttp.WithAnyTopic())
	require.NoError(t, err)
	endpoint := httptest.NewServer(h)
	t.Cleanup(endpoint.Close)

	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	snsc := sns.NewFromConfig(cfg)
	ctx := context.Background()
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("http-alerts")})
	require.NoError(t, err)
	_, err = snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"),
		Endpoint: aws.String(endpoint.URL + "/sns")})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, u := range transport.URLs() {
			if strings.Contains(u, "Action=ConfirmSubscription") {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "subscription confirmed by fetching SubscribeURL")

	_, err = snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"AlarmName":"db-cpu"}`)})
	require.NoError(t, err)
	_, err = snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("second"), Subject: aws.String("with subject")})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return next.count() == 2 }, 10*time.Second, 10*time.Millisecond)
	next.mu.Lock()
	defer next.mu.Unlock()
	assert.Equal(t, `{"AlarmName":"db-cpu"}`, next.envs[0].Message)
	assert.Equal(t, "with subject", next.envs[1].Subject)
	for _, env := range next.envs {
		assert.Equal(t, notify.TypeNotification, env.Type)
		assert.Equal(t, aws.ToString(topic.TopicArn), env.TopicARN)
	}
	pems := 0
	for _, u := range transport.URLs() {
		if strings.HasSuffix(u, ".pem") {
			pems++
		}
	}
	assert.Equal(t, 3, pems, "goaws puts a new URL on every message (same certificate); each URL is fetched once")
}
