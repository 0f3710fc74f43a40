"""Committed offsets through real clients: simple (assign-only) commits, resume after a consumer
restart, and offsets that survive a broker restart (replay of __consumer_offsets)."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, TopicPartition

from conftest import unique_topic
from helpers import DeliveryLog, create_topic, producer


def group_name() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


def produce(bootstrap: str, topic: str, partitions: int, per_partition: int) -> None:
    log = DeliveryLog()
    p = producer(bootstrap)
    for part in range(partitions):
        for i in range(per_partition):
            p.produce(topic, key=f"k{i}".encode(), value=f"p{part}-{i}".encode(), partition=part, on_delivery=log)
    assert p.flush(30) == 0
    assert not log.errors, log.errors


def group_consumer(bootstrap: str, group: str, **overrides) -> Consumer:
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "fetch.wait.max.ms": 100,
    }
    conf.update(overrides)
    return Consumer(conf)


def test_simple_commit_and_fetch_with_assign(broker):
    topic = unique_topic("simple")
    create_topic(broker.bootstrap, topic, partitions=3)
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(3)])
        committed = c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 2, 7, metadata="m")],
                             asynchronous=False)
        assert all(tp.error is None for tp in committed), committed
        got = c.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)
        assert [(tp.partition, tp.offset) for tp in got] == [(0, 5), (1, -1001), (2, 7)]
        assert got[2].metadata == "m"
    finally:
        c.close()


def test_consumer_resumes_from_committed_offset(broker):
    topic = unique_topic("resume")
    create_topic(broker.bootstrap, topic, partitions=1)
    produce(broker.bootstrap, topic, 1, 100)
    group = group_name()

    first = group_consumer(broker.bootstrap, group)
    first.subscribe([topic])
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 50 and time.monotonic() < deadline:
        m = first.poll(0.5)
        if m is not None and m.error() is None:
            seen.append(m.offset())
    assert seen == list(range(50))
    first.commit(offsets=[TopicPartition(topic, 0, 50)], asynchronous=False)
    first.close()

    second = group_consumer(broker.bootstrap, group)
    second.subscribe([topic])
    rest = []
    deadline = time.monotonic() + 60
    while len(rest) < 50 and time.monotonic() < deadline:
        m = second.poll(0.5)
        if m is not None and m.error() is None:
            rest.append(m.offset())
    second.close()
    assert rest == list(range(50, 100)), "resumed consumer must start exactly at the commit"


def test_committed_offsets_survive_broker_restart(broker):
    topic = unique_topic("replay")
    create_topic(broker.bootstrap, topic, partitions=2)
    groups = [group_name() for _ in range(5)]
    for n, group in enumerate(groups):
        c = group_consumer(broker.bootstrap, group)
        c.commit(offsets=[TopicPartition(topic, 0, 10 + n), TopicPartition(topic, 1, 20 + n)], asynchronous=False)
        if n == 4:
            # A later commit overwrites the earlier one; replay must keep the last.
            c.commit(offsets=[TopicPartition(topic, 0, 99)], asynchronous=False)
        c.close()

    broker.restart()

    for n, group in enumerate(groups):
        c = group_consumer(broker.bootstrap, group)
        got = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
        c.close()
        expected0 = 99 if n == 4 else 10 + n
        assert [tp.offset for tp in got] == [expected0, 20 + n], group


def test_committed_offsets_survive_kill9(broker):
    topic = unique_topic("kill")
    create_topic(broker.bootstrap, topic, partitions=1)
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    c.commit(offsets=[TopicPartition(topic, 0, 42)], asynchronous=False)
    c.close()
    broker.kill9()
    broker.start()
    c = group_consumer(broker.bootstrap, group)
    got = c.committed([TopicPartition(topic, 0)], timeout=10)
    c.close()
    assert got[0].offset == 42
