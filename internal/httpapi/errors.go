package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// Mapper turns an error from below the HTTP layer into an *Error, or returns
// nil when it does not recognise it. Each service registers the mappers for
// its domain; the first that answers wins.
type Mapper func(error) *Error

var mappers []Mapper

// RegisterMapper adds m to the table consulted by WriteError. Call it from
// init or main, before serving.
func RegisterMapper(m Mapper) { mappers = append(mappers, m) }

// AsError maps err to the *Error a client sees. Unknown errors become a 500
// "Internal error." so no internal detail leaks.
func AsError(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	for _, m := range mappers {
		if he := m(err); he != nil {
			return he
		}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "Internal error."}
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
