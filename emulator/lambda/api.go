package lambda

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Register mounts the Lambda Invoke, GetFunctionEventInvokeConfig,
// ListFunctions and GetFunctionConfiguration REST APIs on the shared
// endpoint, so `aws lambda invoke` and the SDK's lambda client reach local
// functions. Destination records are sent through srv.
func (s *Service) Register(srv *awsapi.Server) {
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	srv.Handle("POST /2015-03-31/functions/{name}/invocations", http.HandlerFunc(s.serveInvoke))
	srv.Handle("GET /2019-09-25/functions/{name}/event-invoke-config", http.HandlerFunc(s.serveGetEventInvokeConfig))
	// botocore (the AWS CLI) drops the trailing slash the SDKs send.
	srv.Handle("GET /2015-03-31/functions/{$}", http.HandlerFunc(s.serveListFunctions))
	srv.Handle("GET /2015-03-31/functions", http.HandlerFunc(s.serveListFunctions))
	srv.Handle("GET /2015-03-31/functions/{name}/configuration", http.HandlerFunc(s.serveGetFunctionConfiguration))
}

func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		name += ":" + q
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload+1))
	if err != nil {
		writeAPIError(w, &awsapi.Error{Type: "RequestTooLargeException", Message: "request body too large", Status: http.StatusRequestEntityTooLarge})
		return
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
		logType := r.Header.Get("X-Amz-Log-Type")
		if logType != "" && logType != "None" && logType != "Tail" {
			writeAPIError(w, awsapi.Errorf("InvalidParameterValueException", "X-Amz-Log-Type: %q is not one of None, Tail", logType))
			return
		}
		res, err := s.invokeNamed(r.Context(), name, payload, logType == "Tail")
		if err != nil {
			writeAPIError(w, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Amz-Executed-Version", "$LATEST")
		h.Set("X-Amzn-Requestid", awsapi.RequestID())
		if res.functionError != "" {
			h.Set("X-Amz-Function-Error", res.functionError)
		}
		if logType == "Tail" {
			h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.logs))
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.payload)
	case "Event":
		if err := s.InvokeAsync(r.Context(), name, payload); err != nil {
			writeAPIError(w, err)
			return
		}
		w.Header().Set("X-Amzn-Requestid", awsapi.RequestID())
		w.WriteHeader(http.StatusAccepted)
	case "DryRun":
		// Validates the function, the caller's permission and the
		// payload without running anything.
		fn, err := s.lookup(name)
		if err == nil {
			err = s.authorize(r.Context(), fn)
		}
		if err != nil {
			writeAPIError(w, err)
			return
		}
		if err := checkPayload(payload, maxPayload); err != nil {
			writeAPIError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeAPIError(w, awsapi.Errorf("InvalidParameterValueException", "X-Amz-Invocation-Type: %q is not one of RequestResponse, Event, DryRun", typ))
	}
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *awsapi.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ae = &awsapi.Error{Type: "ServiceException", Message: "invocation abandoned: " + err.Error(), Status: http.StatusInternalServerError}
	case errors.Is(err, ErrClosed):
		ae = &awsapi.Error{Type: "ServiceException", Message: "the local Lambda service is shutting down", Status: http.StatusServiceUnavailable}
	default:
		ae = &awsapi.Error{Type: "ServiceException", Message: err.Error(), Status: http.StatusInternalServerError}
	}
	awsapi.WriteError(w, "application/json", "", ae)
}
