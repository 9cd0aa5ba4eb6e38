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
	ref, err := decodeReference(embeddedReference)
	if err != nil {
		t.Fatal(err)
	}
	tables := filepath.Join("..", "..", "command", "awsexec", "services")
	services, err := existingTables(tables)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []struct {
		name, file string
		gen        func(out, name string) ([]byte, error)
	}{{"all", "zz_all.go", allPackage}, {"shipped", "zz_shipped.go", shippedPackage}} {
		t.Run(pkg.name, func(t *testing.T) {
			want, err := pkg.gen(tables, pkg.name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(tables, pkg.name, pkg.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("services/%s/%s is stale: run go generate ./command/awsexec", pkg.name, pkg.file)
			}
		})
	}
	for _, s := range services {
		t.Run(s.CLI, func(t *testing.T) {
			dir, err := moduleDir(sdkPrefix + s.SDK)
			if err != nil {
				t.Skipf("SDK module not available: %v", err)
			}
			path := filepath.Join(tables, s.pkgName(), "zz_generated.go")
			custom, err := hasHandWrittenRegister(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			s.Custom = custom
			previous, err := previousIAM(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Generate(s, dir, &iamInput{ref: ref, used: map[string]bool{}}, previous)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("services/%s/zz_generated.go is stale: run go generate ./command/awsexec", s.pkgName())
			}
		})
	}
}

func TestDocLine(t *testing.T) {
	got := docLine("DescribeAlarms retrieves the specified alarms. You can filter\nthe results by [alarm name].\n\nMore.", "DescribeAlarms")
	if want := "Retrieves the specified alarms."; got != want {
		t.Errorf("docLine = %q, want %q", got, want)
	}
}
