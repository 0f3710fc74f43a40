"""Raw frames for the old protocol versions and message formats (magic 0 and 1).

Companion to wire.py (same framing and primitives): the old MessageSet with its
CRC-32 (zlib's), Produce v0-v2, Fetch v0-v3, ListOffsets v0, OffsetCommit v0/v1,
OffsetFetch v0, Metadata v0 and JoinGroup v0, with decoders for the responses.
Everything here is written from Kafka's protocol description, independently of
the broker's Swift code.
"""

from __future__ import annotations

import gzip
import struct
import zlib

from wire import Reader, frame, request_header_v1, string

API_PRODUCE, API_FETCH, API_LIST_OFFSETS, API_METADATA = 0, 1, 2, 3
API_OFFSET_COMMIT, API_OFFSET_FETCH, API_JOIN_GROUP = 8, 9, 11
CODEC_GZIP = 1
TIMESTAMP_LOG_APPEND = 0x08


# -- the old MessageSet ---------------------------------------------------------

def nbytes(b: bytes | None) -> bytes:
    return struct.pack(">i", -1) if b is None else struct.pack(">i", len(b)) + b


def message(offset: int, key: bytes | None, value: bytes | None, magic: int = 1, timestamp: int = -1,
            attributes: int = 0) -> bytes:
    """One MessageSet entry: offset, size, crc32(magic..value), magic, attributes, [timestamp], key, value."""
    body = struct.pack(">bb", magic, attributes)
    if magic >= 1:
        body += struct.pack(">q", timestamp)
    body += nbytes(key) + nbytes(value)
    return struct.pack(">qiI", offset, len(body) + 4, zlib.crc32(body)) + body


def gzip_wrapper(inner: bytes, offset: int, magic: int = 1, timestamp: int = -1, attributes: int = 0) -> bytes:
    """A compressed wrapper message whose value is the gzip of the inner MessageSet."""
    return message(offset, None, gzip.compress(inner), magic, timestamp, attributes | CODEC_GZIP)


def parse_message_set(data: bytes) -> list[dict]:
    """Every whole entry (a trailing partial one is ignored, as old clients do); CRCs are checked."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        offset, size = struct.unpack_from(">qi", data, pos)
        if pos + 12 + size > len(data):
            break
        crc = struct.unpack_from(">I", data, pos + 12)[0]
        body = data[pos + 16:pos + 12 + size]
        assert zlib.crc32(body) == crc, f"bad CRC at offset {offset}"
        r = Reader(body)
        magic, attributes = r.take(">bb")
        timestamp = r.take(">q") if magic >= 1 else None
        fields = []
        for _ in range(2):
            n = r.take(">i")
            fields.append(None if n < 0 else body[r.pos:r.pos + n])
            r.pos += max(n, 0)
        assert r.pos == len(body)
        out.append({"offset": offset, "magic": magic, "attributes": attributes, "timestamp": timestamp,
                    "key": fields[0], "value": fields[1]})
        pos += 12 + size
    return out


# -- Produce v0-v2 ----------------------------------------------------------------

def produce_request(version: int, correlation_id: int, topic: str, partition: int, message_set: bytes,
                    acks: int = 1) -> bytes:
    body = struct.pack(">hi", acks, 30000) + struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">i", partition) + nbytes(message_set)
    return frame(request_header_v1(API_PRODUCE, version, correlation_id) + body)


def decode_produce(version: int, payload: bytes) -> tuple[int, list[dict]]:
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            partition, error, base_offset = r.take(">ihq")
            entry = {"topic": name, "partition": partition, "error": error, "base_offset": base_offset}
            if version >= 2:
                entry["log_append_time"] = r.take(">q")
            out.append(entry)
    if version >= 1:
        r.take(">i")  # throttle
    assert r.pos == len(payload), "trailing bytes in Produce response"
    return correlation_id, out


# -- Fetch v0-v3 --------------------------------------------------------------------

def fetch_request(version: int, correlation_id: int, topic: str, partition: int, offset: int,
                  max_bytes: int = 1 << 20, max_wait_ms: int = 0) -> bytes:
    body = struct.pack(">iii", -1, max_wait_ms, 1)  # replica id, max wait, min bytes
    if version >= 3:
        body += struct.pack(">i", max_bytes)
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, max_bytes)
    return frame(request_header_v1(API_FETCH, version, correlation_id) + body)


def decode_fetch(version: int, payload: bytes) -> tuple[int, list[dict]]:
    r = Reader(payload)
    correlation_id = r.take(">i")
    if version >= 1:
        r.take(">i")  # throttle
    out = []
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            partition, error, high_watermark = r.take(">ihq")
            size = r.take(">i")
            records = payload[r.pos:r.pos + max(size, 0)]
            r.pos += max(size, 0)
            out.append({"topic": name, "partition": partition, "error": error, "high_watermark": high_watermark,
                        "records_size": size, "messages": parse_message_set(records), "records": records})
    assert r.pos == len(payload), "trailing bytes in Fetch response"
    return correlation_id, out


# -- ListOffsets v0 -----------------------------------------------------------------

def list_offsets_v0_request(correlation_id: int, topic: str, partition: int, timestamp: int, max_num: int) -> bytes:
    body = struct.pack(">i", -1) + struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">iqi", partition, timestamp, max_num)
    return frame(request_header_v1(API_LIST_OFFSETS, 0, correlation_id) + body)


def decode_list_offsets_v0(payload: bytes) -> tuple[int, list[tuple[int, int, list[int]]]]:
    """(correlation id, [(partition, error, offsets)])."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            partition, error = r.take(">ih")
            offsets = [r.take(">q") for _ in range(r.take(">i"))]
            out.append((partition, error, offsets))
    assert r.pos == len(payload)
    return correlation_id, out


