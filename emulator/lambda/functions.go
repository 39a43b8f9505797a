package lambda

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// AWS's page size limits for ListFunctions.
const (
	defaultListItems = 50
	maxListItems     = 10000
)

// serveListFunctions answers ListFunctions (GET /2015-03-31/functions/),
// authorized as lambda:ListFunctions on "*" as AWS does (the action has no
// resource). Functions come in name order; Marker is the last name of the
// previous page, which the CLI and SDK paginators pass back opaquely.
func (s *Service) serveListFunctions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultListItems
	if v := q.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListItems {
			writeAPIError(w, awsapi.Errorf("InvalidParameterValueException", "MaxItems: %q must be a whole number from 1 to %d", v, maxListItems))
			return
		}
		limit = n
	}
	if v := q.Get("FunctionVersion"); v != "" && v != "ALL" {
		writeAPIError(w, awsapi.Errorf("InvalidParameterValueException", "FunctionVersion: %q is not ALL", v))
		return
	}
	if err := s.authorizeResource(r.Context(), "lambda:ListFunctions", "*"); err != nil {
		writeAPIError(w, err)
		return
	}
	s.mu.RLock()
	fns := make([]*function, 0, len(s.fns))
	for _, fn := range s.fns {
		if fn.name > q.Get("Marker") {
			fns = append(fns, fn)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(fns, func(a, b *function) int { return strings.Compare(a.name, b.name) })
	out := map[string]any{}
	if len(fns) > limit {
		fns = fns[:limit]
		out["NextMarker"] = fns[limit-1].name
	}
	configs := make([]map[string]any, len(fns))
	for i, fn := range fns {
		configs[i] = fn.configuration()
	}
	out["Functions"] = configs
	writeJSON(w, out)
}

// serveGetFunctionConfiguration answers GetFunctionConfiguration
// (GET /2015-03-31/functions/{name}/configuration), authorized as
// lambda:GetFunctionConfiguration on the function.
func (s *Service) serveGetFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		name += ":" + q
	}
	fn, err := s.lookup(name)
	if err == nil {
		err = s.authorizeAction(r.Context(), "lambda:GetFunctionConfiguration", fn)
	}
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, fn.configuration())
}

// configuration is fn's FunctionConfiguration as AWS shapes it: Environment
// only when the function has variables, the JSON log levels only for the
// JSON format. A local function is always $LATEST, a zip, and ready.
func (fn *function) configuration() map[string]any {
	c := map[string]any{
		"FunctionName":     fn.name,
		"FunctionArn":      fn.arn,
		"Runtime":          fn.runtime,
		"Handler":          fn.handler,
		"MemorySize":       fn.memoryMB,
		"Timeout":          int(fn.timeout.Seconds()),
		"Version":          "$LATEST",
		"PackageType":      "Zip",
		"State":            "Active",
		"LastUpdateStatus": "Successful",
	}
	if fn.role != "" {
		c["Role"] = fn.role
	}
	if len(fn.env) > 0 {
		c["Environment"] = map[string]any{"Variables": fn.env}
	}
	logging := map[string]string{"LogGroup": fn.logging.group, "LogFormat": "Text"}
	if fn.logging.json {
		logging["LogFormat"] = "JSON"
		logging["ApplicationLogLevel"] = fn.logging.appLevel
		logging["SystemLogLevel"] = fn.logging.sysLevel
	}
	c["LoggingConfig"] = logging
	return c
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", awsapi.RequestID())
	_ = json.NewEncoder(w).Encode(v)
}
