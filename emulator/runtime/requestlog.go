package runtime

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// logRequests logs one line per AWS endpoint request: the operation (its
// X-Amz-Target, or method and path for REST-style APIs), status and time.
func logRequests(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		op := r.Header.Get("X-Amz-Target")
		if op == "" {
			op = r.Method + " " + r.URL.Path
		}
		msg := fmt.Sprintf("aws %s -> %d %s", op, sw.status, time.Since(start).Round(10*time.Microsecond))
		if sw.status >= 400 {
			if typ := sw.Header().Get("X-Amzn-Errortype"); typ != "" {
				msg += " " + strings.TrimSpace(typ)
			}
		}
		log.Info(msg)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
