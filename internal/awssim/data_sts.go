package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/opschat/opschat/guardrail"
)

func (s *Server) assumeRole(r *Request) (*reply, error) {
	p := r.Params
	roleArn := pString(p, "RoleArn")
	session := pString(p, "RoleSessionName")
	m := roleArnRE.FindStringSubmatch(roleArn)
	if m == nil {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "%s is invalid", roleArnOrNull(roleArn))
	}
	if !sessionNameRE.MatchString(session) {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	dur, has, err := pInt(p, "DurationSeconds")
	if err != nil {
		return nil, err
	}
	if !has {
		dur = 3600
	}
	if dur < 900 || dur > 43200 {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", dur)
	}
	call := AssumeRoleCall{RoleArn: roleArn, RoleSessionName: session, DurationSeconds: int(dur), CallerAccessKeyID: r.AccessKeyID, Tags: map[string]string{}}
	if l, ok := p["PolicyArns"].([]any); ok {
		for _, e := range l {
			if em, ok := e.(map[string]any); ok {
				call.PolicyArns = append(call.PolicyArns, pString(em, "arn"))
			}
		}
	}
	if l, ok := p["Tags"].([]any); ok {
		for _, e := range l {
			if em, ok := e.(map[string]any); ok {
				call.Tags[pString(em, "Key")] = pString(em, "Value")
			}
		}
	}
	call.TransitiveTags = pStrings(p, "TransitiveTagKeys")
	if len(call.PolicyArns) > 10 {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	if len(call.Tags) > 50 {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	call.Policy = pString(p, "Policy")
	s.mu.Lock()
	defer s.mu.Unlock()
	policies, err := s.sessionPolicies(call.Policy, call.PolicyArns)
	if err != nil {
		return nil, err
	}
	n := len(s.data.assumeCalls) + 1
	call.AccessKeyID = fmt.Sprintf("ASIAAWSSIM%010d", n)
	s.data.assumeCalls = append(s.data.assumeCalls, call)
	s.data.issued[call.AccessKeyID] = assumed{roleArn: roleArn, session: session, tags: call.Tags, policies: policies,
		issued: s.now().UTC().Format("2006-01-02T15:04:05Z")}
	roleID := roleIDFor(roleArn)
	res := obj{
		"Credentials": obj{
			"AccessKeyId":     call.AccessKeyID,
			"SecretAccessKey": fmt.Sprintf("awssim-secret-%d", n),
			"SessionToken":    fmt.Sprintf("awssim-session-token-%d", n),
			"Expiration":      s.now().UTC().Truncate(time.Second).Add(time.Duration(dur) * time.Second),
		},
		"AssumedRoleUser": obj{
			"AssumedRoleId": roleID + ":" + session,
			"Arn":           fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", m[1], m[2], session),
		},
	}
	if len(call.PolicyArns) > 0 || len(call.Tags) > 0 || call.Policy != "" {
		res["PackedPolicySize"] = 6 + 3*len(call.PolicyArns) + 2*len(call.Tags) + len(call.Policy)*100/(4*guardrail.MaxSessionPolicyChars)
	}
	return &reply{result: res}, nil
}

func roleArnOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func roleIDFor(roleArn string) string {
	sum := sha256.Sum256([]byte(roleArn))
	return "AROA" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

func (s *Server) getCallerIdentity(r *Request) (*reply, error) {
	s.mu.Lock()
	a, ok := s.data.issued[r.AccessKeyID]
	s.mu.Unlock()
	if ok {
		m := roleArnRE.FindStringSubmatch(a.roleArn)
		return &reply{result: obj{"Account": m[1], "UserId": roleIDFor(a.roleArn) + ":" + a.session,
			"Arn": fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", m[1], m[2], a.session)}}, nil
	}
	return &reply{result: obj{"Account": s.account, "UserId": "AIDAAWSSIMBOT0000001",
		"Arn": fmt.Sprintf("arn:aws:iam::%s:user/opschat-bot", s.account)}}, nil
}

// AssumeRoleCalls returns every AssumeRole the account granted, in order.
func (s *Server) AssumeRoleCalls() []AssumeRoleCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AssumeRoleCall, len(s.data.assumeCalls))
	copy(out, s.data.assumeCalls)
	return out
}

// InstanceState returns the current state name of an EC2 instance ("" if
// unknown), so tests can check that a stop took effect.
func (s *Server) InstanceState(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.data.instances {
		if in.id == id {
			return in.state
		}
	}
	return ""
}
