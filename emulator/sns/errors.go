package sns

import (
	"fmt"
	"net/http"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

func invalidParameter(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Type: "InvalidParameter", Message: "Invalid parameter: " + fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func notFound(msg string) *awsapi.Error {
	return &awsapi.Error{Type: "NotFound", Message: msg, Status: http.StatusNotFound}
}
