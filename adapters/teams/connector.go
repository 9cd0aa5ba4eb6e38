package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/connector/client"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/opschat/opschat/chat"
)

// DefaultTokenURL is where a bot registered as multi-tenant gets its access
// token for the Bot Connector service. Single-tenant bots use
// https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token.
const DefaultTokenURL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"

const connectorScope = "https://api.botframework.com/.default"

// tokenSource gets and caches the bot's OAuth access token (client
// credentials grant). Unlike msbotbuilder-go's ConnectorClient it takes a
// context, never dereferences a nil response when the endpoint is down, and
// refreshes before expiry.
type tokenSource struct {
	url, appID, password string
	hc                   *http.Client
	now                  func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

func (ts *tokenSource) get(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.now().Before(ts.expires) {
		return ts.token, nil
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {ts.appID},
		"client_secret": {ts.password},
		"scope":         {connectorScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("teams: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.hc.Do(req)
	if err != nil {
		return "", transportError(ctx, "get access token", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		// The body of a token error names the AAD error code (invalid_client,
		// unauthorized_client); it never echoes the secret.
		return "", chat.ClassifyHTTP(chat.PlatformTeams, resp.StatusCode, retryAfter(resp.Header, ts.now()),
			fmt.Errorf("get access token: %s", aadError(body)))
	}
	var tr schema.AuthResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", &chat.SendError{Platform: chat.PlatformTeams, Retryable: true,
			Err: errors.New("get access token: malformed token response")}
	}
	ttl := time.Duration(tr.ExpireTime) * time.Second
	// Refresh five minutes early so a token never expires in flight.
	if ttl > 10*time.Minute {
		ttl -= 5 * time.Minute
	} else {
		ttl /= 2
	}
	ts.token, ts.expires = tr.AccessToken, ts.now().Add(ttl)
	return ts.token, nil
}

// invalidate drops the cached token so the next call fetches a new one.
func (ts *tokenSource) invalidate() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.token = ""
}

func aadError(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return "unexpected response"
}

// connector calls the Bot Connector REST API (v3).
type connector struct {
	tokens *tokenSource
	hc     *http.Client
	now    func() time.Time

	loopbackHTTP bool // WithInsecureLoopbackServiceURL
}

// ErrInsecureServiceURL matches (errors.Is) a service URL the adapter
// refuses because it would send the bot's access token in clear text: any
// scheme but https, except plain HTTP to a loopback host when
// WithInsecureLoopbackServiceURL is set.
var ErrInsecureServiceURL = errors.New("teams: service URL must be https")

// checkServiceURL reports whether the bot's bearer token may be sent to
// serviceURL. The host is compared by name, not resolved: "localhost" is
// the only name accepted, so a DNS name that points at 127.0.0.1 today
// cannot be switched to a remote address later.
func checkServiceURL(serviceURL string, loopbackHTTP bool) error {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("invalid service URL %q", serviceURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopbackHTTP && isLoopbackHost(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("%w: refusing %q", ErrInsecureServiceURL, redactURL(u))
}

func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || strings.EqualFold(h, "localhost")
}

// redactURL drops anything that could be a credential (user info, query)
// from a URL quoted in an error.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}

// outActivity is the activity the bot sends. It is our own type rather than
// schema.Activity, whose zero-valued time and struct fields would be sent as
// "0001-01-01T00:00:00Z" and {}.
type outActivity struct {
	Type         string              `json:"type"`
	ID           string              `json:"id,omitempty"`
	Summary      string              `json:"summary,omitempty"`
	Text         string              `json:"text,omitempty"`
	TextFormat   string              `json:"textFormat,omitempty"`
	ReplyToID    string              `json:"replyToId,omitempty"`
	Conversation *convAccount        `json:"conversation,omitempty"`
	Attachments  []schema.Attachment `json:"attachments,omitempty"`
}

type convAccount struct {
	ID string `json:"id"`
}

type createConversation struct {
	IsGroup     bool           `json:"isGroup"`
	TenantID    string         `json:"tenantId,omitempty"`
	ChannelData map[string]any `json:"channelData"`
	Activity    outActivity    `json:"activity"`
}

// prepareChannelThread builds the request that posts a new top-level
// message (a new reply chain) in a channel; calling the function makes it
// and returns the new activity's ID.
func (c *connector) prepareChannelThread(serviceURL, tenantID, channelID string, act outActivity) (func(context.Context) (string, error), error) {
	cd := map[string]any{"channel": map[string]string{"id": channelID}}
	if tenantID != "" {
		cd["tenant"] = map[string]string{"id": tenantID}
	}
	body := createConversation{IsGroup: true, TenantID: tenantID, ChannelData: cd, Activity: act}
	req, err := c.request(http.MethodPost, serviceURL, []string{"v3", "conversations"}, body)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (string, error) {
		var resp schema.ConversationResourceResponse
		if err := c.exec(ctx, req, &resp); err != nil {
			return "", err
		}
		id := resp.ActivityID
		if id == "" {
			_, id = splitConversationID(resp.ID)
		}
		if id == "" {
			return "", &chat.SendError{Platform: chat.PlatformTeams, Err: errors.New("create conversation: response has no activity ID")}
		}
		return id, nil
	}, nil
}

// prepareSend builds the request that posts act to a conversation (a reply
// chain when convID has the ";messageid=" form); calling the function
// makes it and returns the new activity's ID.
func (c *connector) prepareSend(serviceURL, convID string, act outActivity) (func(context.Context) (string, error), error) {
	req, err := c.request(http.MethodPost, serviceURL, []string{"v3", "conversations", convID, "activities"}, act)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (string, error) {
		var resp schema.ResourceResponse
		if err := c.exec(ctx, req, &resp); err != nil {
			return "", err
		}
		if resp.ID == "" {
			return "", &chat.SendError{Platform: chat.PlatformTeams, Err: errors.New("send activity: response has no activity ID")}
		}
		return resp.ID, nil
	}, nil
}

func (c *connector) updateActivity(ctx context.Context, serviceURL, convID, activityID string, act outActivity) error {
	act.ID = activityID
	return c.do(ctx, http.MethodPut, serviceURL, []string{"v3", "conversations", convID, "activities", activityID}, act, nil)
}

func (c *connector) deleteActivity(ctx context.Context, serviceURL, convID, activityID string) error {
	return c.do(ctx, http.MethodDelete, serviceURL, []string{"v3", "conversations", convID, "activities", activityID}, nil, nil)
}

func (c *connector) do(ctx context.Context, method, serviceURL string, segments []string, in, out any) error {
	req, err := c.request(method, serviceURL, segments, in)
	if err != nil {
		return err
	}
	return c.exec(ctx, req, out)
}

// request is a Bot Connector call ready to be made: its service URL
// checked, its URL and body built.
type request struct {
	method, url string
	payload     []byte
}

func (c *connector) request(method, serviceURL string, segments []string, in any) (request, error) {
	// Checked here, before the bearer token is attached, so no path
	// (default URL, stored reference, inbound activity, the library's
	// client) can send it in clear text.
	if err := checkServiceURL(serviceURL, c.loopbackHTTP); err != nil {
		return request{}, &chat.SendError{Platform: chat.PlatformTeams, Err: err}
	}
	u, err := url.Parse(serviceURL)
	if err != nil {
		return request{}, &chat.SendError{Platform: chat.PlatformTeams, Err: fmt.Errorf("invalid service URL %q", serviceURL)}
	}
	raw := strings.TrimSuffix(u.EscapedPath(), "/")
	for _, s := range segments {
		raw += "/" + escapePathSegment(s)
	}
	if u, err = u.Parse(raw); err != nil {
		return request{}, &chat.SendError{Platform: chat.PlatformTeams, Err: fmt.Errorf("build connector URL: %w", err)}
	}
	var payload []byte
	if in != nil {
		if payload, err = marshalJSON(in); err != nil {
			return request{}, &chat.SendError{Platform: chat.PlatformTeams, Err: fmt.Errorf("encode activity: %w", err)}
		}
	}
	return request{method: method, url: u.String(), payload: payload}, nil
}

// exec makes the call, once more with a fresh token after a 401, and
// decodes the answer into out (when given).
func (c *connector) exec(ctx context.Context, req request, out any) error {
	op := strings.ToLower(req.method) + " activity"
	for attempt := 0; ; attempt++ {
		status, data, hdr, err := c.send(ctx, req.method, req.url, req.payload)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			// A token revoked or rotated before its expiry: get a new one
			// and try once more.
			c.tokens.invalidate()
			continue
		}
		if status < 200 || status > 299 {
			return chat.ClassifyHTTP(chat.PlatformTeams, status, retryAfter(hdr, c.now()),
				fmt.Errorf("%s: %s", op, connectorError(data)))
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return &chat.SendError{Platform: chat.PlatformTeams, StatusCode: status,
					Err: fmt.Errorf("decode connector response: %w", err)}
			}
		}
		return nil
	}
}

func (c *connector) send(ctx context.Context, method, u string, payload []byte) (int, []byte, http.Header, error) {
	token, err := c.tokens.get(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, nil, &chat.SendError{Platform: chat.PlatformTeams, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, transportError(ctx, strings.ToLower(method)+" activity", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, data, resp.Header, nil
}

// connectorError extracts the Bot Connector's error code and message
// ({"error":{"code":"BadArgument","message":"..."}}).
func connectorError(body []byte) string {
	var e schema.ErrorResponse
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		msg := e.Error.Code
		if e.Error.Message != "" {
			msg += ": " + truncateRunes(e.Error.Message, 200)
		}
		return msg
	}
	return "unexpected response"
}

// transportError wraps a failure to reach the service. When the caller's
// context ended, the error is returned as is (not retryable); other network
// errors, including the HTTP client's own timeout (which also matches
// context.DeadlineExceeded), are retryable.
func transportError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("teams: %s: %w", op, err)
	}
	// url.Error carries the URL, which for the connector holds no secret.
	return &chat.SendError{Platform: chat.PlatformTeams, Retryable: true, Err: fmt.Errorf("%s: %w", op, err)}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date; a
// negative or malformed value counts as none). ClassifyHTTP caps it.
func retryAfter(h http.Header, now time.Time) time.Duration {
	d, _ := chat.ParseRetryAfter(h.Get("Retry-After"), now)
	return d
}

// libraryClient adapts connector to msbotbuilder-go's client.Client, so the
// core.BotFrameworkAdapter we build never uses the library's ConnectorClient
// (which panics when the token endpoint is unreachable and has no context).
// Calls through this interface cannot be cancelled by the caller; they are
// bounded by the HTTP client's timeout.
type libraryClient struct{ c *connector }

var _ client.Client = libraryClient{}

func (l libraryClient) Post(u url.URL, a schema.Activity) error {
	return l.send(http.MethodPost, u, a)
}

func (l libraryClient) Put(u url.URL, a schema.Activity) error {
	return l.send(http.MethodPut, u, a)
}

func (l libraryClient) Delete(u url.URL, a schema.Activity) error {
	return l.send(http.MethodDelete, u, a)
}

func (l libraryClient) send(method string, u url.URL, a schema.Activity) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := url.URL{Scheme: u.Scheme, Host: u.Host}
	var in any
	if method != http.MethodDelete {
		in = a
	}
	// u.Path is already the full connector path built by the library.
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	return l.c.do(ctx, method, base.String(), segs, in, nil)
}
