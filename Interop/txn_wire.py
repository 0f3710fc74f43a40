"""Raw transaction frames (flexible versions) for tests that need what clients hide: exact error
codes for bad input, and DescribeTransactions / ListTransactions answers."""

import struct

from wire import CompactReader, compact_array, compact_string, frame, request_header_v2, roundtrip

API_INIT_PRODUCER_ID, API_ADD_PARTITIONS_TO_TXN, API_END_TXN = 22, 24, 26
API_DESCRIBE_TRANSACTIONS, API_LIST_TRANSACTIONS = 65, 66

NONE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_RECORD, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE = 0, 3, 87, 47, 48
INVALID_PRODUCER_ID_MAPPING, INVALID_TRANSACTION_TIMEOUT, OPERATION_NOT_ATTEMPTED = 49, 50, 55
PRODUCER_FENCED, TRANSACTIONAL_ID_NOT_FOUND, UNKNOWN_MEMBER_ID = 90, 105, 25


def _call(bootstrap: str, api_key: int, version: int, body: bytes) -> CompactReader:
    payload = roundtrip(bootstrap, frame(request_header_v2(api_key, version, 7) + body + b"\x00"))
    r = CompactReader(payload)
    assert r.take(">i") == 7
    r.skip_tags()  # response header v1
    return r


def init_producer_id(bootstrap: str, txn_id: str | None, timeout_ms: int = 60000,
                     producer_id: int = -1, epoch: int = -1) -> tuple[int, int, int]:
    """InitProducerId v4: (error, producer id, epoch)."""
    body = compact_string(txn_id) + struct.pack(">iqh", timeout_ms, producer_id, epoch)
    r = _call(bootstrap, API_INIT_PRODUCER_ID, 4, body)
    _, error, pid, epoch = r.take(">ihqh")
    return error, pid, epoch


def add_partitions(bootstrap: str, txn_id: str, pid: int, epoch: int, topic: str,
                   partitions: list[int], version: int = 3) -> dict[int, int]:
    """AddPartitionsToTxn v3: {partition: error}."""
    topics = compact_array([compact_string(topic)
                            + compact_array([struct.pack(">i", p) for p in partitions]) + b"\x00"])
    body = compact_string(txn_id) + struct.pack(">qh", pid, epoch) + topics
    r = _call(bootstrap, API_ADD_PARTITIONS_TO_TXN, version, body)
    r.take(">i")  # throttle
    return _partition_errors(r)


def _partition_errors(r) -> dict[int, int]:
    """The topics → partitions → (partition, error) answer shared by AddPartitionsToTxn and
    TxnOffsetCommit (flexible versions), flattened to {partition: error}."""
    errors = {}
    for _ in range(r.compact_len()):
        r.compact_string()
        for _ in range(r.compact_len()):
            partition, error = r.take(">ih")
            r.skip_tags()
            errors[partition] = error
        r.skip_tags()
    return errors

def end_txn(bootstrap: str, txn_id: str, pid: int, epoch: int, commit: bool, version: int = 3) -> int:
    body = compact_string(txn_id) + struct.pack(">qh?", pid, epoch, commit)
    r = _call(bootstrap, API_END_TXN, version, body)
    _, error = r.take(">ih")
    return error


def describe_transactions(bootstrap: str, txn_ids: list[str]) -> list[dict]:
    r = _call(bootstrap, API_DESCRIBE_TRANSACTIONS, 0, compact_array([compact_string(t) for t in txn_ids]))
    r.take(">i")
    out = []
    for _ in range(r.compact_len()):
        error = r.take(">h")
        txn_id, state = r.compact_string(), r.compact_string()
        timeout, start, pid, epoch = r.take(">iqqh")
        topics = {}
        for _ in range(r.compact_len()):
            name = r.compact_string()
            topics[name] = [r.take(">i") for _ in range(r.compact_len())]
            r.skip_tags()
        r.skip_tags()
        out.append(dict(error=error, id=txn_id, state=state, timeout_ms=timeout, start_ms=start,
                        producer_id=pid, epoch=epoch, topics=topics))
    return out


def list_transactions(bootstrap: str, states: list[str] = (), producer_ids: list[int] = ()) -> tuple[list[str], list[dict]]:
    """ListTransactions v0: (unknown state filters, [{id, producer_id, state}])."""
    body = compact_array([compact_string(s) for s in states]) + compact_array(
        [struct.pack(">q", p) for p in producer_ids])
    r = _call(bootstrap, API_LIST_TRANSACTIONS, 0, body)
    r.take(">ih")
    unknown = [r.compact_string() for _ in range(r.compact_len())]
    out = []
    for _ in range(r.compact_len()):
        txn_id = r.compact_string()
        pid = r.take(">q")
        out.append(dict(id=txn_id, producer_id=pid, state=r.compact_string()))
        r.skip_tags()
    return unknown, out


