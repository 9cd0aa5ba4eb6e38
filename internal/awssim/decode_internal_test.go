package awssim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form string
		want map[string]any
	}{
		{"scalars", "Action=X&Version=1&A=1&B=x",
			map[string]any{"A": "1", "B": "x"}},
		{"member list ordered by index", "AlarmNames.member.2=b&AlarmNames.member.1=a&AlarmNames.member.10=j",
			map[string]any{"AlarmNames": []any{"a", "b", "j"}}},
		{"list of structures", "Dimensions.member.1.Name=FunctionName&Dimensions.member.1.Value=f",
			map[string]any{"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": "f"}}}},
		{"ec2 flattened lists", "Filter.1.Name=tag:env&Filter.1.Value.1=prod&Filter.1.Value.2=dev&InstanceId.1=i-1",
			map[string]any{"Filter": []any{map[string]any{"Name": "tag:env", "Value": []any{"prod", "dev"}}}, "InstanceId": []any{"i-1"}}},
		{"entry map", "MessageAttributes.entry.1.Name=sev&MessageAttributes.entry.1.Value.DataType=String",
			map[string]any{"MessageAttributes": map[string]any{"sev": map[string]any{"DataType": "String"}}}},
		{"entry map key/value", "Attributes.entry.1.key=k&Attributes.entry.1.value=v",
			map[string]any{"Attributes": map[string]any{"k": "v"}}},
		{"empty list sentinel", "AlarmNames=",
			map[string]any{"AlarmNames": ""}},
		{"non-index numbers stay keys", "A.01=x",
			map[string]any{"A": map[string]any{"01": "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vals, err := url.ParseQuery(tt.form)
			require.NoError(t, err)
			got, _, _, err := decodeForm(vals)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeFormConflicts(t *testing.T) {
	t.Parallel()
	vals, err := url.ParseQuery("A=x&A.B=y")
	require.NoError(t, err)
	_, _, _, err = decodeForm(vals)
	assert.Error(t, err)
}

func TestDecodeCBORTypes(t *testing.T) {
	t.Parallel()
	body := cbor.Encode(cbor.Map{
		"S": cbor.String("x"), "U": cbor.Uint(7), "N": cbor.NegInt(3), "F": cbor.Float64(1.5), "FI": cbor.Float64(300),
		"B": cbor.Bool(true), "T": &cbor.Tag{ID: 1, Value: cbor.Float64(1700000000.5)}, "Blob": cbor.Slice("hi"),
		"L": cbor.List{cbor.String("a")},
	})
	v, err := decodeCBOR(body)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"S": "x", "U": Number("7"), "N": Number("-3"), "F": Number("1.5"), "FI": Number("300"), "B": true,
		"T": time.Unix(1700000000, 500_000_000).UTC(), "Blob": []byte("hi"), "L": []any{"a"},
	}, v)
}

func TestCanonNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Number{"100": "100", "1e2": "100", "1.50": "1.5", "-0": "0", "1700000000.0": "1700000000", "0.1": "0.1", "18446744073709551615": "18446744073709551615"} {
		assert.Equal(t, want, canonNumber(in), in)
	}
}

func TestDiffStrictness(t *testing.T) {
	t.Parallel()
	jsonReq := Request{Service: "ssm", Operation: "X", Protocol: ProtocolJSON11, Params: map[string]any{"N": Number("1"), "B": true}}
	strJSON := Request{Service: "ssm", Operation: "X", Protocol: ProtocolJSON11, Params: map[string]any{"N": "1", "B": "true"}}
	query := Request{Service: "ssm", Operation: "X", Protocol: ProtocolQuery, Params: map[string]any{"N": "1", "B": "true"}}
	assert.Len(t, Diff(jsonReq, strJSON), 2, "typed protocols must agree on types")
	assert.Empty(t, Diff(jsonReq, query), "query is compared in canonical string form")
	assert.Equal(t, Normalize(jsonReq), Normalize(query))

	other := Request{Service: "ssm", Operation: "Y", Protocol: ProtocolQuery, Params: map[string]any{"N": "2", "L": []any{"a"}}}
	d := Diff(query, other)
	assert.Contains(t, d, `operation: a has "X", b has "Y"`)
	assert.Contains(t, d, `N: a has "1", b has "2"`)
	assert.Contains(t, d, `B: only a has it ("true")`)
	assert.Contains(t, d, `L: only b has it ([a])`)
}

