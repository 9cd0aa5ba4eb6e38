package awsexec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/smithy-go"
)

// Sentinel errors, for errors.Is.
var (
	// ErrUnknownService: the invocation names a service no table was
	// registered for.
	ErrUnknownService = errors.New("awsexec: unknown service")
	// ErrUnknownOperation: the service has no such operation.
	ErrUnknownOperation = errors.New("awsexec: unknown operation")
	// ErrTimeout: the command did not finish within the executor's timeout.
	ErrTimeout = errors.New("awsexec: command timed out")
	// ErrAccessDenied: AWS (IAM, an SCP or a session policy) refused the
	// call. Errors matching it are *APIError.
	ErrAccessDenied = errors.New("awsexec: access denied by AWS")
)

// APIError is an error AWS returned for a command, with what a chat user
// needs to understand it.
type APIError struct {
	Service   string // CLI service name
	Operation string // CLI operation name
	Action    string // IAM action ("ec2:StopInstances")
	RoleARN   string // the role the call ran as, "" for the base identity
	Code      string // AWS error code ("AccessDenied", "ValidationError")
	Message   string // AWS error message
	Err       error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("awsexec: %s %s: %s: %s", e.Service, e.Operation, e.Code, e.Message)
}

func (e *APIError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrAccessDenied) true for AWS authorisation errors.
func (e *APIError) Is(target error) bool {
	return target == ErrAccessDenied && isAccessDenied(e.Code)
}

// UserMessage says what AWS refused or failed, for chat.
func (e *APIError) UserMessage() string {
	if isAccessDenied(e.Code) {
		who := "the bot's own identity"
		if e.RoleARN != "" {
			who = "role " + e.RoleARN
		}
		return fmt.Sprintf("AWS IAM refused %s for %s (%s): %s. The channel's guardrails allowed it; the role's IAM policies, a session policy or an SCP did not.",
			e.Action, who, e.Code, e.Message)
	}
	if e.Message == "" {
		return fmt.Sprintf("%s %s failed: %s", e.Service, e.Operation, e.Code)
	}
	return fmt.Sprintf("%s %s failed: %s: %s", e.Service, e.Operation, e.Code, e.Message)
}

func isAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
		"UnauthorizedException", "AuthorizationErrorException", "NotAuthorized", "Forbidden":
		return true
	}
	return false
}

// userError is an error whose message is meant for chat users.
type userError struct {
	msg string
	err error
}

func (e *userError) Error() string       { return "awsexec: " + e.msg + ": " + e.err.Error() }
func (e *userError) Unwrap() error       { return e.err }
func (e *userError) UserMessage() string { return e.msg }

// classify turns an SDK error into an error for the caller: a timeout, an
// *APIError, a parameter problem caught by the SDK's validation, or the error
// wrapped as is.
func classify(err error, svc *Service, op *Operation, roleARN string, timeout time.Duration, ctxErr error) error {
	if errors.Is(ctxErr, context.DeadlineExceeded) || (errors.Is(err, context.DeadlineExceeded) && ctxErr != nil) {
		return &userError{
			msg: fmt.Sprintf("%s %s did not finish within %s; long-running work should be started asynchronously (for example lambda invoke --invocation-type Event)", svc.Name, op.Name, timeout),
			err: errors.Join(ErrTimeout, err),
		}
	}
	var inv smithy.InvalidParamsError
	if errors.As(err, &inv) {
		return &userError{msg: fmt.Sprintf("%s %s: %s", svc.Name, op.Name, inv.Error()), err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return &APIError{Service: svc.Name, Operation: op.Name, Action: svc.IAMAction(op), RoleARN: roleARN,
			Code: api.ErrorCode(), Message: api.ErrorMessage(), Err: err}
	}
	return fmt.Errorf("awsexec: %s %s: %w", svc.Name, op.Name, err)
}
