#!/usr/bin/env python3
"""Rebalance time after a member leaves: 3 confluent-kafka consumers on a 6-partition topic.

    rebalance_time.py BOOTSTRAP [--runs 9] [--partitions 6]

Each run uses a fresh group and an empty 6-partition topic (created here), with the client's
default timeouts (session.timeout.ms 45 s, heartbeat.interval.ms 3 s; classic protocol, eager
range/roundrobin assignment). Three members subscribe, each polled by its own thread; once every
member owns 2 partitions, and after a pause of 0.5-3.5 s, member 3 calls close(), which
sends LeaveGroup. The time measured runs from just before close() until the assignment callbacks
of the two remaining members together cover all 6 partitions. The remaining members learn of the
rebalance from their next heartbeat (the classic protocol has no push), so the result depends on
where in the 3 s heartbeat cycle the leave falls; run k of n pauses 0.5 + 3 * (k + 0.5) / n s,
so the leaves are spread evenly over one cycle and the median is that of a random moment. Also reported: the time until the first remaining member's
revoke callback (the rebalance noticed) and the rest (rejoin and new assignment). Prints one line per run and a RESULT line with medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic


class Member:
    """One consumer polled by its own thread; records its assignment and when it last changed."""

    def __init__(self, bootstrap: str, group: str, topic: str, protocol: str = "classic"):
        self.lock = threading.Lock()
        self.owned: set[int] = set()
        self.assigned_at = 0.0
        self.revoked_at = 0.0
        self.leave = threading.Event()
        self.left = threading.Event()
        self.close_started = 0.0
        conf = {"bootstrap.servers": bootstrap, "group.id": group,
                "auto.offset.reset": "earliest", "enable.auto.commit": False}
        if protocol == "consumer":
            conf["group.protocol"] = "consumer"  # KIP-848: callbacks are incremental
        self.incremental = protocol == "consumer"
        self.consumer = Consumer(conf)
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_assign(self, consumer, partitions):
        with self.lock:
            added = {p.partition for p in partitions}
            self.owned = (self.owned | added) if self.incremental else added
            self.assigned_at = time.monotonic()

    def _on_revoke(self, consumer, partitions):
        with self.lock:
            self.owned = (self.owned - {p.partition for p in partitions}) if self.incremental else set()
            self.revoked_at = time.monotonic()

    def _run(self):
        while not self.stop.is_set():
            if self.leave.is_set():
                self.close_started = time.monotonic()
                self.consumer.close()  # sends LeaveGroup
                self.left.set()
                return
            self.consumer.poll(0.05)

    def snapshot(self) -> tuple[set[int], float]:
        with self.lock:
            return set(self.owned), self.assigned_at

    def shutdown(self):
        self.stop.set()
        self.thread.join(timeout=10)
        if not self.left.is_set():
            self.consumer.close()


def wait_until(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def one_run(bootstrap: str, partitions: int, pause_s: float, protocol: str = "classic") -> tuple[float, float]:
    topic = f"rebalance-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)
    group = f"rebalance-{uuid.uuid4().hex[:8]}"
    members = [Member(bootstrap, group, topic, protocol) for _ in range(3)]
    try:
        def balanced(ms, per):
            owned = [m.snapshot()[0] for m in ms]
            return all(len(o) == per for o in owned) and set().union(*owned) == set(range(partitions))

        if not wait_until(lambda: balanced(members, partitions // 3), 120):
            raise RuntimeError(f"3 members never settled: {[m.snapshot()[0] for m in members]}")
        time.sleep(pause_s)
        leaver, rest = members[2], members[:2]
        leaver.leave.set()
        if not wait_until(lambda: balanced(rest, partitions // 2), 120):
            raise RuntimeError(f"2 members never took over: {[m.snapshot()[0] for m in rest]}")
        leaver.left.wait(30)
        # With KIP-848 the remaining members are only given partitions (nothing is revoked): the
        # first new assignment is when the group noticed.
        if rest[0].incremental:
            noticed = min(m.snapshot()[1] for m in rest) - leaver.close_started
        else:
            noticed = min(m.revoked_at for m in rest) - leaver.close_started
        return max(m.snapshot()[1] for m in rest) - leaver.close_started, noticed
    finally:
        for m in members:
            m.shutdown()
        admin.delete_topics([topic])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bootstrap")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--protocol", choices=["classic", "consumer"], default="classic",
                    help="consumer: KIP-848 (group.protocol=consumer)")
    args = ap.parse_args()
    times, noticed = [], []
    for run in range(1, args.runs + 1):
        pause = 0.5 + 3.0 * (run - 0.5) / args.runs  # run counts from 1
        t, n = one_run(args.bootstrap, args.partitions, pause, args.protocol)
        times.append(t)
        noticed.append(n)
        print(f"run {run}: leave {pause:.2f} s after settling; revoke after {n * 1e3:.0f} ms, "
              f"all partitions owned again after {t * 1e3:.0f} ms", file=sys.stderr)
    print(f"RESULT mode=rebalance protocol={args.protocol} runs={len(times)} median_ms={statistics.median(times) * 1e3:.0f} "
          f"min_ms={min(times) * 1e3:.0f} max_ms={max(times) * 1e3:.0f} "
          f"all_ms={','.join(f'{t * 1e3:.0f}' for t in times)} "
          f"noticed_median_ms={statistics.median(noticed) * 1e3:.0f} "
          f"rejoin_median_ms={statistics.median(t - n for t, n in zip(times, noticed)) * 1e3:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
