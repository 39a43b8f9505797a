package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// Router is an http.ServeMux that answers every request with JSON: a
// path that is not canonical (a dot segment, an empty segment, a trailing
// slash, an encoded slash) is a 404, never the mux's redirect; an unknown
// route is a JSON 404 and a known path with another method a JSON 405,
// never the mux's plain text. Each route declares the query parameters it
// takes; any other, or one given twice, is a 400 before the handler runs.
type Router struct {
	mux *http.ServeMux
}

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{mux: http.NewServeMux()} }

// Handle registers h for pattern ("GET /product/{id}"), taking only the
// query parameters params.
func (rt *Router) Handle(pattern string, h http.HandlerFunc, params ...string) {
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := CheckQuery(r, params...); err != nil {
			WriteError(w, r, err)
			return
		}
		h(w, r)
	})
}

// ServeHTTP serves r from the route it matches.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !canonicalPath(r.URL) {
		WriteError(w, r, Errorf(http.StatusNotFound, "not_found", "", "no resource at this path"))
		return
	}
	rt.mux.ServeHTTP(&jsonOnly{ResponseWriter: w, r: r}, r)
}

// canonicalPath reports whether u's path is one a route could name: no
// "." or ".." segment, no empty segment, no trailing slash, no encoded
// slash (which would let one path segment pass for two).
func canonicalPath(u interface{ EscapedPath() string }) bool {
	p := u.EscapedPath()
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.Contains(strings.ToLower(p), "%2f") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		switch strings.ToLower(seg) {
		case "", ".", "..", "%2e", "%2e%2e", ".%2e", "%2e.":
			return false
		}
	}
	return true
}

// jsonOnly rewrites the mux's own answers (404, 405, redirects), which
// are plain text, as JSON errors. Handlers' answers pass through.
type jsonOnly struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (j *jsonOnly) WriteHeader(status int) {
	h := j.ResponseWriter.Header()
	if status < 300 || strings.Contains(h.Get("Content-Type"), "json") {
		j.ResponseWriter.WriteHeader(status)
		return
	}
	j.replaced = true
	h.Del("Location")
	h.Del("X-Content-Type-Options")
	var err *Error
	switch status {
	case http.StatusMethodNotAllowed:
		err = Errorf(status, "method_not_allowed", "", "%s is not allowed here (allowed: %s)", j.r.Method, h.Get("Allow"))
	case http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound:
		err = Errorf(http.StatusNotFound, "not_found", "", "no resource at this path")
	default:
		err = Errorf(status, "error", "", "%s", http.StatusText(status))
	}
	WriteJSON(j.ResponseWriter, err.Status, map[string]*Error{"error": err})
}

func (j *jsonOnly) Write(b []byte) (int, error) {
	if j.replaced {
		return len(b), nil // the mux's plain-text body, already replaced
	}
	return j.ResponseWriter.Write(b)
}

// CheckQuery fails with a 400 naming the parameter unless every query
// parameter of r is one of allowed and given once.
func CheckQuery(r *http.Request, allowed ...string) error {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return Errorf(http.StatusBadRequest, "unknown_parameter", k, "%s: this route takes no query parameters", k)
			}
			return Errorf(http.StatusBadRequest, "unknown_parameter", k, "%s: unknown query parameter (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		if len(q[k]) > 1 {
			return Errorf(http.StatusBadRequest, "invalid_parameter", k, "%s: must be given at most once", k)
		}
	}
	return nil
}
