"""acks=0 produce, LogAppendTime topics, and fetch limits smaller than one batch (confluent-kafka)."""

from __future__ import annotations

import os
import struct
import time

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, KafkaException, TopicPartition

import wire
from conftest import unique_topic
from helpers import DeliveryLog, admin, consumer, create_topic, high_watermarks, producer

OLD_TS_MS = 978_307_200_000  # 2001-01-01T00:00:00Z


def consume_messages(bootstrap: str, topic: str, count: int, timeout_s: float = 20, **conf) -> list:
    """The first `count` messages of partition 0, as confluent-kafka Message objects."""
    c = consumer(bootstrap, **conf)
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < count:
            assert time.monotonic() < deadline, f"consumed {len(out)} of {count} from {topic}"
            for m in c.consume(num_messages=count - len(out), timeout=0.5):
                if m.error() is not None:
                    raise KafkaException(m.error())
                out.append(m)
    finally:
        c.close()
    return out


def test_acks_zero_records_are_stored_and_broker_keeps_serving(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("acks0")
    create_topic(bs, topic, 1)
    p = producer(bs, acks=0, **{"linger.ms": 2})
    dlog = DeliveryLog()
    n = 500
    for i in range(n):
        p.produce(topic, key=str(i).encode(), value=f"fire-and-forget-{i}".encode(), partition=0,
                  on_delivery=dlog)
    assert p.flush(30) == 0
    assert dlog.errors == [] and len(dlog.acked) == n
    # With acks=0 nothing confirms the write; wait until the broker has appended them all.
    deadline = time.monotonic() + 10
    while high_watermarks(bs, topic, 1)[0] < n:
        assert time.monotonic() < deadline, f"high watermark {high_watermarks(bs, topic, 1)} < {n}"
        time.sleep(0.1)
    assert high_watermarks(bs, topic, 1) == {0: n}
    msgs = consume_messages(bs, topic, n)
    assert [(m.offset(), m.key(), m.value()) for m in msgs] == \
        [(i, str(i).encode(), f"fire-and-forget-{i}".encode()) for i in range(n)]

    # The same producer keeps working, and so does an acks=all one.
    for i in range(n, n + 10):
        p.produce(topic, value=f"fire-and-forget-{i}".encode(), partition=0)
    assert p.flush(30) == 0
    while high_watermarks(bs, topic, 1)[0] < n + 10:
        assert time.monotonic() < deadline + 10, f"later acks=0 records not appended: {high_watermarks(bs, topic, 1)}"
        time.sleep(0.1)
    p2 = producer(bs, acks="all")
    d2 = DeliveryLog()
    p2.produce(topic, value=b"acked", partition=0, on_delivery=d2)
    assert p2.flush(30) == 0
    assert d2.errors == [] and [r.offset for r in d2.acked] == [n + 10]
    assert admin(bs).list_topics(topic=topic, timeout=10).topics[topic].error is None


def produce_with_timestamp(bootstrap: str, topic: str, values: list[bytes], ts_ms: int) -> list[tuple]:
    """Produces with an explicit timestamp; returns each delivery report's (type, timestamp)."""
    p = producer(bootstrap)
    reports: list = []

    def on_delivery(err, msg):
        reports.append(err if err is not None else msg.timestamp())

    for v in values:
        p.produce(topic, value=v, partition=0, timestamp=ts_ms, on_delivery=on_delivery)
    assert p.flush(30) == 0
    assert len(reports) == len(values) and all(isinstance(r, tuple) for r in reports), reports
    return reports


def test_log_append_time_topic_overrides_producer_timestamp(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("lat")
    create_topic(bs, topic, 1, config={"message.timestamp.type": "LogAppendTime"})
    before_ms = int(time.time() * 1000)
    values = [f"lat-{i}".encode() for i in range(5)]
    reports = produce_with_timestamp(bs, topic, values, OLD_TS_MS)
    after_ms = int(time.time() * 1000)
    # The produce response carries the append time, so delivery reports show it too.
    for ts_type, ts in reports:
        assert ts_type == TIMESTAMP_LOG_APPEND_TIME and before_ms - 5000 <= ts <= after_ms + 5000, reports
    msgs = consume_messages(bs, topic, len(values))
    assert [m.value() for m in msgs] == values
    for m in msgs:
        ts_type, ts = m.timestamp()
        assert ts_type == TIMESTAMP_LOG_APPEND_TIME, (m.offset(), m.timestamp())
        assert before_ms - 5000 <= ts <= after_ms + 5000, f"append time {ts} not near now ({before_ms})"


def test_create_time_topic_keeps_producer_timestamp(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("ct")
    create_topic(bs, topic, 1)
    values = [f"ct-{i}".encode() for i in range(5)]
    reports = produce_with_timestamp(bs, topic, values, OLD_TS_MS)
    assert reports == [(TIMESTAMP_CREATE_TIME, OLD_TS_MS)] * len(values)
    msgs = consume_messages(bs, topic, len(values))
    assert [m.value() for m in msgs] == values
    assert [m.timestamp() for m in msgs] == [(TIMESTAMP_CREATE_TIME, OLD_TS_MS)] * len(values)


def test_batch_larger_than_fetch_limits_is_still_returned(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("bigrec")
    create_topic(bs, topic, 1)
    big = os.urandom(200 * 1024)
    p = producer(bs)
    dlog = DeliveryLog()
    p.produce(topic, key=b"big", value=big, partition=0, on_delivery=dlog)
    p.produce(topic, key=b"small", value=b"after", partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    msgs = consume_messages(bs, topic, 2, timeout_s=10,
                            **{"max.partition.fetch.bytes": 1024, "fetch.max.bytes": 1024,
                               "message.max.bytes": 1000})
    assert msgs[0].offset() == 0 and msgs[0].key() == b"big"
    assert len(msgs[0].value()) == len(big) and msgs[0].value() == big
    assert (msgs[1].offset(), msgs[1].value()) == (1, b"after")

    # The same at the wire level, where no client-side fetch-size growth can hide it:
    # Fetch v4 with max_bytes (request and partition) 1024 still gets the whole first batch.
    raw = wire.roundtrip(bs, wire.fetch_v4_request(31, topic, 0, 0, max_bytes=1024))
    cid, parts = wire.decode_fetch_v4(raw)
    assert cid == 31 and len(parts) == 1 and parts[0]["error"] == 0, parts
    records = parts[0]["records"]
    base_offset, batch_len = struct.unpack_from(">qi", records, 0)
    assert base_offset == 0
    assert len(records) >= 12 + batch_len > len(big), \
        f"first batch ({batch_len} bytes) not returned whole: got {len(records)} bytes"
