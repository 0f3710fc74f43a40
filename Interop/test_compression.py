"""Compressed batches (gzip, snappy, lz4, zstd) between real clients, topic-level
compression.type recompression, corrupt compressed payloads, and timestamp lookups
inside compressed batches."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import time

import crc32c
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from confluent_kafka import KafkaException, TopicPartition
from kafka import KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaPythonTopicPartition

import wire
from conftest import unique_topic
from helpers import consumer, create_topic, producer

CODECS = ["gzip", "snappy", "lz4", "zstd"]
CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
COUNT = 200
CORRUPT_MESSAGE = 2
MESSAGE_TOO_LARGE = 10


def payloads(topic: str) -> list[tuple[bytes, bytes]]:
    """Compressible values, so every codec really shrinks the batch."""
    return [(f"key-{i}".encode(), f"{topic} value {i} ".encode() * 20) for i in range(COUNT)]


def stored_codecs(broker, topic: str) -> list[int]:
    """The codec bits of every batch the broker stores for partition 0, read from its segment files
    (not through a Fetch: a zstd topic refuses the old Fetch versions the raw helpers speak)."""
    segments = sorted((broker.data_dir / f"{topic}-0").glob("*.log"))
    codecs = [h["compression"] for path in segments for h in wire.batch_headers(path.read_bytes())]
    assert codecs, "no whole batch stored"
    return codecs


# -- producers ------------------------------------------------------------------------

def produce_confluent(bootstrap: str, topic: str, codec: str, records) -> None:
    p = producer(bootstrap, **{"compression.type": codec, "linger.ms": 50})
    for key, value in records:
        p.produce(topic, key=key, value=value, partition=0)
    assert p.flush(30) == 0


def produce_kafka_python(bootstrap: str, topic: str, codec: str, records) -> None:
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, linger_ms=50, acks="all")
    try:
        for key, value in records:
            p.send(topic, key=key, value=value, partition=0)
        p.flush(30)
    finally:
        p.close()


def produce_aiokafka(bootstrap: str, topic: str, codec: str, records) -> None:
    async def run():
        p = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, linger_ms=50, acks="all")
        await p.start()
        try:
            futures = [await p.send(topic, key=key, value=value, partition=0) for key, value in records]
            await asyncio.gather(*futures)
        finally:
            await p.stop()

    asyncio.run(run())


# -- consumers ------------------------------------------------------------------------

def consume_confluent(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    c = consumer(bootstrap)
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.monotonic() + 30
    try:
        while len(out) < COUNT:
            assert time.monotonic() < deadline, f"confluent-kafka consumed {len(out)} of {COUNT}"
            for m in c.consume(num_messages=COUNT - len(out), timeout=0.5):
                if m.error() is not None:
                    raise KafkaException(m.error())
                out.append((m.key(), m.value()))
    finally:
        c.close()
    return out


def consume_kcat(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    # kcat consumes only: its librdkafka (2.0) decides compression support from Produce v2,
    # which Kafka 4.0's range (3-12) no longer has, so `kcat -z` sends uncompressed batches
    # to Kafka 4.0 and to Sluice alike.
    done = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-c", str(COUNT), "-e",
         "-f", "%k\t%s\n"],
        capture_output=True, check=True, timeout=60)
    return [tuple(line.split(b"\t", 1)) for line in done.stdout.splitlines()]


def consume_kafka_python(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      consumer_timeout_ms=30000)
    tp = KafkaPythonTopicPartition(topic, 0)
    c.assign([tp])
    c.seek(tp, 0)
    out = []
    try:
        for m in c:
            out.append((m.key, m.value))
            if len(out) == COUNT:
                break
    finally:
        c.close()
    return out


def consume_aiokafka(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    async def run():
        from aiokafka import TopicPartition as AioTopicPartition
        c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        await c.start()
        tp = AioTopicPartition(topic, 0)
        c.assign([tp])
        c.seek(tp, 0)
        out = []
        try:
            while len(out) < COUNT:
                batch = await asyncio.wait_for(c.getmany(tp, timeout_ms=500), 30)
                out.extend((m.key, m.value) for m in batch.get(tp, []))
        finally:
            await c.stop()
        return out

    return asyncio.run(run())


# Each codec is produced by one client and consumed by a different one.
PAIRS = {
    "confluent->kafka-python": (produce_confluent, consume_kafka_python),
    "kafka-python->aiokafka": (produce_kafka_python, consume_aiokafka),
    "aiokafka->confluent": (produce_aiokafka, consume_confluent),
    "confluent->kcat": (produce_confluent, consume_kcat),
}


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("pair", list(PAIRS))
def test_codec_produced_by_one_client_is_consumed_by_another(module_broker, pair, codec):
    produce, consume = PAIRS[pair]
    topic = unique_topic(f"cmp-{codec}")
    create_topic(module_broker.bootstrap, topic)
    records = payloads(topic)
    produce(module_broker.bootstrap, topic, codec, records)
    # compression.type=producer (the default) stores the producer's batches as they came.
    assert set(stored_codecs(module_broker, topic)) == {CODEC_IDS[codec]}
    assert consume(module_broker.bootstrap, topic) == records


@pytest.mark.parametrize("target", ["zstd", "uncompressed"])
def test_topic_compression_type_recompresses_producer_batches(module_broker, target):
    topic = unique_topic("cmp-topic")
    create_topic(module_broker.bootstrap, topic, config={"compression.type": target})
    records = payloads(topic)
    produce_confluent(module_broker.bootstrap, topic, "gzip", records)
    assert set(stored_codecs(module_broker, topic)) == {CODEC_IDS.get(target, 0)}
    assert consume_confluent(module_broker.bootstrap, topic) == records
    assert consume_kafka_python(module_broker.bootstrap, topic) == records


def gzip_batch_with_garbage_records(count: int) -> bytes:
    """A gzip-flagged batch whose CRC is right but whose records section is not gzip."""
    garbage = bytes(range(256)) * 2
    after_crc = struct.pack(">hiqqqhii", CODEC_IDS["gzip"], count - 1, 1_700_000_000_000,
                            1_700_000_000_000, -1, -1, -1, count) + garbage
    after_length = struct.pack(">ibI", -1, 2, crc32c.crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def test_corrupt_compressed_batch_is_rejected_with_corrupt_message(module_broker):
    topic = unique_topic("cmp-corrupt")
    create_topic(module_broker.bootstrap, topic)
    request = wire.produce_v3_request(7, topic, 0, gzip_batch_with_garbage_records(3))
    _, results = wire.decode_produce_v3(wire.roundtrip(module_broker.bootstrap, request))
    assert results == [(topic, 0, CORRUPT_MESSAGE, -1)]
    # Nothing was appended, and a good batch still goes in at offset 0.
    good = wire.produce_v3_request(8, topic, 0, wire.record_batch([b"fine"]))
    _, results = wire.decode_produce_v3(wire.roundtrip(module_broker.bootstrap, good))
    assert results == [(topic, 0, 0, 0)]


@pytest.mark.parametrize("codec", CODECS)
def test_offsets_for_times_finds_the_record_inside_a_compressed_batch(module_broker, codec):
    topic = unique_topic(f"cmp-time-{codec}")
    create_topic(module_broker.bootstrap, topic)
    base = 1_700_000_000_000
    p = producer(module_broker.bootstrap, **{"compression.type": codec, "linger.ms": 1000})
    p.list_topics(topic, timeout=10)  # connected and the leader known, so the ten records wait in one batch
    for i in range(10):
        p.produce(topic, value=f"v{i}".encode() * 10, partition=0, timestamp=base + 10 * i)
    assert p.flush(30) == 0
    assert stored_codecs(module_broker, topic) == [CODEC_IDS[codec]]  # one batch
    c = consumer(module_broker.bootstrap)
    try:
        for timestamp, expected in [(base, 0), (base + 25, 3), (base + 30, 3), (base + 90, 9), (base + 91, -1)]:
            found = c.offsets_for_times([TopicPartition(topic, 0, timestamp)], timeout=10)
            assert found[0].error is None
            assert found[0].offset == expected, f"timestamp {timestamp}"
    finally:
        c.close()


def test_batch_too_large_once_stored_uncompressed_is_rejected(module_broker):
    # 20 KiB of zeros is tiny as zstd but over max.message.bytes once the topic stores it plain.
    from kafka.record.default_records import DefaultRecordBatchBuilder

    topic = unique_topic("cmp-large")
    create_topic(module_broker.bootstrap, topic,
                 config={"compression.type": "uncompressed", "max.message.bytes": "10000"})
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=CODEC_IDS["zstd"], is_transactional=0,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    builder.append(0, timestamp=1_700_000_000_000, key=None, value=bytes(20_000), headers=[])
    batch = bytes(builder.build())
    assert len(batch) < 1_000
    request = wire.produce_v3_request(9, topic, 0, batch, version=7)  # zstd needs Produce v7
    _, results = wire.decode_produce_v3(wire.roundtrip(module_broker.bootstrap, request), version=7)
    assert results == [(topic, 0, MESSAGE_TOO_LARGE, -1)]


def test_decompression_bomb_is_rejected_and_broker_keeps_serving(module_broker):
    # One 65 MiB record of zeros: a few KiB as zstd, over the broker's 64 MiB inflate limit.
    from kafka.record.default_records import DefaultRecordBatchBuilder

    topic = unique_topic("cmp-bomb")
    create_topic(module_broker.bootstrap, topic)
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=CODEC_IDS["zstd"], is_transactional=0,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                        batch_size=128 << 20)
    builder.append(0, timestamp=1_700_000_000_000, key=None, value=bytes(65 << 20), headers=[])
    batch = bytes(builder.build())
    assert len(batch) < 64 << 10
    request = wire.produce_v3_request(10, topic, 0, batch)
    _, results = wire.decode_produce_v3(wire.roundtrip(module_broker.bootstrap, request))
    assert results == [(topic, 0, CORRUPT_MESSAGE, -1)]
    produce_confluent(module_broker.bootstrap, topic, "zstd", payloads(topic))
    assert consume_confluent(module_broker.bootstrap, topic) == payloads(topic)
