// Package bedrocksim is a scripted, deterministic fake of the two Amazon
// Bedrock APIs opschat calls: Bedrock Runtime Converse (REST-JSON,
// POST /model/{modelId}/converse) and Bedrock Agent Runtime InvokeAgent
// (POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text,
// answered as an application/vnd.amazon.eventstream). A *Server is an
// http.Handler for httptest or a loopback listener; point the real SDK
// clients at it with BaseEndpoint and static credentials. It does not check
// signatures.
//
// Conversations are scripted: a Script matches the question and lists the
// model's replies in order. The reply to a Converse request is chosen from
// the request alone (how many assistant messages follow the question), so
// the server holds no conversation state and the same request always gets
// the same reply.
package bedrocksim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// ToolCall is a tool the scripted model asks for.
type ToolCall struct {
	Name  string
	Input map[string]any
}

// Reply is one model response.
type Reply struct {
	// Text is the model's text. "{{result}}" is replaced by the text of the
	// last tool result in the request, so an answer can quote what a tool
	// returned; "{{question}}" by the question.
	Text      string
	ToolCalls []ToolCall
	// StopReason defaults to "tool_use" with tool calls, else "end_turn";
	// set "guardrail_intervened", "max_tokens", ... to simulate those.
	StopReason string
	// Delay holds the response back, or until the client gives up.
	Delay time.Duration
	// ErrorType, when set, answers with that AWS error instead
	// ("ThrottlingException", "AccessDeniedException") and Status (default 400).
	ErrorType string
	Status    int
}

// Script is a scripted conversation.
type Script struct {
	// Match is a case-insensitive substring of the question (the last user
	// text message); "" matches every question.
	Match string
	// Replies are the model's responses in order: the first answers the
	// question, the next answers the first tool results, and so on. When
	// they run out the last one repeats.
	Replies []Reply
}

// AgentReply is an agent's answer to one InvokeAgent call.
type AgentReply struct {
	Chunks []string // sent as one "chunk" event each
	// Delay holds the first chunk back, or until the client gives up.
	Delay time.Duration
	// Exception, when set, is sent as an event-stream exception after the
	// chunks ("throttlingException", "dependencyFailedException").
	Exception string
}

// Agent is a scripted Bedrock agent.
type Agent struct {
	ID, AliasID string
	// Reply answers text in a session; turn counts the earlier calls in
	// the same session (0 for the first), so a follow-up in a thread can
	// be told apart.
	Reply func(sessionID, text string, turn int) AgentReply
}

// Request is a Converse request as the server read it, for assertions.
type Request struct {
	ModelID     string
	System      []string
	Messages    []Message
	Tools       []string // tool names offered
	ToolSchemas map[string]json.RawMessage
	MaxTokens   int
}

// Message is one message of a Converse request.
type Message struct {
	Role        string
	Text        string       // text blocks, joined by "\n"
	ToolUses    []ToolCall   // assistant tool calls
	ToolResults []ToolResult // user tool results
}

// ToolResult is a tool result sent back to the model.
type ToolResult struct {
	ToolUseID string
	Status    string
	Text      string
}

// Server is the fake. Configure it before serving; it is safe for
// concurrent use while serving.
type Server struct {
	mux      *http.ServeMux
	mu       sync.Mutex
	scripts  []Script
	agents   []Agent
	requests []Request
	sessions map[string]int // agent/alias/session → calls so far
}

var _ http.Handler = (*Server)(nil)

