"""Transactions with aiokafka: commit, abort, send_offsets_to_transaction, fencing, abort on
timeout; aiokafka's read_committed consumer drops aborted records, its read_uncommitted one sees them."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import OffsetAndMetadata

from helpers import create_topic


async def read(bootstrap: str, topic: str, isolation: str, expect: int, settle_s: float = 1.5) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning()
        values: list[bytes] = []
        async with asyncio.timeout(30):
            while True:
                batch = await consumer.getmany(timeout_ms=int(settle_s * 1000))
                records = [r for rs in batch.values() for r in rs]
                if not records and len(values) >= expect:
                    return values
                values += [r.value for r in records]
    finally:
        await consumer.stop()


async def txn_producer(bootstrap: str, txn_id: str) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, enable_idempotence=True)
    await producer.start()
    return producer


def test_aiokafka_commit_abort_and_isolation_levels(broker):
    topic = f"aio-txn-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)

    async def scenario():
        producer = await txn_producer(broker.bootstrap, "aio-txn")
        try:
            async with producer.transaction():
                for i in range(5):
                    await producer.send_and_wait(topic, f"c{i}".encode(), partition=0)
            with pytest.raises(RuntimeError):
                async with producer.transaction():
                    for i in range(3):
                        await producer.send_and_wait(topic, f"a{i}".encode(), partition=0)
                    raise RuntimeError("abort this transaction")
            async with producer.transaction():
                await producer.send_and_wait(topic, b"c5", partition=0)
        finally:
            await producer.stop()
        committed = await read(broker.bootstrap, topic, "read_committed", expect=6)
        uncommitted = await read(broker.bootstrap, topic, "read_uncommitted", expect=9)
        return committed, uncommitted

    committed, uncommitted = asyncio.run(scenario())
    assert committed == [f"c{i}".encode() for i in range(6)]
    assert sorted(uncommitted) == sorted([f"c{i}".encode() for i in range(6)] + [b"a0", b"a1", b"a2"])


def test_aiokafka_send_offsets_and_fencing(broker):
    topic = f"aio-txn-off-{uuid.uuid4().hex[:6]}"
    group = f"aio-g-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)

    async def scenario():
        first = await txn_producer(broker.bootstrap, "aio-fence")
        await first.begin_transaction()
        await first.send_and_wait(topic, b"from-first", partition=0)
        await first.send_offsets_to_transaction({TopicPartition(topic, 0): OffsetAndMetadata(7, "")}, group)
        second = await txn_producer(broker.bootstrap, "aio-fence")
        try:
            async with second.transaction():
                await second.send_and_wait(topic, b"from-second", partition=0)
                await second.send_offsets_to_transaction(
                    {TopicPartition(topic, 0): OffsetAndMetadata(11, "")}, group)
            with pytest.raises((ProducerFenced, KafkaError)):
                await first.commit_transaction()
        finally:
            await second.stop()
            await first.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            committed = await consumer.committed(TopicPartition(topic, 0))
        finally:
            await consumer.stop()
        return committed, await read(broker.bootstrap, topic, "read_committed", expect=1)

    committed, values = asyncio.run(scenario())
    assert committed == 11
    assert values == [b"from-second"]


@pytest.mark.broker_args("--set", "transaction.abort.timed.out.transaction.cleanup.interval.ms=200")
def test_aiokafka_abandoned_transaction_is_aborted_after_its_timeout(broker):
    topic = f"aio-txn-timeout-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)

    async def scenario():
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id="aio-timeout",
                                    enable_idempotence=True, transaction_timeout_ms=2000)
        await producer.start()
        plain = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await plain.start()
        try:
            await producer.begin_transaction()
            await producer.send_and_wait(topic, b"abandoned", partition=0)
            await plain.send_and_wait(topic, b"after", partition=0)
            # The coordinator aborts it once the timeout passes; read_committed then moves on.
            values = await read(broker.bootstrap, topic, "read_committed", expect=1)
            with pytest.raises(KafkaError):
                await producer.commit_transaction()
            return values
        finally:
            await plain.stop()
            await producer.stop()

    assert asyncio.run(scenario()) == [b"after"]
