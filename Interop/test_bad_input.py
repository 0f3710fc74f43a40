"""Hostile or broken bytes on a raw socket: the broker must shed the bad
connection, answer protocol errors correctly, and keep serving everyone else."""

from __future__ import annotations

import random
import struct

import pytest

import wire
from conftest import unique_topic
from helpers import DeliveryLog, consume_exactly, create_topic, producer

MAX_MESSAGE_BYTES = 100_000
pytestmark = pytest.mark.broker_args("--set", f"message.max.bytes={MAX_MESSAGE_BYTES}")
CLOSE_WITHIN_S = 5

# Kafka 3.9 ranges (down to v0) plus 4.0's newest versions, for the APIs built so far.
EXPECTED_RANGES = {
    18: (0, 4), 3: (0, 13), 0: (0, 12), 1: (0, 17), 2: (0, 10), 19: (0, 7),
    20: (0, 6), 37: (0, 3), 32: (0, 4), 44: (0, 1), 22: (0, 5),
}


@pytest.fixture(scope="module")
def seeded(module_broker):
    """A topic holding acknowledged records that every test re-reads afterwards."""
    topic = unique_topic("seed")
    create_topic(module_broker.bootstrap, topic, 1)
    p = producer(module_broker.bootstrap)
    dlog = DeliveryLog()
    for i in range(50):
        p.produce(topic, key=f"k{i}".encode(), value=f"seed-{i}".encode() * 10, partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    return topic, dlog.acked


@pytest.fixture(autouse=True)
def still_healthy_afterwards(module_broker, seeded):
    yield
    topic, acked = seeded
    assert module_broker.running, f"broker died:\n{module_broker.log_tail()}"
    # A normal client still produces...
    p = producer(module_broker.bootstrap)
    dlog = DeliveryLog()
    p.produce(topic, value=b"after", partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    # ...and the earlier acknowledged data is intact.
    records = consume_exactly(module_broker.bootstrap, topic, {0: dlog.acked[0].offset + 1})
    for a in acked:
        r = records[a.offset]
        assert (r.offset, r.key, r.value) == (a.offset, a.key, a.value)


def test_garbage_bytes_close_the_connection(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert wire.closed_within(s, CLOSE_WITHIN_S)
    s.close()


def test_random_frame_is_rejected(module_broker):
    rng = random.Random(1234)
    s = wire.connect(module_broker.bootstrap)
    # A sane length, then an unknown api key and noise.
    payload = struct.pack(">hhi", 0x5A5A, 7, 1) + bytes(rng.randrange(256) for _ in range(60))
    s.sendall(wire.frame(payload))
    assert wire.closed_within(s, CLOSE_WITHIN_S)
    s.close()


def test_negative_length_prefix_closes_the_connection(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(struct.pack(">i", -5) + b"\x00" * 16)
    assert wire.closed_within(s, CLOSE_WITHIN_S)
    s.close()


def test_huge_length_prefix_closes_before_reading_the_body(module_broker):
    s = wire.connect(module_broker.bootstrap)
    # Claim 200 MiB but send only a header's worth: a broker that waits for the
    # body (or allocates it) would not close promptly.
    s.sendall(struct.pack(">i", 200 * 1024 * 1024) + wire.request_header_v1(18, 0, 1))
    assert wire.closed_within(s, CLOSE_WITHIN_S)
    s.close()


def test_truncated_body_then_close_is_harmless(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(struct.pack(">i", 100) + wire.request_header_v1(18, 0, 1) + b"\x00" * 10)
    s.close()
    # A second connection that does the same and lingers is dropped or ignored,
    # never answered as though the frame were complete.
    s = wire.connect(module_broker.bootstrap)
    s.sendall(struct.pack(">i", 100) + wire.request_header_v1(18, 0, 2))
    s.settimeout(1)
    try:
        data = s.recv(4)
    except (TimeoutError, OSError):
        data = b""
    assert data == b""
    s.close()


def test_frame_shorter_than_a_header_closes_the_connection(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(wire.frame(b"\x00\x12\x00"))
    assert wire.closed_within(s, CLOSE_WITHIN_S)
    s.close()


def test_unknown_api_key_closes_or_errors(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(wire.frame(wire.request_header_v1(999, 0, 4242)))
    s.settimeout(CLOSE_WITHIN_S)
    try:
        first = s.recv(4)
    except ConnectionResetError:
        first = b""
    if first:
        # Answered instead of closed: it must at least be our correlation id.
        n = struct.unpack(">i", first)[0]
        body = wire.recv_exactly(s, n)
        assert struct.unpack(">i", body[:4])[0] == 4242
    s.close()


def test_api_versions_known_versions_answer(module_broker):
    for version in (0, 3):
        s = wire.connect(module_broker.bootstrap)
        s.sendall(wire.api_versions_request(version, 77))
        payload = wire.recv_frame(s)
        s.close()
        assert struct.unpack(">ih", payload[:6]) == (77, 0), f"v{version}"
        if version == 0:
            _, _, ranges = wire.decode_api_versions_v0(payload)
            for key, expected in EXPECTED_RANGES.items():
                assert ranges.get(key) == expected, f"api {key}: {ranges.get(key)} != {expected}"


def test_api_versions_unsupported_version_gets_v0_error_with_ranges(module_broker):
    s = wire.connect(module_broker.bootstrap)
    s.sendall(wire.api_versions_request(99, 31337))
    payload = wire.recv_frame(s)
    correlation_id, error, ranges = wire.decode_api_versions_v0(payload)
    assert correlation_id == 31337
    assert error == 35  # UNSUPPORTED_VERSION
    for key, expected in EXPECTED_RANGES.items():
        assert ranges.get(key) == expected, f"api {key}: {ranges.get(key)} != {expected}"
    # The connection stays usable for a supported version afterwards.
    s.sendall(wire.api_versions_request(0, 31338))
    assert struct.unpack(">ih", wire.recv_frame(s)[:6]) == (31338, 0)
    s.close()


def raw_produce(bootstrap: str, topic: str, batch: bytes, correlation_id: int):
    s = wire.connect(bootstrap)
    try:
        s.sendall(wire.produce_v3_request(correlation_id, topic, 0, batch))
        got_id, results = wire.decode_produce_v3(wire.recv_frame(s))
    finally:
        s.close()
    assert got_id == correlation_id
    assert [(t, p) for t, p, _, _ in results] == [(topic, 0)]
    return results[0][2], results[0][3]


def test_raw_produce_of_a_valid_batch_succeeds(module_broker):
    topic = unique_topic("raw")
    create_topic(module_broker.bootstrap, topic, 1)
    values = [b"alpha", b"beta", b"gamma"]
    error, base = raw_produce(module_broker.bootstrap, topic, wire.record_batch(values), 11)
    assert (error, base) == (0, 0)
    records = consume_exactly(module_broker.bootstrap, topic, {0: 3})
    assert [r.value for r in records] == values
    assert [r.key for r in records] == [None, None, None]


def test_corrupted_crc_is_rejected_and_not_stored(module_broker):
    topic = unique_topic("crc")
    create_topic(module_broker.bootstrap, topic, 1)
    batch = wire.corrupt_last_byte(wire.record_batch([b"will be corrupted"]))
    error, _ = raw_produce(module_broker.bootstrap, topic, batch, 12)
    assert error == 2  # CORRUPT_MESSAGE
    # Nothing was appended: the next good batch lands at offset 0.
    error, base = raw_produce(module_broker.bootstrap, topic, wire.record_batch([b"good"]), 13)
    assert (error, base) == (0, 0)


def test_record_larger_than_message_max_bytes_is_rejected(module_broker):
    topic = unique_topic("big")
    create_topic(module_broker.bootstrap, topic, 1)
    batch = wire.record_batch([b"x" * (MAX_MESSAGE_BYTES + 1000)])
    error, _ = raw_produce(module_broker.bootstrap, topic, batch, 14)
    assert error == 10  # MESSAGE_TOO_LARGE
    error, base = raw_produce(module_broker.bootstrap, topic, wire.record_batch([b"small"]), 15)
    assert (error, base) == (0, 0)