func TestCleanPathAndRoutes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "/2015-03-31/functions", cleanPath("/2015-03-31/functions/"))
	assert.Equal(t, "/", cleanPath("//"))
	rt, labels := matchRoute(restRoutesFor("s3"), "GET", "/b/a/b%20c.txt", url.Values{})
	require.NotNil(t, rt)
	assert.Equal(t, "GetObject", rt.op)
	assert.Equal(t, map[string]string{"Bucket": "b", "Key": "a/b c.txt"}, labels)
	// The most specific route wins: a required query key, then x-id, then
	// literal segments.
	for _, c := range []struct {
		service, method, path string
		q                     url.Values
		want                  string
	}{
		{"s3", "GET", "/b", url.Values{"list-type": {"2"}}, "ListObjectsV2"},
		{"s3", "GET", "/b", url.Values{}, "ListObjects"},
		{"s3", "GET", "/b", url.Values{"tagging": {""}}, "GetBucketTagging"},
		{"s3", "GET", "/b/k", url.Values{"tagging": {""}}, "GetObjectTagging"},
		{"s3", "GET", "/b/k", url.Values{"x-id": {"GetObject"}}, "GetObject"},
		{"s3", "GET", "/", url.Values{}, "ListBuckets"},
		{"s3", "GET", "/", url.Values{"x-id": {"ListDirectoryBuckets"}}, "ListDirectoryBuckets"},
		{"s3", "HEAD", "/b", url.Values{}, "HeadBucket"},
		{"guardduty", "GET", "/detector", url.Values{}, "ListDetectors"},
		{"guardduty", "POST", "/detector/d1/findings/get", url.Values{}, "GetFindings"},
		{"securityhub", "POST", "/findings", url.Values{}, "GetFindings"},
		{"route53", "GET", "/2013-04-01/hostedzone", url.Values{}, "ListHostedZones"},
		{"lambda", "GET", "/2015-03-31/functions/f", url.Values{}, "GetFunction"},
		{"lambda", "GET", "/2015-03-31/functions/f/configuration", url.Values{}, "GetFunctionConfiguration"},
	} {
		rt, _ := matchRoute(restRoutesFor(c.service), c.method, c.path, c.q)
		if assert.NotNil(t, rt, "%s %s %s?%s", c.service, c.method, c.path, c.q.Encode()) {
			assert.Equal(t, c.want, rt.op, "%s %s %s?%s", c.service, c.method, c.path, c.q.Encode())
		}
	}
	rt, _ = matchRoute(restRoutesFor("s3"), "GET", "/b/k", url.Values{"x-id": {"Nope"}})
	assert.Nil(t, rt, "an x-id naming another operation matches nothing")
	assert.Equal(t, "b", bucketFromHost("b.127.0.0.1:8080"))
	assert.Equal(t, "", bucketFromHost("127.0.0.1:8080"))
}

// FuzzDecodeRequest feeds arbitrary bodies through every protocol decoder:
// whatever arrives, the server must record it without panicking.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(0, []byte("Action=DescribeAlarms&AlarmNames.member.1=a&Filter.1.Value.1=x"))
	f.Add(1, []byte(`{"logGroupName":"g","startTime":1700000000000}`))
	f.Add(2, cbor.Encode(cbor.Map{"AlarmNames": cbor.List{cbor.String("a")}, "T": &cbor.Tag{ID: 1, Value: cbor.Uint(1)}}))
	f.Add(3, []byte(`{"k":1}`))
	f.Add(0, []byte("A.entry.1.key=k&A.entry.1.value=v&A.entry.2.Name=x&B.member.0=z&C..D=1"))
	f.Fuzz(func(t *testing.T, kind int, body []byte) {
		var hr *http.Request
		switch ((kind % 4) + 4) % 4 {
		case 0:
			hr = httptest.NewRequest("POST", "/", bytes.NewReader(body))
			hr.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		case 1:
			hr = httptest.NewRequest("POST", "/", bytes.NewReader(body))
			hr.Header.Set("X-Amz-Target", "Logs_20140328.FilterLogEvents")
			hr.Header.Set("Content-Type", "application/x-amz-json-1.1")
		case 2:
			hr = httptest.NewRequest("POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", bytes.NewReader(body))
			hr.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		case 3:
			hr = httptest.NewRequest("POST", "/2015-03-31/functions/f/invocations?Qualifier=q", bytes.NewReader(body))
			hr.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20231114/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x")
		}
		req, _ := decodeRequest(hr, body)
		_ = Normalize(req)
		_ = Diff(req, req)
	})
}

