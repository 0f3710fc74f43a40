"""The Swift client library (SluiceClient) against real clients, through its driver
`sluice-client-interop` (Tools/SluiceClientInterop): what the Swift producer writes,
confluent-kafka and kafka-python read byte for byte, and the reverse; keyed records land on the
partition librdkafka's murmur2 partitioner picks; a Swift consumer and a librdkafka consumer
share the partitions of one group."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KTopicPartition

from conftest import REPO_ROOT, unique_topic
from helpers import commit_abort_commit, create_topic

RECORDS = 60


def driver() -> Path:
    env = os.environ.get("SLUICE_CLIENT_INTEROP_BIN")
    path = Path(env) if env else REPO_ROOT / ".build" / "debug" / "sluice-client-interop"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `swift build --product sluice-client-interop`")
    return path


def run_driver(*args: str, stdin: str = "", timeout: float = 90) -> list[dict]:
    done = subprocess.run([str(driver()), *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def sample_records(topic: str) -> list[dict]:
    """Keys (null, empty, binary), values (null, empty, every byte value), headers (repeated
    keys, null values) and explicit timestamps."""
    records = []
    for i in range(RECORDS):
        key = None if i % 7 == 0 else (b"" if i % 11 == 0 else bytes([i, 0, 255 - i]) + f"k{i}".encode())
        value = None if i == 5 else bytes((i * 13 + j) % 256 for j in range(i * 9))
        headers = [("trace", f"t{i}".encode()), ("trace", None), ("bin", bytes([0, i]))][: i % 4]
        records.append({
            "topic": topic, "partition": i % 2,
            "key": key.hex() if key is not None else None,
            "value": value.hex() if value is not None else None,
            "headers": [[k, v.hex() if v is not None else None] for k, v in headers],
            "timestamp": 1_700_000_000_000 + i * 1000,
        })
    return records


def as_bytes(hex_text):
    return bytes.fromhex(hex_text) if hex_text is not None else None


@pytest.mark.parametrize("compression", ["none", "zstd"])
def test_swift_producer_read_byte_for_byte_by_confluent_and_kafka_python(broker, compression):
    topic = unique_topic("swift-out")
    create_topic(broker.bootstrap, topic, partitions=2)
    sent = sample_records(topic)
    acks = run_driver("produce", broker.bootstrap, "all", compression, stdin="\n".join(json.dumps(r) for r in sent))
    assert len(acks) == RECORDS
    expected = {}
    for record, ack in zip(sent, acks):
        assert ack["partition"] == record["partition"]
        expected[(ack["partition"], ack["offset"])] = record
    assert sorted(expected) == sorted((p, o) for p in (0, 1) for o in range(RECORDS // 2))

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "fetch.wait.max.ms": 100})
    c.assign([TopicPartition(topic, p, 0) for p in (0, 1)])
    got = {}
    deadline = time.monotonic() + 60
    while len(got) < RECORDS and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got[(m.partition(), m.offset())] = m
    c.close()
    assert len(got) == RECORDS
    for position, m in got.items():
        record = expected[position]
        assert m.key() == as_bytes(record["key"])
        assert m.value() == as_bytes(record["value"])
        assert (m.headers() or []) == [(k, as_bytes(v)) for k, v in record["headers"]]
        assert m.timestamp()[1] == record["timestamp"]

    k = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None, enable_auto_commit=False,
                      consumer_timeout_ms=10_000)
    k.assign([KTopicPartition(topic, 0), KTopicPartition(topic, 1)])
    k.seek_to_beginning()
    seen = {}
    deadline = time.monotonic() + 60
    while len(seen) < RECORDS and time.monotonic() < deadline:
        for batch in k.poll(timeout_ms=500).values():
            for m in batch:
                seen[(m.partition, m.offset)] = m
    k.close()
    assert len(seen) == RECORDS
    for position, m in seen.items():
        record = expected[position]
        assert m.key == as_bytes(record["key"])
        assert m.value == as_bytes(record["value"])
        assert list(m.headers) == [(k, as_bytes(v)) for k, v in record["headers"]]
        assert m.timestamp == record["timestamp"]


def test_confluent_producer_read_byte_for_byte_by_swift(broker):
    topic = unique_topic("swift-in")
    create_topic(broker.bootstrap, topic, partitions=2)
    sent = sample_records(topic)
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5, "compression.type": "lz4"})
    offsets = {}

    def report(err, msg, index):
        assert err is None
        offsets[index] = (msg.partition(), msg.offset())

    for index, record in enumerate(sent):
        p.produce(topic, partition=record["partition"], key=as_bytes(record["key"]),
                  value=as_bytes(record["value"]),
                  headers=[(k, as_bytes(v)) for k, v in record["headers"]] or None,
                  timestamp=record["timestamp"], on_delivery=lambda e, m, i=index: report(e, m, i))
    assert p.flush(30) == 0
    got = {(r["partition"], r["offset"]): r for r in run_driver("consume", broker.bootstrap, topic, str(RECORDS))}
    assert len(got) == RECORDS
    for index, record in enumerate(sent):
        swift = got[offsets[index]]
        assert swift["key"] == record["key"]
        assert swift["value"] == record["value"]
        assert swift["headers"] == record["headers"]
        assert swift["timestamp"] == record["timestamp"]


def test_keyed_records_land_where_librdkafka_murmur2_puts_them(broker):
    topic = unique_topic("murmur")
    create_topic(broker.bootstrap, topic, partitions=12)
    keys = [f"user-{i}".encode() for i in range(100)] + [bytes([i, 255, 0, i]) for i in range(20)] + [b"", b"x"]
    p = Producer({"bootstrap.servers": broker.bootstrap, "partitioner": "murmur2_random", "linger.ms": 5})
    librdkafka = {}
    for key in keys:
        p.produce(topic, key=key, value=b"v", on_delivery=lambda e, m, k=key: librdkafka.__setitem__(k, m.partition()))
    assert p.flush(30) == 0
    computed = [int(line) for line in subprocess.run(
        [str(driver()), "partition", "12", *[k.hex() for k in keys]],
        capture_output=True, text=True, check=True).stdout.split()]
    assert computed == [librdkafka[k] for k in keys]
    # And the Swift producer itself sends them there.
    acks = run_driver("produce", broker.bootstrap, "1", "none", stdin="\n".join(
        json.dumps({"topic": topic, "key": k.hex(), "value": "00", "headers": []}) for k in keys))
    assert [a["partition"] for a in acks] == [librdkafka[k] for k in keys]


class SwiftMember:
    """`sluice-client-interop group` in the background; its stdout lines arrive on a queue."""

    def __init__(self, bootstrap: str, topic: str, group: str, protocol: str, seconds: int):
        self.process = subprocess.Popen(
            [str(driver()), "group", bootstrap, topic, group, protocol, str(seconds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.assigned: list[int] = []
        self.records: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def drain(self):
        while True:
            try:
                item = self.lines.get_nowait()
            except queue.Empty:
                return
            if "assigned" in item:
                self.assigned = item["assigned"]
            else:
                self.records.append(item)


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_swift_and_librdkafka_consumers_share_one_group(broker, protocol):
    topic = unique_topic("shared")
    group = unique_topic("group")
    create_topic(broker.bootstrap, topic, partitions=4)
    swift = SwiftMember(broker.bootstrap, topic, group, protocol, seconds=40)
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100, "enable.auto.commit": False}
    if protocol == "consumer":
        conf["group.protocol"] = "consumer"
    else:
        conf.update({"partition.assignment.strategy": "cooperative-sticky", "heartbeat.interval.ms": 500,
                     "session.timeout.ms": 10000})
    try:
        # The Swift member takes everything first.
        deadline = time.monotonic() + 30
        while len(swift.assigned) != 4 and time.monotonic() < deadline:
            time.sleep(0.1)
            swift.drain()
        assert swift.assigned == [0, 1, 2, 3], swift.process.stderr.read() if swift.process.poll() else ""

        c = Consumer(conf)
        mine: set[int] = set()

        def on_assign(consumer, partitions):
            mine.update(tp.partition for tp in partitions)

        def on_revoke(consumer, partitions):
            mine.difference_update(tp.partition for tp in partitions)

        c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        got: list = []
        deadline = time.monotonic() + 40
        while not (len(mine) == 2 and len(swift.assigned) == 2) and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
            swift.drain()
        assert len(mine) == 2 and len(swift.assigned) == 2, (mine, swift.assigned)
        assert mine.isdisjoint(swift.assigned)

        p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
        for i in range(200):
            p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode())
        assert p.flush(30) == 0
        deadline = time.monotonic() + 40
        while len(got) + len(swift.records) < 200 and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
            swift.drain()
        owned = set(mine)  # close() revokes
        c.close()
        from_librdkafka = {(m.partition(), m.offset()) for m in got}
        from_swift = {(r["partition"], r["offset"]) for r in swift.records}
        assert len(from_librdkafka) + len(from_swift) == 200
        assert from_librdkafka.isdisjoint(from_swift)
        assert {p for p, _ in from_librdkafka} <= owned
        assert {p for p, _ in from_swift} <= set(swift.assigned)
        assert from_librdkafka and from_swift
    finally:
        swift.process.kill()
        swift.process.wait()


def test_swift_read_committed_skips_aborted_transactions(broker):
    """librdkafka's transactional producer commits, aborts, commits; the Swift consumer with
    read_committed sees only the committed records (control batches never), and with
    read_uncommitted sees the aborted ones too."""
    topic = unique_topic("swift-txn")
    create_topic(broker.bootstrap, topic, partitions=2)
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": unique_topic("txn"),
                  "enable.idempotence": True, "linger.ms": 5})
    p.init_transactions(30)
    expected = commit_abort_commit(p, topic)

    committed = [as_bytes(r["value"]) for r in run_driver("consume", broker.bootstrap, topic, "100", "read_committed")]
    assert sorted(committed) == sorted(expected)
    everything = [as_bytes(r["value"]) for r in run_driver("consume", broker.bootstrap, topic, "100")]
    assert sum(v.startswith(b"aborted-") for v in everything) == 7
    assert len(everything) == 18


@pytest.fixture
def librdkafka_mock_broker(tmp_path):
    """librdkafka's mock cluster in its own process (Interop/peers/librdkafka_mock_broker.c)."""
    binary = tmp_path / "librdkafka_mock_broker"
    source = REPO_ROOT / "Interop" / "peers" / "librdkafka_mock_broker.c"
    subprocess.run(["cc", "-o", str(binary), str(source), "-lrdkafka"], check=True, timeout=120)
    process = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait()


def test_swift_producer_asks_again_at_apiversions_v0_when_v3_is_refused(librdkafka_mock_broker):
    """librdkafka's mock answers ApiVersions v3 with UNSUPPORTED_VERSION in the v0 format (KIP-511);
    the Swift client must fall back to v0, negotiate, and deliver."""
    records = [{"topic": "mock-topic", "partition": 0, "key": "6b", "value": f"{i:02x}", "headers": []}
               for i in range(5)]
    acks = run_driver("produce", librdkafka_mock_broker, "1", "none",
                      stdin="\n".join(json.dumps(r) for r in records), timeout=60)
    assert [a["offset"] for a in acks] == [0, 1, 2, 3, 4]
