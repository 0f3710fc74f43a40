"""kafka-python 3.x with its default settings (idempotent producer, acks=all)."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import UnknownTopicOrPartitionError

from conftest import unique_topic
from helpers import consume_exactly, create_topic

RECORDS = 2000


def values(n: int) -> list[bytes]:
    return [bytes((i * 7 + j) % 256 for j in range(i % 200)) + i.to_bytes(4, "big") for i in range(n)]


def test_default_producer_is_idempotent_and_acks_all(module_broker):
    p = KafkaProducer(bootstrap_servers=module_broker.bootstrap)
    try:
        assert p.config["enable_idempotence"] is True
        assert p.config["acks"] == -1
    finally:
        p.close(timeout=10)


def test_default_producer_then_assigned_consumer_byte_for_byte(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("kpy")
    create_topic(bs, topic, 2)
    sent = values(RECORDS)
    p = KafkaProducer(bootstrap_servers=bs)
    futures = [p.send(topic, key=f"k{i}".encode(), value=v, partition=i % 2,
                      headers=[("n", str(i).encode())], timestamp_ms=1_600_000_000_000 + i)
               for i, v in enumerate(sent)]
    p.flush(timeout=60)
    metas = [f.get(timeout=30) for f in futures]
    p.close(timeout=10)
    for i, m in enumerate(metas):
        assert m.partition == i % 2
        assert m.offset == i // 2

    c = KafkaConsumer(bootstrap_servers=bs, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", consumer_timeout_ms=10_000)
    c.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
    c.seek_to_beginning()
    got = {}
    deadline = time.monotonic() + 60
    while len(got) < RECORDS and time.monotonic() < deadline:
        for tp, msgs in c.poll(timeout_ms=500).items():
            for m in msgs:
                got[(m.partition, m.offset)] = m
    assert c.end_offsets([TopicPartition(topic, 0), TopicPartition(topic, 1)]) == {
        TopicPartition(topic, 0): RECORDS // 2, TopicPartition(topic, 1): RECORDS // 2}
    c.close()
    assert len(got) == RECORDS
    for i, v in enumerate(sent):
        m = got[(i % 2, i // 2)]
        assert m.key == f"k{i}".encode()
        assert m.value == v
        assert [(k, bytes(h)) for k, h in m.headers] == [("n", str(i).encode())]
        assert m.timestamp == 1_600_000_000_000 + i


def test_kafka_python_records_read_back_by_librdkafka(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("kpy-x")
    create_topic(bs, topic, 1)
    p = KafkaProducer(bootstrap_servers=bs)
    for i in range(100):
        p.send(topic, value=f"cross-{i}".encode(), partition=0)
    p.flush(timeout=30)
    p.close(timeout=10)
    records = consume_exactly(bs, topic, {0: 100})
    assert [r.value for r in records] == [f"cross-{i}".encode() for i in range(100)]


def test_admin_create_describe_delete_topics(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("kpy-admin")
    a = KafkaAdminClient(bootstrap_servers=bs)
    try:
        a.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
        assert name in a.list_topics()
        [desc] = a.describe_topics([name])
        assert desc["name"] == name
        assert desc["error_code"] == 0
        assert desc["topic_id"] not in (None, "00000000-0000-0000-0000-000000000000")
        assert sorted(p["partition_index"] for p in desc["partitions"]) == [0, 1, 2]
        assert all(p["error_code"] == 0 and p["replica_nodes"] == [p["leader_id"]] for p in desc["partitions"])
        a.delete_topics([name])
        deadline = time.monotonic() + 10
        while name in a.list_topics():
            assert time.monotonic() < deadline, "topic still listed after delete"
            time.sleep(0.1)
        with pytest.raises(UnknownTopicOrPartitionError):
            a.delete_topics([name])
    finally:
        a.close()
