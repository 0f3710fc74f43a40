"""confluent-kafka AdminClient: topics, partitions, configs and their errors."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import (AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewPartitions, NewTopic)

from conftest import unique_topic
from helpers import OP_TIMEOUT_S, DeliveryLog, admin, create_topic, producer, wait_for_topic

# Auto-created topics get num.partitions; a non-default value proves --set works.
pytestmark = pytest.mark.broker_args("--set", "num.partitions=3", "--set", "auto.create.topics.enable=true")
NODE_ID = "1"


def create_error(bootstrap: str, topic: NewTopic, validate_only: bool = False) -> KafkaError | None:
    a = admin(bootstrap)
    fut = a.create_topics([topic], operation_timeout=OP_TIMEOUT_S, request_timeout=OP_TIMEOUT_S,
                          validate_only=validate_only)[topic.topic]
    try:
        fut.result(timeout=OP_TIMEOUT_S)
        return None
    except KafkaException as e:
        return e.args[0]


def topic_names(bootstrap: str) -> set[str]:
    return set(admin(bootstrap).list_topics(timeout=10).topics)


def describe(bootstrap: str, resource: ConfigResource) -> dict[str, ConfigEntry]:
    a = admin(bootstrap)
    return a.describe_configs([resource], request_timeout=OP_TIMEOUT_S)[resource].result(timeout=OP_TIMEOUT_S)


def topic_id(bootstrap: str, name: str):
    a = admin(bootstrap)
    desc = a.describe_topics(TopicCollection([name]), request_timeout=OP_TIMEOUT_S)[name].result(timeout=OP_TIMEOUT_S)
    return desc.topic_id


def test_create_topic_with_six_partitions(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("six")
    assert create_error(bs, NewTopic(name, num_partitions=6, replication_factor=1)) is None
    wait_for_topic(bs, name, 6)
    md = admin(bs).list_topics(topic=name, timeout=10)
    parts = md.topics[name].partitions
    assert sorted(parts) == list(range(6))
    broker_ids = set(md.brokers)
    for p in parts.values():
        assert p.leader in broker_ids
        assert p.replicas == [p.leader] and p.isrs == [p.leader]


def test_topic_ids_present_in_metadata(module_broker):
    bs = module_broker.bootstrap
    a_name, b_name = unique_topic("ida"), unique_topic("idb")
    create_topic(bs, a_name, 1)
    create_topic(bs, b_name, 1)
    a_id, b_id = topic_id(bs, a_name), topic_id(bs, b_name)
    zero = "AAAAAAAAAAAAAAAAAAAAAA"  # base64 of the all-zero UUID
    assert a_id is not None and str(a_id) != zero
    assert b_id is not None and str(b_id) != zero
    assert str(a_id) != str(b_id)


def test_replication_factor_three_is_rejected(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("rf3")
    err = create_error(bs, NewTopic(name, num_partitions=1, replication_factor=3))
    assert err is not None and err.code() == KafkaError.INVALID_REPLICATION_FACTOR, err
    assert name not in topic_names(bs)


@pytest.mark.parametrize("bad_name", ["bad name!", "..", "x" * 250])
def test_invalid_topic_names_are_rejected(module_broker, bad_name):
    err = create_error(module_broker.bootstrap, NewTopic(bad_name, num_partitions=1, replication_factor=1))
    assert err is not None and err.code() == KafkaError.TOPIC_EXCEPTION, err
    assert bad_name not in topic_names(module_broker.bootstrap)


def test_validate_only_create_does_not_create(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("dry")
    assert create_error(bs, NewTopic(name, num_partitions=2, replication_factor=1), validate_only=True) is None
    time.sleep(0.5)
    assert name not in topic_names(bs)
    # ...and validation still reports real errors.
    err = create_error(bs, NewTopic(name, num_partitions=1, replication_factor=3), validate_only=True)
    assert err is not None and err.code() == KafkaError.INVALID_REPLICATION_FACTOR


def test_creating_an_existing_topic_fails(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("dup")
    create_topic(bs, name, 1)
    err = create_error(bs, NewTopic(name, num_partitions=1, replication_factor=1))
    assert err is not None and err.code() == KafkaError.TOPIC_ALREADY_EXISTS


def test_describe_topic_configs_show_defaults_and_overrides(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("cfg")
    create_topic(bs, name, 1, config={"retention.ms": "123456"})
    entries = describe(bs, ConfigResource(ConfigResource.Type.TOPIC, name))
    for key in ("cleanup.policy", "segment.bytes", "max.message.bytes"):
        assert key in entries, f"{key} missing from topic configs"
        assert entries[key].source == ConfigSource.DEFAULT_CONFIG.value, (key, entries[key].source)
    assert entries["cleanup.policy"].value == "delete"
    assert entries["retention.ms"].value == "123456"
    assert entries["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value


def test_describe_broker_configs_show_sources(module_broker):
    entries = describe(module_broker.bootstrap, ConfigResource(ConfigResource.Type.BROKER, NODE_ID))
    assert entries["num.partitions"].value == "3"
    assert entries["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert "log.segment.bytes" in entries
    assert entries["log.segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert "message.max.bytes" in entries


def test_incremental_alter_configs_set_and_delete(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("alter")
    create_topic(bs, name, 1)
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    default = describe(bs, resource)["retention.ms"].value

    def alter(op, value=None):
        r = ConfigResource(ConfigResource.Type.TOPIC, name, incremental_configs=[
            ConfigEntry("retention.ms", value, incremental_operation=op)])
        a = admin(bs)
        a.incremental_alter_configs([r])[r].result(timeout=OP_TIMEOUT_S)

    alter(AlterConfigOpType.SET, "86400000")
    entry = describe(bs, resource)["retention.ms"]
    assert (entry.value, entry.source) == ("86400000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)

    alter(AlterConfigOpType.DELETE)
    entry = describe(bs, resource)["retention.ms"]
    assert (entry.value, entry.source) == (default, ConfigSource.DEFAULT_CONFIG.value)


def test_create_partitions_grows_topic(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("grow")
    create_topic(bs, name, 2)
    a = admin(bs)
    a.create_partitions([NewPartitions(name, 4)], operation_timeout=OP_TIMEOUT_S)[name].result(timeout=OP_TIMEOUT_S)
    wait_for_topic(bs, name, 4)
    p = producer(bs)
    dlog = DeliveryLog()
    p.produce(name, value=b"in-new-partition", partition=3, on_delivery=dlog)
    assert p.flush(30) == 0
    assert dlog.errors == [] and [(r.partition, r.offset) for r in dlog.acked] == [(3, 0)]
    # Shrinking is not allowed.
    fut = a.create_partitions([NewPartitions(name, 2)], operation_timeout=OP_TIMEOUT_S)[name]
    with pytest.raises(KafkaException) as info:
        fut.result(timeout=OP_TIMEOUT_S)
    assert info.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_delete_topic_then_auto_create_on_produce(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("del")
    create_topic(bs, name, 2)
    old_id = str(topic_id(bs, name))
    a = admin(bs)
    a.delete_topics([name], operation_timeout=OP_TIMEOUT_S)[name].result(timeout=OP_TIMEOUT_S)
    deadline = time.monotonic() + 10
    while name in topic_names(bs):
        assert time.monotonic() < deadline, "deleted topic still in metadata"
        time.sleep(0.1)

    # Producing to the deleted name auto-creates it with num.partitions=3.
    p = producer(bs)
    dlog = DeliveryLog()
    p.produce(name, value=b"reborn", on_delivery=dlog)
    assert p.flush(30) == 0
    assert dlog.errors == [] and len(dlog.acked) == 1 and dlog.acked[0].offset == 0
    wait_for_topic(bs, name, 3)
    assert str(topic_id(bs, name)) != old_id, "a re-created topic must get a new id"


def test_deleting_unknown_topic_fails(module_broker):
    a = admin(module_broker.bootstrap)
    name = unique_topic("ghost")
    fut = a.delete_topics([name], operation_timeout=OP_TIMEOUT_S)[name]
    with pytest.raises(KafkaException) as info:
        fut.result(timeout=OP_TIMEOUT_S)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