// New returns a server with the given scripts (first match wins).
func New(scripts ...Script) *Server {
	s := &Server{scripts: scripts, sessions: map[string]int{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /model/{modelId}/converse", s.converse)
	s.mux.HandleFunc("POST /agents/{agentId}/agentAliases/{aliasId}/sessions/{sessionId}/text", s.invokeAgent)
	return s
}

// AddScript adds a script after the existing ones.
func (s *Server) AddScript(sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, sc)
}

// AddAgent adds a scripted agent.
func (s *Server) AddAgent(a Agent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agents = append(s.agents, a)
}

// Requests returns the Converse requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// writeError answers with an AWS REST-JSON error.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// wait sleeps for d or until the client goes away; it reports whether the
// client is still there.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

type wireBlock struct {
	Text    *string `json:"text,omitempty"`
	ToolUse *struct {
		ToolUseID string         `json:"toolUseId"`
		Name      string         `json:"name"`
		Input     map[string]any `json:"input"`
	} `json:"toolUse,omitempty"`
	ToolResult *struct {
		ToolUseID string `json:"toolUseId"`
		Status    string `json:"status"`
		Content   []struct {
			Text *string         `json:"text"`
			JSON json.RawMessage `json:"json"`
		} `json:"content"`
	} `json:"toolResult,omitempty"`
}

type wireRequest struct {
	Messages []struct {
		Role    string      `json:"role"`
		Content []wireBlock `json:"content"`
	} `json:"messages"`
	System []struct {
		Text string `json:"text"`
	} `json:"system"`
	ToolConfig *struct {
		Tools []struct {
			ToolSpec *struct {
				Name        string `json:"name"`
				InputSchema struct {
					JSON json.RawMessage `json:"json"`
				} `json:"inputSchema"`
			} `json:"toolSpec"`
		} `json:"tools"`
	} `json:"toolConfig"`
	InferenceConfig *struct {
		MaxTokens int `json:"maxTokens"`
	} `json:"inferenceConfig"`
}

func decodeRequest(modelID string, body []byte) (Request, error) {
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		return Request{}, fmt.Errorf("bedrocksim: decode converse request: %w", err)
	}
	req := Request{ModelID: modelID, ToolSchemas: map[string]json.RawMessage{}}
	for _, sb := range wr.System {
		req.System = append(req.System, sb.Text)
	}
	for _, m := range wr.Messages {
		msg := Message{Role: m.Role}
		var texts []string
		for _, b := range m.Content {
			switch {
			case b.Text != nil:
				texts = append(texts, *b.Text)
			case b.ToolUse != nil:
				msg.ToolUses = append(msg.ToolUses, ToolCall{Name: b.ToolUse.Name, Input: b.ToolUse.Input})
			case b.ToolResult != nil:
				tr := ToolResult{ToolUseID: b.ToolResult.ToolUseID, Status: b.ToolResult.Status}
				var parts []string
				for _, c := range b.ToolResult.Content {
					if c.Text != nil {
						parts = append(parts, *c.Text)
					} else if len(c.JSON) > 0 {
						parts = append(parts, string(c.JSON))
					}
				}
				tr.Text = strings.Join(parts, "\n")
				msg.ToolResults = append(msg.ToolResults, tr)
			}
		}
		msg.Text = strings.Join(texts, "\n")
		req.Messages = append(req.Messages, msg)
	}
	if wr.ToolConfig != nil {
		for _, t := range wr.ToolConfig.Tools {
			if t.ToolSpec != nil {
				req.Tools = append(req.Tools, t.ToolSpec.Name)
				req.ToolSchemas[t.ToolSpec.Name] = t.ToolSpec.InputSchema.JSON
			}
		}
	}
	if wr.InferenceConfig != nil {
		req.MaxTokens = wr.InferenceConfig.MaxTokens
	}
	return req, nil
}

// question returns the index of the last user message with text and no
// tool result, and that text.
func question(req Request) (int, string) {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role == "user" && m.Text != "" && len(m.ToolResults) == 0 {
			return i, m.Text
		}
	}
	return -1, ""
}

