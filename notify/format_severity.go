package notify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/opschat/opschat/chat"
)

// ErrInvalidSeverity is wrapped when a severity name (a Template's
// Severity) is not one ParseSeverity knows.
var ErrInvalidSeverity = errors.New("notify: invalid severity")

// ParseSeverity reads a severity name: chat.Severity's own names ("none",
// "info", "success", "warning", "critical") and the labels services use
// ("HIGH", "Medium", "error", "ok"), ignoring case. An unknown name is an
// error wrapping ErrInvalidSeverity.
func ParseSeverity(s string) (chat.Severity, error) {
	name := normWord(s)
	switch name {
	case "NONE", "":
		return chat.SeverityNone, nil
	case "SUCCESS":
		return chat.SeveritySuccess, nil
	}
	if sev, ok := labelSeverity(name); ok {
		return sev, nil
	}
	if sev, ok := stateSeverity(name); ok {
		return sev, nil
	}
	return chat.SeverityNone, fmt.Errorf("%w %q (want none, info, success, warning or critical)", ErrInvalidSeverity, s)
}

// normWord upper-cases a label and turns spaces and dashes into
// underscores, so "Timed out", "timed-out" and "TIMED_OUT" compare equal.
func normWord(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-':
			return '_'
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// labelRank orders named severities from the scales AWS services use
// (Security Hub, Inspector, Macie, Health, Trusted Advisor, syslog-like
// levels) so findings can be sorted worst first. Unknown labels rank 0.
func labelRank(label string) int {
	switch normWord(label) {
	case "CRITICAL", "FATAL", "EMERGENCY", "EMERG", "ALERT", "SEV1", "P1":
		return 5
	case "HIGH", "ERROR", "ERR", "SEVERE", "MAJOR", "SEV2", "P2":
		return 4
	case "MEDIUM", "MODERATE", "WARNING", "WARN", "SEV3", "P3":
		return 3
	case "LOW", "MINOR", "NOTICE", "SEV4", "P4":
		return 2
	case "INFORMATIONAL", "INFO", "INFORMATION", "DEBUG", "UNTRIAGED", "SEV5", "P5":
		return 1
	}
	return 0
}

// rankSeverity maps a labelRank to the chat scale: critical and high both
// page (critical), medium warns, low and informational inform.
func rankSeverity(rank int) chat.Severity {
	switch {
	case rank >= 4:
		return chat.SeverityCritical
	case rank == 3:
		return chat.SeverityWarning
	case rank >= 1:
		return chat.SeverityInfo
	}
	return chat.SeverityNone
}

func labelSeverity(label string) (chat.Severity, bool) {
	r := labelRank(label)
	return rankSeverity(r), r > 0
}

// numericRank maps a numeric severity to labelRank's scale. Scores up to 10
// are read as CVSS / GuardDuty (9+ critical, 7+ high, 4+ medium, above 0
// low); larger ones as Security Hub's normalised 0-100 (90+ critical, 70+
// high, 40+ medium, 1+ low). Zero is informational.
func numericRank(v float64) int {
	if v > 10 {
		return percentRank(v)
	}
	return cvssRank(v)
}

// percentRank reads a score known to be on a 0-100 scale (Security Hub's
// Normalized severity): 90+ critical, 70+ high, 40+ medium, 1+ low.
func percentRank(v float64) int { return cvssRank(v / 10) }

// cvssRank reads a 0-10 score (CVSS, Inspector, GuardDuty): 9+ critical,
// 7+ high, 4+ medium, above 0 low, 0 informational.
func cvssRank(v float64) int {
	switch {
	case v >= 9:
		return 5
	case v >= 7:
		return 4
	case v >= 4:
		return 3
	case v > 0:
		return 2
	}
	return 1
}

// severityName is the label of a rank, for titles ("HIGH").
func severityName(rank int) string {
	return [...]string{"", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}[max(0, min(rank, 5))]
}

// stateSeverity classifies a state, status or result word: failures are
// critical, things that stopped short or need a look are warnings,
// finished-well states are successes, in-flight ones are info.
func stateSeverity(state string) (chat.Severity, bool) {
	switch normWord(state) {
	case "FAILED", "FAILURE", "FAIL", "FAULT", "ERROR", "ERRORED", "ABORTED", "TIMED_OUT", "TIMEDOUT", "TIMEOUT",
		"UNHEALTHY", "ALARM", "FIRING", "CRASHED", "IMPAIRED", "DOWN", "TERMINATED_WITH_ERRORS", "COMPLETED_WITH_FAILURE",
		"ROLLBACK_FAILED", "UPDATE_FAILED", "CREATE_FAILED", "DELETE_FAILED":
		return chat.SeverityCritical, true
	case "STOPPED", "CANCELLED", "CANCELED", "CANCELLING", "EXPIRED", "PARTIAL", "PARTIALLY_SUCCEEDED", "DEGRADED",
		"WARNING", "WARN", "INSUFFICIENT_DATA", "NON_COMPLIANT", "NONCOMPLIANT", "REJECTED", "THROTTLED", "INTERRUPTED",
		"STOPPING", "COMPLETED_WITH_ISSUES", "SUSPENDED", "DENIED", "ACTION_REQUIRED":
		return chat.SeverityWarning, true
	case "SUCCEEDED", "SUCCESS", "SUCCESSFUL", "COMPLETED", "COMPLETE", "OK", "HEALTHY", "AVAILABLE", "PASSED",
		"RESOLVED", "COMPLIANT", "READY", "COMPLETED_WITH_SUCCESS", "COMPLETEDWITHSUCCESS", "CLOSED", "APPROVED":
		return chat.SeveritySuccess, true
	case "STARTED", "STARTING", "IN_PROGRESS", "INPROGRESS", "PENDING", "RUNNING", "SUBMITTED", "QUEUED", "CREATED",
		"RUNNABLE", "SCHEDULED", "WAITING", "PROVISIONING", "BOOTSTRAPPING", "DELETING", "UPDATING", "CREATING",
		"ACTIVE", "INFO", "INFORMATIONAL", "TERMINATED", "TERMINATING":
		return chat.SeverityInfo, true
	}
	return chat.SeverityNone, false
}

// worse returns the more urgent of a and b. Success outranks info and
// none (a finished job is worth a green mark), warning and critical
// outrank success.
func worse(a, b chat.Severity) chat.Severity {
	if b > a {
		return b
	}
	return a
}

// inference is what the generic format reads from common fields.
type inference struct {
	severity chat.Severity
	// state is the state/status/result word shown in the title.
	state string
	// fields are the fields that carried the inference, in a fixed order,
	// shown before any other.
	fields []chat.Field
	// used lists the keys those fields came from, so they are not listed
	// again among the remaining fields.
	used map[string]bool
}

// inferenceKeys are read in this order; the first key of each group found
// wins that group.
var inferenceKeys = []struct {
	label string
	keys  []string
}{
	{"Severity", []string{"severity", "Severity", "severityLabel", "level"}},
	{"State", []string{"state", "State", "status", "Status", "result", "Result", "outcome"}},
	{"Status message", []string{"statusMessage", "StatusMessage", "status-message", "stateMessage"}},
	{"Error", []string{"errorMessage", "ErrorMessage", "error", "Error", "errorCode", "ErrorCode", "error-message"}},
	{"Reason", []string{"reason", "Reason", "statusReason", "stateReason", "stateChangeReason", "cause", "Cause", "stoppedReason"}},
}

// inferSeverity reads severity and state from the fields services commonly
// use. A severity is numeric (see numericRank) or named (see labelRank),
// or an object with a label/value/score; a state word counts through
// stateSeverity; an error message or code present makes it at least a
// warning. The worst signal wins.
func inferSeverity(o jobj) inference {
	inf := inference{used: map[string]bool{}}
	hasError := false
	for _, g := range inferenceKeys {
		for _, k := range g.keys {
			v, ok := o[k]
			if !ok || v == nil {
				continue
			}
			text, sev, known := readSignal(g.label, k, v)
			if text == "" {
				continue
			}
			inf.used[k] = true
			switch g.label {
			case "Severity":
				if known {
					inf.severity = worse(inf.severity, sev)
				}
			case "State":
				inf.state = text
				if s, ok := stateSeverity(text); ok {
					inf.severity = worse(inf.severity, s)
				} else if known {
					inf.severity = worse(inf.severity, sev)
				}
			case "Error":
				hasError = true
			}
			inf.fields = append(inf.fields, chat.Field{Name: g.label, Value: text, Short: len(text) < 40})
			break
		}
	}
	if hasError {
		inf.severity = worse(inf.severity, chat.SeverityWarning)
	}
	return inf
}

// readSignal renders a signal value as text and, for severities, reads its
// scale. Objects carry their label, value or score ({"Label": "HIGH"},
// {"value": "ALARM"}, {"score": 7.5}). Only a severity or a score is read
// as a number: a numeric "level" runs the other way on many scales
// (syslog 0 is an emergency), so it is shown but not interpreted.
func readSignal(label, key string, v any) (text string, sev chat.Severity, known bool) {
	if m, ok := v.(map[string]any); ok {
		o := jobj(m)
		for _, k := range []string{"label", "Label", "value", "Value", "status", "Status", "description", "Description"} {
			if s := o.s(k); s != "" {
				return readSignal(label, key, s)
			}
		}
		for _, k := range []string{"score", "Score", "normalized", "Normalized"} {
			if s := o.s(k); s != "" {
				return readSignal(label, "severity", o[k])
			}
		}
		return "", chat.SeverityNone, false
	}
	s, ok := scalarString(v)
	if !ok || s == "" {
		return "", chat.SeverityNone, false
	}
	if label != "Severity" {
		return s, chat.SeverityNone, false
	}
	if f, ok := (jobj{"v": v}).n("v"); ok {
		if !strings.EqualFold(key, "severity") {
			return s, chat.SeverityNone, false
		}
		return s, rankSeverity(numericRank(f)), true
	}
	sev, known = labelSeverity(s)
	return s, sev, known
}
