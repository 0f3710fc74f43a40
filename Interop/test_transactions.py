"""Transactions with confluent-kafka (librdkafka): commit, abort, read_committed vs
read_uncommitted, send_offsets_to_transaction, fencing by a second instance, timeouts."""

import time
import uuid

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KafkaTopicPartition

from helpers import commit_abort_commit, consumer, create_topic, producer


def txn_producer(bootstrap: str, txn_id: str, **overrides):
    p = producer(bootstrap, **{"transactional.id": txn_id, "enable.idempotence": True, **overrides})
    p.init_transactions(30)
    return p


def read_all(bootstrap: str, topic: str, partitions: int, isolation: str, expect: int | None = None,
             settle_s: float = 1.5, timeout_s: float = 30) -> list[bytes]:
    """Values of every record a consumer with `isolation` sees, reading until `expect` are seen
    (then a little longer, to catch extras) or, without `expect`, until nothing new arrives."""
    c = consumer(bootstrap, **{"isolation.level": isolation, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    try:
        while time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None or m.error():
                if time.monotonic() - quiet_since > settle_s and (expect is None or len(values) >= expect):
                    break
                continue
            values.append(m.value())
            quiet_since = time.monotonic()
    finally:
        c.close()
    return values


def topic_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_commit_and_abort_read_committed_and_uncommitted(broker):
    topic = topic_name("txn")
    create_topic(broker.bootstrap, topic, partitions=2)
    p = txn_producer(broker.bootstrap, "txn-commit-abort")
    expected = commit_abort_commit(p, topic)

    committed = read_all(broker.bootstrap, topic, 2, "read_committed", expect=11)
    assert sorted(committed) == sorted(expected)
    uncommitted = read_all(broker.bootstrap, topic, 2, "read_uncommitted", expect=18)
    assert sum(v.startswith(b"aborted-") for v in uncommitted) == 7
    assert len(uncommitted) == 18


def test_open_transaction_is_invisible_to_read_committed_until_commit(broker):
    topic = topic_name("txn-open")
    create_topic(broker.bootstrap, topic)
    p = txn_producer(broker.bootstrap, "txn-open")
    plain = producer(broker.bootstrap)
    p.begin_transaction()
    p.produce(topic, value=b"in-txn", partition=0)
    p.flush(30)
    # A non-transactional record after the open transaction's first record waits behind it too.
    plain.produce(topic, value=b"plain", partition=0)
    plain.flush(30)
    assert read_all(broker.bootstrap, topic, 1, "read_committed", settle_s=1.0, timeout_s=3) == []
    assert sorted(read_all(broker.bootstrap, topic, 1, "read_uncommitted", expect=2)) == [b"in-txn", b"plain"]
    # ListOffsets: latest is the last stable offset for read_committed, the high watermark otherwise.
    assert end_offset(broker.bootstrap, topic, "read_committed") == 0
    assert end_offset(broker.bootstrap, topic, "read_uncommitted") == 2
    p.commit_transaction(30)
    assert read_all(broker.bootstrap, topic, 1, "read_committed", expect=2) == [b"in-txn", b"plain"]
    assert end_offset(broker.bootstrap, topic, "read_committed") == 3  # past the COMMIT marker


def end_offset(bootstrap: str, topic: str, isolation: str) -> int:
    c = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation)
    try:
        tp = KafkaTopicPartition(topic, 0)
        return c.end_offsets([tp])[tp]
    finally:
        c.close()


def test_send_offsets_to_transaction_commits_group_offsets_only_on_commit(broker):
    topic = topic_name("txn-offsets")
    create_topic(broker.bootstrap, topic)
    group = f"g-{uuid.uuid4().hex[:6]}"
    c = consumer(broker.bootstrap, **{"group.id": group, "auto.offset.reset": "earliest"})
    metadata = c.consumer_group_metadata()
    p = txn_producer(broker.bootstrap, "txn-offsets")

    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition(topic, 0, 5)], metadata, 30)
    p.abort_transaction(30)
    assert c.committed([TopicPartition(topic, 0)], 10)[0].offset < 0

    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition(topic, 0, 42)], metadata, 30)
    p.commit_transaction(30)
    assert c.committed([TopicPartition(topic, 0)], 10)[0].offset == 42
    c.close()


def test_second_instance_fences_the_first_and_aborts_its_transaction(broker):
    topic = topic_name("txn-fence")
    create_topic(broker.bootstrap, topic)
    first = txn_producer(broker.bootstrap, "txn-fence")
    first.begin_transaction()
    first.produce(topic, value=b"from-first", partition=0)
    first.flush(30)

    second = txn_producer(broker.bootstrap, "txn-fence")
    second.begin_transaction()
    second.produce(topic, value=b"from-second", partition=0)
    second.commit_transaction(30)

    with pytest.raises(KafkaException) as raised:
        first.produce(topic, value=b"late", partition=0)
        first.commit_transaction(10)
    error = raised.value.args[0]
    assert error.fatal() or error.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                             KafkaError.INVALID_PRODUCER_EPOCH), error
    assert read_all(broker.bootstrap, topic, 1, "read_committed", expect=1) == [b"from-second"]


@pytest.mark.broker_args("--set", "transaction.abort.timed.out.transaction.cleanup.interval.ms=200")
def test_abandoned_transaction_is_aborted_after_its_timeout(broker):
    topic = topic_name("txn-timeout")
    create_topic(broker.bootstrap, topic)
    p = txn_producer(broker.bootstrap, "txn-timeout", **{"transaction.timeout.ms": 2000, "message.timeout.ms": 2000})
    p.begin_transaction()
    p.produce(topic, value=b"abandoned", partition=0)
    p.flush(30)
    plain = producer(broker.bootstrap)
    plain.produce(topic, value=b"after", partition=0)
    plain.flush(30)
    # Once the coordinator aborts it, read_committed moves past it and sees only the plain record.
    assert read_all(broker.bootstrap, topic, 1, "read_committed", expect=1, timeout_s=20) == [b"after"]
    with pytest.raises(KafkaException):
        p.commit_transaction(10)


def test_send_offsets_with_a_subscribed_members_metadata(broker):
    """A group member's metadata (member id and generation, KIP-447) passes the member check."""
    topic = topic_name("txn-member")
    create_topic(broker.bootstrap, topic)
    plain = producer(broker.bootstrap)
    for i in range(5):
        plain.produce(topic, value=f"in-{i}".encode(), partition=0)
    assert plain.flush(30) == 0
    group = f"g-{uuid.uuid4().hex[:6]}"
    c = consumer(broker.bootstrap, **{"group.id": group, "auto.offset.reset": "earliest",
                                       "isolation.level": "read_committed"})
    c.subscribe([topic])
    p = txn_producer(broker.bootstrap, "txn-member")
    seen = []
    deadline = time.monotonic() + 30
    while len(seen) < 5 and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            seen.append(m)
    assert len(seen) == 5
    p.begin_transaction()
    for m in seen:
        p.produce(topic + "-out", value=m.value())
    p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    assert c.committed([TopicPartition(topic, 0)], 10)[0].offset == 5
    c.close()
