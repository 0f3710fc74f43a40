"""aiokafka: async producer acks modes, assigned consumer, offset lookups."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from conftest import unique_topic
from helpers import create_topic

BASE_TS = 1_650_000_000_000


async def produce(bootstrap: str, topic: str, acks, count: int, start: int = 0) -> list[tuple[int, int]]:
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=acks, enable_idempotence=False)
    await p.start()
    try:
        out = []
        for i in range(start, start + count):
            md = await p.send_and_wait(topic, value=f"aio-{i}".encode(), key=f"k{i}".encode(),
                                       partition=0, timestamp_ms=BASE_TS + i * 10,
                                       headers=[("i", str(i).encode())])
            out.append((md.partition, md.offset))
        return out
    finally:
        await p.stop()


def new_consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                            auto_offset_reset="none")


@pytest.mark.parametrize("acks", [1, "all"])
def test_send_and_wait_then_getmany(module_broker, acks):
    bs = module_broker.bootstrap
    topic = unique_topic("aio")
    create_topic(bs, topic, 1)

    async def scenario():
        offsets = await produce(bs, topic, acks, 200)
        assert offsets == [(0, i) for i in range(200)]
        c = new_consumer(bs)
        await c.start()
        try:
            tp = TopicPartition(topic, 0)
            c.assign([tp])
            await c.seek_to_beginning(tp)
            got = []
            async with asyncio.timeout(60):
                while len(got) < 200:
                    batch = await c.getmany(tp, timeout_ms=500)
                    got.extend(batch.get(tp, []))
            return got
        finally:
            await c.stop()

    got = asyncio.run(scenario())
    assert [m.offset for m in got] == list(range(200))
    for i, m in enumerate(got):
        assert m.value == f"aio-{i}".encode()
        assert m.key == f"k{i}".encode()
        assert m.timestamp == BASE_TS + i * 10
        assert list(m.headers) == [("i", str(i).encode())]


def test_offset_lookups(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("aio-off")
    create_topic(bs, topic, 1)

    async def scenario():
        await produce(bs, topic, "all", 50)
        c = new_consumer(bs)
        await c.start()
        try:
            tp = TopicPartition(topic, 0)
            c.assign([tp])
            begin = await c.beginning_offsets([tp])
            end = await c.end_offsets([tp])
            # record i has timestamp BASE_TS + 10*i
            times = await c.offsets_for_times({tp: BASE_TS + 255})
            exact = await c.offsets_for_times({tp: BASE_TS + 300})
            beyond = await c.offsets_for_times({tp: BASE_TS + 10_000})
            # seek to a looked-up offset and read from there
            c.seek(tp, times[tp].offset)
            batch = await c.getmany(tp, timeout_ms=5000)
            return begin[tp], end[tp], times[tp], exact[tp], beyond[tp], batch.get(tp, [])
        finally:
            await c.stop()

    begin, end, times, exact, beyond, batch = asyncio.run(scenario())
    assert begin == 0
    assert end == 50
    assert (times.offset, times.timestamp) == (26, BASE_TS + 260)
    assert (exact.offset, exact.timestamp) == (30, BASE_TS + 300)
    assert beyond is None
    assert batch and batch[0].offset == 26 and batch[0].value == b"aio-26"
