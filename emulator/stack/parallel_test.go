package stack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/stack"
)

// slowProvisioner takes a moment per resource and tracks how many
// creations overlap; a resource named "Broken" fails.
type slowProvisioner struct {
	running, peak atomic.Int32
	mu            sync.Mutex
	created       []string
}

func (p *slowProvisioner) Types() []string { return []string{"Test::Slow"} }

func (p *slowProvisioner) Create(ctx context.Context, r stack.Resource) (stack.Created, error) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	select {
	case <-time.After(5 * time.Millisecond):
	case <-ctx.Done():
		return stack.Created{}, ctx.Err()
	}
	if r.LogicalID == "Broken" {
		return stack.Created{}, errors.New("boom")
	}
	p.mu.Lock()
	p.created = append(p.created, r.LogicalID)
	p.mu.Unlock()
	return stack.Created{Ref: "ref-" + r.LogicalID}, nil
}

// fanTemplate has n independent leaves and a root referencing all of them.
func fanTemplate(n int, extra string) *stack.Template {
	var b strings.Builder
	b.WriteString(`{"Resources":{`)
	var refs []string
	for i := range n {
		fmt.Fprintf(&b, `"Leaf%02d":{"Type":"Test::Slow"},`, i)
		refs = append(refs, fmt.Sprintf(`{"Ref":"Leaf%02d"}`, i))
	}
	b.WriteString(extra)
	fmt.Fprintf(&b, `"Root":{"Type":"Test::Slow","Properties":{"Leaves":[%s]}}}}`, strings.Join(refs, ","))
	t, err := stack.ParseTemplate([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeployParallel(t *testing.T) {
	tests := []struct {
		parallel int
		wantPeak int32
	}{{1, 1}, {4, 4}}
	for _, tt := range tests {
		t.Run(fmt.Sprint("parallel=", tt.parallel), func(t *testing.T) {
			p := &slowProvisioner{}
			reg, _ := stack.NewRegistry(p)
			d, err := stack.Deploy(context.Background(), fanTemplate(12, ""), reg, stack.Options{StackName: "Fan", Parallel: tt.parallel})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.peak.Load(); got != tt.wantPeak {
				t.Errorf("peak concurrent creations = %d, want %d", got, tt.wantPeak)
			}
			if len(d.Order) != 13 || d.Order[12] != "Root" {
				t.Errorf("Order = %v, want the 12 leaves then Root", d.Order)
			}
		})
	}
}

func TestDeployParallelStopsAtFirstError(t *testing.T) {
	p := &slowProvisioner{}
	reg, _ := stack.NewRegistry(p)
	_, err := stack.Deploy(context.Background(), fanTemplate(12, `"Broken":{"Type":"Test::Slow"},`), reg, stack.Options{StackName: "Fan", Parallel: 4})
	if err == nil || !strings.Contains(err.Error(), "create Broken (Test::Slow): boom") {
		t.Fatalf("error %v, want the Broken resource's", err)
	}
	// Broken sorts first, so it fails while at most three leaves run; no
	// more start after it.
	if len(p.created) > 3 {
		t.Errorf("created %v after the first error, want at most the 3 already running", p.created)
	}
}
