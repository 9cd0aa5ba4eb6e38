package awssim

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// restRoute maps one REST operation's HTTP bindings to member names. The
// table (zz_routes.go) is generated from the SDK's serializers and schemas
// by internal/routegen, so every operation of the REST services is named.
type restRoute struct {
	op, method string
	// pattern is the path with {Label} and {Label+} (greedy) segments.
	pattern string
	// needQuery names a query key that must be present ("list-type", or a
	// sub-resource like "tagging"); needValue, if set, is its value.
	needQuery, needValue string
	// xID is the operation name the SDK sends as ?x-id=; the AWS CLI sends
	// none, so a request without x-id still matches.
	xID     string
	query   map[string]string // wire name -> member
	headers map[string]string // header -> member
	// payload is the member the raw body binds to; when empty a JSON body
	// is merged into the parameters.
	payload string

	segs []string // pattern split at "/" (compiled by compileRoutes)
}

//go:generate go run ./internal/routegen zz_routes.go

// restRoutes is the compiled route table by signing name. It is computed
// once from the generated table and never changed.
var restRoutes = sync.OnceValue(func() map[string][]restRoute {
	out := make(map[string][]restRoute, len(generatedRoutes))
	for svc, routes := range generatedRoutes {
		out[svc] = compileRoutes(routes)
	}
	return out
})

func compileRoutes(routes []restRoute) []restRoute {
	out := make([]restRoute, len(routes))
	for i, r := range routes {
		if r.pattern != "/" {
			r.segs = strings.Split(strings.TrimPrefix(r.pattern, "/"), "/")
		}
		out[i] = r
	}
	return out
}

// restRoutesFor returns the route table of a REST service by signing name.
// S3 operations signed for S3 Express (ListDirectoryBuckets) and S3 Object
// Lambda (WriteGetObjectResponse) are S3's.
func restRoutesFor(service string) []restRoute {
	switch service {
	case "s3express", "s3-object-lambda":
		service = "s3"
	}
	return restRoutes()[service]
}

// cleanPath normalises a request path for matching and recording: the
// trailing "/" some clients add (the AWS CLI asks Lambda for
// "/2015-03-31/functions/") is removed.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
		if p == "" {
			p = "/"
		}
	}
	return p
}

// matchRoute finds the route for a request and returns its path labels.
// Several routes can match one request (S3's GET /{Bucket} is ListObjects,
// or GetBucketTagging with ?tagging); the most specific wins: a required
// query key, then an x-id naming the operation, then more literal
// segments, then no greedy label.
func matchRoute(routes []restRoute, method, path string, q url.Values) (*restRoute, map[string]string) {
	var best *restRoute
	var bestLabels map[string]string
	bestScore := -1
	xid := q.Get("x-id")
	var sp []string
	if path != "/" {
		sp = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != method {
			continue
		}
		score := 0
		if rt.needQuery != "" {
			vs, ok := q[rt.needQuery]
			if !ok || rt.needValue != "" && (len(vs) == 0 || vs[0] != rt.needValue) {
				continue
			}
			score += 10000
		}
		if xid != "" && rt.xID != "" {
			if xid != rt.xID {
				continue
			}
			score += 1000
		}
		labels, literal, greedy, ok := matchSegments(rt.segs, sp)
		if !ok {
			continue
		}
		score += 10 * literal
		if !greedy {
			score++
		}
		if score > bestScore {
			best, bestLabels, bestScore = rt, labels, score
		}
	}
	return best, bestLabels
}

// matchSegments matches an escaped path's segments against a pattern's;
// labels are unescaped.
func matchSegments(pp, sp []string) (labels map[string]string, literal int, greedy, ok bool) {
	if len(pp) == 0 {
		return map[string]string{}, 0, false, len(sp) == 0
	}
	labels = map[string]string{}
	for i, seg := range pp {
		if i >= len(sp) {
			return nil, 0, false, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if strings.HasSuffix(name, "+") {
				rest := strings.Join(sp[i:], "/")
				if rest == "" {
					return nil, 0, false, false
				}
				labels[strings.TrimSuffix(name, "+")] = unescape(rest)
				return labels, literal, true, true
			}
			if sp[i] == "" {
				return nil, 0, false, false
			}
			labels[name] = unescape(sp[i])
			continue
		}
		if seg != sp[i] {
			return nil, 0, false, false
		}
		literal++
	}
	return labels, literal, false, len(sp) == len(pp)
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// restParams decodes a REST request into member names.
func restParams(rt *restRoute, labels map[string]string, q url.Values, h http.Header, body []byte, jsonBody bool) (map[string]any, error) {
	params := map[string]any{}
	for k, v := range labels {
		params[k] = v
	}
	for k, vs := range q {
		if k == "x-id" || k == rt.needQuery || strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		name := k
		if m, ok := rt.query[k]; ok {
			name = m
		}
		params[name] = queryValue(vs)
	}
	for hk, member := range rt.headers {
		if v := h.Get(hk); v != "" {
			params[member] = v
		}
	}
	for hk, vs := range h {
		if lk := strings.ToLower(hk); strings.HasPrefix(lk, "x-amz-meta-") && len(vs) > 0 {
			md, _ := params["Metadata"].(map[string]any)
			if md == nil {
				md = map[string]any{}
				params["Metadata"] = md
			}
			md[strings.TrimPrefix(lk, "x-amz-meta-")] = vs[0]
		}
	}
	if len(body) == 0 {
		return params, nil
	}
	if rt.payload != "" {
		if v, err := decodeJSON(body); err == nil {
			params[rt.payload] = v
		} else {
			params[rt.payload] = string(body)
		}
		return params, nil
	}
	if !jsonBody {
		return params, nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return params, err
	}
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			params[k] = e
		}
	}
	return params, nil
}

func queryValue(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	l := make([]any, len(vs))
	for i, v := range vs {
		l[i] = v
	}
	return l
}
