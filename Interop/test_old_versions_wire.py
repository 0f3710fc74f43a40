"""Old protocol versions and message formats, checked with raw frames (wire_old.py).

Produce v0-v2 in the old MessageSet formats is stored as RecordBatch v2 (read back
by librdkafka at current versions), Fetch v0-v3 gets down-converted messages, and
ListOffsets v0, OffsetCommit v0/v1, OffsetFetch v0, Metadata v0 and JoinGroup v0
answer with their versions' semantics. Bad old-format input is CORRUPT_MESSAGE
and nothing of it is stored.
"""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from confluent_kafka import TopicPartition

import wire
import wire_old
from conftest import unique_topic
from helpers import DeliveryLog, consume_exactly, consumer, create_topic, producer

T0 = 1_700_000_000_000
CORRUPT_MESSAGE = 2


def roundtrip(bootstrap: str, request: bytes) -> bytes:
    return wire.roundtrip(bootstrap, request)


def produce(bootstrap: str, version: int, topic: str, message_set: bytes) -> dict:
    payload = roundtrip(bootstrap, wire_old.produce_request(version, 5, topic, 0, message_set))
    correlation_id, parts = wire_old.decode_produce(version, payload)
    assert correlation_id == 5 and len(parts) == 1
    return parts[0]


def fetch(bootstrap: str, version: int, topic: str, offset: int, max_bytes: int = 1 << 20) -> dict:
    payload = roundtrip(bootstrap, wire_old.fetch_request(version, 6, topic, 0, offset, max_bytes))
    correlation_id, parts = wire_old.decode_fetch(version, payload)
    assert correlation_id == 6 and len(parts) == 1
    return parts[0]


def latest_offset(bootstrap: str, topic: str) -> int:
    payload = roundtrip(bootstrap, wire.list_offsets_v1_request(1, topic, 0, wire.LATEST_TIMESTAMP))
    return wire.decode_list_offsets_v1(payload)[1][0][3]


@pytest.fixture
def topic(module_broker):
    name = unique_topic("old")
    create_topic(module_broker.bootstrap, name, 1)
    return name


def test_produce_v0_magic0_is_stored_and_read_at_every_fetch_version(module_broker, topic):
    bootstrap = module_broker.bootstrap
    entries = [(b"k0", b"v0"), (None, b"v1"), (b"k2", None)]
    message_set = b"".join(wire_old.message(0, k, v, magic=0) for k, v in entries)
    result = produce(bootstrap, 0, topic, message_set)
    assert (result["error"], result["base_offset"]) == (0, 0)
    for version, magic in ((0, 0), (1, 0), (2, 1), (3, 1)):
        part = fetch(bootstrap, version, topic, 0)
        assert part["error"] == 0 and part["high_watermark"] == 3
        got = [(m["offset"], m["magic"], m["key"], m["value"]) for m in part["messages"]]
        assert got == [(i, magic, k, v) for i, (k, v) in enumerate(entries)], f"Fetch v{version}"
    # Stored as RecordBatch v2: Fetch v4 sees a batch, librdkafka reads the same records.
    s = wire.connect(bootstrap)
    s.sendall(wire.fetch_v4_request(9, topic, 0, 0))
    _, parts = wire.decode_fetch_v4(wire.recv_frame(s))
    s.close()
    assert parts[0]["records"][16] == 2
    records = consume_exactly(bootstrap, topic, {0: 3})
    assert [(r.key, r.value) for r in records] == entries


def test_produce_v2_gzip_wrapper_keeps_timestamps_and_compression(module_broker, topic):
    bootstrap = module_broker.bootstrap
    produce(bootstrap, 2, topic, wire_old.message(0, b"first", b"x", timestamp=T0))
    inner = b"".join(wire_old.message(i, f"k{i}".encode(), f"v{i}".encode(), timestamp=T0 + 10 + i) for i in range(3))
    result = produce(bootstrap, 2, topic, wire_old.gzip_wrapper(inner, offset=2, timestamp=T0 + 12))
    assert (result["error"], result["base_offset"], result["log_append_time"]) == (0, 1, -1)
    part = fetch(bootstrap, 2, topic, 1)
    assert [(m["offset"], m["timestamp"], m["key"]) for m in part["messages"]] == [
        (1, T0 + 10, b"k0"), (2, T0 + 11, b"k1"), (3, T0 + 12, b"k2")]
    # The stored batch is gzip (attribute bits 0-2 of the v2 batch at offset 1).
    s = wire.connect(bootstrap)
    s.sendall(wire.fetch_v4_request(9, topic, 0, 1))
    _, parts = wire.decode_fetch_v4(wire.recv_frame(s))
    s.close()
    assert struct.unpack_from(">h", parts[0]["records"], 21)[0] & 0x07 == wire_old.CODEC_GZIP
    records = consume_exactly(bootstrap, topic, {0: 4})
    assert [r.timestamp for r in records] == [T0, T0 + 10, T0 + 11, T0 + 12]


