"""Members of one consumer group for the group tests, and what they report.

- `MemberProcesses`: confluent-kafka members, each in its own spawned process, reporting their
  assignment (and record arrivals) over a queue; the test waits for a balanced group.
- `MemberThreads`: one thread per member running the test's own client loop (kafka-python,
  aiokafka), stopped one by one or all at once, keeping what a member raised.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time

from confluent_kafka import Consumer

from conftest import unique_topic


def group_name(prefix: str = "g") -> str:
    """A fresh group id, made like a topic name."""
    return unique_topic(prefix)


def wait_for_assignment(c: Consumer, timeout_s: float = 30) -> list:
    """Polls a subscribed confluent-kafka consumer until it has an assignment or `timeout_s` passed;
    returns the assignment (empty if none came)."""
    deadline = time.monotonic() + timeout_s
    while not c.assignment() and time.monotonic() < deadline:
        c.poll(0.2)
    return c.assignment()


def poll_messages(c: Consumer, count: int, timeout_s: float, poll_s: float) -> list:
    """Polls a confluent-kafka consumer until it returned `count` records (errors are skipped) or
    `timeout_s` passed; returns the records."""
    got = []
    deadline = time.monotonic() + timeout_s
    while len(got) < count and time.monotonic() < deadline:
        m = c.poll(poll_s)
        if m is not None and m.error() is None:
            got.append(m)
    return got


def member_conf(bootstrap: str, group: str, name: str) -> dict:
    """What every confluent-kafka group member here starts from."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": name,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
    }


def _member(conf: dict, topic: str, name: str, poll_s: float, reports, stop) -> None:
    """Runs in its own process: reports its assignment on every change and, per partition, that
    records arrived (at most every 100 ms per partition)."""
    c = Consumer(conf)
    c.subscribe([topic])
    last = None
    last_seen: dict[int, float] = {}
    while not stop.is_set():
        msg = c.poll(poll_s)
        now = time.monotonic()
        if msg is not None and msg.error() is None:
            p = msg.partition()
            if now - last_seen.get(p, 0) > 0.1:
                last_seen[p] = now
                reports.put(("msg", name, p, now))
        parts = sorted(tp.partition for tp in c.assignment())
        if parts != last:
            last = parts
            reports.put(("assign", name, parts, now))
    c.close()
    reports.put(("assign", name, None, time.monotonic()))


class MemberProcesses:
    """Member processes of one group, the latest assignment each reported, every assignment report
    in order (`history`: name, partitions or None once closed, time) and record arrivals
    (`arrivals`: name, partition, time).

    `conf` is added to `member_conf` for every member (`start` can add more for one). Members poll
    for `poll_s`; the waits below take reports in steps of the same size."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, conf: dict, prefix: str, poll_s: float):
        self.ctx = mp.get_context("spawn")
        self.bootstrap, self.topic, self.partitions, self.conf = bootstrap, topic, partitions, conf
        self.poll_s = poll_s
        self.group = group_name(prefix)
        self.reports = self.ctx.Queue()
        self.members: dict[str, tuple] = {}
        self.assigned: dict[str, list[int]] = {}
        self.history: list[tuple] = []
        self.arrivals: list[tuple] = []

    def __enter__(self) -> MemberProcesses:
        return self

    def __exit__(self, *_) -> None:
        self.shutdown()

    def start(self, name: str, extra: dict | None = None) -> None:
        stop = self.ctx.Event()
        conf = {**member_conf(self.bootstrap, self.group, name), **self.conf, **(extra or {})}
        proc = self.ctx.Process(
            target=_member, args=(conf, self.topic, name, self.poll_s, self.reports, stop), daemon=True)
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
        """Takes at most one report, waiting up to `timeout` for it."""
        try:
            kind, name, value, at = self.reports.get(timeout=timeout)
        except queue.Empty:
            return
        if kind == "msg":
            self.arrivals.append((name, value, at))
            return
        self.history.append((name, value, at))
        if name in self.members and value is not None:
            self.assigned[name] = value

    def owned(self) -> list[int]:
        return sorted(p for name in self.members for p in self.assigned.get(name, []))

    def _balanced(self, sizes: list[int] | None) -> bool:
        if self.owned() != list(range(self.partitions)):
            return False
        if sizes is None:
            return all(self.assigned.get(n) for n in self.members)
        return sorted(len(self.assigned.get(n, [])) for n in self.members) == sizes

    def wait_balanced(self, timeout_s: float, sizes: list[int] | None = None) -> float:
        """Waits until the live members own every partition exactly once, each some (or in the given
        sizes); returns when that happened."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.drain(2 * self.poll_s)
            if self._balanced(sizes):
                # Stay balanced for a moment: no late revocation may follow.
                settle = time.monotonic() + 1.0
                while time.monotonic() < settle:
                    self.drain(self.poll_s)
                if self.owned() == list(range(self.partitions)):
                    return time.monotonic()
        raise AssertionError(f"not balanced: {self.assigned} (members {list(self.members)})")

    def shutdown(self) -> None:
        for name in list(self.members):
            proc, stop = self.members.pop(name)
            stop.set()
            proc.join(10)
            if proc.is_alive():
                proc.kill()


class MemberThreads:
    """One thread per member name, each running `run(name, stop)` until its `stop` event is set.
    What a member raises is kept in `errors`; on leaving the `with` block every member is stopped."""

    def __init__(self, names: list[str], run):
        self.stops = {n: threading.Event() for n in names}
        self.errors: list[BaseException] = []
        self.threads = {n: threading.Thread(target=self._run, args=(run, n), daemon=True) for n in names}
        for t in self.threads.values():
            t.start()

    def _run(self, run, name: str) -> None:
        try:
            run(name, self.stops[name])
        except BaseException as err:  # surfaced by the test
            self.errors.append(err)

    def __enter__(self) -> MemberThreads:
        return self

    def __exit__(self, *_) -> None:
        for stop in self.stops.values():
            stop.set()
        for t in self.threads.values():
            t.join(10)

    def close(self, name: str) -> None:
        self.stops[name].set()
        self.threads[name].join(10)
        assert not self.threads[name].is_alive(), f"{name} did not close"
