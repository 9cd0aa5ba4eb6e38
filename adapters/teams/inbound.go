package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/opschat/opschat/chat"
)

// rawActivity holds the parts of an activity that schema.Activity drops
// (mention entities are decoded there as bare {type}) or types loosely
// (Value: its numbers as float64, which would print 1000000 as "1e+06").
type rawActivity struct {
	// Value is the Action.Submit data, decoded with json.Number so a
	// submitted number keeps its digits.
	Value    map[string]any `json:"value"`
	Entities []struct {
		Type      string `json:"type"`
		Text      string `json:"text"`
		Mentioned struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"mentioned"`
	} `json:"entities"`
	ChannelData struct {
		EventType string `json:"eventType"`
		Tenant    struct {
			ID string `json:"id"`
		} `json:"tenant"`
		Team struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			AADGroupID string `json:"aadGroupId"`
		} `json:"team"`
		Channel struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"channel"`
	} `json:"channelData"`
}

// ServeHTTP is the bot's messaging endpoint. It validates the request's
// token (401 when invalid), remembers the conversation so the bot can post
// there later, acknowledges at once, and hands message events to the
// running Listen (503 when none runs, so nothing is silently dropped, and
// 503 when the signing keys cannot be fetched).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if r.Header.Get("Authorization") == "" {
		a.log.Warn("teams: rejected request without Authorization header", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	act, err := a.bf.ParseRequest(r.Context(), req)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrUnauthorized) {
			status = http.StatusUnauthorized
		} else if errors.Is(err, ErrKeysUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "30")
		}
		a.log.Warn("teams: rejected activity", "status", status, "error", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	if err := checkServiceURL(act.ServiceURL, a.conn.loopbackHTTP); err != nil {
		// Authenticated, but replies (and later notifications) would send
		// the bot's token in clear text: neither stored nor handled.
		a.log.Warn("teams: rejected activity with an insecure service URL", "error", err)
		http.Error(w, "activity serviceUrl must be https", http.StatusBadRequest)
		return
	}
	var raw rawActivity
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		http.Error(w, "malformed activity", http.StatusBadRequest)
		return
	}
	a.remember(r.Context(), act, raw)
	in, ok := a.inbound(r.Context(), act, raw)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	// A redelivered or replayed activity is acknowledged (so Teams stops
	// sending it) and not handled again.
	key := ""
	if act.ID != "" {
		key = activityKey(act.ChannelID, act.Conversation.ID, act.ID)
		if !a.dedup.first(r.Context(), key) {
			a.log.Info("teams: duplicate activity ignored", "activity", act.ID, "kind", in.Kind, "conversation", in.Conversation.String())
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if !a.dispatch(event{in: in}) {
		if key != "" {
			// Refused: Teams sends it again, and that copy must run.
			a.dedup.forget(r.Context(), key)
		}
		a.log.Warn("teams: no listener ready; event refused", "kind", in.Kind, "conversation", in.Conversation.String())
		w.Header().Set("Retry-After", "1")
		http.Error(w, "bot is not ready", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) dispatch(ev event) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.events == nil {
		return false
	}
	select {
	case a.events <- ev:
		return true
	default:
		return false
	}
}

// ErrAlreadyListening is returned by a second concurrent Listen.
var ErrAlreadyListening = errors.New("teams: already listening")

// Listen delivers the events ServeHTTP receives to h, each in its own
// goroutine with a context derived from ctx (bounded by the handler
// timeout), until ctx ends; it then waits for running handlers and returns
// nil. Replies go to the event's reply chain (or personal chat).
func (a *Adapter) Listen(ctx context.Context, h chat.Handler) error {
	if h == nil {
		return errors.New("teams: listen: nil handler")
	}
	ch := make(chan event, 64)
	a.mu.Lock()
	if a.events != nil {
		a.mu.Unlock()
		return ErrAlreadyListening
	}
	a.events = ch
	a.mu.Unlock()
	var wg sync.WaitGroup
	defer func() {
		a.mu.Lock()
		a.events = nil
		a.mu.Unlock()
		// Events acknowledged to Teams but not yet started are lost with
		// the listener; say so rather than drop them silently.
		for n := len(ch); n > 0; n-- {
			ev := <-ch
			a.log.Warn("teams: listener stopped before handling event", "kind", ev.in.Kind,
				"conversation", ev.in.Conversation.String())
		}
		wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-ch:
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.handle(ctx, h, ev)
			}()
		}
	}
}

