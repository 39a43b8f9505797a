package runtime_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/runtime"
)

func TestLoggerWritesOneReadableLine(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string // after the time stamp
	}{
		{"info hides the level", func(l *slog.Logger) { l.Info("api GET /dev/product -> 200") }, "api GET /dev/product -> 200"},
		{"attributes", func(l *slog.Logger) {
			l.Info("lambda invoke", "function", "catalogapi", "duration", 1500*time.Microsecond, "cold", true)
		}, "lambda invoke function=catalogapi duration=1.5ms cold=true"},
		{"quoting", func(l *slog.Logger) { l.Warn("failed", "err", `bad "x" y`, "empty", "") }, `WARN failed err="bad \"x\" y" empty=""`},
		{"with attrs and group", func(l *slog.Logger) { l.With("svc", "sqs").WithGroup("q").Info("sent", "n", 2) }, "sent svc=sqs q.n=2"},
		{"below level", func(l *slog.Logger) { l.Debug("hidden") }, ""},
	}
	stamp := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d\d\d `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.log(runtime.NewLogger(&b, nil))
			if tt.want == "" {
				if b.Len() != 0 {
					t.Errorf("wrote %q, want nothing", b.String())
				}
				return
			}
			line := b.String()
			if !stamp.MatchString(line) {
				t.Fatalf("line %q does not start with a time stamp", line)
			}
			if got := stamp.ReplaceAllString(line, ""); got != tt.want+"\n" {
				t.Errorf("got %q, want %q", got, tt.want+"\n")
			}
		})
	}
}
