"""Small confluent-kafka helpers shared by the interop tests.

Consumers here never join a group: they use manual assignment from explicit
offsets and never commit (group members are in group_members.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

OP_TIMEOUT_S = 30


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap: str, name: str, partitions: int = 1, config: dict | None = None) -> None:
    a = admin(bootstrap)  # must outlive the futures, or librdkafka cancels them
    futures = a.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=OP_TIMEOUT_S, request_timeout=OP_TIMEOUT_S)
    futures[name].result(timeout=OP_TIMEOUT_S)
    wait_for_topic(bootstrap, name, partitions)


def wait_for_topic(bootstrap: str, name: str, partitions: int, timeout_s: float = 20) -> None:
    a = admin(bootstrap)
    deadline = time.monotonic() + timeout_s
    while True:
        md = a.list_topics(topic=name, timeout=10)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"topic {name} not visible with {partitions} partitions: {t}")
        time.sleep(0.1)


def producer(bootstrap: str, **overrides) -> Producer:
    conf = {
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "none",
        "message.timeout.ms": 30000,
    }
    conf.update(overrides)
    return Producer(conf)


def consumer(bootstrap: str, **overrides) -> Consumer:
    # librdkafka insists on a group.id even for manual assignment; it is
    # never used for commits here.
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": "interop-manual-assign",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "enable.partition.eof": False,
        "fetch.wait.max.ms": 100,
    }
    conf.update(overrides)
    return Consumer(conf)


@dataclass(frozen=True)
class Rec:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple
    timestamp: int


class DeliveryLog:
    """Collects delivery reports; raises on the first failed delivery."""

    def __init__(self):
        self.acked: list[Rec] = []
        self.errors: list[str] = []

    def __call__(self, err, msg):
        if err is not None:
            self.errors.append(str(err))
            return
        self.acked.append(Rec(msg.partition(), msg.offset(), msg.key(), msg.value(),
                              tuple(msg.headers() or ()), msg.timestamp()[1]))


def high_watermarks(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    c = consumer(bootstrap)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    finally:
        c.close()


def consume_exactly(bootstrap: str, topic: str, expected: dict[int, int], timeout_s: float = 120) -> list[Rec]:
    """Reads partitions from offset 0 until each holds `expected[p]` records."""
    c = consumer(bootstrap)
    c.assign([TopicPartition(topic, p, 0) for p in expected])
    got: dict[int, list[Rec]] = {p: [] for p in expected}
    deadline = time.monotonic() + timeout_s
    try:
        while any(len(got[p]) < n for p, n in expected.items()):
            if time.monotonic() > deadline:
                counts = {p: len(v) for p, v in got.items()}
                raise AssertionError(f"timed out: consumed {counts}, expected {expected}")
            for m in c.consume(num_messages=5000, timeout=0.5):
                if m.error() is not None:
                    raise KafkaException(m.error())
                got[m.partition()].append(Rec(m.partition(), m.offset(), m.key(), m.value(),
                                              tuple(m.headers() or ()), m.timestamp()[1]))
        # Nothing beyond the expected end may show up.
        for m in c.consume(num_messages=100, timeout=0.5):
            if m.error() is None:
                raise AssertionError(f"unexpected extra record p{m.partition()}@{m.offset()}")
    finally:
        c.close()
    out: list[Rec] = []
    for p in sorted(got):
        out.extend(got[p])
    return out


def assert_contiguous(records: list[Rec], expected: dict[int, int]) -> None:
    by_part: dict[int, list[int]] = {}
    for r in records:
        by_part.setdefault(r.partition, []).append(r.offset)
    for p, n in expected.items():
        assert by_part.get(p, []) == list(range(n)), f"partition {p} offsets not 0..{n - 1}"


def commit_abort_commit(p: Producer, topic: str) -> list[bytes]:
    """With a transactional producer (transactions initialised) on a 2-partition topic: commit 10
    records, abort 7 (`aborted-N`), commit one more. Returns the committed values."""
    p.begin_transaction()
    for i in range(10):
        p.produce(topic, value=f"committed-{i}".encode(), partition=i % 2)
    p.commit_transaction(30)
    p.begin_transaction()
    for i in range(7):
        p.produce(topic, value=f"aborted-{i}".encode(), partition=i % 2)
    p.flush(30)
    p.abort_transaction(30)
    p.begin_transaction()
    p.produce(topic, value=b"committed-last", partition=0)
    p.commit_transaction(30)
    return [f"committed-{i}".encode() for i in range(10)] + [b"committed-last"]