func (a *Adapter) handle(ctx context.Context, h chat.Handler, ev event) {
	ctx, cancel := context.WithTimeout(ctx, a.handlerTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("teams: handler panicked", "kind", ev.in.Kind, "panic", fmt.Sprint(p))
		}
	}()
	if err := h.HandleMessage(ctx, ev.in, a.replier(ev.in)); err != nil {
		a.log.Error("teams: handler failed", "kind", ev.in.Kind, "conversation", ev.in.Conversation.String(), "error", err)
	}
}

// replier answers in the reply chain of the event (a personal chat has
// none).
func (a *Adapter) replier(in chat.Inbound) chat.Replier {
	conv := in.Conversation
	if conv.Type == chat.ConversationChannel && conv.ThreadID == "" {
		conv.ThreadID = in.MessageID
	}
	return chat.SenderReplier(a, conv)
}

// conversation maps an activity's addressing to a chat.Conversation.
func (a *Adapter) conversation(ctx context.Context, act schema.Activity, raw rawActivity) chat.Conversation {
	conv := chat.Conversation{
		Platform:    chat.PlatformTeams,
		WorkspaceID: nameOr(raw.ChannelData.Tenant.ID, act.Conversation.TenantID),
	}
	switch act.Conversation.ConversationType {
	case "personal":
		conv.Type = chat.ConversationDirect
		conv.ChannelID = act.Conversation.ID
		return conv
	case "groupChat":
		conv.Type = chat.ConversationGroup
		conv.ChannelID = act.Conversation.ID
		return conv
	}
	conv.Type = chat.ConversationChannel
	channel, root := splitConversationID(act.Conversation.ID)
	conv.ChannelID = NormalizeChannelID(nameOr(raw.ChannelData.Channel.ID, channel))
	conv.ThreadID = root
	conv.TeamID = raw.ChannelData.Team.AADGroupID
	if conv.TeamID == "" && raw.ChannelData.Team.ID != "" {
		// Message activities usually carry only the team's thread ID; the
		// group ID (what AWS Chatbot calls TeamId) was learnt at install.
		if b, ok, err := a.store.Get(ctx, namespaceTeams, raw.ChannelData.Team.ID); err == nil && ok {
			conv.TeamID = string(b)
		} else {
			conv.TeamID = raw.ChannelData.Team.ID
		}
	}
	return conv
}

// inbound maps an activity to the event the bot handles; false when there
// is nothing to handle.
func (a *Adapter) inbound(ctx context.Context, act schema.Activity, raw rawActivity) (chat.Inbound, bool) {
	if act.Type != schema.Message {
		return chat.Inbound{}, false
	}
	conv := a.conversation(ctx, act, raw)
	in := chat.Inbound{
		Conversation: conv,
		User:         chat.User{ID: nameOr(act.From.AadObjectID, act.From.ID), Name: act.From.Name},
		MessageID:    act.ID,
		Time:         act.Timestamp,
	}
	if in.Time.IsZero() {
		in.Time = a.now()
	}
	if action, ok := submittedAction(raw.Value); ok {
		in.Kind = chat.KindButtonClick
		if action.Values != nil {
			in.Kind = chat.KindFormSubmit
		}
		// The card that carried the button is the activity replied to.
		action.Message = chat.Ref{Conversation: conv, MessageID: act.ReplyToID}
		if conv.Type == chat.ConversationChannel && conv.ThreadID == act.ReplyToID {
			action.Message.Conversation.ThreadID = ""
		}
		in.Action = action
		return in, true
	}
	text, mentioned := stripMentions(act.Text, act.Recipient.ID, raw)
	in.Text = text
	switch {
	case conv.Type == chat.ConversationDirect:
		in.Kind = chat.KindDirectMessage
	case mentioned:
		in.Kind = chat.KindMention
	case conv.Type == chat.ConversationChannel && conv.ThreadID != "" && conv.ThreadID != act.ID:
		in.Kind = chat.KindThreadReply
	default:
		return chat.Inbound{}, false
	}
	if strings.TrimSpace(in.Text) == "" {
		return chat.Inbound{}, false
	}
	return in, true
}