// FuzzServe runs whole requests through the handler, answers included.
func FuzzServe(f *testing.F) {
	f.Add("monitoring", "Action=DescribeAlarms&MaxRecords=2&NextToken=1")
	f.Add("ec2", "Action=DescribeInstances&Filter.1.Name=tag:env&Filter.1.Value.1=p*&MaxResults=5")
	f.Add("ec2", "Action=StopInstances&InstanceId.1=i-0a1b2c3d4e5f60001")
	f.Add("sts", "Action=AssumeRole&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&Tags.member.1.Key=k")
	f.Add("monitoring", "Action=GetMetricWidgetImage&MetricWidget=%7B%22width%22%3A-5%7D")
	s := New()
	defer s.Close()
	f.Fuzz(func(t *testing.T, service, form string) {
		hr := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(form)))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hr.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20231114/us-east-1/"+url.PathEscape(service)+"/aws4_request, SignedHeaders=host, Signature=x")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, hr)
		if w.Code == 0 {
			t.Fatal("no status written")
		}
		s.Reset()
	})
}

func BenchmarkDecodeForm(b *testing.B) {
	vals, err := url.ParseQuery("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag:env&Filter.1.Value.1=prod" +
		"&Filter.1.Value.2=dev&Filter.2.Name=instance-state-name&Filter.2.Value.1=running&InstanceId.1=i-1&InstanceId.2=i-2&MaxResults=10")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := decodeForm(vals); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeRequestShapes(t *testing.T) {
	t.Parallel()
	sign := func(hr *http.Request, service string) {
		hr.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-1/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
	}
	get := httptest.NewRequest("GET", "/?Action=ListUsers&Version=2010-05-08&MaxItems=5", nil)
	sign(get, "iam")
	r, err := decodeRequest(get, nil)
	require.NoError(t, err)
	assert.Equal(t, Request{Service: "iam", Operation: "ListUsers", Protocol: ProtocolQuery, Params: map[string]any{"MaxItems": "5"},
		Region: "eu-west-1", AccessKeyID: "AKID"}, Request{Service: r.Service, Operation: r.Operation, Protocol: r.Protocol,
		Params: r.Params, Region: r.Region, AccessKeyID: r.AccessKeyID})

	js := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(`{"TableName":"t","Limit":1e1}`)))
	js.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
	js.Header.Set("Content-Type", "application/x-amz-json-1.0; charset=utf-8")
	sign(js, "dynamodb")
	r, err = decodeRequest(js, []byte(`{"TableName":"t","Limit":1e1}`))
	require.NoError(t, err)
	assert.Equal(t, ProtocolJSON10, r.Protocol)
	assert.Equal(t, "Scan", r.Operation)
	assert.Equal(t, map[string]any{"TableName": "t", "Limit": Number("10")}, r.Params)

	bad := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(`{"a":`)))
	bad.Header.Set("X-Amz-Target", "Logs_20140328.FilterLogEvents")
	_, err = decodeRequest(bad, []byte(`{"a":`))
	assert.ErrorIs(t, err, errDecode)

	s3get := httptest.NewRequest("GET", "http://b.127.0.0.1:9000/some/key.txt?versionId=v1&x-id=GetObject", nil)
	sign(s3get, "s3")
	r, err = decodeRequest(s3get, nil)
	require.NoError(t, err)
	assert.Equal(t, "GetObject", r.Operation)
	assert.Equal(t, map[string]any{"Bucket": "b", "Key": "some/key.txt", "VersionId": "v1"}, r.Params)
}
