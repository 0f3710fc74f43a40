"""More bad input for groups: offsets for partitions that do not exist, heartbeats for deleted groups."""

from __future__ import annotations

import struct

from confluent_kafka.admin import AdminClient

from conftest import unique_topic
from group_members import group_name
from helpers import create_topic
from test_groups_clients import API_HEARTBEAT, API_OFFSET_COMMIT, call
from wire import connect, string


def simple_commit(s, group: str, topic: str, partition: int, offset: int) -> int:
    """OffsetCommit v2 with generation -1 and no member (an assign-only consumer); the partition's error."""
    body = string(group) + struct.pack(">i", -1) + string("") + struct.pack(">q", -1)
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">iq", partition, offset)
    body += string("")
    r = call(s, API_OFFSET_COMMIT, 2, body)
    assert r.take(">i") == 1 and r.string() == topic and r.take(">i") == 1
    _index, error = r.take(">ih")
    return error


def test_commits_for_missing_topics_and_partitions_are_refused(broker):
    topic = unique_topic("exists")
    create_topic(broker.bootstrap, topic, partitions=2)
    group = group_name()
    s = connect(broker.bootstrap)
    try:
        assert simple_commit(s, group, topic, 1, 7) == 0
        assert simple_commit(s, group, topic, 5, 7) == 3  # UNKNOWN_TOPIC_OR_PARTITION
        assert simple_commit(s, group, unique_topic("missing"), 0, 7) == 3
    finally:
        s.close()


def test_heartbeat_for_a_deleted_group_is_unknown_member(broker):
    topic = unique_topic("dead")
    create_topic(broker.bootstrap, topic, partitions=1)
    group = group_name()
    s = connect(broker.bootstrap)
    try:
        assert simple_commit(s, group, topic, 0, 3) == 0
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.delete_consumer_groups([group], request_timeout=10)[group].result()
        r = call(s, API_HEARTBEAT, 0, string(group) + struct.pack(">i", 1) + string("member-that-was"))
        assert r.take(">h") == 25  # UNKNOWN_MEMBER_ID
    finally:
        s.close()
