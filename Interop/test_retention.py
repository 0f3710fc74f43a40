"""Retention run by the broker's periodic check: ListOffsets earliest advances, old offsets go away."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import KafkaError, TopicPartition
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, OffsetSpec

import wire
from conftest import unique_topic
from helpers import OP_TIMEOUT_S, DeliveryLog, admin, consumer, create_topic, producer

pytestmark = pytest.mark.broker_args("--set", "log.retention.check.interval.ms=200")
SEGMENT_BYTES = 16384
OFFSET_OUT_OF_RANGE = 1


def produce_many(bootstrap: str, topic: str, count: int, size: int = 1000) -> list[bytes]:
    # Small batches, so segments roll every ~16 records instead of holding one huge batch.
    p = producer(bootstrap, **{"batch.size": 4096, "linger.ms": 1})
    dlog = DeliveryLog()
    values = [f"{i:08d}|".encode() + bytes((i + j) % 251 for j in range(size)) for i in range(count)]
    for v in values:
        p.produce(topic, value=v, partition=0, on_delivery=dlog)
    assert p.flush(30) == 0
    assert dlog.errors == [] and [r.offset for r in dlog.acked] == list(range(count))
    return values


def kept_bytes(values: list[bytes], earliest: int) -> int:
    return sum(len(v) for v in values[earliest:])


def segment_count(broker, topic: str) -> int:
    return len([p for p in broker.data_dir.rglob("*.log") if p.parent.name.startswith(topic)])


def raw_offsets(bootstrap: str, topic: str) -> tuple[int, int]:
    """(earliest, latest) of partition 0 with raw ListOffsets v1 requests: cheap enough to poll.
    (A fresh AdminClient per poll sometimes stalls 1-3 s in librdkafka's bootstrap hand-over.)"""
    out = []
    for ts in (wire.EARLIEST_TIMESTAMP, wire.LATEST_TIMESTAMP):
        _, parts = wire.decode_list_offsets_v1(wire.roundtrip(bootstrap, wire.list_offsets_v1_request(61, topic, 0, ts)))
        assert len(parts) == 1 and parts[0][2] == 0, parts
        out.append(parts[0][3])
    return out[0], out[1]


def wait_for_earliest(bootstrap: str, topic: str, done, timeout_s: float = 8) -> tuple[int, int]:
    """Polls ListOffsets until `done(earliest)`; retention may trim in several checks."""
    deadline = time.monotonic() + timeout_s
    while True:
        earliest, latest = raw_offsets(bootstrap, topic)
        if done(earliest):
            return earliest, latest
        assert time.monotonic() < deadline, f"retention never advanced the log start: ({earliest}, {latest})"
        time.sleep(0.05)


def assert_retained_tail(broker, topic: str, values: list[bytes], done=lambda earliest: earliest > 0) -> int:
    """Earliest advanced, latest did not move, the tail reads back, offset 0 is out of range."""
    bs = broker.bootstrap
    n = len(values)
    earliest, latest = wait_for_earliest(bs, topic, done)
    assert latest == n, f"latest offset moved: {latest} != {n}"
    assert 0 < earliest < n, earliest
    # The clients see the same: AdminClient.list_offsets and the consumer's watermarks.
    a = admin(bs)
    tp = TopicPartition(topic, 0)
    listed = a.list_offsets({tp: OffsetSpec.earliest()}, request_timeout=OP_TIMEOUT_S)[tp].result(OP_TIMEOUT_S)
    assert listed.offset == earliest

    c = consumer(bs)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (earliest, n)
        c.assign([TopicPartition(topic, 0, earliest)])
        got = []
        deadline = time.monotonic() + 10
        while len(got) < n - earliest:
            assert time.monotonic() < deadline, f"read {len(got)} of {n - earliest} retained records"
            for m in c.consume(num_messages=1000, timeout=0.5):
                assert m.error() is None, m.error()
                got.append((m.offset(), m.value()))
        assert got == [(o, values[o]) for o in range(earliest, n)]
    finally:
        c.close()

    # A consumer asked to start at the deleted offset 0 with auto.offset.reset=error reports it...
    c = consumer(bs, **{"auto.offset.reset": "error"})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        err = None
        deadline = time.monotonic() + 10
        while err is None and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None:
                assert m.error() is not None, f"read p0@{m.offset()} although offset 0 was deleted"
                err = m.error()
        assert err is not None and err.code() == KafkaError._AUTO_OFFSET_RESET, err
        assert "out of range" in err.str().lower(), err.str()
    finally:
        c.close()
    # ...and a raw Fetch at offset 0 gets OFFSET_OUT_OF_RANGE.
    _, parts = wire.decode_fetch_v4(wire.roundtrip(bs, wire.fetch_v4_request(51, topic, 0, 0)))
    assert (parts[0]["error"], parts[0]["records_size"]) == (OFFSET_OUT_OF_RANGE, 0), parts[0]
    return earliest


def test_time_retention_deletes_old_segments(broker):
    topic = unique_topic("ret-ms")
    create_topic(broker.bootstrap, topic, 1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.ms": "1000"})
    values = produce_many(broker.bootstrap, topic, 200)
    before = segment_count(broker, topic)
    assert before >= 5, f"expected several segments, found {before}"
    # Every segment but the active one expires, so only about one segment of records stays.
    assert_retained_tail(broker, topic, values, done=lambda earliest: kept_bytes(values, earliest) <= 2 * SEGMENT_BYTES)
    assert segment_count(broker, topic) < before


def test_size_retention_deletes_old_segments(broker):
    topic = unique_topic("ret-bytes")
    create_topic(broker.bootstrap, topic, 1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.bytes": str(3 * SEGMENT_BYTES)})
    values = produce_many(broker.bootstrap, topic, 300)
    # Size retention keeps about retention.bytes (plus the active segment), far from everything.
    assert_retained_tail(broker, topic, values, done=lambda earliest: kept_bytes(values, earliest) <= 5 * SEGMENT_BYTES)


def test_dynamic_broker_retention_bytes_applies_to_existing_topics(broker):
    bs = broker.bootstrap
    topic = unique_topic("ret-dyn")
    create_topic(bs, topic, 1, config={"segment.bytes": str(SEGMENT_BYTES)})
    values = produce_many(bs, topic, 200)
    time.sleep(0.8)  # several retention checks: the defaults keep everything
    assert raw_offsets(bs, topic) == (0, 200)

    r = ConfigResource(ConfigResource.Type.BROKER, "1", incremental_configs=[
        ConfigEntry("log.retention.bytes", str(2 * SEGMENT_BYTES), incremental_operation=AlterConfigOpType.SET)])
    a = admin(bs)
    a.incremental_alter_configs([r])[r].result(timeout=OP_TIMEOUT_S)
    assert_retained_tail(broker, topic, values, done=lambda earliest: kept_bytes(values, earliest) <= 4 * SEGMENT_BYTES)
