package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/config"
)

// BenchmarkSoak runs many checkouts through one local runtime on a data
// directory and prints what the runtime keeps: its RSS (VmRSS, and the
// peak VmHWM), the RSS of all function processes together and the size
// of state.db, before, right after, and once the idle processes have been
// stopped. The count is SOAK_CHECKOUTS (default 10,000); with SOAK_PPROF
// set to a loopback address the runtime serves pprof there and the heap
// profile at the end is written to SOAK_PPROF's file (see the log).
// It runs once whatever the benchtime:
//
//	make soak                      # or:
//	SOAK_CHECKOUTS=1500 go test -run '^$' -bench Soak -benchtime 1x -timeout 60m ./tests/e2e
func BenchmarkSoak(b *testing.B) {
	if testing.Short() {
		b.Skip("needs a running stack")
	}
	n := benchCount(b, "SOAK_CHECKOUTS", 10000)
	dir := b.TempDir()
	opts := runtimeOptions{dataDir: dir, bare: true}
	pprofAddr := os.Getenv("SOAK_PPROF")
	if pprofAddr != "" {
		opts.extraArgs = append(opts.extraArgs, "--pprof", pprofAddr)
	}
	h, err := startRuntime(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer h.stop()
	c := h.client(b)
	products := stockedProducts(c, "Soak", n)
	b.ResetTimer()
	for range b.N { // b.N is 1 with -benchtime 1x; the soak is not repeated
		before := sample(b, h, dir)
		start := time.Now()
		runCheckouts(b, c, products, n)
		elapsed := time.Since(start)
		after := sample(b, h, dir)
		// Idle: the bursts' extra processes stop after 30 s, one stays per
		// function.
		functions := len(config.Functions())
		deadline := time.Now().Add(2 * time.Minute)
		var idle memSample
		for idle = sample(b, h, dir); idle.procs > functions && time.Now().Before(deadline); idle = sample(b, h, dir) {
			time.Sleep(time.Second)
		}
		// Printed, not logged: go test keeps only the first lines a
		// benchmark logs.
		fmt.Printf("soak: %d checkouts in %s (%.1f/s)\n", n, elapsed.Round(time.Second), float64(n)/elapsed.Seconds())
		fmt.Printf("soak: %-7s %s\n", "before", before)
		fmt.Printf("soak: %-7s %s\n", "after", after)
		fmt.Printf("soak: %-7s %s\n", "idle", idle)
		b.ReportMetric(after.runtimeRSS, "runtime-RSS-MB")
		b.ReportMetric(after.runtimeHWM, "runtime-HWM-MB")
		b.ReportMetric(after.runtimeAnon, "runtime-anon-MB")
		b.ReportMetric(after.fnRSS, "functions-RSS-MB")
		b.ReportMetric(after.fnPSS, "functions-PSS-MB")
		b.ReportMetric(idle.runtimeRSS, "idle-runtime-RSS-MB")
		b.ReportMetric(idle.fnRSS, "idle-functions-RSS-MB")
		b.ReportMetric(after.dbMB*1024/float64(n), "state.db-KB/checkout")
		b.ReportMetric(0, "ns/op")
		if pprofAddr != "" {
			writeHeapProfile(b, pprofAddr)
		}
	}
}

// benchCount is the positive whole number in the environment variable
// name, or def when it is unset; anything else fails the benchmark.
func benchCount(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// stockedProducts creates the 20 products a benchmark's baskets cycle
// through, named "<prefix> <i>", each with stock for every basket.
func stockedProducts(c *client, prefix string, stock int) []string {
	products := make([]string, 20)
	for i := range products {
		products[i] = c.createProduct(fmt.Sprintf("%s %d", prefix, i), 1000+i, stock)
	}
	return products
}

// runCheckouts has eight clients check out n baskets, each waiting for its
// checkout to end.
func runCheckouts(b *testing.B, c *client, products []string, n int) {
	const clients = 8
	next := make(chan int)
	var wg sync.WaitGroup
	prefix := fmt.Sprintf("soak-%d", time.Now().UnixNano())
	for range clients {
		wg.Go(func() {
			for i := range next {
				user := fmt.Sprintf("%s-%d", prefix, i)
				// The client is shared by goroutines: Errorf (not Fatal).
				if code, out := c.do("POST", "/basket", map[string]any{"userName": user,
					"items": []map[string]any{{"productId": products[i%len(products)], "quantity": 1}}}); code != 200 {
					b.Errorf("basket %s: %d %v", user, code, out)
					continue
				}
				code, out := c.do("POST", "/basket/checkout", checkoutRequest(user, cardApproved))
				if code != 202 {
					b.Errorf("checkout %s: %d %v", user, code, out)
					continue
				}
				id, _ := out["checkoutId"].(string)
				for deadline := time.Now().Add(checkoutWithin); ; time.Sleep(20 * time.Millisecond) {
					_, st := c.do("GET", "/checkout/"+id, nil)
					if st["status"] == "SUCCEEDED" {
						break
					}
					if st["status"] == "FAILED" || time.Now().After(deadline) {
						b.Errorf("checkout %s: %v", id, st)
						break
					}
				}
			}
		})
	}
	for i := range n {
		if i > 0 && i%1000 == 0 {
			fmt.Printf("soak: %d checkouts started\n", i)
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// memSample is one reading of the runtime's memory and store, in MB.
// VmRSS counts the pages of state.db the runtime has touched through its
// mmap (RssFile) besides its own memory (RssAnon); the function
// processes' RSS counts the pages of their binaries once per process,
// their PSS shares them out.
type memSample struct {
	runtimeRSS, runtimeHWM, runtimeAnon, runtimeFile float64
	fnRSS, fnPSS                                     float64 // all function processes
	procs                                            int     // function processes
	dbMB                                             float64
}

func (m memSample) String() string {
	return fmt.Sprintf("runtime RSS %4.0f MB (anon %4.0f, file %4.0f; peak %4.0f), %2d function processes RSS %4.0f MB (PSS %4.0f), state.db %6.1f MB",
		m.runtimeRSS, m.runtimeAnon, m.runtimeFile, m.runtimeHWM, m.procs, m.fnRSS, m.fnPSS, m.dbMB)
}

func sample(b *testing.B, h *stackHandle, dir string) memSample {
	b.Helper()
	pid := h.cmd.Process.Pid
	var m memSample
	st := procStatus(pid)
	m.runtimeRSS, m.runtimeHWM, m.runtimeAnon, m.runtimeFile = st["VmRSS"], st["VmHWM"], st["RssAnon"], st["RssFile"]
	for _, child := range childPIDs(pid) {
		m.fnRSS += procStatus(child)["VmRSS"]
		m.fnPSS += procKB(fmt.Sprintf("/proc/%d/smaps_rollup", child))["Pss"]
		m.procs++
	}
	if fi, err := os.Stat(filepath.Join(dir, "state.db")); err == nil {
		m.dbMB = float64(fi.Size()) / (1 << 20)
	} else {
		b.Errorf("state.db: %v", err)
	}
	return m
}

// procStatus reads the kB fields of /proc/<pid>/status as MB.
func procStatus(pid int) map[string]float64 {
	return procKB(fmt.Sprintf("/proc/%d/status", pid))
}

// procKB reads the "Key: N kB" lines of a /proc file as MB.
func procKB(path string) map[string]float64 {
	out := map[string]float64{}
	raw, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
			out[k] = kb / 1024
		}
	}
	return out
}

// childPIDs lists the processes whose parent is pid: the runtime's
// function processes.
func childPIDs(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		rest := string(raw[bytes.LastIndexByte(raw, ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}

func writeHeapProfile(b *testing.B, addr string) {
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		b.Errorf("heap profile: %v", err)
		return
	}
	defer resp.Body.Close()
	path := filepath.Join(os.TempDir(), "shopstream-soak-heap.pb.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Errorf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		b.Errorf("heap profile: %v", err)
		return
	}
	fmt.Printf("soak: runtime heap profile in %s (go tool pprof -top %s)\n", path, path)
}
