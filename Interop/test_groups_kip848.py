"""The new consumer group protocol (KIP-848) through confluent-kafka with `group.protocol=consumer`:
three members (separate processes) share a 6-partition topic with the coordinator assigning; one
leaves and the others take over its partitions while their own keep flowing; commits resume."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

import wire
from conftest import unique_topic
from group_members import MemberProcesses, group_name, member_conf, poll_messages, wait_for_assignment
from helpers import create_topic, producer

CONSUMER_GROUP_HEARTBEAT, CONSUMER_GROUP_DESCRIBE = 68, 69
UNKNOWN_MEMBER_ID, INVALID_REQUEST, GROUP_ID_NOT_FOUND = 25, 42, 69
FENCED_MEMBER_EPOCH, UNSUPPORTED_ASSIGNOR = 110, 112

PARTITIONS = 6

pytestmark = pytest.mark.broker_args(
    "--set", "group.consumer.heartbeat.interval.ms=300", "--set", "group.consumer.session.timeout.ms=6000")


CONSUMER_PROTOCOL = {"group.protocol": "consumer"}


def _conf(bootstrap: str, group: str, name: str) -> dict:
    return {**member_conf(bootstrap, group, name), **CONSUMER_PROTOCOL}


def consumer_group(bootstrap: str, topic: str) -> MemberProcesses:
    """Member processes of one consumer-protocol group, their assignments and record arrivals."""
    return MemberProcesses(bootstrap, topic, PARTITIONS, CONSUMER_PROTOCOL, prefix="g848", poll_s=0.05)


class Feeder:
    """Produces a record to every partition every 50 ms until stopped."""

    def __init__(self, bootstrap: str, topic: str):
        self.p = producer(bootstrap, acks="1", **{"linger.ms": 0})
        self.topic = topic
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            for partition in range(PARTITIONS):
                self.p.produce(self.topic, b"x", partition=partition)
            self.p.poll(0)
            time.sleep(0.05)
        self.p.flush(10)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(15)


@pytest.fixture
def topic(broker):
    name = unique_topic("kip848")
    create_topic(broker.bootstrap, name, partitions=PARTITIONS)
    return name


def test_apiversions_advertises_the_consumer_group_apis(broker):
    _, error, ranges = wire.decode_api_versions_v0(wire.roundtrip(broker.bootstrap, wire.api_versions_request(0, 7)))
    assert error == 0
    assert ranges[CONSUMER_GROUP_HEARTBEAT] == (0, 1)
    assert ranges[CONSUMER_GROUP_DESCRIBE] == (0, 0)


def _heartbeat(bootstrap: str, group: str, member: str, epoch: int, topics: list[str] | None,
               owned: list[bytes] | None, rebalance_timeout: int = 30000, assignor: str | None = None,
               instance: str | None = None) -> dict:
    """One raw ConsumerGroupHeartbeat v0 on a fresh connection; the decoded response."""
    body = (wire.compact_string(group) + wire.compact_string(member) + struct.pack(">i", epoch)
            + wire.compact_string(instance) + wire.compact_string(None) + struct.pack(">i", rebalance_timeout)
            + (b"\x00" if topics is None else wire.compact_array([wire.compact_string(t) for t in topics]))
            + wire.compact_string(assignor)
            + (b"\x00" if owned is None else wire.compact_array(owned)) + b"\x00")
    payload = wire.roundtrip(
        bootstrap, wire.frame(wire.request_header_v2(CONSUMER_GROUP_HEARTBEAT, 0, 11) + body))
    r = wire.CompactReader(payload)
    assert r.take(">i") == 11
    r.skip_tags()
    _, error = r.take(">ih")
    message, member_id = r.compact_string(), r.compact_string()
    member_epoch, interval = r.take(">ii")
    assignment = None
    if r.take(">b") == 1:
        assignment = []
        for _ in range(r.compact_len()):
            topic_id = r.uuid()
            parts = [r.take(">i") for _ in range(r.compact_len())]
            r.skip_tags()
            assignment.append((topic_id, sorted(parts)))
        r.skip_tags()
    return {"error": error, "message": message, "member_id": member_id, "epoch": member_epoch,
            "interval": interval, "assignment": assignment}


def test_raw_heartbeats_join_fence_and_leave(broker, topic):
    group = group_name("g848")
    joined = _heartbeat(broker.bootstrap, group, "", 0, [topic], [])
    # An empty member id gets one from the server (v0); the interval is the broker's setting.
    assert joined["error"] == 0 and joined["member_id"], joined
    assert joined["interval"] == 300
    assert joined["epoch"] == 1
    assert len(joined["assignment"]) == 1 and joined["assignment"][0][1] == list(range(PARTITIONS))
    member = joined["member_id"]
    assert _heartbeat(broker.bootstrap, group, member, 5, None, None, -1)["error"] == FENCED_MEMBER_EPOCH
    assert _heartbeat(broker.bootstrap, group, "stranger", 1, None, None, -1)["error"] == UNKNOWN_MEMBER_ID
    # A first heartbeat without its subscription is malformed.
    assert _heartbeat(broker.bootstrap, group, "x", 0, None, [])["error"] == INVALID_REQUEST
    assert _heartbeat(broker.bootstrap, group, "y", 0, [topic], [], assignor="fancy")["error"] == UNSUPPORTED_ASSIGNOR
    left = _heartbeat(broker.bootstrap, group, member, -1, None, None, -1)
    assert (left["error"], left["epoch"]) == (0, -1)
    assert _heartbeat(broker.bootstrap, group, member, 1, None, None, -1)["error"] == UNKNOWN_MEMBER_ID


def test_three_members_then_one_leaves_without_stopping_the_others(broker, topic):
    g = consumer_group(broker.bootstrap, topic)
    feeder = Feeder(broker.bootstrap, topic)
    try:
        for name in ("m1", "m2", "m3"):
            g.start(name)
        g.wait_balanced(60, [2, 2, 2])
        before = {n: list(g.assigned[n]) for n in g.members}
        # Every member is consuming its own partitions.
        time.sleep(1.0)
        for _ in range(20):
            g.drain(0.05)
        mark_history = len(g.history)
        left_at = time.monotonic()
        g.close("m2")
        done = g.wait_balanced(30, [3, 3])
        assert done - left_at < 6, f"takeover after leave took {done - left_at:.1f}s"
        # m1 and m3 only gained partitions: nothing of theirs was revoked (no stop-the-world).
        for name in ("m1", "m3"):
            for who, parts, _ in g.history[mark_history:]:
                if who == name and parts is not None:
                    assert set(before[name]) <= set(parts), f"{name} lost partitions: {before[name]} -> {parts}"
            assert set(g.assigned[name]) - set(before[name]) <= set(before["m2"])
        # The partitions m1 and m3 kept never paused: records kept arriving through the takeover.
        for _ in range(40):
            g.drain(0.05)
        for name in ("m1", "m3"):
            for p in before[name]:
                times = sorted(t for who, part, t in g.arrivals if who == name and part == p and t >= left_at - 1)
                assert times, f"{name} received nothing on partition {p} around the leave"
                gaps = [b - a for a, b in zip([left_at - 1] + times, times + [done])]
                assert max(gaps) < 2.0, f"{name} partition {p} paused {max(gaps):.1f}s during the takeover"
        # m2's partitions were taken over and are consumed by their new owners.
        for p in before["m2"]:
            owner = next(n for n in ("m1", "m3") if p in g.assigned[n])
            assert any(who == owner and part == p and t > left_at for who, part, t in g.arrivals), (owner, p)
    finally:
        feeder.close()
        g.shutdown()


def test_crashed_member_is_replaced_after_the_session_timeout(broker, topic):
    with consumer_group(broker.bootstrap, topic) as g:
        for name in ("m1", "m2", "m3"):
            g.start(name)
        g.wait_balanced(60, [2, 2, 2])
        before = {n: list(g.assigned[n]) for n in g.members}
        crashed_at = time.monotonic()
        g.crash("m3")
        done = g.wait_balanced(40, [3, 3])
        # Nobody told the broker: the takeover waits for the 6 s session timeout.
        assert done - crashed_at > 4, f"takeover after {done - crashed_at:.1f}s is faster than the session timeout"
        for name in ("m1", "m2"):
            assert set(before[name]) <= set(g.assigned[name])
        assert sorted(set(g.assigned["m1"]) | set(g.assigned["m2"])) == list(range(PARTITIONS))


def test_static_member_comes_back_to_its_partitions(broker, topic):
    with consumer_group(broker.bootstrap, topic) as g:
        g.start("s1", {"group.instance.id": "inst-1"})
        g.start("s2", {"group.instance.id": "inst-2"})
        g.wait_balanced(60, [3, 3])
        before = dict(g.assigned)
        mark = len(g.history)
        # A static member's close leaves with epoch -2: its partitions wait for it.
        g.close("s2")
        end = time.monotonic() + 2
        while time.monotonic() < end:
            g.drain(0.05)
        assert g.assigned["s1"] == before["s1"]
        g.start("s2", {"group.instance.id": "inst-2"})
        g.wait_balanced(30, [3, 3])
        assert g.assigned == before
        s1_changes = [parts for name, parts, _ in g.history[mark:] if name == "s1"]
        assert s1_changes == [], f"s1 was rebalanced: {s1_changes}"


def test_commits_with_member_epoch_and_resume(broker, topic):
    group = group_name("g848")
    p = producer(broker.bootstrap)
    for i in range(60):
        p.produce(topic, str(i).encode(), partition=i % PARTITIONS)
    p.flush(30)

    def consume(conf_extra: dict, count: int, timeout_s: float) -> list:
        c = Consumer(dict(_conf(broker.bootstrap, group, "c"), **conf_extra))
        c.subscribe([topic])
        return c, poll_messages(c, count, timeout_s, 0.2)

    c, got = consume({"enable.auto.commit": False}, 60, 60)
    assert len(got) == 60
    # OffsetCommit v9 with member id and member epoch.
    committed = c.commit(asynchronous=False)
    assert all(tp.error is None for tp in committed), committed
    offsets = c.committed([TopicPartition(topic, i) for i in range(PARTITIONS)], timeout=10)
    assert sorted(tp.offset for tp in offsets) == [10] * PARTITIONS
    c.close()

    for i in range(12):
        p.produce(topic, f"new-{i}".encode(), partition=i % PARTITIONS)
    p.flush(30)
    c, got = consume({"enable.auto.commit": False}, 12, 60)
    try:
        # The new member starts at the committed offsets: only the new records arrive.
        assert sorted(m.value() for m in got) == sorted(f"new-{i}".encode() for i in range(12))
        extra = c.poll(1.0)
        assert extra is None or extra.error() is not None
    finally:
        c.close()


def test_member_commits_an_explicit_offset(broker, topic):
    # A single member owns every partition and commits a chosen offset under its member epoch.
    group = group_name("g848")
    c = Consumer(dict(_conf(broker.bootstrap, group, "c"), **{"enable.auto.commit": False}))
    c.subscribe([topic])
    try:
        wait_for_assignment(c)
        assert sorted(tp.partition for tp in c.assignment()) == list(range(PARTITIONS))
        c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
        got = c.committed([TopicPartition(topic, 0)], timeout=10)
        assert got[0].offset == 0
    finally:
        c.close()


def test_describe_consumer_group(broker, topic):
    with consumer_group(broker.bootstrap, topic) as g:
        for name in ("m1", "m2"):
            g.start(name)
        g.wait_balanced(60, [3, 3])
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        described = admin.describe_consumer_groups([g.group])[g.group].result(timeout=20)
        assert str(described.state).endswith("STABLE"), described.state
        assert str(described.type).endswith("CONSUMER"), described.type
        assert len(described.members) == 2
        owned = sorted(tp.partition for m in described.members for tp in m.assignment.topic_partitions)
        assert owned == list(range(PARTITIONS))


def test_classic_group_id_with_members_cannot_be_joined_by_the_new_protocol(broker, topic):
    group = group_name("g848")
    classic = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "session.timeout.ms": 6000})
    classic.subscribe([topic])
    try:
        wait_for_assignment(classic)
        assert classic.assignment()
        modern = Consumer(_conf(broker.bootstrap, group, "modern"))
        modern.subscribe([topic])
        try:
            end = time.monotonic() + 5
            while time.monotonic() < end:
                try:
                    modern.poll(0.2)
                except KafkaException:
                    break
                assert not modern.assignment(), "the new protocol joined a classic group with members"
        finally:
            modern.close()
        assert classic.assignment(), "the classic member lost its partitions"
        raw = _heartbeat(broker.bootstrap, group, "modern-raw", 0, [topic], [])
        assert raw["error"] == GROUP_ID_NOT_FOUND, raw
    finally:
        classic.close()


def test_raw_member_keeps_its_epoch_across_a_broker_restart(broker, topic):
    # Membership is persisted in __consumer_offsets: after the restart the member's heartbeat at
    # its epoch is accepted as is (no UNKNOWN_MEMBER_ID, same epoch, no new assignment).
    group = group_name("g848")
    joined = _heartbeat(broker.bootstrap, group, "", 0, [topic], [])
    assert (joined["error"], joined["epoch"]) == (0, 1), joined
    broker.restart()
    again = _heartbeat(broker.bootstrap, group, joined["member_id"], 1, None, None, -1)
    assert (again["error"], again["epoch"], again["assignment"]) == (0, 1, None), again
    # A fenced epoch is still fenced: the epoch came back, not a blank member.
    assert _heartbeat(broker.bootstrap, group, joined["member_id"], 7, None, None, -1)["error"] == FENCED_MEMBER_EPOCH


def test_members_keep_their_assignment_across_a_broker_restart(broker, topic):
    # Two members share the topic, one leaves, then the broker restarts: the one left keeps its
    # member id and partitions without a revoke or lost callback, the group shows only it, and
    # consumption resumes without duplicates.
    group = group_name("g848")
    conf = {"enable.auto.commit": False, "reconnect.backoff.max.ms": 500, "auto.offset.reset": "latest"}
    revoked: list[str] = []
    c1 = Consumer(dict(_conf(broker.bootstrap, group, "c1"), **conf))
    c2 = Consumer(dict(_conf(broker.bootstrap, group, "c2"), **conf))
    c1.subscribe([topic], on_revoke=lambda c, ps: revoked.append(f"revoke {ps}"),
                 on_lost=lambda c, ps: revoked.append(f"lost {ps}"))
    c2.subscribe([topic])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sorted(
                [len(c1.assignment()), len(c2.assignment())]) != [PARTITIONS // 2] * 2:
            c1.poll(0.1)
            c2.poll(0.1)
        assert len(c1.assignment()) == PARTITIONS // 2
        c2.close()
        deadline = time.monotonic() + 60
        while len(c1.assignment()) < PARTITIONS and time.monotonic() < deadline:
            c1.poll(0.2)
        assert sorted(tp.partition for tp in c1.assignment()) == list(range(PARTITIONS))
        # Let c1 settle on its fetch positions ("latest") before anything is produced.
        end = time.monotonic() + 2
        while time.monotonic() < end:
            c1.poll(0.1)
        p = producer(broker.bootstrap)
        for i in range(30):
            p.produce(topic, f"a{i}".encode(), partition=i % PARTITIONS)
        p.flush(30)
        seen = [m.value() for m in poll_messages(c1, 30, 60, 0.2)]
        assert sorted(seen) == sorted(f"a{i}".encode() for i in range(30))
        c1.commit(asynchronous=False)
        member_id, revoked_before = c1.memberid(), len(revoked)
        broker.restart()
        p = producer(broker.bootstrap)
        for i in range(12):
            p.produce(topic, f"b{i}".encode(), partition=i % PARTITIONS)
        p.flush(30)
        after = [m.value() for m in poll_messages(c1, 12, 60, 0.2)]
        # A few more heartbeats, so a late rejoin would show.
        end = time.monotonic() + 2
        while time.monotonic() < end:
            c1.poll(0.1)
        assert sorted(after) == sorted(f"b{i}".encode() for i in range(12))
        assert revoked[revoked_before:] == [], revoked
        assert c1.memberid() == member_id
        assert sorted(tp.partition for tp in c1.assignment()) == list(range(PARTITIONS))
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        described = admin.describe_consumer_groups([group])[group].result(timeout=20)
        assert str(described.state).endswith("STABLE"), described.state
        assert [m.member_id for m in described.members] == [member_id]
        assert sorted(tp.partition for tp in described.members[0].assignment.topic_partitions) == list(
            range(PARTITIONS))
    finally:
        c1.close()


def test_group_with_members_cannot_be_deleted(broker, topic):
    group = group_name("g848")
    c = Consumer(dict(_conf(broker.bootstrap, group, "c"), **{"enable.auto.commit": False}))
    c.subscribe([topic])
    try:
        wait_for_assignment(c)
        c.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        with pytest.raises(KafkaException, match="NON_EMPTY_GROUP"):
            admin.delete_consumer_groups([group], request_timeout=10)[group].result()
        assert c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset == 3
    finally:
        c.close()
    # Once the member has left, the group (its offsets) can go.
    admin.delete_consumer_groups([group], request_timeout=10)[group].result()


def test_regex_subscription_gets_every_matching_topic(broker):
    prefix = unique_topic("rx")
    for suffix in ("a", "b"):
        create_topic(broker.bootstrap, f"{prefix}-{suffix}", partitions=2)
    create_topic(broker.bootstrap, f"other-{prefix}", partitions=2)
    c = Consumer(_conf(broker.bootstrap, group_name("g848"), "rx"))
    c.subscribe([f"^{prefix}-.*"])
    try:
        want = sorted((f"{prefix}-{s}", p) for s in ("a", "b") for p in range(2))
        deadline = time.monotonic() + 30
        got = []
        while got != want and time.monotonic() < deadline:
            c.poll(0.2)
            got = sorted((tp.topic, tp.partition) for tp in c.assignment())
        assert got == want
    finally:
        c.close()
