// Package httpapi is the HTTP edge shared by the REST Lambdas: it adapts
// API Gateway proxy events to a plain http.Handler (so each bounded context
// is one http.ServeMux, testable with httptest), carries the signed-in caller
// from the Cognito authorizer's claims (Caller), decodes JSON bodies
// strictly, and maps errors to the stable JSON error shape of DESIGN §6 in
// one table.
package httpapi
