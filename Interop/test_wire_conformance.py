"""Byte-level details that older clients depend on, checked with raw requests.

librdkafka 2.0 (Debian's kcat) fails to parse a whole Fetch response when any
partition's records field is null (length -1), error or not, and then retries
forever; so an empty result must be sent as zero bytes, as Kafka's log reads do.
"""

from __future__ import annotations

import pytest

import wire
import wire_old
from conftest import unique_topic
from helpers import DeliveryLog, create_topic, producer


@pytest.fixture(scope="module")
def topic_with_three_records(module_broker):
    topic = unique_topic("wire")
    create_topic(module_broker.bootstrap, topic, 1)
    p = producer(module_broker.bootstrap)
    dlog = DeliveryLog()
    for i in range(3):
        p.produce(topic, value=f"r{i}".encode(), partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    return module_broker.bootstrap, topic


def fetch(bootstrap: str, topic: str, offset: int) -> dict:
    s = wire.connect(bootstrap)
    try:
        s.sendall(wire.fetch_v4_request(9, topic, 0, offset))
        correlation_id, parts = wire.decode_fetch_v4(wire.recv_frame(s))
    finally:
        s.close()
    assert correlation_id == 9 and len(parts) == 1
    return parts[0]


def test_fetch_from_start_returns_the_batches(topic_with_three_records):
    part = fetch(*topic_with_three_records, 0)
    assert part["error"] == 0
    assert part["high_watermark"] == 3
    assert part["records_size"] > 61  # at least one RecordBatch v2 header
    assert part["records"][16] == 2  # magic byte of the first batch


def test_fetch_at_the_end_sends_empty_not_null_records(topic_with_three_records):
    part = fetch(*topic_with_three_records, 3)
    assert (part["error"], part["high_watermark"]) == (0, 3)
    assert part["records_size"] == 0


def test_fetch_out_of_range_sends_error_and_empty_records(topic_with_three_records):
    part = fetch(*topic_with_three_records, 50)
    assert part["error"] == 1  # OFFSET_OUT_OF_RANGE
    assert part["records_size"] == 0


def test_fetch_unknown_topic_sends_error_and_empty_records(module_broker):
    part = fetch(module_broker.bootstrap, unique_topic("nope"), 0)
    assert part["error"] == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert part["records_size"] == 0


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_old_fetch_versions_send_empty_not_null_records(topic_with_three_records, version):
    """The same rule for Fetch v0-v3, whose records are down-converted (wire_old.py)."""
    bootstrap, topic = topic_with_three_records
    for name, offset, error in ((topic, 3, 0), (topic, 50, 1), (unique_topic("nope"), 0, 3)):
        payload = wire.roundtrip(bootstrap, wire_old.fetch_request(version, 4, name, 0, offset))
        _, [part] = wire_old.decode_fetch(version, payload)
        assert (part["error"], part["records_size"]) == (error, 0), (name, offset)
    _, [part] = wire_old.decode_fetch(version, wire.roundtrip(bootstrap, wire_old.fetch_request(version, 5, topic, 0, 0)))
    assert [m["value"] for m in part["messages"]] == [b"r0", b"r1", b"r2"]
    assert {m["magic"] for m in part["messages"]} == {0 if version < 2 else 1}
