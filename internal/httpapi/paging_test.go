package httpapi

import (
	"errors"
	"net/url"
	"testing"

	"github.com/shopstream/shopstream/internal/domain"
)

func TestLimit(t *testing.T) {
	tests := []struct {
		query   string
		want    int
		wantErr bool
	}{
		{"", 20, false}, {"limit=1", 1, false}, {"limit=100", 100, false},
		{"limit=0", 0, true}, {"limit=101", 0, true}, {"limit=-3", 0, true}, {"limit=ten", 0, true}, {"limit=1.5", 0, true},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := Limit(q, 20, 100)
		var ve *domain.ValidationError
		if tt.wantErr != (err != nil) || (err != nil && (!errors.As(err, &ve) || ve.Field != "limit")) || got != tt.want {
			t.Errorf("Limit(%q) = %d, %v", tt.query, got, err)
		}
	}
}
