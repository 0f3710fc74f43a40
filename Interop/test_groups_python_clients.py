"""Consumer groups of several kafka-python and aiokafka members sharing one topic (assignment,
no loss, takeover after a member closes), and committed offsets forgotten by DeleteTopics."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from confluent_kafka import TopicPartition
from kafka import KafkaConsumer

from conftest import unique_topic
from group_members import MemberThreads, group_name
from helpers import admin, create_topic
from test_groups_offsets import group_consumer, produce

PARTITIONS = 6
PER_PARTITION = 20
# Generous: on a loaded CI machine the Python clients' heartbeat threads can stall for seconds, and
# no step here waits on a session running out (members leave by closing).
GROUP_TIMEOUTS = {"session_timeout_ms": 15000, "heartbeat_interval_ms": 500, "max_poll_interval_ms": 20000}


def batch(first: int) -> set[tuple[int, int]]:
    """The (partition, offset) pairs of one produced batch of PER_PARTITION records a partition."""
    return {(p, o) for p in range(PARTITIONS) for o in range(first, first + PER_PARTITION)}


def wait_until(condition, timeout: float, what: str, state) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {state()}"
        time.sleep(0.05)


class Members:
    """What each member reported: its current assignment and every record it read."""

    def __init__(self, names: list[str]):
        self.lock = threading.Lock()
        self.assigned: dict[str, set[int]] = {n: set() for n in names}
        self.read: dict[str, list[tuple[int, int]]] = {n: [] for n in names}

    def report(self, name: str, assigned: set[int], records: list[tuple[int, int]]) -> None:
        with self.lock:
            self.assigned[name] = assigned
            self.read[name].extend(records)

    def snapshot(self) -> tuple[dict[str, set[int]], dict[str, list[tuple[int, int]]]]:
        with self.lock:
            return ({n: set(a) for n, a in self.assigned.items()}, {n: list(r) for n, r in self.read.items()})

    def balanced(self, names: list[str]) -> bool:
        """Every partition owned by exactly one of `names`, each owning some."""
        assigned, _ = self.snapshot()
        owned = [assigned[n] for n in names]
        return all(owned) and sum(len(a) for a in owned) == PARTITIONS and set().union(*owned) == set(range(PARTITIONS))

    def union(self) -> set[tuple[int, int]]:
        _, read = self.snapshot()
        return set().union(*(set(r) for r in read.values()))


@dataclass(frozen=True)
class Seat:
    """Where one member consumes: the broker, the topic, the group, and its name (its client id)."""

    bootstrap: str
    topic: str
    group: str
    name: str


def check_three_members_share_and_take_over(broker, prefix: str, consume) -> None:
    """Three members, each in its own thread running `consume(seat, stop, report)` until `stop` is set,
    share a topic and read everything; one closes, the other two take over its partitions."""
    topic = unique_topic(prefix)
    create_topic(broker.bootstrap, topic, partitions=PARTITIONS)
    produce(broker.bootstrap, topic, PARTITIONS, PER_PARTITION)
    group = group_name()
    names = ["a", "b", "c"]
    members = Members(names)

    def run(name: str, stop: threading.Event) -> None:
        consume(Seat(broker.bootstrap, topic, group, name), stop, members.report)

    with MemberThreads(names, run) as threads:
        def state():
            return members.snapshot(), threads.errors

        wait_until(lambda: members.balanced(names), 30, "a balanced assignment of 3 members", state)
        wait_until(lambda: batch(0) <= members.union(), 10, "every record of the first batch", state)
        assert members.union() == batch(0), "read records that were never produced"

        leaver, stayers = names[-1], names[:-1]
        threads.close(leaver)
        wait_until(lambda: members.balanced(stayers), 30, "the remaining members to own every partition", state)
        assigned, read_before = members.snapshot()
        assert assigned[stayers[0]].isdisjoint(assigned[stayers[1]])

        produce(broker.bootstrap, topic, PARTITIONS, PER_PARTITION)
        wait_until(lambda: batch(0) | batch(PER_PARTITION) <= members.union(), 10,
                   "every record of the second batch", state)
        _, read = members.snapshot()
        assert len(read[leaver]) == len(read_before[leaver]), "a closed member kept reading"
        second = batch(PER_PARTITION)
        by_member = {n: {p for p, o in read[n] if (p, o) in second} for n in stayers}
        # Each record of the second batch came from the partitions of the member that owned them.
        assert by_member[stayers[0]].isdisjoint(by_member[stayers[1]]), by_member
        assert by_member[stayers[0]] | by_member[stayers[1]] == set(range(PARTITIONS))
        assert members.union() == batch(0) | second
    assert not threads.errors, threads.errors


def kafka_python_member(seat: Seat, stop: threading.Event, report) -> None:
    c = KafkaConsumer(bootstrap_servers=seat.bootstrap, group_id=seat.group, client_id=seat.name,
                      auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
                      **GROUP_TIMEOUTS)
    try:
        c.subscribe([seat.topic])
        while not stop.is_set():
            # Not shorter: kafka-python 3.0 abandons a rebalance callback cut off by poll's timeout
            # on a loaded machine and then never applies that assignment nor heartbeats again.
            polled = c.poll(timeout_ms=1000)
            records = [(r.partition, r.offset) for rs in polled.values() for r in rs]
            if records:
                c.commit()
            report(seat.name, {tp.partition for tp in c.assignment()}, records)
    finally:
        c.close()
        report(seat.name, set(), [])


def aiokafka_member(seat: Seat, stop: threading.Event, report) -> None:
    """Runs its own event loop in its member thread."""

    async def consume() -> None:
        c = AIOKafkaConsumer(seat.topic, bootstrap_servers=seat.bootstrap, group_id=seat.group, client_id=seat.name,
                             auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
                             **GROUP_TIMEOUTS)
        await c.start()
        try:
            while not stop.is_set():
                polled = await c.getmany(timeout_ms=100)
                records = [(r.partition, r.offset) for rs in polled.values() for r in rs]
                if records:
                    await c.commit()
                report(seat.name, {tp.partition for tp in c.assignment()}, records)
        finally:
            await c.stop()
            report(seat.name, set(), [])

    asyncio.run(consume())


def test_three_kafka_python_consumers_share_partitions_and_take_over(broker):
    check_three_members_share_and_take_over(broker, "kp3", kafka_python_member)


def test_three_aiokafka_consumers_share_partitions_and_take_over(broker):
    check_three_members_share_and_take_over(broker, "aio3", aiokafka_member)


# -- DeleteTopics forgets committed offsets ---------------------------------------------------

def committed(bootstrap: str, group: str, topic: str) -> list[int]:
    c = group_consumer(bootstrap, group)
    try:
        return [tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(2)], timeout=10)]
    finally:
        c.close()


def recreate(bootstrap: str, topic: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            create_topic(bootstrap, topic, partitions=2)
            return
        except Exception as err:  # the old topic may still be on its way out
            if "already exists" not in str(err).lower() and "TOPIC_ALREADY_EXISTS" not in str(err):
                raise
            assert time.monotonic() < deadline, err
            time.sleep(0.2)


def test_deleted_topic_loses_its_committed_offsets_also_after_restart(broker):
    topic, other = unique_topic("del"), unique_topic("keep")
    create_topic(broker.bootstrap, topic, partitions=2)
    create_topic(broker.bootstrap, other, partitions=2)
    group = group_name()
    c = group_consumer(broker.bootstrap, group)
    c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 7), TopicPartition(other, 0, 3)],
             asynchronous=False)
    c.close()
    assert committed(broker.bootstrap, group, topic) == [5, 7]

    a = admin(broker.bootstrap)  # kept alive until the result is in
    a.delete_topics([topic], request_timeout=10)[topic].result()
    recreate(broker.bootstrap, topic)
    # -1001 is confluent-kafka's name for OffsetFetch's -1 (no committed offset).
    assert committed(broker.bootstrap, group, topic) == [-1001, -1001]
    # Other topics of the group keep theirs.
    assert committed(broker.bootstrap, group, other) == [3, -1001]

    broker.restart()
    assert committed(broker.bootstrap, group, topic) == [-1001, -1001]
    assert committed(broker.bootstrap, group, other) == [3, -1001]