func (s *Server) pick(req Request) (Reply, bool) {
	qi, q := question(req)
	turn := 0
	for _, m := range req.Messages[qi+1:] {
		if m.Role == "assistant" {
			turn++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range s.scripts {
		if len(sc.Replies) == 0 || !strings.Contains(strings.ToLower(q), strings.ToLower(sc.Match)) {
			continue
		}
		return sc.Replies[min(turn, len(sc.Replies)-1)], true
	}
	return Reply{}, false
}

func (s *Server) converse(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 10<<20)); err != nil {
		writeError(w, http.StatusBadRequest, "ValidationException", "cannot read the request body")
		return
	}
	req, err := decodeRequest(r.PathValue("modelId"), body.Bytes())
	if err != nil {
		writeError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "ValidationException", "messages: at least one message is required")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	reply, ok := s.pick(req)
	if !ok {
		writeError(w, http.StatusBadRequest, "ValidationException", "bedrocksim: no script matches the question")
		return
	}
	if !wait(r, reply.Delay) {
		return
	}
	if reply.ErrorType != "" {
		status := reply.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeError(w, status, reply.ErrorType, "bedrocksim: scripted "+reply.ErrorType)
		return
	}
	writeJSON(w, converseResponse(req, reply))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func converseResponse(req Request, reply Reply) map[string]any {
	_, q := question(req)
	last := ""
	for _, m := range req.Messages {
		for _, tr := range m.ToolResults {
			last = tr.Text
		}
	}
	text := strings.NewReplacer("{{result}}", last, "{{question}}", q).Replace(reply.Text)
	var content []any
	if text != "" {
		content = append(content, map[string]any{"text": text})
	}
	// Tool use IDs are numbered across the conversation so they are
	// unique and deterministic.
	n := 0
	for _, m := range req.Messages {
		n += len(m.ToolUses)
	}
	for i, tc := range reply.ToolCalls {
		input := tc.Input
		if input == nil {
			input = map[string]any{}
		}
		content = append(content, map[string]any{"toolUse": map[string]any{
			"toolUseId": fmt.Sprintf("tooluse_%d", n+i+1), "name": tc.Name, "input": input,
		}})
	}
	stop := reply.StopReason
	if stop == "" {
		stop = "end_turn"
		if len(reply.ToolCalls) > 0 {
			stop = "tool_use"
		}
	}
	in := 0
	for _, m := range req.Messages {
		in += len(strings.Fields(m.Text))
		for _, tr := range m.ToolResults {
			in += len(strings.Fields(tr.Text))
		}
	}
	out := len(strings.Fields(text)) + 10*len(reply.ToolCalls)
	return map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": stop,
		"usage":      map[string]any{"inputTokens": in, "outputTokens": out, "totalTokens": in + out},
		"metrics":    map[string]any{"latencyMs": 1},
	}
}

func (s *Server) invokeAgent(w http.ResponseWriter, r *http.Request) {
	agentID, aliasID, sessionID := r.PathValue("agentId"), r.PathValue("aliasId"), r.PathValue("sessionId")
	var in struct {
		InputText string `json:"inputText"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "ValidationException", "cannot read the request body")
		return
	}
	s.mu.Lock()
	var agent *Agent
	for i := range s.agents {
		if s.agents[i].ID == agentID && s.agents[i].AliasID == aliasID {
			agent = &s.agents[i]
		}
	}
	key := agentID + "/" + aliasID + "/" + sessionID
	turn := s.sessions[key]
	if agent != nil {
		s.sessions[key]++
	}
	s.mu.Unlock()
	if agent == nil || agent.Reply == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "bedrocksim: no agent "+agentID+" with alias "+aliasID)
		return
	}
	reply := agent.Reply(sessionID, in.InputText, turn)
	if !wait(r, reply.Delay) {
		return
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("X-Amz-Bedrock-Agent-Session-Id", sessionID)
	w.Header().Set("X-Amzn-Bedrock-Agent-Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := eventstream.NewEncoder()
	flusher, _ := w.(http.Flusher)
	for _, c := range reply.Chunks {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(c))})
		msg := eventstream.Message{Payload: payload}
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		msg.Headers.Set(":event-type", eventstream.StringValue("chunk"))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		if err := enc.Encode(w, msg); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	if reply.Exception != "" {
		payload, _ := json.Marshal(map[string]string{"message": "bedrocksim: scripted " + reply.Exception})
		msg := eventstream.Message{Payload: payload}
		msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
		msg.Headers.Set(":exception-type", eventstream.StringValue(reply.Exception))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		_ = enc.Encode(w, msg)
	}
}