// submittedAction recognises Action.Submit data from a card opschat
// rendered. Form values are delivered literally (see chat.Action.Values):
// strings as submitted, numbers with their digits, anything else as JSON.
func submittedAction(v map[string]any) (*chat.Action, bool) {
	kind, _ := v[submitMarker].(string)
	if kind != "button" && kind != "form" {
		return nil, false
	}
	action := &chat.Action{}
	action.ID, _ = v["id"].(string)
	action.Value, _ = v["value"].(string)
	if kind == "form" {
		action.Values = map[string]string{}
		for k, val := range v {
			id, ok := strings.CutPrefix(k, inputPrefix)
			if !ok {
				continue
			}
			switch x := val.(type) {
			case string:
				action.Values[id] = x
			case nil:
				action.Values[id] = ""
			case json.Number:
				action.Values[id] = x.String()
			case bool:
				action.Values[id] = strconv.FormatBool(x)
			default:
				// Not produced by our inputs; kept whole rather than
				// in Go's map syntax.
				b, err := json.Marshal(x)
				if err != nil {
					continue
				}
				action.Values[id] = string(b)
			}
		}
	}
	return action, true
}

// stripMentions removes the bot's own mention (whatever its display name)
// using the mention entities, turns other users' mentions into "@Name", and
// decodes the HTML entities Teams puts in message text.
func stripMentions(text, botID string, raw rawActivity) (string, bool) {
	mentioned := false
	for _, e := range raw.Entities {
		if e.Type != "mention" || e.Text == "" {
			continue
		}
		if e.Mentioned.ID == botID && botID != "" {
			if strings.Contains(text, e.Text) {
				mentioned = true
			}
			text = strings.ReplaceAll(text, e.Text, " ")
			continue
		}
		name := e.Mentioned.Name
		if name == "" {
			name = strings.TrimSuffix(strings.TrimPrefix(e.Text, "<at>"), "</at>")
		}
		text = strings.ReplaceAll(text, e.Text, "@"+name)
	}
	text = html.UnescapeString(text)
	text = strings.ReplaceAll(text, "\u00a0", " ")
	return strings.Join(strings.Fields(text), " "), mentioned
}

// remember stores the conversation reference of an authenticated activity
// (installs, channel events and messages alike) so Send can reach the
// channel later, and the team's group ID when the activity carries it.
func (a *Adapter) remember(ctx context.Context, act schema.Activity, raw rawActivity) {
	if act.ServiceURL == "" || act.Conversation.ID == "" {
		return
	}
	conv := a.conversation(ctx, act, raw)
	if act.Type == schema.ConversationUpdate && raw.ChannelData.EventType == "channelCreated" && raw.ChannelData.Channel.ID != "" {
		conv.ChannelID = NormalizeChannelID(raw.ChannelData.Channel.ID)
	}
	if raw.ChannelData.Team.ID != "" && raw.ChannelData.Team.AADGroupID != "" {
		if err := a.store.Put(ctx, namespaceTeams, raw.ChannelData.Team.ID, []byte(raw.ChannelData.Team.AADGroupID), 0); err != nil {
			a.log.Warn("teams: storing team ID failed", "error", err)
		}
	}
	ref := ConversationRef{
		ServiceURL:   act.ServiceURL,
		TenantID:     conv.WorkspaceID,
		TeamID:       conv.TeamID,
		TeamThreadID: raw.ChannelData.Team.ID,
		ChannelID:    conv.ChannelID,
		ChannelName:  raw.ChannelData.Channel.Name,
		Type:         conv.Type,
		BotID:        act.Recipient.ID,
	}
	if old, ok, err := a.store.Get(ctx, NamespaceConversations, conv.ChannelID); err == nil && ok {
		var prev ConversationRef
		if json.Unmarshal(old, &prev) == nil {
			if ref.ChannelName == "" {
				ref.ChannelName = prev.ChannelName
			}
			prev.Updated = ref.Updated
			if prev == ref {
				return
			}
		}
	}
	ref.Updated = a.now().UTC()
	b, err := json.Marshal(ref)
	if err != nil {
		return
	}
	if err := a.store.Put(ctx, NamespaceConversations, conv.ChannelID, b, 0); err != nil {
		a.log.Warn("teams: storing conversation reference failed", "channel", conv.ChannelID, "error", err)
		return
	}
	a.log.Info("teams: conversation reference stored", "channel", conv.ChannelID, "type", conv.Type)
}

// Conversations lists the stored conversation references by channel ID, so
// a host can show where the bot is installed.
func (a *Adapter) Conversations(ctx context.Context) ([]ConversationRef, error) {
	m, err := a.store.List(ctx, NamespaceConversations, "")
	if err != nil {
		return nil, fmt.Errorf("teams: list conversations: %w", err)
	}
	out := make([]ConversationRef, 0, len(m))
	for _, b := range m {
		var r ConversationRef
		if json.Unmarshal(b, &r) == nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChannelID < out[j].ChannelID })
	return out, nil
}
