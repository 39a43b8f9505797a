package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/domain"
)

// Error is the JSON error every route answers with:
//
//	{"error":{"code":"invalid_field","message":"quantity: must be at least 1","field":"quantity"}}
//
// Code is stable (clients switch on it); Message is for humans.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(status int, code, field, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsError maps err to the *Error a client sees: this is the one table from
// errors below the HTTP layer to statuses. Unknown errors become a 500
// "Internal error." so no internal detail leaks (they are logged instead).
func AsError(err error) *Error {
	var (
		he    *Error
		ve    *domain.ValidationError
		re    *domain.RuleError
		store *eventstore.Error
	)
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ve):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Field: ve.Field, Message: ve.Error()}
	case errors.As(err, &re):
		return &Error{Status: ruleStatus[re.Code.Kind()], Code: string(re.Code), Message: re.Message}
	case errors.Is(err, eventstore.ErrConcurrency):
		return &Error{Status: http.StatusConflict, Code: "concurrency_conflict", Message: "the resource was changed by another request; reload and retry"}
	case errors.Is(err, eventstore.ErrEventTooLarge), errors.Is(err, eventstore.ErrTooManyEvents),
		errors.Is(err, eventstore.ErrAppendTooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the change is too large to store"}
	case errors.As(err, &store) && errors.Is(err, eventstore.ErrInvalidEvent):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "the request names an invalid resource id"}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "Internal error."}
}

var ruleStatus = map[domain.Kind]int{
	domain.Rejected: http.StatusUnprocessableEntity,
	domain.NotFound: http.StatusNotFound,
	domain.Conflict: http.StatusConflict,
}

// WriteError writes err as a JSON error response and logs 5xx with detail.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	he := AsError(err)
	if he.Status >= 500 {
		slog.Error("internal error", "method", r.Method, "path", r.URL.Path, "requestId", RequestID(r.Context()), "err", err)
	}
	WriteJSON(w, he.Status, map[string]*Error{"error": he})
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
