"""Committed offsets through real clients: simple (assign-only) commits, resume after a consumer
restart, and offsets that survive a broker restart (replay of __consumer_offsets)."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition

from conftest import unique_topic
from group_members import group_name, poll_messages
from helpers import DeliveryLog, create_topic, producer


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
    seen = [m.offset() for m in poll_messages(first, 50, 60, 0.5)]
    assert seen == list(range(50))
    first.commit(offsets=[TopicPartition(topic, 0, 50)], asynchronous=False)
    first.close()

    second = group_consumer(broker.bootstrap, group)
    second.subscribe([topic])
    rest = [m.offset() for m in poll_messages(second, 50, 60, 0.5)]
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


def test_live_group_consumer_resumes_after_broker_restart(broker):
    topic = unique_topic("live")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 50)
    group = group_name()
    c = group_consumer(broker.bootstrap, group, **{"reconnect.backoff.max.ms": 500})
    assignments: list[list[int]] = []
    c.subscribe([topic], on_assign=lambda _c, parts: assignments.append(sorted(tp.partition for tp in parts)))
    try:
        seen = [(m.partition(), m.offset()) for m in poll_messages(c, 100, 60, 0.5)]
        assert sorted(seen) == [(p, o) for p in range(2) for o in range(50)]
        c.commit(asynchronous=False)

        # The broker restarts under the live member: the group and the committed offsets come
        # back from __consumer_offsets.
        broker.restart()
        produce(broker.bootstrap, topic, 2, 10)
        after = [(m.partition(), m.offset()) for m in poll_messages(c, 20, 60, 0.5)]
        assert sorted(after) == [(p, o) for p in range(2) for o in range(50, 60)]
        c.commit(asynchronous=False)
        got = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
        assert [tp.offset for tp in got] == [60, 60]
        # The membership was replayed too: the member kept its generation, no rebalance happened.
        assert assignments == [[0, 1]]
    finally:
        c.close()


def java_partition(group: str, count: int = 50) -> int:
    """Kafka's partition of __consumer_offsets for a group: abs(String.hashCode()) % count."""
    raw = group.encode("utf-16-be")
    h = 0
    for i in range(0, len(raw), 2):
        h = (h * 31 + int.from_bytes(raw[i:i + 2], "big")) & 0xFFFFFFFF
    if h >= 1 << 31:
        h -= 1 << 32
    return 0 if h == -(1 << 31) else abs(h) % count


def test_garbage_record_in_offsets_topic_is_skipped_on_replay(broker):
    topic = unique_topic("garbage")
    create_topic(broker.bootstrap, topic, partitions=1)
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    c.commit(offsets=[TopicPartition(topic, 0, 11)], asynchronous=False)
    c.close()
    # Junk in the group's own partition of the offsets topic, between two good commits.
    p = producer(broker.bootstrap)
    log = DeliveryLog()
    p.produce("__consumer_offsets", key=b"\x00\x09junk", value=b"\xff", partition=java_partition(group),
              on_delivery=log)
    assert p.flush(30) == 0 and not log.errors, log.errors
    # The topic is compacted, so a record without a key is refused (as Kafka does).
    p.produce("__consumer_offsets", key=None, value=b"no key", partition=java_partition(group), on_delivery=log)
    p.flush(30)
    assert len(log.errors) == 1 and "INVALID_RECORD" in log.errors[0].upper().replace(" ", "_"), log.errors
    c = group_consumer(broker.bootstrap, group)
    c.commit(offsets=[TopicPartition(topic, 0, 12)], asynchronous=False)
    c.close()

    broker.restart()

    c = group_consumer(broker.bootstrap, group)
    got = c.committed([TopicPartition(topic, 0)], timeout=10)
    c.close()
    assert got[0].offset == 12
    assert "skipping an unreadable record" in broker.log_text()
