// nats_bench: the NATS JetStream side of Benchmarks/compare.sh, built offline against Debian's
// golang-github-nats-io-go-nats-dev (GOPATH mode). One connection, like the Kafka load generator.
//
//	nats_bench produce URL N SIZE   async publish to stream BENCH (file storage), waits for every ack
//	nats_bench consume URL N SIZE   ordered push consumer reading N messages from the start of BENCH
//	nats_bench latency URL N SIZE   one synchronous publish in flight at a time
//
// The last line has the same shape as kafka_loadgen's RESULT line so compare.sh parses both alike.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

const stream = "BENCH"
const subject = "bench.data"

func die(what string, err error) {
	fmt.Fprintf(os.Stderr, "nats_bench: %s: %v\n", what, err)
	os.Exit(2)
}

func result(mode string, n, size int, elapsed time.Duration, p50, p99, p999 string, errors int) {
	secs := elapsed.Seconds()
	rps := 0.0
	if secs > 0 {
		rps = float64(n) / secs
	}
	fmt.Printf("RESULT mode=%s records=%d size=%d acks=stored elapsed_s=%.3f records_per_s=%.0f mb_per_s=%.2f p50_us=%s p99_us=%s p999_us=%s errors=%d\n",
		mode, n, size, secs, rps, rps*float64(size)/1e6, p50, p99, p999, errors)
}

// A fresh file-storage stream per produce run, so every round starts empty.
func resetStream(js nats.JetStreamContext) {
	_ = js.DeleteStream(stream)
	if _, err := js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{subject}, Storage: nats.FileStorage}); err != nil {
		die("add stream", err)
	}
}

func produce(js nats.JetStreamContext, n, size int) {
	resetStream(js)
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := js.PublishAsync(subject, payload); err != nil {
			die("publish", err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(120 * time.Second):
		die("publish", fmt.Errorf("acks not complete after 120 s"))
	}
	result("produce", n, size, time.Since(start), "-", "-", "-", 0)
}

func consume(js nats.JetStreamContext, n, size int) {
	done := make(chan struct{})
	got := 0
	var start time.Time
	sub, err := js.Subscribe(subject, func(m *nats.Msg) {
		if got == 0 {
			start = time.Now()
		}
		got++
		if got == n {
			close(done)
		}
	}, nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		die("subscribe", err)
	}
	select {
	case <-done:
	case <-time.After(120 * time.Second):
	}
	elapsed := time.Since(start)
	_ = sub.Unsubscribe()
	result("consume", got, size, elapsed, "-", "-", "-", n-got)
}

func latency(js nats.JetStreamContext, n, size int) {
	resetStream(js)
	payload := make([]byte, size)
	samples := make([]float64, 0, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := js.Publish(subject, payload); err != nil {
			die("publish", err)
		}
		samples = append(samples, float64(time.Since(t0).Microseconds()))
	}
	elapsed := time.Since(start)
	sort.Float64s(samples)
	pct := func(p float64) string {
		i := int(p*float64(len(samples)-1) + 0.5)
		return strconv.FormatFloat(samples[i], 'f', 0, 64)
	}
	result("latency", n, size, elapsed, pct(0.50), pct(0.99), pct(0.999), 0)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: nats_bench produce|consume|latency URL N SIZE")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[3])
	size, err2 := strconv.Atoi(os.Args[4])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "nats_bench: N and SIZE must be numbers")
		os.Exit(2)
	}
	nc, err := nats.Connect(os.Args[2])
	if err != nil {
		die("connect", err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		die("jetstream", err)
	}
	switch os.Args[1] {
	case "produce":
		produce(js, n, size)
	case "consume":
		consume(js, n, size)
	case "latency":
		latency(js, n, size)
	default:
		fmt.Fprintln(os.Stderr, "nats_bench: unknown mode", os.Args[1])
		os.Exit(2)
	}
}
