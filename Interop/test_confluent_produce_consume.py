"""confluent-kafka (librdkafka): bulk produce/consume fidelity and offset lookups."""

from __future__ import annotations

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, TopicPartition
from confluent_kafka.admin import OffsetSpec

from conftest import unique_topic
from helpers import (DeliveryLog, assert_contiguous, consume_exactly, consumer, create_topic,
                     high_watermarks, producer, admin)

PARTITIONS = 6
RECORDS = 100_000
BASE_TS = 1_700_000_000_000


def make_record(i: int):
    """Deterministic record i: covers null keys, null values, headers and varied sizes."""
    key = None if i % 17 == 0 else f"key-{i}".encode()
    if i % 23 == 0:
        value = None
    else:
        size = (i * 37) % 300
        value = bytes((i + j) % 256 for j in range(size))
    if i % 3 == 0:
        headers = []
    elif i % 3 == 1:
        headers = [("idx", str(i).encode())]
    else:
        headers = [("idx", str(i).encode()), ("bin", bytes([i % 256, 0, 255])), ("empty", b"")]
    return key, value, headers, BASE_TS + i


def test_produce_and_consume_100k_records_byte_for_byte(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("bulk")
    create_topic(bs, topic, PARTITIONS)

    dlog = DeliveryLog()
    p = producer(bs, **{"linger.ms": 10, "batch.size": 262144, "queue.buffering.max.messages": 200000})
    sent: dict[int, tuple] = {}
    for i in range(RECORDS):
        key, value, headers, ts = make_record(i)
        partition = i % PARTITIONS
        sent[i] = (partition, key, value, headers, ts)
        while True:
            try:
                p.produce(topic, value=value, key=key, headers=headers, timestamp=ts,
                          partition=partition, on_delivery=dlog)
                break
            except BufferError:
                p.poll(0.05)
        if i % 1000 == 0:
            p.poll(0)
    assert p.flush(120) == 0, "records still queued after flush"
    assert dlog.errors == []
    assert len(dlog.acked) == RECORDS

    per_partition = {p_: RECORDS // PARTITIONS + (1 if p_ < RECORDS % PARTITIONS else 0)
                     for p_ in range(PARTITIONS)}
    assert high_watermarks(bs, topic, PARTITIONS) == per_partition

    # Delivery order within a partition equals send order, so the k-th acked
    # offset of partition p is the k-th record sent to p.
    acked_by_pos = {(r.partition, r.offset): r for r in dlog.acked}
    assert len(acked_by_pos) == RECORDS, "two deliveries reported the same offset"

    records = consume_exactly(bs, topic, per_partition)
    assert_contiguous(records, per_partition)
    sent_by_partition: dict[int, list[int]] = {p_: [] for p_ in range(PARTITIONS)}
    for i in range(RECORDS):
        sent_by_partition[i % PARTITIONS].append(i)
    for r in records:
        i = sent_by_partition[r.partition][r.offset]
        _, key, value, headers, ts = sent[i]
        assert r.key == key, f"key mismatch at p{r.partition}@{r.offset}"
        assert r.value == value, f"value mismatch at p{r.partition}@{r.offset}"
        assert list(r.headers) == headers, f"headers mismatch at p{r.partition}@{r.offset}"
        assert r.timestamp == ts, f"timestamp mismatch at p{r.partition}@{r.offset}"
        assert acked_by_pos[(r.partition, r.offset)].value == value


@pytest.fixture(scope="module")
def timed_topic(module_broker):
    """One partition, timestamps BASE+i*1000 for i<9, then a late record back in time."""
    bs = module_broker.bootstrap
    topic = unique_topic("times")
    create_topic(bs, topic, 1)
    timestamps = [BASE_TS + i * 1000 for i in range(9)] + [BASE_TS + 500]
    p = producer(bs, **{"linger.ms": 0})
    dlog = DeliveryLog()
    for i, ts in enumerate(timestamps):
        p.produce(topic, value=f"v{i}".encode(), timestamp=ts, partition=0, on_delivery=dlog)
        if i >= 4:  # first five share a batch, the rest get a batch each
            p.flush(30)
    p.flush(30)
    assert dlog.errors == [] and [r.offset for r in dlog.acked] == list(range(10))
    return bs, topic, timestamps


def test_consumed_timestamps_are_create_time(timed_topic):
    bs, topic, timestamps = timed_topic
    c = consumer(bs)
    c.assign([TopicPartition(topic, 0, 0)])
    seen = []
    try:
        while len(seen) < len(timestamps):
            for m in c.consume(10, timeout=1):
                assert m.error() is None, m.error()
                seen.append(m.timestamp())
    finally:
        c.close()
    assert seen == [(TIMESTAMP_CREATE_TIME, ts) for ts in timestamps]


def test_watermarks_earliest_and_latest(timed_topic):
    bs, topic, _ = timed_topic
    c = consumer(bs)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False) == (0, 10)
    finally:
        c.close()


@pytest.mark.parametrize("delta,expected", [
    (-10_000, 0),   # before everything: the first record
    (0, 0),         # exactly the first timestamp
    (100, 1),       # between records 0 and 1
    (2000, 2),      # exactly record 2's timestamp
    (2500, 3),      # strictly between 2 and 3, lands in the multi-record batch
    (6000, 6),      # inside the one-record batches
    (8000, 8),      # the maximum timestamp
])
def test_offsets_for_times_returns_first_record_at_or_after(timed_topic, delta, expected):
    bs, topic, _ = timed_topic
    c = consumer(bs)
    try:
        [tp] = c.offsets_for_times([TopicPartition(topic, 0, BASE_TS + delta)], timeout=10)
    finally:
        c.close()
    assert tp.error is None
    assert tp.offset == expected


def test_offsets_for_times_after_last_timestamp_is_end(timed_topic):
    bs, topic, _ = timed_topic
    c = consumer(bs)
    try:
        [tp] = c.offsets_for_times([TopicPartition(topic, 0, BASE_TS + 60_000)], timeout=10)
    finally:
        c.close()
    assert tp.error is None
    assert tp.offset == -1  # Kafka's "no such record" answer


def test_admin_list_offsets_specs(timed_topic):
    bs, topic, _ = timed_topic
    a = admin(bs)
    tp = TopicPartition(topic, 0)
    specs = {
        "earliest": (OffsetSpec.earliest(), 0),
        "latest": (OffsetSpec.latest(), 10),
        "max_timestamp": (OffsetSpec.max_timestamp(), 8),
        "for_timestamp": (OffsetSpec.for_timestamp(BASE_TS + 3500), 4),
    }
    for name, (spec, expected) in specs.items():
        result = a.list_offsets({tp: spec}, request_timeout=10)[tp].result(timeout=10)
        assert result.offset == expected, f"{name}: {result.offset} != {expected}"
