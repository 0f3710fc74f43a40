"""Consumer groups of several kafka-python and aiokafka members sharing one topic (assignment,
no loss, takeover after a member closes), and committed offsets forgotten by DeleteTopics."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from aiokafka import AIOKafkaConsumer
from confluent_kafka import TopicPartition
from kafka import KafkaConsumer

from conftest import unique_topic
from helpers import admin, create_topic
from test_groups_offsets import group_consumer, produce

PARTITIONS = 6
PER_PARTITION = 20
GROUP_TIMEOUTS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500, "max_poll_interval_ms": 10000}


def group_name() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


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


def check_group_shares_and_takes_over(members: Members, names: list[str], close, produce_more) -> None:
    """Shared scenario: balanced, everything read, one member closes, the others take over."""
    state = members.snapshot
    wait_until(lambda: members.balanced(names), 12, "a balanced assignment of 3 members", state)
    wait_until(lambda: batch(0) <= members.union(), 10, "every record of the first batch", state)
    assert members.union() == batch(0), "read records that were never produced"

    leaver, stayers = names[-1], names[:-1]
    close(leaver)
    wait_until(lambda: members.balanced(stayers), 12, "the remaining members to own every partition", state)
    assigned, read_before = members.snapshot()
    assert assigned[stayers[0]].isdisjoint(assigned[stayers[1]])

    produce_more()
    wait_until(lambda: batch(0) | batch(PER_PARTITION) <= members.union(), 10, "every record of the second batch",
               state)
    _, read = members.snapshot()
    assert len(read[leaver]) == len(read_before[leaver]), "a closed member kept reading"
    second = batch(PER_PARTITION)
    by_member = {n: {p for p, o in read[n] if (p, o) in second} for n in stayers}
    # Each record of the second batch came from the partitions of the member that owned them.
    assert by_member[stayers[0]].isdisjoint(by_member[stayers[1]]), by_member
    assert by_member[stayers[0]] | by_member[stayers[1]] == set(range(PARTITIONS))
    assert members.union() == batch(0) | second


def test_three_kafka_python_consumers_share_partitions_and_take_over(broker):
    topic = unique_topic("kp3")
    create_topic(broker.bootstrap, topic, partitions=PARTITIONS)
    produce(broker.bootstrap, topic, PARTITIONS, PER_PARTITION)
    group = group_name()
    names = ["a", "b", "c"]
    members = Members(names)
    stops = {n: threading.Event() for n in names}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, client_id=name,
                          auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
                          **GROUP_TIMEOUTS)
        try:
            c.subscribe([topic])
            while not stops[name].is_set():
                # Not shorter: kafka-python 3.0 abandons a rebalance callback cut off by poll's timeout
                # on a loaded machine and then never applies that assignment nor heartbeats again.
                polled = c.poll(timeout_ms=1000)
                records = [(r.partition, r.offset) for rs in polled.values() for r in rs]
                if records:
                    c.commit()
                members.report(name, {tp.partition for tp in c.assignment()}, records)
        except BaseException as err:  # surfaced by the main thread
            errors.append(err)
        finally:
            c.close()
            members.report(name, set(), [])

    threads = {n: threading.Thread(target=run, args=(n,), daemon=True) for n in names}
    for t in threads.values():
        t.start()

    def close(name: str) -> None:
        stops[name].set()
        threads[name].join(10)
        assert not threads[name].is_alive(), f"{name} did not close"

    try:
        check_group_shares_and_takes_over(
            members, names, close, lambda: produce(broker.bootstrap, topic, PARTITIONS, PER_PARTITION))
    finally:
        for n in names:
            stops[n].set()
        for t in threads.values():
            t.join(10)
    assert not errors, errors


def test_three_aiokafka_consumers_share_partitions_and_take_over(broker):
    topic = unique_topic("aio3")
    create_topic(broker.bootstrap, topic, partitions=PARTITIONS)
    produce(broker.bootstrap, topic, PARTITIONS, PER_PARTITION)
    group = group_name()
    names = ["a", "b", "c"]
    members = Members(names)

    async def member(name: str, stop: asyncio.Event) -> None:
        c = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group, client_id=name,
                             auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
                             **GROUP_TIMEOUTS)
        await c.start()
        try:
            while not stop.is_set():
                polled = await c.getmany(timeout_ms=100)
                records = [(r.partition, r.offset) for rs in polled.values() for r in rs]
                if records:
                    await c.commit()
                members.report(name, {tp.partition for tp in c.assignment()}, records)
        finally:
            await c.stop()
            members.report(name, set(), [])

    async def run() -> None:
        stops = {n: asyncio.Event() for n in names}
        tasks = {n: asyncio.create_task(member(n, stops[n])) for n in names}

        async def wait_for(condition, timeout: float, what: str) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                for task in tasks.values():
                    if task.done() and task.exception():
                        raise task.exception()
                assert time.monotonic() < deadline, f"timed out waiting for {what}: {members.snapshot()}"
                await asyncio.sleep(0.05)

        try:
            # Same scenario as the kafka-python test, with awaits instead of a blocking wait.
            await wait_for(lambda: members.balanced(names), 12, "a balanced assignment of 3 members")
            await wait_for(lambda: batch(0) <= members.union(), 10, "every record of the first batch")
            assert members.union() == batch(0)
            stops["c"].set()
            await asyncio.wait_for(tasks["c"], 10)
            await wait_for(lambda: members.balanced(["a", "b"]), 12, "a and b to own every partition")
            _, read_before = members.snapshot()
            await asyncio.to_thread(produce, broker.bootstrap, topic, PARTITIONS, PER_PARTITION)
            await wait_for(lambda: batch(0) | batch(PER_PARTITION) <= members.union(), 10,
                           "every record of the second batch")
        finally:
            for n in names:
                stops[n].set()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
        _, read = members.snapshot()
        assert len(read["c"]) == len(read_before["c"]), "a closed member kept reading"
        second = batch(PER_PARTITION)
        by_member = {n: {p for p, o in read[n] if (p, o) in second} for n in ["a", "b"]}
        assert by_member["a"].isdisjoint(by_member["b"]), by_member
        assert by_member["a"] | by_member["b"] == set(range(PARTITIONS))
        assert members.union() == batch(0) | second

    asyncio.run(run())


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
