package cloudwatch

import (
	"fmt"
	"net/http"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// apiErr builds a CloudWatch error: typ is the JSON protocol's shape name,
// code the query-protocol code that query-compatible SDKs (the AWS CLI)
// read from the x-amzn-query-error header.
func apiErr(typ, code string, status int, format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: status,
		Header: map[string]string{"x-amzn-query-error": code + ";Sender"}}
}

func invalidParameter(format string, args ...any) *awsapi.Error {
	return apiErr("InvalidParameterValueException", "InvalidParameterValue", http.StatusBadRequest, format, args...)
}

func missingParameter(name string) *awsapi.Error {
	return apiErr("MissingRequiredParameterException", "MissingParameter", http.StatusBadRequest, "The parameter %s is required.", name)
}

func notFound(format string, args ...any) *awsapi.Error {
	return apiErr("ResourceNotFound", "ResourceNotFound", http.StatusNotFound, format, args...)
}

func dashboardNotFound(name string) *awsapi.Error {
	return apiErr("DashboardNotFoundError", "ResourceNotFound", http.StatusNotFound, "Dashboard %s does not exist", name)
}

func invalidNextToken() *awsapi.Error {
	return apiErr("InvalidNextToken", "InvalidNextToken", http.StatusBadRequest, "The service couldn't process the NextToken.")
}
