"""Broker-level IncrementalAlterConfigs: dynamic broker configs, their synonyms in topic configs, restarts."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource

import wire
from conftest import unique_topic
from helpers import OP_TIMEOUT_S, admin, create_topic

NODE_ID = "1"
DEFAULT_RETENTION_MS = str(7 * 86_400_000)


def describe(bootstrap: str, resource: ConfigResource) -> dict[str, ConfigEntry]:
    a = admin(bootstrap)
    return a.describe_configs([resource], request_timeout=OP_TIMEOUT_S)[resource].result(timeout=OP_TIMEOUT_S)


def alter_broker(bootstrap: str, name: str, key: str, value: str | None,
                 op: AlterConfigOpType = AlterConfigOpType.SET) -> None:
    r = ConfigResource(ConfigResource.Type.BROKER, name,
                       incremental_configs=[ConfigEntry(key, value, incremental_operation=op)])
    a = admin(bootstrap)
    a.incremental_alter_configs([r], request_timeout=OP_TIMEOUT_S)[r].result(timeout=OP_TIMEOUT_S)


def broker_entry(bootstrap: str, key: str) -> ConfigEntry:
    return describe(bootstrap, ConfigResource(ConfigResource.Type.BROKER, NODE_ID))[key]


def topic_entry(bootstrap: str, topic: str, key: str) -> ConfigEntry:
    return describe(bootstrap, ConfigResource(ConfigResource.Type.TOPIC, topic))[key]


def test_dynamic_broker_retention_shows_in_broker_and_topic_configs(broker):
    bs = broker.bootstrap
    plain, overridden = unique_topic("plain"), unique_topic("ovr")
    create_topic(bs, plain, 1)
    create_topic(bs, overridden, 1, config={"retention.ms": "123456"})
    before = broker_entry(bs, "log.retention.ms")
    assert before.source != ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert topic_entry(bs, plain, "retention.ms").value == DEFAULT_RETENTION_MS

    alter_broker(bs, NODE_ID, "log.retention.ms", "3600000")

    entry = broker_entry(bs, "log.retention.ms")
    assert (entry.value, entry.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # A topic without an override inherits it through the synonym...
    t = topic_entry(bs, plain, "retention.ms")
    assert (t.value, t.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # ...a topic with an override keeps its own value.
    t = topic_entry(bs, overridden, "retention.ms")
    assert (t.value, t.source) == ("123456", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
    # A topic created afterwards inherits it too.
    late = unique_topic("late")
    create_topic(bs, late, 1)
    t = topic_entry(bs, late, "retention.ms")
    assert (t.value, t.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)

    # The dynamic value survives a restart.
    broker.restart()
    bs = broker.bootstrap
    entry = broker_entry(bs, "log.retention.ms")
    assert (entry.value, entry.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    t = topic_entry(bs, plain, "retention.ms")
    assert (t.value, t.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)

    # DELETE removes the dynamic value: back to the default everywhere.
    alter_broker(bs, NODE_ID, "log.retention.ms", None, AlterConfigOpType.DELETE)
    entry = broker_entry(bs, "log.retention.ms")
    assert entry.source != ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert entry.value == DEFAULT_RETENTION_MS
    t = topic_entry(bs, plain, "retention.ms")
    assert (t.value, t.source) == (DEFAULT_RETENTION_MS, ConfigSource.DEFAULT_CONFIG.value)


def alter_cluster_default(bootstrap: str, key: str, value: str | None, op: int = wire.OP_SET) -> dict:
    """IncrementalAlterConfigs on BROKER "" over the wire: confluent-kafka rejects an empty name
    locally (ValueError: Invalid ConfigResource)."""
    req = wire.incremental_alter_configs_v1_request(41, wire.RESOURCE_BROKER, "", [(key, op, value)])
    cid, results = wire.decode_incremental_alter_configs_v1(wire.roundtrip(bootstrap, req))
    assert cid == 41 and len(results) == 1, results
    assert (results[0]["resource_type"], results[0]["resource_name"]) == (wire.RESOURCE_BROKER, "")
    return results[0]


def test_cluster_default_broker_resource(broker):
    """BROKER "" is the cluster-wide default (DYNAMIC_DEFAULT_BROKER_CONFIG); a per-broker value wins."""
    bs = broker.bootstrap
    topic = unique_topic("clus")
    create_topic(bs, topic, 1)
    result = alter_cluster_default(bs, "log.retention.ms", "7200000")
    assert result["error"] == 0, result
    entry = broker_entry(bs, "log.retention.ms")
    assert (entry.value, entry.source) == ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
    t = topic_entry(bs, topic, "retention.ms")
    assert (t.value, t.source) == ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)

    alter_broker(bs, NODE_ID, "log.retention.ms", "3600000")
    entry = broker_entry(bs, "log.retention.ms")
    assert (entry.value, entry.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    t = topic_entry(bs, topic, "retention.ms")
    assert (t.value, t.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)

    # Removing the per-broker value falls back to the cluster default, which survives a restart.
    alter_broker(bs, NODE_ID, "log.retention.ms", None, AlterConfigOpType.DELETE)
    broker.restart()
    entry = broker_entry(broker.bootstrap, "log.retention.ms")
    assert (entry.value, entry.source) == ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)


def test_invalid_dynamic_broker_value_is_rejected(broker):
    bs = broker.bootstrap
    with pytest.raises(KafkaException) as info:
        alter_broker(bs, NODE_ID, "log.retention.ms", "not-a-number")
    assert info.value.args[0].code() == 40  # INVALID_CONFIG (librdkafka's KafkaError.INVALID_CONFIG)
    entry = broker_entry(bs, "log.retention.ms")
    assert (entry.value, entry.source) != ("not-a-number", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
