package awsapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// QueryHandler answers one AWS query-protocol action (form-encoded
// Action=...&Param=... requests, XML responses: SNS). It returns the
// action's result element, an XML-marshalable value whose XMLName is
// "<Action>Result" (nil for actions without one), or an error; an *Error
// keeps its code (Type) and status.
type QueryHandler func(ctx context.Context, action string, params url.Values) (any, error)

type queryService struct {
	h         QueryHandler
	namespace string // the xmlns of responses
}

// RegisterQuery serves the query protocol for the service whose SigV4
// signing name is signingName ("sns"): query requests carry no target
// header, so the credential scope of their Authorization header says
// which service they are for. namespace is the service's XML namespace.
func (s *Server) RegisterQuery(signingName, namespace string, h QueryHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.query == nil {
		s.query = map[string]queryService{}
	}
	s.query[signingName] = queryService{h: h, namespace: namespace}
}

// isQuery reports whether r is a query-protocol request.
func isQuery(r *http.Request) bool {
	return r.Header.Get("X-Amz-Target") == "" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// signingName is the service of a SigV4 request's credential scope
// ("Credential=AKID/20261207/us-east-1/sns/aws4_request").
func signingName(r *http.Request) string {
	_, rest, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	scope, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(scope), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := signingName(r)
	s.mu.RLock()
	svc, ok := s.query[name]
	s.mu.RUnlock()
	if !ok {
		writeQueryError(w, "", &Error{Type: "UnknownOperationException", Message: "no query-protocol service for signing name " + strconv.Quote(name) + " (sign the request for the service)", Status: http.StatusBadRequest})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, svc.namespace, &Error{Type: "MalformedQueryString", Message: err.Error(), Status: http.StatusBadRequest})
		return
	}
	action := r.PostForm.Get("Action")
	if action == "" {
		writeQueryError(w, svc.namespace, &Error{Type: "MissingAction", Message: "Missing Action", Status: http.StatusBadRequest})
		return
	}
	out, err := svc.h(r.Context(), action, r.PostForm)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			s.Log.Error("internal failure", "service", name, "action", action, "err", err)
			ae = &Error{Type: "InternalFailure", Message: err.Error(), Status: http.StatusInternalServerError}
		}
		writeQueryError(w, svc.namespace, ae)
		s.Log.Debug("aws", "service", name, "action", action, "error", ae.Type, "dur", time.Since(start))
		return
	}
	var result []byte
	if out != nil {
		if result, err = xml.Marshal(out); err != nil {
			writeQueryError(w, svc.namespace, &Error{Type: "InternalFailure", Message: err.Error(), Status: 500})
			return
		}
	}
	id := requestID()
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<" + action + "Response xmlns=\"" + svc.namespace + "\">")
	b.Write(result)
	b.WriteString("<ResponseMetadata><RequestId>" + id + "</RequestId></ResponseMetadata></" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	_, _ = w.Write([]byte(b.String()))
	s.Log.Debug("aws", "service", name, "action", action, "dur", time.Since(start))
}

// writeQueryError writes the query protocol's ErrorResponse.
func writeQueryError(w http.ResponseWriter, namespace string, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	body := struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr,omitempty"`
		Error   struct {
			Type    string
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}{Xmlns: namespace, RequestID: requestID()}
	body.Error.Type, body.Error.Code, body.Error.Message = fault, e.Type, e.Message
	raw, _ := xml.Marshal(body)
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", body.RequestID)
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), raw...))
}
