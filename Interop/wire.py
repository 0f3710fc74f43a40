"""A tiny hand-written Kafka wire encoder/decoder for raw-socket tests.

Only what the raw-socket tests need: request framing, ApiVersions, Produce v3
with a RecordBatch v2 built here (CRC32C from the `crc32c` package), Fetch v4,
ListOffsets v1, and the flexible Metadata v12, DeleteTopics v6 and
IncrementalAlterConfigs v1 (for topic ids and resources the clients cannot
express), with decoders for the matching responses.
"""

from __future__ import annotations

import socket
import struct
import time

import crc32c

API_PRODUCE = 0
API_VERSIONS = 18


# -- primitives ---------------------------------------------------------------

def varint(n: int) -> bytes:
    """Zig-zag varint, as used inside records."""
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string(s: str | None) -> bytes:
    if s is None:
        return struct.pack(">h", -1)
    raw = s.encode()
    return struct.pack(">h", len(raw)) + raw


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def request_header_v1(api_key: int, version: int, correlation_id: int, client_id: str = "interop-raw") -> bytes:
    return struct.pack(">hhi", api_key, version, correlation_id) + string(client_id)


def request_header_v2(api_key: int, version: int, correlation_id: int, client_id: str = "interop-raw") -> bytes:
    return request_header_v1(api_key, version, correlation_id, client_id) + b"\x00"  # no tagged fields


# -- record batch v2 ---------------------------------------------------------

def record(offset_delta: int, timestamp_delta: int, key: bytes | None, value: bytes | None,
           headers: list[tuple[str, bytes | None]] = ()) -> bytes:
    body = bytearray(b"\x00")  # attributes
    body += varint(timestamp_delta) + varint(offset_delta)
    for blob in (key, value):
        body += varint(-1) if blob is None else varint(len(blob)) + blob
    body += varint(len(headers))
    for hk, hv in headers:
        kb = hk.encode()
        body += varint(len(kb)) + kb
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def record_batch(values: list[bytes], base_timestamp: int = 1_700_000_000_000, base_offset: int = 0) -> bytes:
    """A magic-2 batch, no compression, no producer id, with a valid CRC32C."""
    records = b"".join(record(i, i, None, v) for i, v in enumerate(values))
    after_crc = struct.pack(
        ">hiqqqhii",
        0,                      # attributes
        len(values) - 1,        # lastOffsetDelta
        base_timestamp,
        base_timestamp + len(values) - 1,
        -1, -1, -1,             # producerId, producerEpoch, baseSequence
        len(values),
    ) + records
    crc = crc32c.crc32c(after_crc)
    after_length = struct.pack(">ibI", 0, 2, crc) + after_crc  # leader epoch, magic, crc
    return struct.pack(">qi", base_offset, len(after_length)) + after_length


def corrupt_last_byte(batch: bytes) -> bytes:
    return batch[:-1] + bytes([batch[-1] ^ 0xFF])


# -- requests -------------------------------------------------------------------

def api_versions_request(version: int, correlation_id: int) -> bytes:
    body = b""
    if version >= 3:  # client software name/version, compact strings, tagged fields
        body = b"\x08interop" + b"\x041.0" + b"\x00"
    header = request_header_v2 if version >= 3 else request_header_v1
    return frame(header(API_VERSIONS, version, correlation_id) + body)


def produce_v3_request(correlation_id: int, topic: str, partition: int, batch: bytes, acks: int = -1,
                       version: int = 3) -> bytes:
    """Produce v3; `version` may be anything up to 8, whose requests are laid out the same."""
    body = string(None) + struct.pack(">hi", acks, 30000)
    body += struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">i", partition) + struct.pack(">i", len(batch)) + batch
    return frame(request_header_v1(API_PRODUCE, version, correlation_id) + body)


# -- responses ------------------------------------------------------------------

class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        vals = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return vals if len(vals) > 1 else vals[0]

    def string(self) -> str:
        n = self.take(">h")
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s


def decode_api_versions_v0(payload: bytes) -> tuple[int, int, dict[int, tuple[int, int]]]:
    """(correlation id, error code, {api key: (min, max)}) from a v0-format response."""
    r = Reader(payload)
    correlation_id, error = r.take(">ih")
    ranges = {}
    for _ in range(r.take(">i")):
        key, lo, hi = r.take(">hhh")
        ranges[key] = (lo, hi)
    return correlation_id, error, ranges


def decode_produce_v3(payload: bytes, version: int = 3) -> tuple[int, list[tuple[str, int, int, int]]]:
    """(correlation id, [(topic, partition, error code, base offset)]) of a Produce v3–v7 answer
    (v5 added each partition's log start offset)."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            index, error, base_offset, _append_time = r.take(">ihqq")
            if version >= 5:
                r.take(">q")
            out.append((name, index, error, base_offset))
    return correlation_id, out


# -- socket helpers ---------------------------------------------------------------

def connect(bootstrap: str, timeout: float = 10) -> socket.socket:
    host, port = bootstrap.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def recv_frame(s: socket.socket) -> bytes:
    (n,) = struct.unpack(">i", recv_exactly(s, 4))
    return recv_exactly(s, n)


def closed_within(s: socket.socket, seconds: float) -> bool:
    """True when the peer closes (EOF or reset) within `seconds`, discarding any bytes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not s.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
    return False


