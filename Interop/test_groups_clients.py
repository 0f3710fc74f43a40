"""Consumer groups through kafka-python, aiokafka and the AdminClient, plus raw-wire bad input."""

from __future__ import annotations

import asyncio
import struct
import time

from aiokafka import AIOKafkaConsumer
from confluent_kafka import ConsumerGroupState, TopicPartition
from confluent_kafka.admin import AdminClient
from kafka import KafkaConsumer

from conftest import unique_topic
from group_members import group_name, wait_for_assignment
from helpers import create_topic
from test_groups_offsets import group_consumer, produce
from wire import Reader, connect, frame, recv_frame, request_header_v1, string

API_OFFSET_COMMIT, API_JOIN_GROUP, API_HEARTBEAT = 8, 11, 12


def test_kafka_python_group_consumer_reads_everything(broker):
    topic = unique_topic("kpyg")
    create_topic(broker.bootstrap, topic, partitions=3)
    produce(broker.bootstrap, topic, 3, 40)
    group = group_name()
    c = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=20000)
    try:
        got = set()
        for m in c:
            got.add((m.partition, m.offset))
            if len(got) == 120:
                break
        assert got == {(p, o) for p in range(3) for o in range(40)}
        c.commit()
        from kafka import TopicPartition as KTP
        assert [c.committed(KTP(topic, p)) for p in range(3)] == [40, 40, 40]
    finally:
        c.close()


def test_aiokafka_group_consumer_reads_everything_and_commits(broker):
    topic = unique_topic("aiog")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 30)
    group = group_name()

    async def run() -> tuple[set, dict]:
        c = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False)
        await c.start()
        try:
            got = set()
            deadline = time.monotonic() + 30
            while len(got) < 60 and time.monotonic() < deadline:
                batches = await c.getmany(timeout_ms=500)
                for records in batches.values():
                    got.update((r.partition, r.offset) for r in records)
            await c.commit()
            from aiokafka import TopicPartition as ATP
            committed = {p: await c.committed(ATP(topic, p)) for p in range(2)}
            return got, committed
        finally:
            await c.stop()

    got, committed = asyncio.run(run())
    assert got == {(p, o) for p in range(2) for o in range(30)}
    assert committed == {0: 30, 1: 30}


def test_admin_lists_describes_and_deletes_group(broker):
    topic = unique_topic("adm")
    create_topic(broker.bootstrap, topic, partitions=2)
    group = group_name()
    c = group_consumer(broker.bootstrap, group, **{"client.id": "describe-me"})
    c.subscribe([topic])
    wait_for_assignment(c)
    assert c.assignment()
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    listed = a.list_consumer_groups(request_timeout=10).result()
    ids = {g.group_id: g for g in listed.valid}
    assert group in ids and ids[group].state == ConsumerGroupState.STABLE
    described = a.describe_consumer_groups([group], request_timeout=10)[group].result()
    assert described.state == ConsumerGroupState.STABLE
    assert [m.client_id for m in described.members] == ["describe-me"]
    assert sorted(tp.partition for tp in described.members[0].assignment.topic_partitions) == [0, 1]

    # A group with members cannot be deleted.
    try:
        a.delete_consumer_groups([group], request_timeout=10)[group].result()
        raise AssertionError("deleting a non-empty group succeeded")
    except Exception as err:  # KafkaException(NON_EMPTY_GROUP)
        assert "NON_EMPTY_GROUP" in str(err) or "not empty" in str(err).lower(), err
    c.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    c.close()

    a.delete_consumer_groups([group], request_timeout=10)[group].result()
    listed = a.list_consumer_groups(request_timeout=10).result()
    assert group not in {g.group_id for g in listed.valid}
    check = group_consumer(broker.bootstrap, group)
    assert check.committed([TopicPartition(topic, 0)], timeout=10)[0].offset == -1001
    check.close()


def test_list_groups_state_filter(broker):
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    c.commit(offsets=[TopicPartition(unique_topic_created(broker), 0, 1)], asynchronous=False)
    c.close()
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    empty = a.list_consumer_groups(states={ConsumerGroupState.EMPTY}, request_timeout=10).result()
    stable = a.list_consumer_groups(states={ConsumerGroupState.STABLE}, request_timeout=10).result()
    assert group in {g.group_id for g in empty.valid}
    assert group not in {g.group_id for g in stable.valid}


def unique_topic_created(broker) -> str:
    topic = unique_topic("flt")
    create_topic(broker.bootstrap, topic, partitions=1)
    return topic


# -- bad input on the wire -----------------------------------------------------------------

def call(sock, api_key: int, version: int, body: bytes) -> Reader:
    sock.sendall(frame(request_header_v1(api_key, version, 7) + body))
    r = Reader(recv_frame(sock))
    assert r.take(">i") == 7
    return r


def join_v1(group: str, protocol_type: str, protocols: list[tuple[str, bytes]], member: str = "") -> bytes:
    body = string(group) + struct.pack(">ii", 10000, 10000) + string(member) + string(protocol_type)
    body += struct.pack(">i", len(protocols))
    for name, meta in protocols:
        body += string(name) + struct.pack(">i", len(meta)) + meta
    return body


