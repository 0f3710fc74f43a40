"""Consumer groups through confluent-kafka: three consumers (separate processes) share a
6-partition topic; one leaves, one crashes; cooperative-sticky; static members."""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import uuid

import pytest
from confluent_kafka import Consumer

from conftest import unique_topic
from helpers import create_topic

PARTITIONS = 6


def _member(bootstrap: str, topic: str, group: str, name: str, extra: dict, reports, stop) -> None:
    """Runs in its own process: polls and reports its assignment whenever it changes."""
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": name,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 300,
        "fetch.wait.max.ms": 100,
    }
    conf.update(extra)
    c = Consumer(conf)
    c.subscribe([topic])
    last = None
    while not stop.is_set():
        c.poll(0.1)
        now = sorted(tp.partition for tp in c.assignment())
        if now != last:
            last = now
            reports.put((name, now, time.monotonic()))
    c.close()
    reports.put((name, None, time.monotonic()))


class Group:
    """Member processes of one group and the latest assignment each reported."""

    def __init__(self, bootstrap: str, topic: str, extra: dict | None = None):
        self.ctx = mp.get_context("spawn")
        self.bootstrap, self.topic, self.extra = bootstrap, topic, extra or {}
        self.group = f"g-{uuid.uuid4().hex[:10]}"
        self.reports = self.ctx.Queue()
        self.members: dict[str, tuple] = {}
        self.assigned: dict[str, list[int]] = {}
        self.history: list[tuple] = []

    def start(self, name: str, extra: dict | None = None) -> None:
        stop = self.ctx.Event()
        conf = dict(self.extra, **(extra or {}))
        proc = self.ctx.Process(
            target=_member, args=(self.bootstrap, self.topic, self.group, name, conf, self.reports, stop), daemon=True)
        proc.start()
        self.members[name] = (proc, stop)

    def close(self, name: str) -> None:
        proc, stop = self.members.pop(name)
        stop.set()
        proc.join(20)
        assert proc.exitcode == 0, f"{name} exited with {proc.exitcode}"
        self.assigned.pop(name, None)

    def crash(self, name: str) -> None:
        proc, _ = self.members.pop(name)
        proc.kill()
        proc.join(10)
        self.assigned.pop(name, None)

    def drain(self, timeout: float) -> None:
        try:
            name, parts, at = self.reports.get(timeout=timeout)
        except queue.Empty:
            return
        self.history.append((name, parts, at))
        if name in self.members and parts is not None:
            self.assigned[name] = parts

    def wait_balanced(self, timeout_s: float) -> float:
        """Waits until the live members own every partition exactly once; returns when it happened."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.drain(0.2)
            owned = [p for name in self.members for p in self.assigned.get(name, [])]
            if sorted(owned) == list(range(PARTITIONS)) and all(self.assigned.get(n) for n in self.members):
                # Stay balanced for a moment: no late revocation may follow.
                settle = time.monotonic() + 1.0
                while time.monotonic() < settle:
                    self.drain(0.1)
                owned = [p for name in self.members for p in self.assigned.get(name, [])]
                if sorted(owned) == list(range(PARTITIONS)):
                    return time.monotonic()
        raise AssertionError(f"not balanced: {self.assigned} (members {list(self.members)})")

    def shutdown(self) -> None:
        for name in list(self.members):
            proc, stop = self.members.pop(name)
            stop.set()
            proc.join(10)
            if proc.is_alive():
                proc.kill()


@pytest.fixture
def topic(broker):
    name = unique_topic("grp")
    create_topic(broker.bootstrap, name, partitions=PARTITIONS)
    return name


def test_three_members_share_partitions_then_one_leaves(broker, topic):
    g = Group(broker.bootstrap, topic)
    try:
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
    finally:
        g.shutdown()


def test_crashed_member_is_expired_after_session_timeout(broker, topic):
    g = Group(broker.bootstrap, topic)
    try:
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
    finally:
        g.shutdown()


def test_cooperative_sticky_assignment(broker, topic):
    g = Group(broker.bootstrap, topic, {"partition.assignment.strategy": "cooperative-sticky"})
    try:
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
    finally:
        g.shutdown()


def test_static_members_rejoin_without_rebalance(broker, topic):
    g = Group(broker.bootstrap, topic)
    try:
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
    finally:
        g.shutdown()
