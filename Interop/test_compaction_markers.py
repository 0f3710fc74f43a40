"""The cleaner removes transaction markers as Kafka's does: a confluent-kafka transactional producer
commits and aborts transactions over the same keys of a compacted topic; once nothing of a
transaction is left, its COMMIT or ABORT marker gets a delete horizon (`delete.retention.ms`) and
a later pass removes it. Seen through raw Fetch (batch attributes), a read_committed consumer, and a
broker restart."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import TopicPartition

import wire
from conftest import unique_topic
from helpers import DeliveryLog, consumer, create_topic, producer
from test_transactions import txn_producer

pytestmark = pytest.mark.broker_args("--set", "log.cleaner.backoff.ms=100")
KEYS = [b"k%d" % i for i in range(5)]
# Small segments roll after nearly every batch, so the cleaner sees each transaction's data and
# marker in closed segments soon after they are written.
CONFIG = {"cleanup.policy": "compact", "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01",
          "delete.retention.ms": "1500"}


def transaction(p, topic: str, tag: bytes, commit: bool) -> list[int]:
    """One transaction writing `tag` to every key; returns the offsets of its records."""
    dlog = DeliveryLog()
    p.begin_transaction()
    for key in KEYS:
        p.produce(topic, key=key, value=tag + b"|" + bytes(150), partition=0, on_delivery=dlog)
    p.flush(30)
    if commit:
        p.commit_transaction(30)
    else:
        p.abort_transaction(30)
    assert dlog.errors == [], dlog.errors
    return sorted(r.offset for r in dlog.acked)


def filler(bs: str, topic: str) -> None:
    """A plain record that rolls the active segment: more dirty data, so the cleaner passes again."""
    p = producer(bs)
    p.produce(topic, key=b"filler", value=bytes(1200), partition=0)
    assert p.flush(30) == 0


def fetch(bs: str, topic: str, isolation: int = 0) -> dict:
    _, [part] = wire.decode_fetch_v4(wire.roundtrip(bs, wire.fetch_v4_request(1, topic, 0, 0, isolation=isolation)))
    assert part["error"] == 0, part
    return part


def latest_committed(bs: str, topic: str, high: int) -> dict[bytes, bytes]:
    """Latest value per key a read_committed consumer from the log start reads up to `high`."""
    c = consumer(bs, **{"isolation.level": "read_committed", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, 0)])
    latest: dict[bytes, bytes] = {}
    last = -1
    deadline = time.monotonic() + 30
    try:
        while last < high - 1:
            assert time.monotonic() < deadline, f"read_committed reached {last} of {high}"
            for m in c.consume(num_messages=1000, timeout=0.3):
                assert m.error() is None, m.error()
                latest[m.key()] = m.value().split(b"|")[0]
                last = m.offset()
    finally:
        c.close()
    return latest


def test_cleaner_removes_markers_of_finished_transactions_after_their_horizon(broker):
    bs = broker.bootstrap
    topic = unique_topic("txn-compact")
    create_topic(bs, topic, 1, config=CONFIG)
    p = txn_producer(bs, f"markers-{uuid.uuid4().hex[:8]}")
    transaction(p, topic, b"A", commit=True)
    aborted = transaction(p, topic, b"B", commit=False)
    transaction(p, topic, b"C", commit=True)
    filler(bs, topic)
    last = transaction(p, topic, b"D", commit=True)

    # Markers of A, B and C have nothing of their transaction left once D supersedes every key;
    # passes (one per new segment) first set their horizon, then, 1.5 s on, remove them.
    seen_horizon = False
    deadline = time.monotonic() + 60
    while True:
        filler(bs, topic)
        batches = wire.batch_headers(fetch(bs, topic)["records"])
        seen_horizon = seen_horizon or any(b["control"] and b["delete_horizon"] for b in batches)
        old_markers = [b for b in batches if b["control"] and b["base_offset"] < last[0]]
        if not old_markers:
            break
        assert time.monotonic() < deadline, f"markers still in the log: {old_markers}"
        time.sleep(0.3)
    assert seen_horizon, "a marker was removed without first getting a delete horizon"
    # D's marker stays (its records do), and no batch of the aborted transaction is left.
    assert [b["base_offset"] for b in batches if b["control"]] == [last[-1] + 1]
    assert not [b for b in batches if aborted[0] <= b["base_offset"] <= aborted[-1]]

    def state() -> tuple:
        part = fetch(bs, topic, isolation=1)
        markers = [b["base_offset"] for b in wire.batch_headers(part["records"]) if b["control"]]
        return part["high_watermark"], part["last_stable_offset"], part["aborted"], markers

    high, lso, aborted_list, markers = state()
    assert lso == high and aborted_list == []
    assert markers == [last[-1] + 1]
    expected = {key: b"D" for key in KEYS} | {b"filler": bytes(1200)}
    assert latest_committed(bs, topic, high) == expected

    broker.stop()
    broker.start()
    assert state() == (high, lso, aborted_list, markers)
    assert latest_committed(bs, topic, high) == expected
    # The producer goes on after the restart, and its next transaction reads back as committed.
    after = transaction(p, topic, b"E", commit=True)
    assert latest_committed(bs, topic, after[-1] + 1) == {key: b"E" for key in KEYS} | {b"filler": bytes(1200)}
