// sarama_client drives Debian's packaged Sarama (1.22) against a broker for the interop tests.
// Every record it reads or writes is printed as one JSON line so pytest can compare bytes.
//
//	sarama_client produce BOOTSTRAP TOPIC COUNT VERSION      sync producer, partition 0
//	sarama_client consume BOOTSTRAP TOPIC COUNT VERSION      partition consumer from the oldest offset
//	sarama_client commit  BOOTSTRAP TOPIC GROUP OFFSET VERSION  offset manager: commit, then read back
//	sarama_client group   BOOTSTRAP TOPIC GROUP COUNT VERSION  consumer group, marks and commits what it reads
//	sarama_client bench   BOOTSTRAP TOPIC COUNT VERSION      partition consumer, prints one RESULT line
//
// VERSION is a Kafka version such as 2.0.0 or "default" (Sarama's own default, 0.8.2: v0 requests
// and magic-0 messages).
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/Shopify/sarama"
)

type line struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

func emit(partition int32, offset int64, key, value []byte, ts time.Time) {
	var millis int64 = -1
	if !ts.IsZero() && ts.Unix() > 0 {
		millis = ts.UnixNano() / int64(time.Millisecond)
	}
	out, _ := json.Marshal(line{partition, offset, hex.EncodeToString(key), hex.EncodeToString(value), millis})
	fmt.Println(string(out))
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func config(version string) *sarama.Config {
	c := sarama.NewConfig()
	if version != "default" {
		v, err := sarama.ParseKafkaVersion(version)
		if err != nil {
			fail("bad version %s: %v", version, err)
		}
		c.Version = v
	}
	c.ClientID = "sarama-interop"
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = true
	return c
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fail("not a number: %s", s)
	}
	return n
}

func produce(bootstrap, topic string, count int, c *sarama.Config) {
	c.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{bootstrap}, c)
	if err != nil {
		fail("producer: %v", err)
	}
	defer p.Close()
	for i := 0; i < count; i++ {
		key := []byte(fmt.Sprintf("sarama-key-%d", i))
		value := []byte(fmt.Sprintf("sarama-value-%d-\x00\xff", i))
		msg := &sarama.ProducerMessage{Topic: topic, Partition: 0, Key: sarama.ByteEncoder(key),
			Value: sarama.ByteEncoder(value), Timestamp: time.Unix(1700000000+int64(i), 0)}
		partition, offset, err := p.SendMessage(msg)
		if err != nil {
			fail("send %d: %v", i, err)
		}
		emit(partition, offset, key, value, msg.Timestamp)
	}
}

func consume(bootstrap, topic string, count int, c *sarama.Config) {
	consumer, err := sarama.NewConsumer([]string{bootstrap}, c)
	if err != nil {
		fail("consumer: %v", err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail("consume partition: %v", err)
	}
	defer pc.Close()
	deadline := time.After(60 * time.Second)
	for read := 0; read < count; {
		select {
		case m := <-pc.Messages():
			emit(m.Partition, m.Offset, m.Key, m.Value, m.Timestamp)
			read++
		case e := <-pc.Errors():
			fail("consume: %v", e)
		case <-deadline:
			fail("timed out after %d of %d messages", read, count)
		}
	}
}

func bench(bootstrap, topic string, count int, c *sarama.Config) {
	c.Consumer.Fetch.Default = 4 << 20
	consumer, err := sarama.NewConsumer([]string{bootstrap}, c)
	if err != nil {
		fail("consumer: %v", err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail("consume partition: %v", err)
	}
	defer pc.Close()
	var start time.Time
	bytes := 0
	for read := 0; read < count; read++ {
		select {
		case m := <-pc.Messages():
			if read == 0 {
				start = time.Now()
			}
			bytes += len(m.Value)
		case e := <-pc.Errors():
			fail("consume: %v", e)
		case <-time.After(60 * time.Second):
			fail("stalled after %d of %d messages", read, count)
		}
	}
	elapsed := time.Since(start).Seconds()
	fmt.Printf("RESULT client=sarama records=%d elapsed_s=%.3f records_per_s=%.0f mb_per_s=%.1f\n",
		count, elapsed, float64(count-1)/elapsed, float64(bytes)/elapsed/1e6)
}

func commit(bootstrap, topic, group string, offset int64, c *sarama.Config) {
	client, err := sarama.NewClient([]string{bootstrap}, c)
	if err != nil {
		fail("client: %v", err)
	}
	defer client.Close()
	om, err := sarama.NewOffsetManagerFromClient(group, client)
	if err != nil {
		fail("offset manager: %v", err)
	}
	pom, err := om.ManagePartition(topic, 0)
	if err != nil {
		fail("manage partition: %v", err)
	}
	pom.MarkOffset(offset, "sarama-metadata")
	pom.Close()
	om.Close()
	// A second manager reads the committed offset back from the broker.
	om2, err := sarama.NewOffsetManagerFromClient(group, client)
	if err != nil {
		fail("offset manager: %v", err)
	}
	pom2, err := om2.ManagePartition(topic, 0)
	if err != nil {
		fail("manage partition: %v", err)
	}
	next, metadata := pom2.NextOffset()
	fmt.Printf("{\"committed\": %d, \"metadata\": %q}\n", next, metadata)
	pom2.Close()
	om2.Close()
}

type handler struct {
	want int
	read int
	done chan struct{}
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		emit(m.Partition, m.Offset, m.Key, m.Value, m.Timestamp)
		s.MarkMessage(m, "")
		h.read++
		if h.read == h.want {
			close(h.done)
			return nil
		}
	}
	return nil
}

func group(bootstrap, topic, groupID string, count int, c *sarama.Config) {
	c.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	g, err := sarama.NewConsumerGroup([]string{bootstrap}, groupID, c)
	if err != nil {
		fail("consumer group: %v", err)
	}
	h := &handler{want: count, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "consume: %v\n", err)
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	select {
	case <-h.done:
	case <-ctx.Done():
		fail("timed out after %d of %d messages", h.read, count)
	}
	time.Sleep(500 * time.Millisecond) // one auto-commit round after the last mark
	if err := g.Close(); err != nil {
		fail("close: %v", err)
	}
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: sarama_client produce|consume|commit|group ...")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "produce":
		produce(args[0], args[1], atoi(args[2]), config(args[3]))
	case "consume":
		consume(args[0], args[1], atoi(args[2]), config(args[3]))
	case "bench":
		bench(args[0], args[1], atoi(args[2]), config(args[3]))
	case "commit":
		commit(args[0], args[1], args[2], int64(atoi(args[3])), config(args[4]))
	case "group":
		group(args[0], args[1], args[2], atoi(args[3]), config(args[4]))
	default:
		fail("unknown mode %s", os.Args[1])
	}
}
