package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// MaxBody is the largest request body any route accepts (256 KB).
const MaxBody = 256 << 10

// Decode reads r's JSON body into v strictly: unknown fields, wrong types,
// trailing data and bodies over MaxBody are errors naming what is wrong
// (400, or 413 for size). Nothing is decoded partially on error.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Errorf(http.StatusRequestEntityTooLarge, "body_too_large", "", "request body exceeds %d bytes", MaxBody)
		}
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body could not be read")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body is required")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body has data after the JSON value")
	}
	return nil
}

func decodeError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return Errorf(http.StatusBadRequest, "malformed_json", "", "request body must be a JSON %s", "object")
		}
		return Errorf(http.StatusBadRequest, "invalid_field", field, "%s: must be a %s", field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Errorf(http.StatusBadRequest, "unknown_field", field, "%s: unknown field", field)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON: unexpected end of input")
	default:
		return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON")
	}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "whole number"
	case "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	default:
		return kind
	}
}
