package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTablesUpToDate fails when a committed table differs from what the
// generator writes from the SDK version in go.mod: run go generate in
// command/awsexec after bumping the SDK.
func TestTablesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the SDK sources of every service")
	}
	for _, s := range services {
		t.Run(s.CLI, func(t *testing.T) {
			dir, err := moduleDir(sdkPrefix + s.SDK)
			if err != nil {
				t.Skipf("SDK module not available: %v", err)
			}
			want, err := Generate(s, dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join("..", "..", "services", PackageName(s), "zz_generated.go"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("services/%s/zz_generated.go is stale: run go generate ./command/awsexec", PackageName(s))
			}
		})
	}
}

func TestIsReadOnly(t *testing.T) {
	for name, want := range map[string]bool{
		"DescribeInstances": true, "ListObjectsV2": true, "GetMetricWidgetImage": true, "HeadObject": true,
		"Query": true, "Scan": true, "BatchGetItem": true, "FilterLogEvents": true, "LookupEvents": true,
		"SearchResources": true, "SelectObjectContent": true, "ValidateTemplate": true,
		"StopInstances": false, "Invoke": false, "PutMetricAlarm": false, "BatchWriteItem": false,
		"Listen": false, "Getaway": false, "DeleteAlarms": false, "CreateDBInstance": false,
	} {
		if got := IsReadOnly(name); got != want {
			t.Errorf("IsReadOnly(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDocLine(t *testing.T) {
	got := docLine("DescribeAlarms retrieves the specified alarms. You can filter\nthe results by [alarm name].\n\nMore.", "DescribeAlarms")
	if want := "Retrieves the specified alarms."; got != want {
		t.Errorf("docLine = %q, want %q", got, want)
	}
}
