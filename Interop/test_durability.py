"""Restarts and crashes: acknowledged data survives, and nothing torn appears."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from confluent_kafka import TopicCollection, TopicPartition

import wire
from conftest import unique_topic
from helpers import (DeliveryLog, admin, assert_contiguous, consume_exactly, consumer, create_topic,
                     high_watermarks, producer, wait_for_topic)


def produce_acked(bootstrap: str, topic: str, count: int, partitions: int = 1, size: int = 100) -> list:
    p = producer(bootstrap, acks="all")
    dlog = DeliveryLog()
    for i in range(count):
        value = (f"{i:08d}|".encode() + bytes((i + j) % 251 for j in range(size)))
        while True:
            try:
                p.produce(topic, key=f"k{i}".encode(), value=value, partition=i % partitions,
                          headers=[("i", str(i).encode())], on_delivery=dlog)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(60) == 0
    assert dlog.errors == []
    assert len(dlog.acked) == count
    return dlog.acked


def headers_of(value: bytes) -> tuple:
    """The headers produce_acked attached; delivery reports do not carry them."""
    return (("i", str(int(value[:8])).encode()),)


def assert_all_acked_present(bootstrap: str, topic: str, acked: list, partitions: int,
                             expected_headers=lambda value: ()) -> None:
    expected = high_watermarks(bootstrap, topic, partitions)
    records = consume_exactly(bootstrap, topic, expected)
    assert_contiguous(records, expected)
    stored = {(r.partition, r.offset): r for r in records}
    for a in acked:
        r = stored.get((a.partition, a.offset))
        assert r is not None, f"acknowledged p{a.partition}@{a.offset} is missing"
        assert (r.key, r.value) == (a.key, a.value), f"p{a.partition}@{a.offset} differs"
        assert r.headers == expected_headers(a.value), f"p{a.partition}@{a.offset} headers differ"


def test_clean_restart_keeps_everything(broker):
    topic = unique_topic("restart")
    create_topic(broker.bootstrap, topic, 3)
    acked = produce_acked(broker.bootstrap, topic, 3000, partitions=3)
    broker.restart()
    assert high_watermarks(broker.bootstrap, topic, 3) == {0: 1000, 1: 1000, 2: 1000}
    assert_all_acked_present(broker.bootstrap, topic, acked, 3, headers_of)
    # ...and appends continue after the recovered end.
    more = produce_acked(broker.bootstrap, topic, 3, partitions=3)
    assert sorted((r.partition, r.offset) for r in more) == [(0, 1000), (1, 1000), (2, 1000)]


def test_kill9_during_acks_all_stream_keeps_acknowledged_records(broker):
    topic = unique_topic("crash")
    create_topic(broker.bootstrap, topic, 2)
    p = producer(broker.bootstrap, acks="all", **{"linger.ms": 1, "message.timeout.ms": 5000,
                                                  "retries": 0})
    dlog = DeliveryLog()
    stop = threading.Event()
    lock = threading.Lock()

    def on_delivery(err, msg):
        with lock:
            dlog(err, msg)

    def pump():
        i = 0
        while not stop.is_set():
            try:
                p.produce(topic, value=f"crash-{i}".encode() * 20, key=str(i).encode(),
                          partition=i % 2, on_delivery=on_delivery)
                i += 1
            except BufferError:
                p.poll(0.01)  # local queue full: wait for acks instead of spinning
                continue
            if i % 50 == 0:
                p.poll(0)

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while True:
        with lock:
            n = len(dlog.acked)
        if n >= 3000:
            break
        assert time.monotonic() < deadline, f"only {n} records acknowledged in 60s"
        time.sleep(0.01)
    broker.kill9()
    time.sleep(0.5)
    stop.set()
    t.join(timeout=10)
    p.purge()
    p.flush(10)
    with lock:
        acked = list(dlog.acked)
    assert len(acked) >= 3000

    broker.start()
    assert_all_acked_present(broker.bootstrap, topic, acked, 2)


def test_auto_created_topic_and_ids_survive_restart(broker):
    bs = broker.bootstrap
    topic = unique_topic("auto")
    p = producer(bs)
    dlog = DeliveryLog()
    p.produce(topic, value=b"auto-created")
    p.produce(topic, value=b"second", on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    a = admin(bs)
    before = a.describe_topics(TopicCollection([topic]))[topic].result(timeout=30)
    broker.restart()
    a = admin(broker.bootstrap)
    after = a.describe_topics(TopicCollection([topic]))[topic].result(timeout=30)
    assert str(after.topic_id) == str(before.topic_id)
    assert len(after.partitions) == len(before.partitions)
    hw = high_watermarks(broker.bootstrap, topic, len(after.partitions))
    assert sum(hw.values()) == 2


@pytest.mark.broker_args("--set", "log.segment.bytes=65536")
def test_small_segments_roll_and_read_back_across_restart(broker):
    topic = unique_topic("segs")
    create_topic(broker.bootstrap, topic, 1)
    acked = produce_acked(broker.bootstrap, topic, 4000, size=400)  # ~1.7 MB, dozens of segments
    # The broker is fresh, so the data dir holds only this partition's segments
    # (the directory layout is the broker's business; count `.log` files anywhere).
    segment_files = list(broker.data_dir.rglob("*.log"))
    assert len(segment_files) >= 10, f"expected many segments under {broker.data_dir}, found {segment_files}"
    broker.restart()
    assert_all_acked_present(broker.bootstrap, topic, acked, 1, headers_of)
    # Random access into the middle of old segments after restart.
    c = consumer(broker.bootstrap)
    try:
        for start in (0, 1234, 2999, 3999):
            c.assign([TopicPartition(topic, 0, start)])
            m = None
            deadline = time.monotonic() + 20
            while m is None and time.monotonic() < deadline:
                m = c.poll(0.5)
            assert m is not None and m.error() is None, m and m.error()
            assert m.offset() == start and m.value() == acked[start].value
    finally:
        c.close()


def test_deleted_topic_stays_deleted_after_restart(broker):
    topic = unique_topic("gone")
    create_topic(broker.bootstrap, topic, 1)
    produce_acked(broker.bootstrap, topic, 10)
    a = admin(broker.bootstrap)
    a.delete_topics([topic], operation_timeout=30)[topic].result(timeout=30)
    keep = unique_topic("kept")
    create_topic(broker.bootstrap, keep, 2)
    broker.restart()
    md = admin(broker.bootstrap).list_topics(timeout=10)
    assert topic not in md.topics
    wait_for_topic(broker.bootstrap, keep, 2)


def torn_tail(kind: str, next_offset: int) -> bytes:
    """Bytes a crash could leave after the last complete batch."""
    if kind == "partial-header":  # a batch header that claims more bytes than exist
        return struct.pack(">qi", next_offset, 5000) + b"\x00\x00\x00\x00\x02" + b"\x11" * 20
    if kind == "bad-crc-batch":  # a complete batch whose payload was only half written
        return wire.corrupt_last_byte(wire.record_batch([b"torn" * 50], base_offset=next_offset))
    if kind == "zeros":  # a preallocated or zero-filled block
        return b"\x00" * 4096
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["partial-header", "bad-crc-batch", "zeros"])
def test_recovery_truncates_a_torn_tail(broker, kind):
    topic = unique_topic("torn")
    create_topic(broker.bootstrap, topic, 1)
    acked = produce_acked(broker.bootstrap, topic, 500)
    broker.kill9()
    segments = sorted(p for p in broker.data_dir.rglob("*.log") if p.parent.name.startswith(topic))
    assert segments, f"no segment files for {topic} under {broker.data_dir}"
    with open(segments[-1], "ab") as f:
        f.write(torn_tail(kind, 500))
    broker.start()
    assert high_watermarks(broker.bootstrap, topic, 1) == {0: 500}
    assert_all_acked_present(broker.bootstrap, topic, acked, 1, headers_of)
    # The log continues right after the last good batch.
    more = produce_acked(broker.bootstrap, topic, 5)
    assert [r.offset for r in more] == [500, 501, 502, 503, 504]
    assert len(consume_exactly(broker.bootstrap, topic, {0: 505})) == 505
