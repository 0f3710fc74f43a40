"""The broker's own topics are flagged internal in Metadata, so clients leave them alone."""

from __future__ import annotations

import uuid

from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaAdminClient

from conftest import unique_topic
from helpers import create_topic


def test_consumer_offsets_topic_is_internal_and_user_topics_are_not(broker):
    topic = unique_topic("plain")
    create_topic(broker.bootstrap, topic, 1)
    # A commit makes the broker create __consumer_offsets.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"g-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
    c.close()

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        described = {t.get("topic", t.get("name")): t for t in admin.describe_topics(["__consumer_offsets", topic])}
    finally:
        admin.close()
    assert described["__consumer_offsets"]["error_code"] == 0
    assert described["__consumer_offsets"]["is_internal"] is True
    assert described[topic]["is_internal"] is False
