// kafkago_client drives Debian's packaged segmentio/kafka-go (0.2.x: Produce v2 and Fetch v2 with
// magic-1 messages, JoinGroup v1, OffsetCommit v2) for the interop tests. Records are printed as
// JSON lines so pytest can compare bytes.
//
//	kafkago_client write BOOTSTRAP TOPIC HEXVALUE...   Writer, one message per value (key "kg-<i>")
//	kafkago_client read  BOOTSTRAP TOPIC GROUP COUNT   Reader with a GroupID: reads and commits COUNT messages
//	kafkago_client bench BOOTSTRAP TOPIC COUNT         Reader on partition 0 from the start, no group:
//	                                                   prints one RESULT line (records/s from the first record)
//	kafkago_client bench-conn BOOTSTRAP TOPIC COUNT    the same with kafka-go's Conn.ReadBatch (no Reader goroutine
//	                                                   and channel per message)
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

type line struct {
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func write(bootstrap, topic string, values []string) {
	w := kafka.NewWriter(kafka.WriterConfig{
		Brokers: []string{bootstrap}, Topic: topic, BatchSize: len(values), BatchTimeout: 50 * time.Millisecond,
	})
	msgs := make([]kafka.Message, 0, len(values))
	for i, v := range values {
		value, err := hex.DecodeString(v)
		if err != nil {
			fail("bad hex %s", v)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("kg-%d", i)), Value: value,
			Time: time.Unix(1700000100+int64(i), 0)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		fail("write: %v", err)
	}
	if err := w.Close(); err != nil {
		fail("close: %v", err)
	}
}

func read(bootstrap, topic, group string, count int) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{bootstrap}, Topic: topic, GroupID: group, MinBytes: 1, MaxBytes: 10 << 20,
		MaxWait: 2 * time.Second,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for i := 0; i < count; i++ {
		m, err := r.ReadMessage(ctx) // with a GroupID, commits the message's offset
		if err != nil {
			fail("read %d of %d: %v", i, count, err)
		}
		out, _ := json.Marshal(line{m.Partition, m.Offset, hex.EncodeToString(m.Key), hex.EncodeToString(m.Value),
			m.Time.UnixNano() / int64(time.Millisecond)})
		fmt.Println(string(out))
	}
	if err := r.Close(); err != nil {
		fail("close: %v", err)
	}
}

func bench(bootstrap, topic string, count int) {
	// kafka-go 0.2's Reader sleeps 100 ms after every fetch (its error backoff counter is never
	// reset to zero after a success), so its rate is about MaxBytes per 100 ms: large fetches.
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{bootstrap}, Topic: topic, Partition: 0, MinBytes: 1, MaxBytes: 10 << 20,
		MaxWait: 2 * time.Second, QueueCapacity: 100000, ErrorLogger: log.New(os.Stderr, "kafka-go: ", 0),
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	var start time.Time
	bytes := 0
	for i := 0; i < count; i++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			fail("read %d of %d: %v", i, count, err)
		}
		if i == 0 {
			start = time.Now()
		}
		bytes += len(m.Value)
	}
	elapsed := time.Since(start).Seconds()
	fmt.Printf("RESULT client=kafka-go records=%d elapsed_s=%.3f records_per_s=%.0f mb_per_s=%.1f\n",
		count, elapsed, float64(count-1)/elapsed, float64(bytes)/elapsed/1e6)
}

func benchConn(bootstrap, topic string, count int) {
	conn, err := kafka.DialLeader(context.Background(), "tcp", bootstrap, topic, 0)
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Seek(0, kafka.SeekAbsolute); err != nil {
		fail("seek: %v", err)
	}
	var start time.Time
	bytes, read := 0, 0
	for read < count {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		batch := conn.ReadBatch(1, 4<<20)
		for read < count {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			if read == 0 {
				start = time.Now()
			}
			bytes += len(m.Value)
			read++
		}
		if err := batch.Close(); err != nil {
			fail("batch after %d of %d: %v", read, count, err)
		}
	}
	elapsed := time.Since(start).Seconds()
	fmt.Printf("RESULT client=kafka-go-conn records=%d elapsed_s=%.3f records_per_s=%.0f mb_per_s=%.1f\n",
		count, elapsed, float64(count-1)/elapsed, float64(bytes)/elapsed/1e6)
}

func main() {
	if len(os.Args) < 4 {
		fail("usage: kafkago_client write|read BOOTSTRAP TOPIC ...")
	}
	switch os.Args[1] {
	case "write":
		write(os.Args[2], os.Args[3], os.Args[4:])
	case "bench":
		n, err := strconv.Atoi(os.Args[4])
		if err != nil {
			fail("bad count")
		}
		bench(os.Args[2], os.Args[3], n)
	case "bench-conn":
		n, err := strconv.Atoi(os.Args[4])
		if err != nil {
			fail("bad count")
		}
		benchConn(os.Args[2], os.Args[3], n)
	case "read":
		n, err := strconv.Atoi(os.Args[5])
		if err != nil {
			fail("bad count")
		}
		read(os.Args[2], os.Args[3], os.Args[4], n)
	default:
		fail("unknown mode %s", os.Args[1])
	}
}
