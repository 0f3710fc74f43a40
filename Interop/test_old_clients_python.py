"""kafka-python pinned to old broker versions (`api_version`), so it speaks the old protocol
versions and writes the old message formats itself: magic 0 (0.8.2, 0.9) and magic 1 (0.10.1),
plain and as compressed wrapper messages (gzip, snappy, lz4). What it writes is stored as v2
batches with the codec kept, read back by the same old client (down-converted) and by
librdkafka (v2) with the same bytes.
"""

from __future__ import annotations

import struct
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

import wire
from conftest import unique_topic
from helpers import consume_exactly, create_topic

CODEC_IDS = {None: 0, "gzip": 1, "snappy": 2, "lz4": 3}
T0 = 1_700_000_000_000


def first_stored_codec(bootstrap: str, topic: str) -> int:
    _, partitions = wire.decode_fetch_v4(wire.roundtrip(bootstrap, wire.fetch_v4_request(1, topic, 0, 0)))
    records = partitions[0]["records"]
    assert records[16] == 2  # stored as RecordBatch v2
    return struct.unpack_from(">h", records, 21)[0] & 0x07


@pytest.mark.parametrize("api_version,codec", [
    ((0, 8, 2), None), ((0, 9), "gzip"), ((0, 10, 1), None), ((0, 10, 1), "gzip"), ((0, 10, 1), "snappy"),
    ((0, 10, 1), "lz4"),
], ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else str(v))
def test_kafka_python_old_api_versions_round_trip(module_broker, api_version, codec):
    bootstrap, topic = module_broker.bootstrap, unique_topic("kpold")
    create_topic(bootstrap, topic, 1)
    magic = 1 if api_version >= (0, 10) else 0
    sent = [(f"key-{i}".encode(), bytes([i, 0, 255]) * (i + 1)) for i in range(30)]
    p = KafkaProducer(bootstrap_servers=bootstrap, api_version=api_version, compression_type=codec,
                      linger_ms=50, retries=0)
    futures = [p.send(topic, key=k, value=v, partition=0, timestamp_ms=T0 + i if magic else None)
               for i, (k, v) in enumerate(sent)]
    assert [f.get(30).offset for f in futures] == list(range(len(sent)))
    p.close(timeout=10)
    assert first_stored_codec(bootstrap, topic) == CODEC_IDS[codec]
    # librdkafka (v2 fetches) sees the same records.
    records = consume_exactly(bootstrap, topic, {0: len(sent)})
    assert [(r.key, r.value) for r in records] == sent
    if magic:
        assert [r.timestamp for r in records] == [T0 + i for i in range(len(sent))]
    # The old client reads them back down-converted to its own format.
    c = KafkaConsumer(bootstrap_servers=bootstrap, api_version=api_version, enable_auto_commit=False,
                      fetch_max_wait_ms=100)
    c.assign([TopicPartition(topic, 0)])
    c.seek(TopicPartition(topic, 0), 0)
    got, deadline = [], time.monotonic() + 60
    while len(got) < len(sent) and time.monotonic() < deadline:
        for messages in c.poll(timeout_ms=500).values():
            got += [(m.offset, m.key, m.value, m.timestamp) for m in messages]
    c.close()
    expected_ts = [T0 + i for i in range(len(sent))] if magic else [-1] * len(sent)
    assert [(o, k, v) for o, k, v, _ in got] == [(i, k, v) for i, (k, v) in enumerate(sent)]
    assert [ts if ts is not None else -1 for *_, ts in got] == expected_ts