# -- fetch (v4, the lowest version the broker serves) ------------------------------

API_FETCH = 1


def fetch_v4_request(correlation_id: int, topic: str, partition: int, offset: int,
                     max_wait_ms: int = 0, max_bytes: int = 1 << 20, isolation: int = 0) -> bytes:
    """`isolation`: 0 read_uncommitted, 1 read_committed."""
    body = struct.pack(">iiiib", -1, max_wait_ms, 1, max_bytes, isolation)  # replica, wait, min bytes, max bytes
    body += struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, max_bytes)
    return frame(request_header_v1(API_FETCH, 4, correlation_id) + body)


def decode_fetch_v4(payload: bytes) -> tuple[int, list[dict]]:
    """(correlation id, partitions); `records_size` is the raw length field (-1 = null); `aborted`
    lists (producer id, first offset), None when the answer's list is null."""
    r = Reader(payload)
    correlation_id, _throttle = r.take(">ii")
    out = []
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            index, error, high_watermark, last_stable = r.take(">ihqq")
            count = r.take(">i")
            aborted = [r.take(">qq") for _ in range(max(count, 0))] if count >= 0 else None
            size = r.take(">i")
            records = payload[r.pos:r.pos + max(size, 0)]
            r.pos += max(size, 0)
            out.append({"topic": name, "partition": index, "error": error, "high_watermark": high_watermark,
                        "last_stable_offset": last_stable, "aborted": aborted, "records_size": size,
                        "records": records})
    return correlation_id, out


def batch_headers(records: bytes) -> list[dict]:
    """The RecordBatch v2 headers of a fetched records blob (a torn last batch is left out)."""
    out = []
    pos = 0
    while pos + 61 <= len(records):
        base_offset, length = struct.unpack_from(">qi", records, pos)
        if pos + 12 + length > len(records):
            break
        attributes, last_delta, base_timestamp = struct.unpack_from(">hiq", records, pos + 21)
        producer_id, epoch, _sequence, count = struct.unpack_from(">qhii", records, pos + 43)
        out.append({"base_offset": base_offset, "last_offset": base_offset + last_delta,
                    "compression": attributes & 0x7, "transactional": bool(attributes & 0x10), "control": bool(attributes & 0x20),
                    "delete_horizon": bool(attributes & 0x40), "base_timestamp": base_timestamp,
                    "producer_id": producer_id, "producer_epoch": epoch, "record_count": count})
        pos += 12 + length
    return out


# -- flexible (compact) encodings: Metadata v12, DeleteTopics v6 --------------------

API_METADATA = 3
API_DELETE_TOPICS = 20
ZERO_UUID = bytes(16)