def test_join_with_empty_protocol_type_or_no_protocols_is_inconsistent(broker):
    s = connect(broker.bootstrap)
    try:
        r = call(s, API_JOIN_GROUP, 1, join_v1(group_name(), "", [("range", b"\x00")]))
        assert r.take(">h") == 23
        r = call(s, API_JOIN_GROUP, 1, join_v1(group_name(), "consumer", []))
        assert r.take(">h") == 23
    finally:
        s.close()


def test_empty_group_id_is_invalid(broker):
    s = connect(broker.bootstrap)
    try:
        r = call(s, API_JOIN_GROUP, 1, join_v1("", "consumer", [("range", b"\x00")]))
        assert r.take(">h") == 24
        r = call(s, API_HEARTBEAT, 0, string("") + struct.pack(">i", 1) + string("m"))
        assert r.take(">h") == 24
    finally:
        s.close()


def test_heartbeat_from_unknown_member(broker):
    s = connect(broker.bootstrap)
    try:
        r = call(s, API_HEARTBEAT, 0, string(group_name()) + struct.pack(">i", 1) + string("nobody"))
        assert r.take(">h") == 25
    finally:
        s.close()


def test_commit_with_stale_generation_is_illegal_generation(broker):
    topic = unique_topic("stale")
    create_topic(broker.bootstrap, topic, partitions=1)
    group = group_name()
    s = connect(broker.bootstrap)
    try:
        r = call(s, API_JOIN_GROUP, 1, join_v1(group, "consumer", [("range", b"\x00")]))
        error, generation = r.take(">hi")
        assert error == 0 and generation == 1
        r.string()  # protocol
        r.string()  # leader
        member = r.string()

        def commit(gen: int) -> int:
            body = string(group) + struct.pack(">i", gen) + string(member) + struct.pack(">q", -1)
            body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1) + struct.pack(">iq", 0, 5) + string("")
            rr = call(s, API_OFFSET_COMMIT, 2, body)
            assert rr.take(">i") == 1 and rr.string() == topic and rr.take(">i") == 1
            _index, err = rr.take(">ih")
            return err

        assert commit(generation - 1) == 22
        assert commit(generation + 5) == 22
        # The group is still completing its rebalance (no SyncGroup yet).
        assert commit(generation) == 27
    finally:
        s.close()


def test_offset_delete_refuses_subscribed_topics(broker):
    from kafka import KafkaAdminClient
    from kafka import TopicPartition as KTP
    from kafka.errors import GroupSubscribedToTopicError, NoError

    used, unused = unique_topic("used"), unique_topic("unused")
    create_topic(broker.bootstrap, used, partitions=1)
    create_topic(broker.bootstrap, unused, partitions=1)
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    c.subscribe([used])
    wait_for_assignment(c)
    c.commit(offsets=[TopicPartition(used, 0, 4), TopicPartition(unused, 0, 6)], asynchronous=False)
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        result = admin.delete_group_offsets(group, [KTP(used, 0), KTP(unused, 0)])
        assert result[KTP(used, 0)] is GroupSubscribedToTopicError
        assert result[KTP(unused, 0)] is NoError
        got = c.committed([TopicPartition(used, 0), TopicPartition(unused, 0)], timeout=10)
        assert [tp.offset for tp in got] == [4, -1001]
    finally:
        c.close()
        admin.close()


def test_admin_removes_static_member_with_batch_leave(broker):
    from kafka import KafkaAdminClient
    from kafka.admin import MemberToRemove
    from kafka.errors import NoError

    topic = unique_topic("static")
    create_topic(broker.bootstrap, topic, partitions=1)
    group = group_name()
    c = group_consumer(broker.bootstrap, group, **{"group.instance.id": "inst-a"})
    c.subscribe([topic])
    wait_for_assignment(c)
    assert c.assignment()
    c.close()  # a static member does not leave on close
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    described = a.describe_consumer_groups([group], request_timeout=10)[group].result()
    assert [m.group_instance_id for m in described.members] == ["inst-a"]
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        result = admin.remove_group_members(group, [MemberToRemove(group_instance_id="inst-a")])
        assert list(result.values()) == [NoError]
    finally:
        admin.close()
    described = a.describe_consumer_groups([group], request_timeout=10)[group].result()
    assert described.members == []
    assert described.state == ConsumerGroupState.EMPTY


def test_kcat_balanced_consumer_commits_its_position(broker):
    import shutil
    import subprocess

    binary = shutil.which("kcat") or shutil.which("kafkacat")
    assert binary is not None, "kcat is not installed"
    topic = unique_topic("kcatg")
    create_topic(broker.bootstrap, topic, partitions=2)
    produce(broker.bootstrap, topic, 2, 15)
    group = group_name()
    # -G: a balanced (subscribing) consumer; -e: exit once every partition reached its end.
    proc = subprocess.run(
        [binary, "-b", broker.bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q",
         "-f", "%p:%o\n", topic], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = sorted(tuple(map(int, line.split(":"))) for line in proc.stdout.splitlines() if line)
    assert got == [(p, o) for p in range(2) for o in range(15)]
    check = group_consumer(broker.bootstrap, group)
    committed = check.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
    check.close()
    assert [tp.offset for tp in committed] == [15, 15]
