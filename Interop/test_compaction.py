"""Log compaction with real clients: cleanup.policy=compact and compact,delete cleaned by the broker's
background cleaner; null keys refused; DeleteRecords through AdminClient.delete_records; per-topic
retention changed with IncrementalAlterConfigs taking effect without a restart."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

from conftest import unique_topic
from helpers import OP_TIMEOUT_S, DeliveryLog, admin, consumer, create_topic, producer

pytestmark = pytest.mark.broker_args(
    "--set", "log.cleaner.backoff.ms=100", "--set", "log.retention.check.interval.ms=200")
SEGMENT_BYTES = 16384
COMPACT = {"cleanup.policy": "compact", "segment.bytes": str(SEGMENT_BYTES), "min.cleanable.dirty.ratio": "0.01",
           "delete.retention.ms": "2000"}


def produce_keyed(bs: str, topic: str, items: list[tuple[bytes, bytes | None]]) -> list[int]:
    p = producer(bs, **{"batch.size": 4096, "linger.ms": 1})
    dlog = DeliveryLog()
    for key, value in items:
        p.produce(topic, key=key, value=value, partition=0, on_delivery=dlog)
    assert p.flush(30) == 0
    assert dlog.errors == [], dlog.errors
    return [r.offset for r in dlog.acked]


def read_all(bs: str, topic: str, start: int = 0) -> list[tuple[int, bytes | None, bytes | None]]:
    """Every record from `start` to the high watermark, as (offset, key, value)."""
    c = consumer(bs, **{"auto.offset.reset": "earliest"})
    try:
        _, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        c.assign([TopicPartition(topic, 0, start)])
        out = []
        deadline = time.monotonic() + 30
        while not out or out[-1][0] < high - 1:
            assert time.monotonic() < deadline, f"read up to {out[-1][0] if out else None} of {high}"
            for m in c.consume(num_messages=5000, timeout=0.3):
                assert m.error() is None, m.error()
                out.append((m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


def wait_until(what: str, check, timeout_s: float = 30):
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def updates(keys: range, rounds: int, size: int = 200) -> list[tuple[bytes, bytes]]:
    return [(b"k%03d" % k, b"r%03d|" % r + bytes(size)) for r in range(rounds) for k in keys]


def test_compacted_topic_keeps_latest_value_per_key_and_drops_tombstones(broker):
    bs = broker.bootstrap
    topic = unique_topic("compact")
    create_topic(bs, topic, 1, config=COMPACT)
    offsets = produce_keyed(bs, topic, updates(range(50), 40))  # 2,000 records, ~30 segments
    produce_keyed(bs, topic, [(b"k%03d" % k, None) for k in range(10)])  # tombstones for k000..k009
    produce_keyed(bs, topic, updates(range(40, 50), 10))  # later writes roll the tombstones out of the active segment
    # (The cleaner already runs while this is produced: no "before" snapshot.)

    def cleaned():
        records = read_all(bs, topic)
        old_keys = [k for _, k, _ in records if b"k010" <= k < b"k040"]
        deleted_values = [k for _, k, v in records if k < b"k010" and v is not None]
        return records if len(old_keys) == 30 and not deleted_values else None

    after = wait_until("the cleaner to keep one record per key", cleaned)
    got = {}
    for offset, key, value in after:
        got.setdefault(key, []).append((offset, value))
    # Keys written only before the tombstones: exactly their last value, at its original offset.
    for k in range(10, 40):
        key = b"k%03d" % k
        assert got[key] == [(offsets[39 * 50 + k], b"r039|" + bytes(200))], key
    # Deleted keys: only the tombstone is left, until delete.retention.ms has passed.
    tombstoned = [got.get(b"k%03d" % k) for k in range(10)]
    assert all(t is None or t == [(2000 + k, None)] for k, t in enumerate(tombstoned)), tombstoned
    # Offsets kept their values: increasing, with gaps, and the log end did not move.
    seen = [o for o, _, _ in after]
    assert seen == sorted(seen) and len(seen) < 2110 and seen[-1] == 2109

    # After delete.retention.ms (2 s) the tombstones go too.
    wait_until("tombstones to be removed",
               lambda: not any(k < b"k010" for _, k, _ in read_all(bs, topic)))
    final = read_all(bs, topic)
    assert {k for _, k, _ in final} == {b"k%03d" % k for k in range(10, 50)}

    # A consumer positioned inside the cleaned range (offset 5 is gone) reads on from the next record.
    c = consumer(bs)
    try:
        c.assign([TopicPartition(topic, 0, 5)])
        first = None
        deadline = time.monotonic() + 10
        while first is None:
            assert time.monotonic() < deadline
            m = c.poll(0.5)
            if m is not None:
                assert m.error() is None, m.error()
                first = m.offset()
        assert first == final[0][0] and first > 5
    finally:
        c.close()


def test_compact_delete_policy_compacts_and_applies_a_topic_retention_change_at_once(broker):
    bs = broker.bootstrap
    topic = unique_topic("compact-delete")
    create_topic(bs, topic, 1, config={**COMPACT, "cleanup.policy": "compact,delete", "retention.ms": "-1"})
    produce_keyed(bs, topic, updates(range(20), 60))  # 1,200 records, ~18 segments
    wait_until("compaction", lambda: len([r for r in read_all(bs, topic) if r[1] < b"k010"]) <= 30)

    # retention.ms on the topic, without a restart: old segments go, the log start advances.
    a = admin(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[
        ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET)])
    a.incremental_alter_configs([resource])[resource].result(OP_TIMEOUT_S)

    def log_start():
        c = consumer(bs)
        try:
            return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[0]
        finally:
            c.close()

    wait_until("retention to advance the log start", lambda: log_start() > 0, timeout_s=20)


def test_null_key_on_compacted_topic_is_invalid_record(broker):
    bs = broker.bootstrap
    topic = unique_topic("compact-nullkey")
    create_topic(bs, topic, 1, config=COMPACT)
    p = producer(bs, **{"retries": 0})
    dlog = DeliveryLog()
    p.produce(topic, value=b"no key", partition=0, on_delivery=dlog)
    p.flush(30)
    assert len(dlog.errors) == 1 and "INVALID_RECORD" in dlog.errors[0].upper().replace(" ", "_"), dlog.errors
    c = consumer(bs)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 0)
    finally:
        c.close()
    assert "cannot accept a record without a key" in broker.log_text()
    # A keyed record still goes in.
    assert produce_keyed(bs, topic, [(b"k", b"v")]) == [0]


def delete_records(bs: str, topic: str, offset: int):
    a = admin(bs)
    tp = TopicPartition(topic, 0, offset)
    return a.delete_records([tp], operation_timeout=OP_TIMEOUT_S, request_timeout=OP_TIMEOUT_S)[tp].result(OP_TIMEOUT_S)


def test_delete_records_advances_the_log_start(broker):
    bs = broker.bootstrap
    topic = unique_topic("delrec")
    create_topic(bs, topic, 1, config={"segment.bytes": str(SEGMENT_BYTES)})
    produce_keyed(bs, topic, [(None, bytes(500)) for _ in range(300)])
    segments_before = len(list(broker.data_dir.glob(f"{topic}-0/*.log")))

    result = delete_records(bs, topic, 120)
    assert result.low_watermark == 120
    c = consumer(bs)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (120, 300)
    finally:
        c.close()
    assert read_all(bs, topic, start=120)[0][0] == 120
    assert len(list(broker.data_dir.glob(f"{topic}-0/*.log"))) < segments_before

    # Beyond the high watermark: OFFSET_OUT_OF_RANGE; a compact-only topic: POLICY_VIOLATION.
    with pytest.raises(KafkaException) as failure:
        delete_records(bs, topic, 301)
    assert failure.value.args[0].code() == KafkaError.OFFSET_OUT_OF_RANGE
    compacted = unique_topic("delrec-compact")
    create_topic(bs, compacted, 1, config=COMPACT)
    with pytest.raises(KafkaException) as failure:
        delete_records(bs, compacted, 0)
    assert failure.value.args[0].code() == KafkaError.POLICY_VIOLATION

    # The log start survives a restart.
    broker.restart()
    c = consumer(bs)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (120, 300)
    finally:
        c.close()


def test_consumer_offsets_topic_is_compacted_and_replays_after_compaction(broker):
    """__consumer_offsets is created compacted; with small segments the cleaner keeps one commit per
    group and partition, and a restarted broker replays the compacted topic to the latest offset."""
    from group_members import group_name
    from test_groups_offsets import group_consumer, java_partition

    bs = broker.bootstrap
    topic = unique_topic("offsets-compacted")
    create_topic(bs, topic, 1)
    group = group_name()
    c = group_consumer(bs, group)
    c.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)  # creates __consumer_offsets

    a = admin(bs)
    described = a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets")])
    configs = list(described.values())[0].result(OP_TIMEOUT_S)
    assert configs["cleanup.policy"].value == "compact"
    resource = ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets", incremental_configs=[
        ConfigEntry("segment.bytes", "4096", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("min.cleanable.dirty.ratio", "0.01", incremental_operation=AlterConfigOpType.SET)])
    a.incremental_alter_configs([resource])[resource].result(OP_TIMEOUT_S)

    for offset in range(2, 402):
        c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    c.close()

    partition = java_partition(group)

    def commit_records() -> int:
        r = consumer(bs, **{"auto.offset.reset": "earliest"})
        try:
            _, high = r.get_watermark_offsets(TopicPartition("__consumer_offsets", partition), timeout=10)
            r.assign([TopicPartition("__consumer_offsets", partition, 0)])
            count, last = 0, -1
            deadline = time.monotonic() + 20
            while last < high - 1:
                assert time.monotonic() < deadline
                for m in r.consume(num_messages=1000, timeout=0.3):
                    assert m.error() is None, m.error()
                    last = m.offset()
                    count += m.key() is not None and group.encode() in m.key()
            return count
        finally:
            r.close()

    # 401 commits of one partition; after cleaning about one per segment still being written to.
    wait_until("the offsets topic to be compacted", lambda: commit_records() < 100)

    broker.restart()
    c = group_consumer(bs, group)
    try:
        assert c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset == 401
    finally:
        c.close()


@pytest.mark.parametrize("key,value", [
    ("cleanup.policy", "shred"), ("min.cleanable.dirty.ratio", "1.5"), ("min.cleanable.dirty.ratio", "x"),
    ("delete.retention.ms", "-5"), ("max.compaction.lag.ms", "0"), ("min.compaction.lag.ms", "soon")])
def test_invalid_compaction_configs_are_rejected(broker, key, value):
    bs = broker.bootstrap
    topic = unique_topic("badcfg")
    with pytest.raises(KafkaException) as failure:
        create_topic(bs, topic, 1, config={key: value})
    assert failure.value.args[0].code() == KafkaError.INVALID_CONFIG
    # Nor on an existing topic.
    create_topic(bs, topic, 1, config={"cleanup.policy": "compact"})
    a = admin(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic, incremental_configs=[
        ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])
    with pytest.raises(KafkaException) as failure:
        a.incremental_alter_configs([resource])[resource].result(OP_TIMEOUT_S)
    assert failure.value.args[0].code() == KafkaError.INVALID_CONFIG
