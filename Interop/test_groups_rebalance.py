"""Consumer groups through confluent-kafka: three consumers (separate processes) share a
6-partition topic; one leaves, one crashes; cooperative-sticky; static members."""

from __future__ import annotations

import time

import pytest

from conftest import unique_topic
from group_members import MemberProcesses
from helpers import create_topic

PARTITIONS = 6


def classic_group(bootstrap: str, topic: str, extra: dict | None = None) -> MemberProcesses:
    conf = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 300, **(extra or {})}
    return MemberProcesses(bootstrap, topic, PARTITIONS, conf, prefix="g", poll_s=0.1)


@pytest.fixture
def topic(broker):
    name = unique_topic("grp")
    create_topic(broker.bootstrap, name, partitions=PARTITIONS)
    return name


def test_three_members_share_partitions_then_one_leaves(broker, topic):
    with classic_group(broker.bootstrap, topic) as g:
        for name in ("m1", "m2", "m3"):
            g.start(name)
        g.wait_balanced(60)
        assert sorted(len(g.assigned[n]) for n in g.members) == [2, 2, 2]
        left_at = time.monotonic()
        g.close("m2")
        done = g.wait_balanced(30)
        # Leaving is announced (LeaveGroup): no session timeout is waited for.
        # `done` includes wait_balanced's 1 s settle period; the rebalance itself takes ~0.3 s.
        assert done - left_at < 4, f"rebalance after leave took {done - left_at:.1f}s"
        assert sorted(len(g.assigned[n]) for n in g.members) == [3, 3]


def test_crashed_member_is_expired_after_session_timeout(broker, topic):
    with classic_group(broker.bootstrap, topic) as g:
        for name in ("m1", "m2", "m3"):
            g.start(name)
        g.wait_balanced(60)
        crashed_at = time.monotonic()
        g.crash("m3")
        done = g.wait_balanced(40)
        elapsed = done - crashed_at
        # Nobody told the broker: the takeover waits for the 6 s session timeout.
        assert elapsed > 4, f"takeover after {elapsed:.1f}s is faster than the session timeout"
        assert "m3" not in g.assigned


def test_cooperative_sticky_assignment(broker, topic):
    with classic_group(broker.bootstrap, topic, {"partition.assignment.strategy": "cooperative-sticky"}) as g:
        g.start("m1")
        g.wait_balanced(60)
        assert g.assigned["m1"] == list(range(PARTITIONS))
        g.start("m2")
        g.wait_balanced(60)
        assert sorted(len(g.assigned[n]) for n in g.members) == [3, 3]
        # Sticky: m1 kept a subset of what it had and never lost everything at once.
        m1_reports = [parts for name, parts, _ in g.history if name == "m1" and parts is not None]
        first_owned = next(i for i, parts in enumerate(m1_reports) if parts)
        assert all(len(parts) >= 3 for parts in m1_reports[first_owned:]), m1_reports


def test_static_members_rejoin_without_rebalance(broker, topic):
    with classic_group(broker.bootstrap, topic) as g:
        g.start("s1", {"group.instance.id": "inst-1"})
        g.start("s2", {"group.instance.id": "inst-2"})
        g.wait_balanced(60)
        before = dict(g.assigned)
        mark = len(g.history)
        # A static member's close does not leave the group; it comes back under the same
        # group.instance.id and gets its partitions again without a rebalance.
        g.close("s2")
        g.start("s2", {"group.instance.id": "inst-2"})
        g.wait_balanced(30)
        assert g.assigned == before
        s1_changes = [parts for name, parts, _ in g.history[mark:] if name == "s1"]
        assert s1_changes == [], f"s1 was rebalanced: {s1_changes}"
        assert [parts for name, parts, _ in g.history[mark:] if name == "s2"][-1] == before["s2"]
