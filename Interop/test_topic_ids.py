"""Addressing topics by id: Metadata v12 and DeleteTopics v6 with a topic id and a null name.

confluent-kafka's AdminClient.delete_topics only takes names, so these use raw
requests from wire.py; the ids are cross-checked against describe_topics.
"""

from __future__ import annotations

import time

from confluent_kafka import TopicCollection

import wire
from conftest import unique_topic
from helpers import OP_TIMEOUT_S, admin, create_topic

UNKNOWN_TOPIC_ID = 100


def metadata_by_name(bootstrap: str, name: str) -> dict:
    cid, topics = wire.decode_metadata_v12(
        wire.roundtrip(bootstrap, wire.metadata_v12_request(11, [(wire.ZERO_UUID, name)])))
    assert cid == 11 and len(topics) == 1, topics
    return topics[0]


def metadata_by_id(bootstrap: str, tid: bytes) -> dict:
    cid, topics = wire.decode_metadata_v12(
        wire.roundtrip(bootstrap, wire.metadata_v12_request(12, [(tid, None)])))
    assert cid == 12 and len(topics) == 1, topics
    return topics[0]


def client_topic_id(bootstrap: str, name: str) -> bytes:
    a = admin(bootstrap)
    desc = a.describe_topics(TopicCollection([name]), request_timeout=OP_TIMEOUT_S)[name].result(timeout=OP_TIMEOUT_S)
    u = desc.topic_id
    return wire.uuid_bytes(u.get_most_significant_bits(), u.get_least_significant_bits())


def test_metadata_v12_by_topic_id_returns_the_name(module_broker):
    bs = module_broker.bootstrap
    name = unique_topic("mdid")
    create_topic(bs, name, 3)
    by_name = metadata_by_name(bs, name)
    assert by_name["error"] == 0 and by_name["name"] == name
    tid = by_name["topic_id"]
    assert tid != wire.ZERO_UUID
    assert tid == client_topic_id(bs, name), "Metadata v12 and describe_topics disagree on the id"

    got = metadata_by_id(bs, tid)
    assert got["error"] == 0, got
    assert got["name"] == name
    assert got["topic_id"] == tid
    assert got["partitions"] == 3


def test_metadata_v12_unknown_topic_id_is_an_error(module_broker):
    got = metadata_by_id(module_broker.bootstrap, bytes(range(1, 17)))
    assert got["error"] == UNKNOWN_TOPIC_ID, got
    assert got["partitions"] == 0


def test_delete_topics_v6_by_topic_id(module_broker):
    bs = module_broker.bootstrap
    name, other = unique_topic("delid"), unique_topic("keepid")
    create_topic(bs, name, 2)
    create_topic(bs, other, 1)
    tid = metadata_by_name(bs, name)["topic_id"]
    assert tid != wire.ZERO_UUID

    cid, results = wire.decode_delete_topics_v6(
        wire.roundtrip(bs, wire.delete_topics_v6_request(21, [(None, tid)])))
    assert cid == 21 and len(results) == 1, results
    assert results[0]["error"] == 0, results
    assert results[0]["topic_id"] == tid
    assert results[0]["name"] == name  # Kafka reports the resolved name

    deadline = time.monotonic() + 10
    while name in admin(bs).list_topics(timeout=10).topics:
        assert time.monotonic() < deadline, "topic deleted by id is still listed"
        time.sleep(0.1)
    assert metadata_by_id(bs, tid)["error"] == UNKNOWN_TOPIC_ID
    assert other in admin(bs).list_topics(timeout=10).topics, "deleting by id removed another topic"

    # Deleting the same id again reports it unknown.
    _, again = wire.decode_delete_topics_v6(
        wire.roundtrip(bs, wire.delete_topics_v6_request(22, [(None, tid)])))
    assert [r["error"] for r in again] == [UNKNOWN_TOPIC_ID], again
