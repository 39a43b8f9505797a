package main

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapFloor is the heap a small runtime may grow to between collections.
const heapFloor = 256 << 20

// gcPercent is the GOGC that puts the next collection at
// max(heapFloor, 2 × live): few collections while the live heap is small
// (GOGC 400 and more), and no more than twice the live heap once it has
// grown with a long history (GOGC 100), where GOGC 400 held five times it.
func gcPercent(live uint64) int {
	if live == 0 || live >= heapFloor/2 {
		return 100
	}
	return int(heapFloor/live)*100 - 100
}

// tuneGC keeps GOGC (now current) at gcPercent of the live heap,
// checking every second.
func tuneGC(current int) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for range time.Tick(time.Second) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // not reported by this Go: keep the initial setting
		}
		if pct := gcPercent(sample[0].Value.Uint64()); pct != current {
			debug.SetGCPercent(pct)
			current = pct
		}
	}
}