def transaction_log_partition(txn_id: str, partitions: int = 50) -> int:
    """Kafka's partition of __transaction_state: abs(String.hashCode()) % count."""
    h = 0
    units = txn_id.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (h * 31 + int.from_bytes(units[i:i + 2], "big")) & 0xFFFFFFFF
    if h >= 0x80000000:
        h -= 0x100000000
    return (0 if h == -0x80000000 else abs(h)) % partitions


def transaction_log_record(txn_id: str, pid: int, epoch: int, timeout_ms: int, status: int,
                           topics: dict[str, list[int]], now_ms: int, start_ms: int) -> tuple[bytes, bytes]:
    """A __transaction_state record in Kafka's layout (key v0, value v0)."""
    raw_id = txn_id.encode()
    key = struct.pack(">hh", 0, len(raw_id)) + raw_id
    value = struct.pack(">hqhib", 0, pid, epoch, timeout_ms, status) + struct.pack(">i", len(topics))
    for name, partitions in sorted(topics.items()):
        raw = name.encode()
        value += struct.pack(">h", len(raw)) + raw + struct.pack(">i", len(partitions))
        value += b"".join(struct.pack(">i", p) for p in sorted(partitions))
    value += struct.pack(">qq", now_ms, start_ms)
    return key, value


API_ADD_OFFSETS_TO_TXN, API_TXN_OFFSET_COMMIT = 25, 28


def add_offsets(bootstrap: str, txn_id: str, pid: int, epoch: int, group: str) -> int:
    """AddOffsetsToTxn v3: the error code."""
    body = compact_string(txn_id) + struct.pack(">qh", pid, epoch) + compact_string(group)
    r = _call(bootstrap, API_ADD_OFFSETS_TO_TXN, 3, body)
    _, error = r.take(">ih")
    return error


def txn_offset_commit(bootstrap: str, txn_id: str, group: str, pid: int, epoch: int, member_id: str,
                      generation: int, topic: str, offsets: dict[int, int]) -> dict[int, int]:
    """TxnOffsetCommit v3 (with member id and generation): {partition: error}."""
    partitions = [struct.pack(">iqi", p, o, -1) + compact_string("") + b"\x00" for p, o in sorted(offsets.items())]
    topics = compact_array([compact_string(topic) + compact_array(partitions) + b"\x00"])
    body = (compact_string(txn_id) + compact_string(group) + struct.pack(">qhi", pid, epoch, generation)
            + compact_string(member_id) + compact_string(None) + topics)
    r = _call(bootstrap, API_TXN_OFFSET_COMMIT, 3, body)
    r.take(">i")
    return _partition_errors(r)


def transactional_batch(pid: int, epoch: int, sequence: int, values: list[bytes], control: bool = False) -> bytes:
    """A record batch v2 with the transactional (and optionally control) attribute, via kafka-python."""
    from kafka.record.default_records import DefaultRecordBatchBuilder

    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=1, producer_id=pid,
                                        producer_epoch=epoch, base_sequence=sequence, batch_size=1 << 20)
    for i, value in enumerate(values):
        builder.append(i, timestamp=1_700_000_000_000, key=b"k", value=value, headers=[])
    batch = bytearray(builder.build())
    if control:
        # Set the control bit (5) in the attributes and recompute the CRC-32C over bytes 21..end.
        from kafka.record.util import calc_crc32c

        batch[22] |= 0x20
        struct.pack_into(">I", batch, 17, calc_crc32c(bytes(batch[21:])))
    return bytes(batch)


def produce_error(bootstrap: str, txn_id: str | None, topic: str, partition: int, batch: bytes) -> int:
    """Produce v3 with `txn_id` as the request's transactional id: the partition's error code."""
    from wire import API_PRODUCE, Reader, request_header_v1, string

    body = string(txn_id) + struct.pack(">hi", -1, 30000) + struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">ii", partition, len(batch)) + batch
    r = Reader(roundtrip(bootstrap, frame(request_header_v1(API_PRODUCE, 3, 11) + body)))
    r.take(">ii")  # correlation id, topic count
    r.string()
    r.take(">i")
    _, error, _, _ = r.take(">ihqq")
    return error


API_WRITE_TXN_MARKERS = 27


def write_txn_markers(bootstrap: str, pid: int, epoch: int, commit: bool, topic: str,
                      partitions: list[int]) -> dict[int, int]:
    """WriteTxnMarkers v1 with one marker: {partition: error}."""
    topics = compact_array([compact_string(topic) + compact_array([struct.pack(">i", p) for p in partitions])
                            + b"\x00"])
    marker = struct.pack(">qh?", pid, epoch, commit) + topics + struct.pack(">i", 0) + b"\x00"
    r = _call(bootstrap, API_WRITE_TXN_MARKERS, 1, compact_array([marker]))
    errors = {}
    for _ in range(r.compact_len()):
        r.take(">q")
        for _ in range(r.compact_len()):
            r.compact_string()
            for _ in range(r.compact_len()):
                partition, error = r.take(">ih")
                r.skip_tags()
                errors[partition] = error
            r.skip_tags()
        r.skip_tags()
    return errors
