// Package outbox starts the attempts of a durable delivery queue: EventBridge's
// outbox of target deliveries and Lambda's queue of asynchronous invocations
// both use it. The queue's owner keeps the items (and stores them), records
// the outcome of each attempt and guards both with its own lock; a Dispatcher
// decides which items start when: the due ones, in sequence order, at most
// Workers at a time, never one already being attempted.
package outbox

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Config describes the owner's queue to a Dispatcher.
type Config[T any] struct {
	// Lock guards Items, Busy and what Due and Hold read. The dispatcher
	// holds it while it picks the items to start.
	Lock sync.Locker
	// Items are the queued items by sequence number; due items start in
	// that order. The owner adds and removes them under Lock.
	Items map[uint64]T
	// Busy holds the sequence numbers of the items being attempted. The
	// dispatcher adds an item when it starts it. The owner removes it,
	// under Lock, once the attempt's outcome is recorded (the next attempt
	// scheduled, or the item removed from Items) and not before, so an
	// item is never attempted twice at once.
	Busy map[uint64]bool
	// Due is when an item is next due.
	Due func(T) time.Time
	// Hold, when set, holds back an item that would otherwise start (an
	// item restored from a previous run that waits for the deployment).
	// The owner calls Wake once it lets such items go.
	Hold func(T) bool
	// Workers bounds the attempts in progress; below 1 counts as 1.
	Workers int
}

// Dispatcher starts a queue's due items. Create it with New, run it with
// Run, and Wake it whenever the queue changes.
type Dispatcher[T any] struct {
	cfg  Config[T]
	wake chan struct{}
}

// New returns a dispatcher for the queue cfg describes.
func New[T any](cfg Config[T]) *Dispatcher[T] {
	cfg.Workers = max(cfg.Workers, 1)
	return &Dispatcher[T]{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the dispatcher look at the queue again: call it after adding
// an item, making one due sooner or lifting a hold. It never blocks, and
// wake-ups before Run or during a pass are not lost.
func (d *Dispatcher[T]) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run starts each due item in its own goroutine with attempt, then sleeps
// until the next item is due or a Wake, until stop is closed; then it waits
// for the attempts in progress and returns. now is the queue's clock. An
// attempt must record its outcome (see Config.Busy); when it returns, the
// dispatcher wakes itself, so the freed worker takes the next item. Call Run
// once.
func (d *Dispatcher[T]) Run(stop <-chan struct{}, now func() time.Time, attempt func(T)) {
	var attempts sync.WaitGroup
	defer attempts.Wait()
	for {
		d.cfg.Lock.Lock()
		at := now()
		start, next := d.pick(at)
		d.cfg.Lock.Unlock()

		for _, item := range start {
			attempts.Go(func() {
				defer d.Wake()
				attempt(item)
			})
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(next.Sub(at), time.Millisecond))
			fire = timer.C
		}
		select {
		case <-stop:
		case <-d.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		// A wake-up may win the select over stop: check stop on its own,
		// so nothing starts once it is closed.
		select {
		case <-stop:
			return
		default:
		}
	}
}

// pick marks busy and returns the items to start at now, in sequence order,
// and when the earliest item not yet due is due (zero if there is none). A
// due item beyond the worker limit waits for an attempt to end, a held-back
// one for a Wake. The caller holds Lock.
func (d *Dispatcher[T]) pick(now time.Time) (start []T, next time.Time) {
	c := d.cfg
	for _, seq := range slices.Sorted(maps.Keys(c.Items)) {
		item := c.Items[seq]
		due := c.Due(item)
		switch {
		case c.Busy[seq], c.Hold != nil && c.Hold(item):
		case !due.After(now):
			if len(c.Busy) < c.Workers {
				c.Busy[seq] = true
				start = append(start, item)
			}
		case next.IsZero() || due.Before(next):
			next = due
		}
	}
	return start, next
}
