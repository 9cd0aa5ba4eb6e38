package slack

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
)

// DefaultBotScopes are the bot scopes the opschat Slack app asks for.
var DefaultBotScopes = []string{
	"app_mentions:read", "chat:write", "commands", "files:write", "im:history", "im:read",
	"channels:history", "groups:history", "channels:read", "groups:read",
}

// OAuthConfig configures the multi-workspace install flow.
type OAuthConfig struct {
	ClientID string
	// ClientSecret is the app's client secret (NewSecret). It never prints
	// or encodes; it decodes from a configuration's string.
	ClientSecret Secret
	// RedirectURL is the public URL of PathOAuthCallback, as registered in
	// the Slack app.
	RedirectURL string
	// Scopes are the bot scopes requested (default DefaultBotScopes).
	Scopes []string
	// AuthorizeURL is Slack's authorisation page (default
	// https://slack.com/oauth/v2/authorize); tests point it elsewhere.
	AuthorizeURL string
	// SuccessURL, when set, is where the browser goes after a successful
	// install; otherwise a short confirmation page is shown.
	SuccessURL string
}

func (c *OAuthConfig) validate() error {
	var errs []error
	if c.ClientID == "" {
		errs = append(errs, errors.New("slack: OAuth: ClientID is required"))
	}
	if c.ClientSecret.IsZero() {
		errs = append(errs, errors.New("slack: OAuth: ClientSecret is required"))
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, fmt.Errorf("slack: OAuth: RedirectURL %q must be an absolute URL", c.RedirectURL))
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultBotScopes
	}
	if c.AuthorizeURL == "" {
		c.AuthorizeURL = "https://slack.com/oauth/v2/authorize"
	}
	return errors.Join(errs...)
}

// stateCookie binds the OAuth state to the browser that started the install,
// so a state captured elsewhere cannot complete someone else's flow.
const stateCookie = "opschat_slack_oauth_state"

// serveInstall starts an install: it creates a one-time state, remembers it
// in the Store and in a cookie, and redirects to Slack's authorisation page.
func (a *Adapter) serveInstall(w http.ResponseWriter, r *http.Request) {
	if a.oauth == nil {
		http.NotFound(w, r)
		return
	}
	state := randomKey()
	if err := a.store.Put(r.Context(), nsOAuthState, state, []byte{1}, stateTTL); err != nil {
		a.log.ErrorContext(r.Context(), "slack: store OAuth state", "error", err)
		http.Error(w, "install temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: stateCookie, Value: state, Path: "/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, Secure: r.TLS != nil || strings.HasPrefix(a.oauth.RedirectURL, "https://"), SameSite: http.SameSiteLaxMode,
	})
	q := url.Values{
		"client_id":    {a.oauth.ClientID},
		"scope":        {strings.Join(a.oauth.Scopes, ",")},
		"redirect_uri": {a.oauth.RedirectURL},
		"state":        {state},
	}
	http.Redirect(w, r, a.oauth.AuthorizeURL+"?"+q.Encode(), http.StatusFound)
}

// serveOAuthCallback completes an install: it checks the state (present in
// the Store, equal to the browser's cookie, used once), exchanges the code
// with oauth.v2.access and stores the bot token for the workspace.
func (a *Adapter) serveOAuthCallback(w http.ResponseWriter, r *http.Request) {
	if a.oauth == nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		page(w, http.StatusBadRequest, "Installation cancelled", "Slack reported: "+e)
		return
	}
	state := q.Get("state")
	cookie, err := r.Cookie(stateCookie)
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		a.log.WarnContext(ctx, "slack: OAuth callback rejected", "reason", "state missing or not bound to this browser")
		page(w, http.StatusForbidden, "Installation failed", "The install link is invalid or was opened in another browser. Start again from the install page.")
		return
	}
	if _, ok, err := a.store.Get(ctx, nsOAuthState, state); err != nil || !ok {
		a.log.WarnContext(ctx, "slack: OAuth callback rejected", "reason", "unknown, expired or reused state")
		page(w, http.StatusForbidden, "Installation failed", "The install link expired or was already used. Start again from the install page.")
		return
	}
	// One use only.
	_ = a.store.Delete(ctx, nsOAuthState, state)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/", MaxAge: -1})

	code := q.Get("code")
	if code == "" {
		page(w, http.StatusBadRequest, "Installation failed", "Slack did not send an authorisation code.")
		return
	}
	resp, err := slackgo.GetOAuthV2ResponseContext(ctx, a.httpClient, a.oauth.ClientID, a.oauth.ClientSecret.reveal(), code, a.oauth.RedirectURL, slackgo.OAuthOptionAPIURL(a.apiURL))
	if err != nil {
		a.log.ErrorContext(ctx, "slack: oauth.v2.access failed", "error", classify("oauth.v2.access", err))
		page(w, http.StatusBadGateway, "Installation failed", "Slack did not accept the authorisation. Try again.")
		return
	}
	if resp.TokenType != "bot" || !strings.HasPrefix(resp.AccessToken, "xoxb-") || resp.Team.ID == "" {
		a.log.ErrorContext(ctx, "slack: oauth.v2.access returned no bot token for a workspace", "token_type", resp.TokenType, "enterprise_install", resp.IsEnterpriseInstall)
		page(w, http.StatusBadGateway, "Installation failed", "Slack returned no bot token for a workspace (organisation-wide installs are not supported).")
		return
	}
	inst := installation{
		TeamID: resp.Team.ID, TeamName: resp.Team.Name, EnterpriseID: resp.Enterprise.ID,
		BotToken: resp.AccessToken, BotUserID: resp.BotUserID, Scope: resp.Scope, AppID: resp.AppID,
		InstalledBy: resp.AuthedUser.ID, InstalledAt: time.Now().UTC(),
	}
	b, err := json.Marshal(inst)
	if err == nil {
		err = a.store.Put(ctx, nsInstall, inst.TeamID, b, 0)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "slack: store installation", "team", inst.TeamID, "error", err)
		page(w, http.StatusServiceUnavailable, "Installation failed", "The installation could not be saved. Try again.")
		return
	}
	a.botUser.Store(inst.TeamID, inst.BotUserID)
	a.log.InfoContext(ctx, "slack: installed", "team", inst.TeamID, "team_name", inst.TeamName, "by", inst.InstalledBy)
	if a.oauth.SuccessURL != "" {
		http.Redirect(w, r, a.oauth.SuccessURL, http.StatusFound)
		return
	}
	page(w, http.StatusOK, "Installed", "opschat is installed in "+firstNonEmpty(inst.TeamName, inst.TeamID)+". Invite it to a channel with /invite.")
}

func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1><p>%s</p>\n", html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}
