package awssim

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

type s3Object struct {
	key      string
	size     int64
	modified time.Time
}

// s3Fixture returns the buckets of the account, by name.
func s3Fixture(now time.Time) map[string][]s3Object {
	day := 24 * time.Hour
	return map[string][]s3Object{
		"opschat-artifacts": {
			{"builds/checkout-api/2026-11-23.zip", 2_418_113, now.Add(-day)},
			{"builds/payments-api/2026-11-15.zip", 912_044, now.Add(-9 * day)},
		},
		"orders-exports": {
			{"exports/2026/11/22/orders.csv", 48_211, now.Add(-2 * day)},
			{"exports/2026/11/23/orders.csv", 51_870, now.Add(-day)},
			{"exports/2026/11/24/orders.csv", 12_004, now.Add(-2 * time.Hour)},
			{"reports/2026/11/summary.pdf", 301_442, now.Add(-3 * day)},
		},
	}
}

func (s *Server) listBuckets(r *Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.data.buckets))
	for n := range s.data.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	var list flat
	for _, n := range names {
		list = append(list, obj{"Name": n, "CreationDate": s.data.start.Add(-400 * 24 * time.Hour), "BucketRegion": s.data.region})
	}
	return &reply{xmlRoot: "ListAllMyBucketsResult", result: obj{
		"Buckets": obj{"Bucket": list},
		"Owner":   obj{"ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", "DisplayName": "opschat"},
	}}, nil
}

func (s *Server) listObjectsV2(r *Request) (*reply, error) {
	bucket := pString(r.Params, "Bucket")
	prefix := pString(r.Params, "Prefix")
	delim := pString(r.Params, "Delimiter")
	startAfter := pString(r.Params, "StartAfter")
	maxKeys, has, err := pInt(r.Params, "MaxKeys")
	if err != nil {
		return nil, err
	}
	if !has || maxKeys > 1000 {
		maxKeys = 1000
	}
	if maxKeys < 0 {
		return nil, apiErr(http.StatusBadRequest, "InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	objs, ok := s.data.buckets[bucket]
	if !ok {
		return nil, apiErr(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	}
	// Entries are keys or, with a delimiter, common prefixes, in key order.
	type entry struct {
		key    string
		obj    *s3Object
		prefix bool
	}
	var entries []entry
	seen := map[string]bool{}
	for i := range objs {
		o := &objs[i]
		if !strings.HasPrefix(o.key, prefix) || startAfter != "" && o.key <= startAfter {
			continue
		}
		if delim != "" {
			if j := strings.Index(o.key[len(prefix):], delim); j >= 0 {
				cp := o.key[:len(prefix)+j+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					entries = append(entries, entry{key: cp, prefix: true})
				}
				continue
			}
		}
		entries = append(entries, entry{key: o.key, obj: o})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	from, to, next, err := pageBounds(len(entries), pString(r.Params, "ContinuationToken"), maxKeys)
	if err != nil {
		return nil, err
	}
	if maxKeys == 0 {
		to = from
	}
	var contents, prefixes flat
	for _, e := range entries[from:to] {
		if e.prefix {
			prefixes = append(prefixes, obj{"Prefix": e.key})
			continue
		}
		sum := md5.Sum([]byte(bucket + "/" + e.key))
		contents = append(contents, obj{"Key": e.key, "LastModified": e.obj.modified, "Size": e.obj.size,
			"ETag": `"` + hex.EncodeToString(sum[:]) + `"`, "StorageClass": "STANDARD"})
	}
	res := obj{"Name": bucket, "Prefix": prefix, "MaxKeys": maxKeys, "KeyCount": to - from,
		"IsTruncated": next != "", "Contents": contents, "CommonPrefixes": prefixes}
	if delim != "" {
		res["Delimiter"] = delim
	}
	if next != "" {
		res["NextContinuationToken"] = next
	}
	if t := pString(r.Params, "ContinuationToken"); t != "" {
		res["ContinuationToken"] = t
	}
	if startAfter != "" {
		res["StartAfter"] = startAfter
	}
	if pString(r.Params, "EncodingType") != "" {
		res["EncodingType"] = pString(r.Params, "EncodingType")
	}
	return &reply{xmlRoot: "ListBucketResult", result: res}, nil
}