def uvarint(n: int) -> bytes:
    """Unsigned varint, as used by compact lengths in flexible versions."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def compact_string(s: str | None) -> bytes:
    if s is None:
        return b"\x00"
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


def compact_array(items: list[bytes]) -> bytes:
    return uvarint(len(items) + 1) + b"".join(items)


def uuid_bytes(most: int, least: int) -> bytes:
    """A Kafka Uuid from its two signed 64-bit halves (confluent-kafka's Uuid accessors)."""
    return struct.pack(">qq", most, least)


def metadata_v12_request(correlation_id: int, topics: list[tuple[bytes, str | None]] | None,
                         allow_auto_create: bool = False) -> bytes:
    """`topics` is [(topic id, name or None)]; None asks for all topics."""
    if topics is None:
        body = b"\x00"  # null array
    else:
        body = compact_array([tid + compact_string(name) + b"\x00" for tid, name in topics])
    body += struct.pack(">??", allow_auto_create, False) + b"\x00"
    return frame(request_header_v2(API_METADATA, 12, correlation_id) + body)


def delete_topics_v6_request(correlation_id: int, topics: list[tuple[str | None, bytes]],
                             timeout_ms: int = 30000) -> bytes:
    """`topics` is [(name or None, topic id)]."""
    body = compact_array([compact_string(name) + tid + b"\x00" for name, tid in topics])
    body += struct.pack(">i", timeout_ms) + b"\x00"
    return frame(request_header_v2(API_DELETE_TOPICS, 6, correlation_id) + body)


class CompactReader(Reader):
    def uvarint(self) -> int:
        n = shift = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def compact_string(self) -> str | None:
        n = self.uvarint() - 1
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def compact_len(self) -> int:
        """Element count of a compact array; -1 for null."""
        return self.uvarint() - 1

    def uuid(self) -> bytes:
        u = self.data[self.pos:self.pos + 16]
        self.pos += 16
        return u

    def skip_tags(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            self.pos += self.uvarint()  # size, then data


def decode_metadata_v12(payload: bytes) -> tuple[int, list[dict]]:
    """(correlation id, topics) with each topic's error, name, id and partition count."""
    r = CompactReader(payload)
    correlation_id = r.take(">i")
    r.skip_tags()  # response header v1
    r.take(">i")  # throttle
    for _ in range(max(r.compact_len(), 0)):  # brokers
        r.take(">i")
        r.compact_string()
        r.take(">i")
        r.compact_string()
        r.skip_tags()
    r.compact_string()  # cluster id
    r.take(">i")  # controller id
    topics = []
    for _ in range(max(r.compact_len(), 0)):
        error = r.take(">h")
        name = r.compact_string()
        tid = r.uuid()
        internal = r.take(">?")
        partitions = 0
        for _ in range(max(r.compact_len(), 0)):
            r.take(">hiii")  # error, index, leader, leader epoch
            for _ in range(3):  # replicas, isr, offline
                for _ in range(max(r.compact_len(), 0)):
                    r.take(">i")
            r.skip_tags()
            partitions += 1
        r.take(">i")  # authorized operations
        r.skip_tags()
        topics.append({"error": error, "name": name, "topic_id": tid, "is_internal": internal,
                       "partitions": partitions})
    r.skip_tags()
    assert r.pos == len(payload), f"{len(payload) - r.pos} trailing bytes in Metadata v12 response"
    return correlation_id, topics


def decode_delete_topics_v6(payload: bytes) -> tuple[int, list[dict]]:
    r = CompactReader(payload)
    correlation_id = r.take(">i")
    r.skip_tags()
    r.take(">i")  # throttle
    out = []
    for _ in range(max(r.compact_len(), 0)):
        name = r.compact_string()
        tid = r.uuid()
        error = r.take(">h")
        message = r.compact_string()
        r.skip_tags()
        out.append({"name": name, "topic_id": tid, "error": error, "error_message": message})
    r.skip_tags()
    assert r.pos == len(payload), f"{len(payload) - r.pos} trailing bytes in DeleteTopics v6 response"
    return correlation_id, out


def roundtrip(bootstrap: str, request: bytes) -> bytes:
    """Send one framed request on a fresh connection and return the response payload."""
    s = connect(bootstrap)
    try:
        s.sendall(request)
        return recv_frame(s)
    finally:
        s.close()


# -- IncrementalAlterConfigs v1 (for resources clients refuse, e.g. BROKER "") ---------

API_INCREMENTAL_ALTER_CONFIGS = 44
RESOURCE_TOPIC = 2
RESOURCE_BROKER = 4
OP_SET, OP_DELETE = 0, 1


def incremental_alter_configs_v1_request(correlation_id: int, resource_type: int, resource_name: str,
                                         configs: list[tuple[str, int, str | None]],
                                         validate_only: bool = False) -> bytes:
    """`configs` is [(name, operation, value)]."""
    entries = [compact_string(k) + struct.pack(">b", op) + compact_string(v) + b"\x00" for k, op, v in configs]
    resource = struct.pack(">b", resource_type) + compact_string(resource_name) + compact_array(entries) + b"\x00"
    body = compact_array([resource]) + struct.pack(">?", validate_only) + b"\x00"
    return frame(request_header_v2(API_INCREMENTAL_ALTER_CONFIGS, 1, correlation_id) + body)


def decode_incremental_alter_configs_v1(payload: bytes) -> tuple[int, list[dict]]:
    r = CompactReader(payload)
    correlation_id = r.take(">i")
    r.skip_tags()
    r.take(">i")  # throttle
    out = []
    for _ in range(max(r.compact_len(), 0)):
        error = r.take(">h")
        message = r.compact_string()
        rtype = r.take(">b")
        name = r.compact_string()
        r.skip_tags()
        out.append({"error": error, "error_message": message, "resource_type": rtype, "resource_name": name})
    r.skip_tags()
    assert r.pos == len(payload), f"{len(payload) - r.pos} trailing bytes in IncrementalAlterConfigs v1 response"
    return correlation_id, out


# -- ListOffsets v1 -----------------------------------------------------------------

API_LIST_OFFSETS = 2
EARLIEST_TIMESTAMP, LATEST_TIMESTAMP = -2, -1


def list_offsets_v1_request(correlation_id: int, topic: str, partition: int, timestamp: int) -> bytes:
    body = struct.pack(">i", -1)  # replica id
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">iq", partition, timestamp)
    return frame(request_header_v1(API_LIST_OFFSETS, 1, correlation_id) + body)


def decode_list_offsets_v1(payload: bytes) -> tuple[int, list[tuple[str, int, int, int]]]:
    """(correlation id, [(topic, partition, error code, offset)])."""
    r = Reader(payload)
    correlation_id = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        name = r.string()
        for _ in range(r.take(">i")):
            index, error, _timestamp, offset = r.take(">ihqq")
            out.append((name, index, error, offset))
    return correlation_id, out
