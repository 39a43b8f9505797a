package awsapi

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fixed identity of the local "account". Every emulated service builds its
// ARNs from these so the template's intrinsics and the services agree.
const (
	AccountID = "000000000000"
	Region    = "us-east-1"
)

// MaxBody bounds a request body; AWS APIs reject far smaller payloads anyway.
const MaxBody = 16 << 20

// Handler answers one JSON operation. It returns the response value (encoded
// as JSON; nil means "{}") or an error; an *Error keeps its type and status,
// any other error becomes an InternalFailure.
type Handler func(ctx context.Context, op string, body []byte) (any, error)

// Error is an AWS-shaped error: Type is the "__type" the SDKs match on
// (e.g. "ConditionalCheckFailedException"), Status the HTTP status.
type Error struct {
	Type    string
	Message string
	Status  int
	// Extra fields merged into the error body (e.g. CancellationReasons).
	Extra map[string]any
	// Header is set on the error response (e.g. SQS's x-amzn-query-error,
	// which query-compatible SDKs read the legacy error code from).
	Header map[string]string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Errorf returns a 400 error of the given type.
func Errorf(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// Server routes X-Amz-Target requests to services and everything else to
// mounted handlers.
type Server struct {
	mu       sync.RWMutex
	services map[string]service      // by target prefix
	query    map[string]queryService // by SigV4 signing name
	mux      *http.ServeMux
	authz    Authorizer // nil: enforcement off
	Log      *slog.Logger
}

type service struct {
	h           Handler
	contentType string
	// typePrefix is prepended to short error types (e.g. DynamoDB's
	// "com.amazonaws.dynamodb.v20120810#") as AWS does; SDKs strip it.
	typePrefix string
}

// New returns an empty Server.
func New(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{services: map[string]service{}, mux: http.NewServeMux(), Log: log}
	s.mux.HandleFunc("POST /{$}", s.serveJSON)
	return s
}

// Register routes targets "<prefix>.<Op>" to h. jsonVersion is "1.0" or "1.1"
// (the Content-Type the service answers with); typePrefix may be empty.
func (s *Server) Register(prefix, jsonVersion, typePrefix string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[prefix] = service{h: h, contentType: "application/x-amz-json-" + jsonVersion, typePrefix: typePrefix}
}

// Handle mounts a plain handler (REST-style APIs) on the endpoint's mux,
// with http.ServeMux pattern syntax.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP identifies the caller of every request (see SetAuthorizer)
// and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, bad := s.identify(r)
	if bad != nil {
		contentType, typePrefix := "application/json", ""
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			if svc, _, unknown := s.lookup(target); unknown == nil {
				contentType, typePrefix = svc.contentType, svc.typePrefix
			}
		} else {
			bad.Status = http.StatusForbidden // REST APIs (Lambda) answer 403
		}
		WriteError(w, contentType, typePrefix, bad)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request) {
	if isQuery(r) {
		s.serveQuery(w, r)
		return
	}
	start := time.Now()
	target := r.Header.Get("X-Amz-Target")
	svc, op, unknown := s.lookup(target)
	if unknown != nil {
		WriteError(w, "application/x-amz-json-1.0", "", unknown)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		WriteError(w, svc.contentType, svc.typePrefix, &Error{Type: "SerializationException", Message: "request body too large or unreadable", Status: http.StatusRequestEntityTooLarge})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := svc.h(r.Context(), op, body)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			s.Log.Error("internal failure", "target", target, "err", err)
			ae = &Error{Type: "InternalFailure", Message: err.Error(), Status: http.StatusInternalServerError}
		}
		WriteError(w, svc.contentType, svc.typePrefix, ae)
		s.Log.Debug("aws", "target", target, "error", ae.Type, "dur", time.Since(start))
		return
	}
	raw, err := encode(out)
	if err != nil {
		WriteError(w, svc.contentType, svc.typePrefix, &Error{Type: "InternalFailure", Message: err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", svc.contentType)
	w.Header().Set("X-Amzn-Requestid", requestID())
	setCRC32(w, raw)
	_, _ = w.Write(raw)
	s.Log.Debug("aws", "target", target, "dur", time.Since(start))
}

// readBody reads a request body up to MaxBody, decompressing it when the
// client compressed it (Content-Encoding: gzip, as the SDKs do for
// operations with AWS's requestCompression trait, e.g. PutMetricData).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var in io.Reader = http.MaxBytesReader(w, r.Body, MaxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		in = io.LimitReader(zr, MaxBody+1)
	}
	body, err := io.ReadAll(in)
	if err == nil && len(body) > MaxBody {
		err = errors.New("request body too large")
	}
	return body, err
}

// WriteError writes an AWS JSON error body.
func WriteError(w http.ResponseWriter, contentType, typePrefix string, e *Error) {
	body := map[string]any{}
	for k, v := range e.Extra {
		body[k] = v
	}
	body["__type"] = typePrefix + e.Type
	body["message"] = e.Message
	raw, _ := json.Marshal(body)
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.Header().Set("X-Amzn-Requestid", requestID())
	setCRC32(w, raw)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// setCRC32 sets the X-Amz-Crc32 header DynamoDB sends with every response.
// The DynamoDB SDK checks the body against it, and treats a missing header
// as a checksum of 0, so every response carries it (other SDKs ignore it).
func setCRC32(w http.ResponseWriter, body []byte) {
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
}

// EpochSeconds renders t as AWS JSON protocols do: fractional epoch seconds.
func EpochSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

// ARN builds an ARN in the local account and region.
func ARN(service, resource string) string {
	return "arn:aws:" + service + ":" + Region + ":" + AccountID + ":" + resource
}

// Call invokes a registered service in-process, as if target had arrived
// over HTTP. Emulated services use it to reach each other (Step Functions
// SDK integrations, EventBridge targets) without an HTTP round trip. The
// call acts as ctx's principal (see WithPrincipal): the administrator
// unless the caller acts for a resource.
func (s *Server) Call(ctx context.Context, target string, body []byte) ([]byte, error) {
	svc, op, unknown := s.lookup(target)
	if unknown != nil {
		return nil, unknown
	}
	out, err := svc.h(s.bind(ctx), op, body)
	if err != nil {
		return nil, err
	}
	return encode(out)
}

// lookup finds the service of a "<prefix>.<Op>" target.
func (s *Server) lookup(target string) (service, string, *Error) {
	prefix, op, ok := strings.Cut(target, ".")
	s.mu.RLock()
	svc, known := s.services[prefix]
	s.mu.RUnlock()
	if !ok || !known {
		return service{}, "", &Error{Type: "UnknownOperationException", Message: fmt.Sprintf("unknown target %q", target), Status: http.StatusBadRequest}
	}
	return svc, op, nil
}

// encode renders a Handler's result as the JSON body ("{}" for nil).
func encode(out any) ([]byte, error) {
	switch v := out.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		return v, nil
	case []byte:
		return v, nil
	default:
		return json.Marshal(v)
	}
}
