"""Old Go clients from Debian's packages: Sarama 1.22 (default protocol 0.8.2: v0 requests and
magic-0 messages; and at 2.0.0) and segmentio/kafka-go 0.2 (Produce/Fetch v2 with magic-1
messages, JoinGroup v1, OffsetCommit v2).

The programs in Interop/go/ are built once per session, offline, from Debian's Go sources
(GOPATH=/usr/share/gocode, GO111MODULE=off). Records cross between these clients and
librdkafka and must arrive byte for byte.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from confluent_kafka import TopicPartition

from conftest import unique_topic
from helpers import DeliveryLog, consume_exactly, consumer, create_topic, producer

GO_SOURCES = Path(__file__).parent / "go"
PROGRAMS = ("sarama_client", "kafkago_client")


def go_env() -> dict[str, str]:
    cache = os.environ.get("GOCACHE") or "/tmp/sluice-interop-gocache"
    return {**os.environ, "GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOFLAGS": "",
            "GOCACHE": cache, "CGO_CFLAGS": "-O2 -Wno-deprecated-declarations"}


@pytest.fixture(scope="session")
def go_bin(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("go-bin")
    for program in PROGRAMS:
        subprocess.run(["go", "build", "-o", str(out / program), f"./{program}"], cwd=GO_SOURCES, env=go_env(),
                       check=True, capture_output=True, timeout=600)
    return out


def run(go_bin: Path, program: str, *args: str, timeout: float = 150) -> list[dict]:
    done = subprocess.run([str(go_bin / program), *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{program} {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def committed(bootstrap: str, group: str, topic: str) -> int:
    c = consumer(bootstrap, **{"group.id": group})
    try:
        return c.committed([TopicPartition(topic, 0)], timeout=30)[0].offset
    finally:
        c.close()


@pytest.mark.parametrize("version", ["default", "2.0.0"])
def test_sarama_producer_and_consumer(module_broker, go_bin, version):
    bootstrap, topic = module_broker.bootstrap, unique_topic("sarama")
    create_topic(bootstrap, topic, 1)
    produced = run(go_bin, "sarama_client", "produce", bootstrap, topic, "20", version)
    assert [r["offset"] for r in produced] == list(range(20))
    # librdkafka reads what Sarama wrote, byte for byte.
    records = consume_exactly(bootstrap, topic, {0: 20})
    assert [(r.key.hex(), r.value.hex()) for r in records] == [(p["key"], p["value"]) for p in produced]
    # Sarama reads it back (Fetch v0 and magic 0 at its default version, Fetch v10 at 2.0.0).
    read = run(go_bin, "sarama_client", "consume", bootstrap, topic, "20", version)
    assert [(r["offset"], r["key"], r["value"]) for r in read] == [
        (p["offset"], p["key"], p["value"]) for p in produced]
    if version == "2.0.0":  # magic 0 has no timestamps; from 0.10 they are kept
        assert [r["timestamp"] for r in read] == [p["timestamp"] for p in produced]
    # Offset manager: commit (OffsetCommit v1 at the default version) and fetch it back.
    group = unique_topic("sarama-om")
    result = run(go_bin, "sarama_client", "commit", bootstrap, topic, group, "7", version)
    assert result == [{"committed": 7, "metadata": "sarama-metadata"}]
    assert committed(bootstrap, group, topic) == 7


def test_sarama_consumer_group_at_2_0_commits_what_it_read(module_broker, go_bin):
    bootstrap, topic, group = module_broker.bootstrap, unique_topic("sarama-g"), unique_topic("sarama-grp")
    create_topic(bootstrap, topic, 1)
    p = producer(bootstrap)
    dlog = DeliveryLog()
    for i in range(12):
        p.produce(topic, key=f"k{i}".encode(), value=bytes([i]) * 5, partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    read = run(go_bin, "sarama_client", "group", bootstrap, topic, group, "12", "2.0.0")
    assert [(r["offset"], bytes.fromhex(r["value"])) for r in read] == [(i, bytes([i]) * 5) for i in range(12)]
    assert committed(bootstrap, group, topic) == 12


def test_kafka_go_writer_and_group_reader(module_broker, go_bin):
    bootstrap, topic, group = module_broker.bootstrap, unique_topic("kgo"), unique_topic("kgo-grp")
    create_topic(bootstrap, topic, 1)
    values = [f"kafka-go-{i}".encode().hex() for i in range(15)]
    run(go_bin, "kafkago_client", "write", bootstrap, topic, *values)
    read = run(go_bin, "kafkago_client", "read", bootstrap, topic, group, "15")
    assert [r["value"] for r in read] == values
    assert [r["offset"] for r in read] == list(range(15))
    assert [r["timestamp"] for r in read] == [1_700_000_100_000 + 1000 * i for i in range(15)]
    assert committed(bootstrap, group, topic) == 15


def test_librdkafka_to_kafka_go_byte_for_byte(module_broker, go_bin):
    bootstrap, topic = module_broker.bootstrap, unique_topic("rk2kgo")
    create_topic(bootstrap, topic, 1)
    rng = random.Random(6)
    sent = [(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))),
             bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000)))) for _ in range(40)]
    p = producer(bootstrap, **{"linger.ms": 20, "compression.type": "lz4"})
    dlog = DeliveryLog()
    for i, (key, value) in enumerate(sent):
        p.produce(topic, key=key, value=value, partition=0, timestamp=1_700_000_500_000 + i,
                  headers=[("dropped-for-old-clients", b"x")], on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    read = run(go_bin, "kafkago_client", "read", bootstrap, topic, unique_topic("rk2kgo-grp"), str(len(sent)))
    assert [(bytes.fromhex(r["key"]), bytes.fromhex(r["value"])) for r in read] == sent
    assert [r["timestamp"] for r in read] == [1_700_000_500_000 + i for i in range(len(sent))]


def test_kafka_go_to_librdkafka_byte_for_byte(module_broker, go_bin):
    bootstrap, topic = module_broker.bootstrap, unique_topic("kgo2rk")
    create_topic(bootstrap, topic, 1)
    rng = random.Random(7)
    values = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))) for _ in range(30)]
    run(go_bin, "kafkago_client", "write", bootstrap, topic, *[v.hex() for v in values])
    records = consume_exactly(bootstrap, topic, {0: len(values)})
    assert [r.value for r in records] == values
    assert [r.key for r in records] == [f"kg-{i}".encode() for i in range(len(values))]
    assert [r.timestamp for r in records] == [1_700_000_100_000 + 1000 * i for i in range(len(values))]
