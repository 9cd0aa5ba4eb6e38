package awssim

import (
	"net/http"
	"net/url"
	"strings"
)

// restRoute maps one REST operation's HTTP bindings to member names. The
// tables hold the operations the tests and the quickstart use; a request
// matching none is still recorded, with its wire names.
type restRoute struct {
	method string
	// pattern is the path with {Label} and {Label+} (greedy) segments.
	pattern string
	// needQuery names a query key that must be present ("list-type", or a
	// sub-resource like "tagging"); needValue, if set, is its value.
	needQuery, needValue string
	op                   string
	query                map[string]string // wire name -> member
	headers              map[string]string // canonical header -> member
	// payload is the member the raw body binds to; when empty a JSON body
	// is merged into the parameters.
	payload string
	// dropQuery lists query keys that select the route and are no
	// parameter.
	dropQuery []string
}

var lambdaRoutes = []restRoute{
	{method: "GET", pattern: "/2015-03-31/functions", op: "ListFunctions",
		query: map[string]string{"FunctionVersion": "FunctionVersion", "Marker": "Marker", "MasterRegion": "MasterRegion", "MaxItems": "MaxItems"}},
	{method: "POST", pattern: "/2015-03-31/functions/{FunctionName}/invocations", op: "Invoke",
		query: map[string]string{"Qualifier": "Qualifier"},
		headers: map[string]string{"X-Amz-Invocation-Type": "InvocationType", "X-Amz-Log-Type": "LogType",
			"X-Amz-Client-Context": "ClientContext", "X-Amz-Tenant-Id": "TenantId"},
		payload: "Payload"},
	{method: "GET", pattern: "/2015-03-31/functions/{FunctionName}/configuration", op: "GetFunctionConfiguration",
		query: map[string]string{"Qualifier": "Qualifier"}},
	{method: "PUT", pattern: "/2015-03-31/functions/{FunctionName}/configuration", op: "UpdateFunctionConfiguration"},
	{method: "GET", pattern: "/2015-03-31/functions/{FunctionName}/aliases", op: "ListAliases",
		query: map[string]string{"FunctionVersion": "FunctionVersion", "Marker": "Marker", "MaxItems": "MaxItems"}},
	{method: "GET", pattern: "/2015-03-31/functions/{FunctionName}/versions", op: "ListVersionsByFunction",
		query: map[string]string{"Marker": "Marker", "MaxItems": "MaxItems"}},
	{method: "GET", pattern: "/2015-03-31/functions/{FunctionName}/policy", op: "GetPolicy",
		query: map[string]string{"Qualifier": "Qualifier"}},
	{method: "GET", pattern: "/2015-03-31/functions/{FunctionName}", op: "GetFunction",
		query: map[string]string{"Qualifier": "Qualifier"}},
	{method: "DELETE", pattern: "/2015-03-31/functions/{FunctionName}", op: "DeleteFunction",
		query: map[string]string{"Qualifier": "Qualifier"}},
	{method: "PUT", pattern: "/2017-10-31/functions/{FunctionName}/concurrency", op: "PutFunctionConcurrency"},
	{method: "GET", pattern: "/2019-09-30/functions/{FunctionName}/concurrency", op: "GetFunctionConcurrency"},
	{method: "GET", pattern: "/2015-03-31/event-source-mappings", op: "ListEventSourceMappings",
		query: map[string]string{"EventSourceArn": "EventSourceArn", "FunctionName": "FunctionName", "Marker": "Marker", "MaxItems": "MaxItems"}},
	{method: "GET", pattern: "/2017-03-31/tags/{Resource}", op: "ListTags"},
	{method: "GET", pattern: "/2016-08-19/account-settings", op: "GetAccountSettings"},
	{method: "GET", pattern: "/2018-10-31/layers", op: "ListLayers",
		query: map[string]string{"CompatibleRuntime": "CompatibleRuntime", "Marker": "Marker", "MaxItems": "MaxItems", "CompatibleArchitecture": "CompatibleArchitecture"}},
}

var s3ListV2Query = map[string]string{"prefix": "Prefix", "delimiter": "Delimiter", "max-keys": "MaxKeys",
	"continuation-token": "ContinuationToken", "start-after": "StartAfter", "fetch-owner": "FetchOwner",
	"encoding-type": "EncodingType"}

var s3CommonHeaders = map[string]string{"X-Amz-Expected-Bucket-Owner": "ExpectedBucketOwner", "X-Amz-Request-Payer": "RequestPayer"}

