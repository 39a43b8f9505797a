package outbox

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// base is the fixed clock of the tests that do not wait for a due time.
var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const deadline = 10 * time.Second

type item struct {
	due  time.Time
	held bool
}

// queue is a queue's owner as the services are: its items and busy set
// under its lock, attempts that record their outcome (here: the item is
// done and removed). An attempt of an item the test blocked waits for end.
type queue struct {
	mu      sync.Mutex
	items   map[uint64]*item
	busy    map[uint64]bool
	runs    map[uint64]int // attempts started, by item
	active  int            // attempts running
	blocked map[uint64]chan struct{}
	d       *Dispatcher[*item]

	now     func() time.Time
	passes  atomic.Int64 // dispatcher passes: each reads the clock once
	started chan uint64
	stop    chan struct{}
	done    chan struct{}
	running bool
	seqOf   map[*item]uint64
}

func newQueue(t *testing.T, workers int) *queue {
	q := &queue{items: map[uint64]*item{}, busy: map[uint64]bool{}, runs: map[uint64]int{},
		blocked: map[uint64]chan struct{}{}, seqOf: map[*item]uint64{},
		now: func() time.Time { return base }, started: make(chan uint64, 100),
		stop: make(chan struct{}), done: make(chan struct{})}
	q.d = New(Config[*item]{
		Lock: &q.mu, Items: q.items, Busy: q.busy, Workers: workers,
		Due:  func(it *item) time.Time { return it.due },
		Hold: func(it *item) bool { return it.held },
	})
	t.Cleanup(func() {
		q.mu.Lock()
		for seq, ch := range q.blocked {
			close(ch)
			delete(q.blocked, seq)
		}
		q.mu.Unlock()
		if q.running {
			q.halt(t)
		}
	})
	return q
}

// add queues an item due at due; blocked ones wait in their attempt for end.
func (q *queue) add(seq uint64, due time.Time, held, blocked bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := &item{due: due, held: held}
	q.items[seq] = it
	q.seqOf[it] = seq
	if blocked {
		q.blocked[seq] = make(chan struct{})
	}
}

func (q *queue) run() {
	clock := func() time.Time { q.passes.Add(1); return q.now() }
	q.running = true
	go func() {
		defer close(q.done)
		q.d.Run(q.stop, clock, q.attempt)
	}()
}

func (q *queue) attempt(it *item) {
	q.mu.Lock()
	seq := q.seqOf[it]
	q.runs[seq]++
	q.active++
	end := q.blocked[seq]
	q.mu.Unlock()
	q.started <- seq
	if end != nil {
		<-end
	}
	q.mu.Lock()
	delete(q.items, seq)
	delete(q.busy, seq)
	q.active--
	q.mu.Unlock()
}

// end lets the blocked attempt of seq finish.
func (q *queue) end(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	close(q.blocked[seq])
	delete(q.blocked, seq)
}

func (q *queue) waitStart(t *testing.T) uint64 {
	t.Helper()
	select {
	case seq := <-q.started:
		return seq
	case <-time.After(deadline):
		t.Fatalf("no attempt started within %s", deadline)
		return 0
	}
}

// pass wakes the dispatcher and returns once it has picked again.
func (q *queue) pass(t *testing.T) {
	t.Helper()
	n := q.passes.Load()
	q.d.Wake()
	for limit := time.Now().Add(deadline); q.passes.Load() == n; time.Sleep(time.Millisecond) {
		if time.Now().After(limit) {
			t.Fatalf("the dispatcher did not pass again within %s", deadline)
		}
	}
	// The pass reads the clock under the lock and marks its items busy
	// before it lets go: once we hold the lock, the pass has picked.
	q.mu.Lock()
	defer q.mu.Unlock()
}

// halt stops Run and waits for it to return (it waits for its attempts).
func (q *queue) halt(t *testing.T) {
	t.Helper()
	select {
	case <-q.stop:
	default:
		close(q.stop)
	}
	select {
	case <-q.done:
	case <-time.After(deadline):
		t.Fatalf("Run did not return within %s of stop", deadline)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.active != 0 {
		t.Errorf("Run returned with %d attempts still running", q.active)
	}
}

func (q *queue) busySet() []uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Sorted(maps.Keys(q.busy))
}

func TestPick(t *testing.T) {
	q := newQueue(t, 3)
	q.add(1, base.Add(-time.Minute), false, false)
	q.busy[1] = true                                 // attempt in progress
	q.add(2, base.Add(-time.Hour), true, false)      // held back
	q.add(6, base.Add(-2*time.Minute), false, false) // due, beyond the limit
	q.add(5, base.Add(-time.Second), false, false)   // due, beyond the limit
	q.add(4, base, false, false)                     // due exactly now
	q.add(3, base.Add(-time.Minute), false, false)
	q.add(7, base.Add(2*time.Minute), false, false)
	q.add(8, base.Add(time.Minute), false, false) // the next due
	q.add(9, base.Add(30*time.Second), true, false)

	q.mu.Lock()
	start, next := q.d.pick(base)
	q.mu.Unlock()
	var got []uint64
	for _, it := range start {
		got = append(got, q.seqOf[it])
	}
	if !slices.Equal(got, []uint64{3, 4}) {
		t.Errorf("started %v, want [3 4]: due items in sequence order, up to 3 workers with 1 busy", got)
	}
	if want := base.Add(time.Minute); !next.Equal(want) {
		t.Errorf("next %v, want %v: the earliest item not yet due, held ones left out", next, want)
	}
	if got := q.busySet(); !slices.Equal(got, []uint64{1, 3, 4}) {
		t.Errorf("busy %v, want [1 3 4]", got)
	}

	q.mu.Lock()
	start, next = q.d.pick(base)
	q.mu.Unlock()
	if len(start) != 0 || !next.Equal(base.Add(time.Minute)) {
		t.Errorf("second pick with every worker busy: started %d, next %v", len(start), next)
	}
}

