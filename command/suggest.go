package command

import (
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// maxSuggestions bounds "did you mean": more than three stops helping.
const maxSuggestions = 3

// Suggest returns the candidates nearest to word, best first, at most three:
// candidates that start with word (or that word starts with) come first,
// then those within a small edit distance, which grows with the length of
// the word so that "describe-instnaces" still finds "describe-instances"
// while "ls" does not match everything. Comparison ignores case, "_" versus
// "-" and leading dashes. Suggest is pure and safe for concurrent use.
func Suggest(word string, candidates []string) []string {
	w := suggestKey(word)
	if w == "" || len(candidates) == 0 {
		return nil
	}
	type scored struct {
		c     string
		score int
	}
	limit := 1 + len(w)/4
	var best []scored
	for _, c := range candidates {
		k := suggestKey(c)
		var score int
		switch {
		case k == w:
			score = 0
		case strings.HasPrefix(k, w) && len(w) >= 2:
			score = 1 + (len(k)-len(w))/8
		case strings.HasPrefix(w, k) && len(k) >= 3:
			score = 1 + (len(w)-len(k))/8
		default:
			d := levenshtein.ComputeDistance(w, k)
			if d > limit {
				// Containment catches "instances" for "describe-instances".
				if len(w) >= 4 && strings.Contains(k, w) {
					score = limit + 1
					break
				}
				continue
			}
			score = 1 + d
		}
		best = append(best, scored{c, score})
	}
	slices.SortStableFunc(best, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return strings.Compare(a.c, b.c)
	})
	out := make([]string, 0, min(len(best), maxSuggestions))
	for _, s := range best {
		// A much worse candidate next to a close one is noise.
		if len(out) == maxSuggestions || s.score > best[0].score+2 {
			break
		}
		out = append(out, s.c)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func suggestKey(s string) string {
	s, _ = trimDashes(s)
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// verbClasses groups the verbs people type with the verbs AWS operation
// names use for the same intent: "list" finds describe-* in EC2, "show"
// finds get-*.
var verbClasses = map[string]string{
	"list": "read", "describe": "read", "get": "read", "show": "read", "ls": "read", "display": "read", "view": "read", "lookup": "read", "search": "read",
	"delete": "delete", "remove": "delete", "rm": "delete", "del": "delete", "destroy": "delete", "drop": "delete", "deregister": "delete",
	"create": "create", "add": "create", "new": "create", "make": "create", "put": "create", "register": "create",
	"start": "start", "run": "start", "launch": "start", "begin": "start", "enable": "start",
	"stop": "stop", "halt": "stop", "kill": "stop", "terminate": "stop", "disable": "stop", "cancel": "stop",
	"update": "update", "modify": "update", "set": "update", "change": "update", "edit": "update",
	"reboot": "reboot", "restart": "reboot",
	"invoke": "invoke", "call": "invoke", "execute": "invoke", "trigger": "invoke",
}

// SuggestOperation returns the operations of a service nearest to word,
// best first, at most three: first by intent, a verb of the same meaning
// with the same noun ("list-instances" → "describe-instances"), or, for a
// bare verb, the operation on the service's main resource ("lambda list" →
// "list-functions", "sqs list" → "list-queues"); then by spelling
// (Suggest). ops are the service's CLI operation names. It is pure and safe
// for concurrent use.
func SuggestOperation(word string, ops []string) []string {
	w := suggestKey(word)
	if w == "" || len(ops) == 0 {
		return nil
	}
	verb, noun, _ := strings.Cut(w, "-")
	class := verbClasses[verb]
	var intent []string
	if class != "" {
		intent = byIntent(verb, class, noun, ops)
	}
	out := make([]string, 0, maxSuggestions)
	for _, s := range append(intent, Suggest(word, ops)...) {
		if len(out) == maxSuggestions {
			break
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func byIntent(verb, class, noun string, ops []string) []string {
	type scored struct {
		op    string
		score int
	}
	var best []scored
	if noun != "" {
		want := singular(noun)
		for _, op := range ops {
			ov, on, _ := strings.Cut(op, "-")
			if verbClasses[ov] != class || on == "" {
				continue
			}
			same := 1 // the verb as typed wins a tie ("list-function": list-functions over get-function)
			if ov == verb {
				same = 0
			}
			switch {
			case singular(on) == want:
				best = append(best, scored{op, same})
			case strings.HasPrefix(singular(on), want+"-") || strings.HasSuffix(singular(on), "-"+want):
				best = append(best, scored{op, 2 + len(on) + same})
			}
		}
	} else {
		// A bare verb: the resource most operations of the service are
		// about is its main one ("function" in Lambda, "queue" in SQS).
		freq := map[string]int{}
		for _, op := range ops {
			_, on, _ := strings.Cut(op, "-")
			for _, part := range strings.Split(on, "-") {
				freq[singular(part)]++
			}
		}
		for _, op := range ops {
			ov, on, _ := strings.Cut(op, "-")
			if verbClasses[ov] != class || strings.Contains(on, "-") {
				continue
			}
			if on == "" {
				// The verb is the operation ("call" → lambda "invoke").
				best = append(best, scored{op, -1 << 20})
				continue
			}
			score := -4 * freq[singular(on)]
			if ov != verb {
				score++ // the verb as typed wins a tie ("list" over "get")
			}
			if class == "read" && singular(on) == on {
				score += 2 // listing is about many: plural nouns first
			}
			best = append(best, scored{op, score})
		}
	}
	slices.SortStableFunc(best, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return strings.Compare(a.op, b.op)
	})
	out := make([]string, 0, len(best))
	for _, s := range best[:min(len(best), maxSuggestions)] {
		out = append(out, s.op)
	}
	return out
}

// singular strips an English plural from the last word of a kebab name
// ("instances" → "instance", "policies" → "policy", "aliases" → "alias").
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies") && len(s) > 4:
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"), strings.HasSuffix(s, "ches"), strings.HasSuffix(s, "shes"), strings.HasSuffix(s, "ases"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") && len(s) > 3:
		return s[:len(s)-1]
	}
	return s
}

// credentialPrefixes are the IAM prefixes of the services AWS Chatbot
// refuses for everyone (guardrail's BlockCredentialServices; this package
// may not import guardrail). A suggestion never points at one: "sqs" must
// not become "did you mean sts?".
var credentialPrefixes = map[string]bool{
	"iam": true, "sts": true, "kms": true, "secretsmanager": true, "cognito-idp": true, "cognito-identity": true,
	"sdb": true, "sso": true, "sso-directory": true, "sso-oauth": true, "identitystore": true,
	"identitystore-auth": true, "signin": true, "chatbot": true,
}

// SuggestService returns the registered services nearest to word (see
// Suggest), leaving out the credential services the guardrails refuse by
// name.
func SuggestService(word string, cat Catalog) []string {
	// Names people type from the SDK, the console or IAM for services the
	// CLI calls otherwise: the CLI's name comes first when the catalog has it.
	var out []string
	if cli, ok := otherServiceNames[strings.ToLower(word)]; ok {
		if s, ok := cat.Service(cli); ok && !credentialPrefixes[s.IAMPrefix] {
			out = append(out, cli)
		}
	}
	names := cat.Services()
	allowed := make([]string, 0, len(names))
	for _, n := range names {
		if s, ok := cat.Service(n); ok && credentialPrefixes[s.IAMPrefix] {
			continue
		}
		allowed = append(allowed, n)
	}
	for _, n := range Suggest(word, allowed) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// otherServiceNames maps service names the AWS CLI does not use (SDK
// package names, IAM prefixes, console names) to the CLI's.
var otherServiceNames = map[string]string{
	"codedeploy":             "deploy",
	"config":                 "configservice",
	"awsconfig":              "configservice",
	"sfn":                    "stepfunctions",
	"states":                 "stepfunctions",
	"stepfunction":           "stepfunctions",
	"eventbridge":            "events",
	"cloudwatchevents":       "events",
	"cloudwatchlogs":         "logs",
	"cwlogs":                 "logs",
	"alb":                    "elbv2",
	"nlb":                    "elbv2",
	"elasticloadbalancingv2": "elbv2",
	"elasticloadbalancing":   "elb",
	"costexplorer":           "ce",
	"elasticsearch":          "es",
	"elasticsearchservice":   "es",
	"opensearchservice":      "opensearch",
	"elasticmapreduce":       "emr",
	"msk":                    "kafka",
	"autoscalinggroups":      "autoscaling",
	"asg":                    "autoscaling",
	"systemsmanager":         "ssm",
	"parameterstore":         "ssm",
	"dynamo":                 "dynamodb",
	"cloudwatchmetrics":      "cloudwatch",
	"apigw":                  "apigateway",
}
