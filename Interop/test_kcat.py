"""kcat (Debian's, on its own librdkafka): produce, consume, metadata, offset query."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time

import pytest

from conftest import unique_topic
from helpers import DeliveryLog, consume_exactly, create_topic, producer


def kcat(*args: str, stdin: str | None = None, timeout: float = 60) -> str:
    binary = shutil.which("kcat") or shutil.which("kafkacat")
    if binary is None:
        pytest.fail("kcat is not installed (apt-get install kcat; `make deps` does it)")
    proc = subprocess.run([binary, *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"kcat {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}"
    return proc.stdout


def test_produce_with_keys_and_headers_then_consume(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("kcat")
    create_topic(bs, topic, 1)
    lines = [f"key{i}:value number {i}" for i in range(20)]
    before = int(time.time() * 1000) - 1000
    kcat("-b", bs, "-P", "-t", topic, "-p", "0", "-K:", "-H", "origin=kcat", "-H", "seq=fixed",
         stdin="\n".join(lines) + "\n")
    after = int(time.time() * 1000) + 1000

    out = kcat("-b", bs, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
               "-f", "%k|%s|%o|%T|%h\n", timeout=30)
    rows = [line.split("|") for line in out.splitlines() if line]
    assert len(rows) == 20
    for i, (key, value, offset, ts, headers) in enumerate(rows):
        assert key == f"key{i}"
        assert value == f"value number {i}"
        assert int(offset) == i
        assert before <= int(ts) <= after
        assert headers == "origin=kcat,seq=fixed"

    # The same bytes through librdkafka in Python.
    records = consume_exactly(bs, topic, {0: 20})
    assert [(r.key, r.value) for r in records] == [
        (f"key{i}".encode(), f"value number {i}".encode()) for i in range(20)]
    assert records[0].headers == (("origin", b"kcat"), ("seq", b"fixed"))


def test_metadata_lists_topic_and_partitions(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("kcat-md")
    create_topic(bs, topic, 3)
    md = json.loads(kcat("-b", bs, "-L", "-J", "-t", topic))
    broker_ids = {b["id"] for b in md["brokers"]}
    assert len(broker_ids) == 1
    [t] = [t for t in md["topics"] if t["topic"] == topic]
    assert "error" not in t or not t["error"]
    assert sorted(p["partition"] for p in t["partitions"]) == [0, 1, 2]
    assert all(p["leader"] in broker_ids for p in t["partitions"])

    text = kcat("-b", bs, "-L", "-t", topic)
    assert f'topic "{topic}" with 3 partitions' in text


def test_offset_query_by_timestamp(module_broker):
    bs = module_broker.bootstrap
    topic = unique_topic("kcat-q")
    create_topic(bs, topic, 1)
    base = 1_690_000_000_000
    p = producer(bs)
    dlog = DeliveryLog()
    for i in range(30):
        p.produce(topic, value=f"q{i}".encode(), partition=0, timestamp=base + i * 1000, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []

    def query(ts: int) -> int:
        out = kcat("-b", bs, "-Q", "-t", f"{topic}:0:{ts}")
        m = re.search(r"\[0\]\s+offset\s+(-?\d+)", out)
        assert m, out
        return int(m.group(1))

    assert query(base + 12_000) == 12
    assert query(base + 12_001) == 13
    assert query(base - 5) == 0