func TestPickEmpty(t *testing.T) {
	q := newQueue(t, 1)
	if start, next := q.d.pick(base); len(start) != 0 || !next.IsZero() {
		t.Errorf("empty queue: started %d, next %v; want nothing and no next", len(start), next)
	}
}

func TestDueItemsStartInSequenceOrder(t *testing.T) {
	q := newQueue(t, 1)
	for _, seq := range []uint64{3, 1, 2} {
		q.add(seq, base.Add(-time.Duration(seq)*time.Second), false, false)
	}
	q.add(4, base.Add(time.Hour), false, false)
	q.run()
	var got []uint64
	for range 3 {
		got = append(got, q.waitStart(t))
	}
	if !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Errorf("started %v, want [1 2 3]", got)
	}
	q.halt(t)
	if q.runs[4] != 0 || q.items[4] == nil {
		t.Errorf("item 4, due in an hour, ran %d times", q.runs[4])
	}
}

func TestWorkerLimit(t *testing.T) {
	q := newQueue(t, 2)
	for seq := uint64(1); seq <= 4; seq++ {
		q.add(seq, base, false, true)
	}
	q.run()
	first := []uint64{q.waitStart(t), q.waitStart(t)}
	slices.Sort(first)
	if !slices.Equal(first, []uint64{1, 2}) {
		t.Fatalf("first started %v, want [1 2]", first)
	}
	q.pass(t)
	if got := q.busySet(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("busy %v with 2 workers, want [1 2]", got)
	}
	q.end(2)
	if seq := q.waitStart(t); seq != 3 {
		t.Fatalf("started %d when a worker was freed, want 3", seq)
	}
	q.end(1)
	if seq := q.waitStart(t); seq != 4 {
		t.Fatalf("started %d when a worker was freed, want 4", seq)
	}
}

// An item stays busy until its attempt records the outcome: passes in the
// meantime never start it again, though it is due and workers are free.
func TestBusyItemIsNotStartedAgain(t *testing.T) {
	q := newQueue(t, 4)
	q.add(1, base, false, true)
	q.run()
	if seq := q.waitStart(t); seq != 1 {
		t.Fatalf("started %d, want 1", seq)
	}
	for range 3 {
		q.pass(t)
	}
	q.end(1)
	q.halt(t)
	if q.runs[1] != 1 {
		t.Errorf("item 1 was attempted %d times, want once", q.runs[1])
	}
}

func TestWakeStartsANewItem(t *testing.T) {
	q := newQueue(t, 2)
	q.add(1, base.Add(time.Hour), false, false)
	q.run()
	q.pass(t) // the dispatcher now sleeps until item 1 is due
	q.add(2, base, false, false)
	q.d.Wake()
	if seq := q.waitStart(t); seq != 2 {
		t.Errorf("started %d after the wake-up, want 2", seq)
	}
}

func TestHeldItemStartsAfterALaterWake(t *testing.T) {
	q := newQueue(t, 2)
	q.add(1, base, true, false)
	q.add(2, base, false, false)
	q.run()
	if seq := q.waitStart(t); seq != 2 {
		t.Fatalf("started %d, want 2 (1 is held back)", seq)
	}
	q.pass(t)
	q.mu.Lock()
	held, started := q.items[1], q.busy[1] || q.runs[1] != 0
	if held != nil {
		held.held = false
	}
	q.mu.Unlock()
	if held == nil || started {
		t.Fatal("held item 1 started")
	}
	q.d.Wake()
	if seq := q.waitStart(t); seq != 1 {
		t.Errorf("started %d once the hold was lifted, want 1", seq)
	}
}

func TestTimerStartsAnItemWhenDue(t *testing.T) {
	q := newQueue(t, 1)
	q.now = time.Now
	due := time.Now().Add(50 * time.Millisecond)
	q.add(1, due, false, false)
	q.run()
	if seq := q.waitStart(t); seq != 1 {
		t.Fatalf("started %d, want 1", seq)
	}
	if now := time.Now(); now.Before(due) {
		t.Errorf("started %s before it was due", due.Sub(now))
	}
}

func TestStopWaitsForAttemptsAndStartsNothingMore(t *testing.T) {
	q := newQueue(t, 2)
	q.add(1, base, false, true)
	q.run()
	q.waitStart(t)
	close(q.stop)
	q.add(2, base, false, false)
	q.d.Wake()
	select {
	case <-q.done:
		t.Fatal("Run returned while an attempt was in progress")
	default:
	}
	q.end(1)
	q.halt(t)
	if q.runs[2] != 0 {
		t.Errorf("item 2, added after stop, ran %d times", q.runs[2])
	}
	if q.items[2] == nil {
		t.Error("item 2 left the queue")
	}
}