def test_fetch_v3_down_converts_librdkafka_records_drops_headers_and_starts_at_the_offset(module_broker, topic):
    bootstrap = module_broker.bootstrap
    p = producer(bootstrap, **{"linger.ms": 50})
    dlog = DeliveryLog()
    for i in range(10):
        p.produce(topic, key=bytes([i, 0, 255]), value=bytes(range(i, i + 20)), partition=0,
                  timestamp=T0 + i, headers=[("h", b"dropped")], on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    part = fetch(bootstrap, 3, topic, 4)
    got = [(m["offset"], m["key"], m["value"], m["timestamp"]) for m in part["messages"]]
    assert got == [(i, bytes([i, 0, 255]), bytes(range(i, i + 20)), T0 + i) for i in range(4, 10)]
    # A small max_bytes still returns the first message; a limit is kept without cutting one in two.
    small = fetch(bootstrap, 3, topic, 0, max_bytes=10)
    assert [m["offset"] for m in small["messages"]] == [0] and len(small["records"]) > 10
    limited = fetch(bootstrap, 3, topic, 0, max_bytes=200)
    assert len(limited["records"]) <= 200 and [m["offset"] for m in limited["messages"]] == [0, 1, 2]  # 57 B each


@pytest.mark.parametrize("damage", ["bad_crc", "bad_inner_offset", "magic_3", "nested_wrapper", "truncated"])
def test_bad_old_format_input_is_corrupt_message_and_stores_nothing(module_broker, topic, damage):
    bootstrap = module_broker.bootstrap
    good = wire_old.message(0, b"k", b"value", timestamp=T0)
    if damage == "bad_crc":
        message_set = good[:-1] + b"X"
    elif damage == "bad_inner_offset":
        inner = wire_old.message(0, None, b"a", timestamp=T0) + wire_old.message(7, None, b"b", timestamp=T0)
        message_set = wire_old.gzip_wrapper(inner, offset=1, timestamp=T0)
    elif damage == "magic_3":
        body = bytearray(good[16:])
        body[0] = 3
        message_set = good[:12] + struct.pack(">I", zlib.crc32(bytes(body))) + bytes(body)
    elif damage == "nested_wrapper":
        once = wire_old.gzip_wrapper(good, offset=0, timestamp=T0)
        message_set = wire_old.gzip_wrapper(once, offset=0, timestamp=T0)
    else:
        message_set = good + good[:20]
    before = latest_offset(bootstrap, topic)
    result = produce(bootstrap, 2, topic, message_set)
    assert result["error"] == CORRUPT_MESSAGE
    assert latest_offset(bootstrap, topic) == before
    assert module_broker.running


def test_list_offsets_v0_answers_old_style_offsets(module_broker, topic):
    bootstrap = module_broker.bootstrap
    produce(bootstrap, 1, topic, b"".join(wire_old.message(0, None, b"x", timestamp=T0 + i) for i in range(3)))

    def offsets(timestamp: int, max_num: int) -> list[int]:
        payload = roundtrip(bootstrap, wire_old.list_offsets_v0_request(3, topic, 0, timestamp, max_num))
        correlation_id, parts = wire_old.decode_list_offsets_v0(payload)
        assert correlation_id == 3 and parts[0][1] == 0
        return parts[0][2]

    assert offsets(-1, 10) == [3, 0]
    assert offsets(-1, 1) == [3]
    assert offsets(-2, 10) == [0]
    assert offsets(T0 + 1, 1) == [1]


def test_offset_commit_v0_v1_and_offset_fetch_v0(module_broker, topic):
    bootstrap = module_broker.bootstrap
    group = unique_topic("oldgroup")
    payload = roundtrip(bootstrap, wire_old.offset_commit_request(0, 1, group, topic, 0, 42, metadata="v0"))
    assert wire_old.decode_offset_commit_v0(payload) == (1, [(0, 0)])
    payload = roundtrip(bootstrap, wire_old.offset_fetch_v0_request(2, group, topic, 0))
    assert wire_old.decode_offset_fetch_v0(payload) == (2, [(0, 42, "v0", 0)])
    payload = roundtrip(bootstrap, wire_old.offset_commit_request(1, 3, group, topic, 0, 43, metadata="v1",
                                                                  commit_timestamp=T0))
    assert wire_old.decode_offset_commit_v0(payload) == (3, [(0, 0)])
    payload = roundtrip(bootstrap, wire_old.offset_fetch_v0_request(4, group, topic, 0))
    assert wire_old.decode_offset_fetch_v0(payload) == (4, [(0, 43, "v1", 0)])
    # Unknown partitions are refused one by one.
    payload = roundtrip(bootstrap, wire_old.offset_commit_request(0, 5, group, topic, 9, 1))
    assert wire_old.decode_offset_commit_v0(payload) == (5, [(9, 3)])


def test_metadata_v0_lists_the_topic_with_this_node_as_leader(module_broker, topic):
    payload = roundtrip(module_broker.bootstrap, wire_old.metadata_v0_request(7, [topic]))
    correlation_id, brokers, topics = wire_old.decode_metadata_v0(payload)
    assert correlation_id == 7 and len(brokers) == 1
    node = brokers[0][0]
    assert topics == [{"error": 0, "name": topic, "partitions": [(0, 0, node)]}]


def test_join_group_v0_never_answers_member_id_required(module_broker):
    group = unique_topic("joinv0")
    response = wire_old.decode_join_group_v0(roundtrip(module_broker.bootstrap,
                                                       wire_old.join_group_v0_request(8, group)))
    assert response["error"] == 0
    assert response["member_id"] and response["leader"] == response["member_id"]
    assert response["members"] == [response["member_id"]] and response["generation"] >= 1


def test_describe_configs_v0_lists_every_topic_config_with_is_default(module_broker):
    bootstrap, topic = module_broker.bootstrap, unique_topic("cfg")
    create_topic(bootstrap, topic, 1, config={"retention.ms": "3600000"})
    payload = roundtrip(bootstrap, wire_old.describe_configs_v0_request(4, 2, topic))
    correlation_id, [result] = wire_old.decode_describe_configs_v0(payload)
    assert correlation_id == 4 and result["error"] == 0 and result["name"] == topic
    configs = result["configs"]
    assert configs["retention.ms"][:3] == ("3600000", False, False)
    assert configs["cleanup.policy"][:3] == ("delete", False, True)
    assert configs["message.downconversion.enable"][:3] == ("true", False, True)
    assert {"segment.bytes", "max.message.bytes", "compression.type", "message.timestamp.type"} <= set(configs)


@pytest.mark.broker_args("--set", "log.message.downconversion.enable=false")
def test_down_conversion_disabled_answers_unsupported_version(broker):
    bootstrap, name = broker.bootstrap, unique_topic("nodown")
    create_topic(bootstrap, name, 1)
    produce(bootstrap, 2, name, wire_old.message(0, None, b"x", timestamp=T0))
    assert fetch(bootstrap, 3, name, 0)["error"] == 35  # UNSUPPORTED_VERSION
    assert fetch(bootstrap, 3, name, 0)["records_size"] == 0
    assert consume_exactly(bootstrap, name, {0: 1})[0].value == b"x"  # v4+ clients are unaffected


def test_old_formats_need_produce_below_v3(module_broker, topic):
    message_set = wire_old.message(0, None, b"x", timestamp=T0)
    payload = roundtrip(module_broker.bootstrap, wire.produce_v3_request(5, topic, 0, message_set, acks=1))
    assert wire.decode_produce_v3(payload)[1][0][2] == 87  # INVALID_RECORD, as Kafka
    assert latest_offset(module_broker.bootstrap, topic) == 0


def offsets_partition(group: str, partitions: int = 50) -> int:
    """Kafka's __consumer_offsets partition: abs(Java String.hashCode) % partitions."""
    h = 0
    raw = group.encode("utf-16-be")
    for i in range(0, len(raw), 2):
        h = (31 * h + int.from_bytes(raw[i:i + 2], "big")) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    return (0 if h == -(1 << 31) else abs(h)) % partitions


def test_offset_commit_with_retention_is_stored_as_offset_value_v1(module_broker, topic):
    """Kafka writes OffsetCommitValue v1 (with the expire timestamp) for a commit with a retention
    time, v3 otherwise; tools that read __consumer_offsets (Burrow) parse both."""
    bootstrap, group = module_broker.bootstrap, unique_topic("retention")
    payload = roundtrip(bootstrap, wire_old.offset_commit_request(2, 1, group, topic, 0, 11, retention_ms=60_000))
    assert wire_old.decode_offset_commit_v0(payload) == (1, [(0, 0)])
    payload = roundtrip(bootstrap, wire_old.offset_commit_request(2, 2, group, topic, 0, 12))
    assert wire_old.decode_offset_commit_v0(payload) == (2, [(0, 0)])
    c = consumer(bootstrap)
    c.assign([TopicPartition("__consumer_offsets", offsets_partition(group), 0)])
    values = []
    deadline = time.monotonic() + 30
    while len(values) < 2 and time.monotonic() < deadline:
        for m in c.consume(100, 0.5):
            if m.error() is None and group.encode() in (m.key() or b"") and m.value() is not None:
                values.append(m.value())
    c.close()
    assert len(values) == 2
    version, offset = struct.unpack_from(">hq", values[0])
    commit_ts, expire_ts = struct.unpack_from(">qq", values[0], 10 + 2)  # after an empty metadata string
    assert (version, offset, expire_ts - commit_ts) == (1, 11, 60_000)
    assert struct.unpack_from(">hq", values[1]) == (3, 12)


def zstd_batch_from(bootstrap: str, topic: str) -> bytes:
    """A RecordBatch that librdkafka compressed with zstd, as the broker stored it."""
    create_topic(bootstrap, topic, 1)
    p = producer(bootstrap, **{"compression.type": "zstd"})
    dlog = DeliveryLog()
    for i in range(3):
        p.produce(topic, value=b"zstd record %d" % i, partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    _, [answer] = wire.decode_fetch_v4(roundtrip(bootstrap, wire.fetch_v4_request(1, topic, 0, 0)))
    assert answer["error"] == 0
    [header] = wire.batch_headers(answer["records"])
    assert header["compression"] == 4, header  # zstd
    return answer["records"]


def test_zstd_needs_produce_v7(module_broker):
    bootstrap = module_broker.bootstrap
    batch = zstd_batch_from(bootstrap, unique_topic("zsrc"))
    target = unique_topic("zdst")
    create_topic(bootstrap, target, 1)
    for version in (3, 6):
        payload = roundtrip(bootstrap, wire.produce_v3_request(7, target, 0, batch, acks=1, version=version))
        assert wire.decode_produce_v3(payload, version)[1][0][2] == 76, version  # UNSUPPORTED_COMPRESSION_TYPE
    assert latest_offset(bootstrap, target) == 0
    payload = roundtrip(bootstrap, wire.produce_v3_request(8, target, 0, batch, acks=1, version=7))
    assert wire.decode_produce_v3(payload, version=7)[1][0][2] == 0
    assert latest_offset(bootstrap, target) == 3


def test_a_zstd_topic_refuses_fetches_below_v10(module_broker):
    bootstrap, name = module_broker.bootstrap, unique_topic("ztopic")
    create_topic(bootstrap, name, 1, config={"compression.type": "zstd"})
    p = producer(bootstrap)
    dlog = DeliveryLog()
    p.produce(name, value=b"stored with zstd", partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    _, [answer] = wire.decode_fetch_v4(roundtrip(bootstrap, wire.fetch_v4_request(2, name, 0, 0)))
    assert answer["error"] == 76 and answer["records_size"] == 0  # UNSUPPORTED_COMPRESSION_TYPE
    assert answer["high_watermark"] == 1
    assert fetch(bootstrap, 3, name, 0)["error"] == 76
    # librdkafka fetches with v11+, which can read zstd.
    assert consume_exactly(bootstrap, name, {0: 1})[0].value == b"stored with zstd"