# -- OffsetCommit v0/v1, OffsetFetch v0 -------------------------------------------------

def offset_commit_request(version: int, correlation_id: int, group: str, topic: str, partition: int, offset: int,
                          metadata: str = "", commit_timestamp: int = -1, generation: int = -1,
                          member: str = "", retention_ms: int = -1) -> bytes:
    """OffsetCommit v0-v4 (v1: per-partition commit timestamp; v2-v4: retention time)."""
    body = string(group)
    if version >= 1:
        body += struct.pack(">i", generation) + string(member)
    if 2 <= version <= 4:
        body += struct.pack(">q", retention_ms)
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">iq", partition, offset)
    if version == 1:
        body += struct.pack(">q", commit_timestamp)
    body += string(metadata)
    return frame(request_header_v1(API_OFFSET_COMMIT, version, correlation_id) + body)


def decode_offset_commit_v0(payload: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(correlation id, [(partition, error)]) (v0-v2 answer alike)."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        out += [r.take(">ih") for _ in range(r.take(">i"))]
    assert r.pos == len(payload)
    return correlation_id, out


def offset_fetch_v0_request(correlation_id: int, group: str, topic: str, partition: int) -> bytes:
    body = string(group) + struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">i", partition)
    return frame(request_header_v1(API_OFFSET_FETCH, 0, correlation_id) + body)


def decode_offset_fetch_v0(payload: bytes) -> tuple[int, list[tuple[int, int, str, int]]]:
    """(correlation id, [(partition, offset, metadata, error)])."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            partition, offset = r.take(">iq")
            metadata = r.string()
            out.append((partition, offset, metadata, r.take(">h")))
    assert r.pos == len(payload)
    return correlation_id, out


# -- Metadata v0 --------------------------------------------------------------------

def metadata_v0_request(correlation_id: int, topics: list[str]) -> bytes:
    body = struct.pack(">i", len(topics)) + b"".join(string(t) for t in topics)
    return frame(request_header_v1(API_METADATA, 0, correlation_id) + body)


def decode_metadata_v0(payload: bytes) -> tuple[int, list[tuple[int, str, int]], list[dict]]:
    """(correlation id, [(node, host, port)], [{error, name, partitions: [(error, id, leader)]}])."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    brokers = []
    for _ in range(r.take(">i")):
        node = r.take(">i")
        host = r.string()
        brokers.append((node, host, r.take(">i")))
    topics = []
    for _ in range(r.take(">i")):
        error = r.take(">h")
        name = r.string()
        partitions = []
        for _ in range(r.take(">i")):
            perror, pid, leader = r.take(">hii")
            [r.take(">i") for _ in range(r.take(">i"))]  # replicas
            [r.take(">i") for _ in range(r.take(">i"))]  # isr
            partitions.append((perror, pid, leader))
        topics.append({"error": error, "name": name, "partitions": partitions})
    assert r.pos == len(payload)
    return correlation_id, brokers, topics


# -- JoinGroup v0 ---------------------------------------------------------------------

def join_group_v0_request(correlation_id: int, group: str, member_id: str = "", session_timeout_ms: int = 10000) -> bytes:
    body = string(group) + struct.pack(">i", session_timeout_ms) + string(member_id) + string("consumer")
    body += struct.pack(">i", 1) + string("range") + nbytes(b"\x00\x00\x00\x00\x00\x00\x00\x00")
    return frame(request_header_v1(API_JOIN_GROUP, 0, correlation_id) + body)


def decode_join_group_v0(payload: bytes) -> dict:
    r = Reader(payload)
    correlation_id, error, generation = r.take(">ihi")
    protocol, leader, member = r.string(), r.string(), r.string()
    members = []
    for _ in range(r.take(">i")):
        member_id = r.string()
        n = r.take(">i")
        r.pos += max(n, 0)
        members.append(member_id)
    assert r.pos == len(payload)
    return {"correlation_id": correlation_id, "error": error, "generation": generation, "protocol": protocol,
            "leader": leader, "member_id": member, "members": members}


# -- DescribeConfigs v0 -----------------------------------------------------------------

API_DESCRIBE_CONFIGS = 32


def describe_configs_v0_request(correlation_id: int, resource_type: int, name: str) -> bytes:
    body = struct.pack(">i", 1) + struct.pack(">b", resource_type) + string(name) + struct.pack(">i", -1)
    return frame(request_header_v1(API_DESCRIBE_CONFIGS, 0, correlation_id) + body)


def decode_describe_configs_v0(payload: bytes) -> tuple[int, list[dict]]:
    """(correlation id, [{error, name, configs: {name: (value, read_only, is_default, is_sensitive)}}])."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    r.take(">i")  # throttle
    out = []
    for _ in range(r.take(">i")):
        error = r.take(">h")
        n = r.take(">h")
        r.pos += max(n, 0)  # error message
        r.take(">b")
        name = r.string()
        configs = {}
        for _ in range(r.take(">i")):
            key = r.string()
            n = r.take(">h")
            value = None if n < 0 else payload[r.pos:r.pos + n].decode()
            r.pos += max(n, 0)
            configs[key] = (value, *r.take(">???"))
        out.append({"error": error, "name": name, "configs": configs})
    assert r.pos == len(payload)
    return correlation_id, out