var s3Routes = []restRoute{
	{method: "GET", pattern: "/", op: "ListBuckets",
		query: map[string]string{"max-buckets": "MaxBuckets", "continuation-token": "ContinuationToken", "prefix": "Prefix", "bucket-region": "BucketRegion"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "list-type", needValue: "2", op: "ListObjectsV2",
		query: s3ListV2Query, headers: s3CommonHeaders, dropQuery: []string{"list-type"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "location", op: "GetBucketLocation", headers: s3CommonHeaders, dropQuery: []string{"location"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "versions", op: "ListObjectVersions",
		query:   map[string]string{"prefix": "Prefix", "delimiter": "Delimiter", "max-keys": "MaxKeys", "key-marker": "KeyMarker", "version-id-marker": "VersionIdMarker", "encoding-type": "EncodingType"},
		headers: s3CommonHeaders, dropQuery: []string{"versions"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "tagging", op: "GetBucketTagging", headers: s3CommonHeaders, dropQuery: []string{"tagging"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "policy", op: "GetBucketPolicy", headers: s3CommonHeaders, dropQuery: []string{"policy"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "versioning", op: "GetBucketVersioning", headers: s3CommonHeaders, dropQuery: []string{"versioning"}},
	{method: "GET", pattern: "/{Bucket}", needQuery: "encryption", op: "GetBucketEncryption", headers: s3CommonHeaders, dropQuery: []string{"encryption"}},
	{method: "GET", pattern: "/{Bucket}", op: "ListObjects",
		query:   map[string]string{"prefix": "Prefix", "delimiter": "Delimiter", "max-keys": "MaxKeys", "marker": "Marker", "encoding-type": "EncodingType"},
		headers: s3CommonHeaders},
	{method: "HEAD", pattern: "/{Bucket}", op: "HeadBucket", headers: s3CommonHeaders},
	{method: "GET", pattern: "/{Bucket}/{Key+}", needQuery: "tagging", op: "GetObjectTagging",
		query: map[string]string{"versionId": "VersionId"}, headers: s3CommonHeaders, dropQuery: []string{"tagging"}},
	{method: "GET", pattern: "/{Bucket}/{Key+}", op: "GetObject",
		query: map[string]string{"versionId": "VersionId", "partNumber": "PartNumber", "response-content-type": "ResponseContentType"},
		headers: map[string]string{"Range": "Range", "If-Match": "IfMatch", "If-None-Match": "IfNoneMatch",
			"X-Amz-Expected-Bucket-Owner": "ExpectedBucketOwner", "X-Amz-Checksum-Mode": "ChecksumMode"}},
	{method: "HEAD", pattern: "/{Bucket}/{Key+}", op: "HeadObject",
		query: map[string]string{"versionId": "VersionId", "partNumber": "PartNumber"}, headers: s3CommonHeaders},
	{method: "PUT", pattern: "/{Bucket}/{Key+}", op: "PutObject",
		headers: map[string]string{"Content-Type": "ContentType", "Cache-Control": "CacheControl",
			"X-Amz-Storage-Class": "StorageClass", "X-Amz-Server-Side-Encryption": "ServerSideEncryption",
			"X-Amz-Expected-Bucket-Owner": "ExpectedBucketOwner"},
		payload: "Body"},
	{method: "DELETE", pattern: "/{Bucket}/{Key+}", op: "DeleteObject",
		query: map[string]string{"versionId": "VersionId"}, headers: s3CommonHeaders},
}

// restRoutesFor returns the route table of a REST service by signing name.
func restRoutesFor(service string) []restRoute {
	switch service {
	case "lambda":
		return lambdaRoutes
	case "s3":
		return s3Routes
	}
	return nil
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
func matchRoute(routes []restRoute, method, path string, q url.Values) (*restRoute, map[string]string) {
	for i := range routes {
		rt := &routes[i]
		if rt.method != method {
			continue
		}
		if rt.needQuery != "" {
			vs, ok := q[rt.needQuery]
			if !ok {
				continue
			}
			if rt.needValue != "" && (len(vs) == 0 || vs[0] != rt.needValue) {
				continue
			}
		}
		if labels, ok := matchPattern(rt.pattern, path); ok {
			return rt, labels
		}
	}
	return nil, nil
}

// matchPattern matches an escaped path against a pattern; labels are
// unescaped.
func matchPattern(pattern, path string) (map[string]string, bool) {
	if pattern == "/" {
		return map[string]string{}, path == "/"
	}
	pp := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	sp := strings.Split(strings.TrimPrefix(path, "/"), "/")
	labels := map[string]string{}
	for i, seg := range pp {
		if i >= len(sp) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if strings.HasSuffix(name, "+") {
				rest := strings.Join(sp[i:], "/")
				if rest == "" {
					return nil, false
				}
				labels[strings.TrimSuffix(name, "+")] = unescape(rest)
				return labels, true
			}
			if sp[i] == "" {
				return nil, false
			}
			labels[name] = unescape(sp[i])
			continue
		}
		if seg != sp[i] {
			return nil, false
		}
	}
	return labels, len(sp) == len(pp)
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
	drop := map[string]bool{"x-id": true}
	for _, k := range rt.dropQuery {
		drop[k] = true
	}
	for k, vs := range q {
		if drop[k] || strings.HasPrefix(k, "X-Amz-") {
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
