"""A full disk: produce fails with KAFKA_STORAGE_ERROR, the broker keeps running, acknowledged data stays.

The data directory lives on a 3 MiB tmpfs mounted for the test (the suite runs
as root in CI); the broker's own log stays on the normal temp dir.
"""

from __future__ import annotations

import errno
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaError

from conftest import unique_topic
from helpers import DeliveryLog, admin, consume_exactly, create_topic, high_watermarks, producer

TMPFS_BYTES = 3 * 1024 * 1024
RECORD_BYTES = 4096


@pytest.fixture
def tiny_fs():
    mountpoint = Path(tempfile.mkdtemp(prefix="sluice-tinyfs-"))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        mountpoint.rmdir()
        msg = (proc.stderr or proc.stdout).strip()
        if "permission denied" in msg.lower() or "only root" in msg.lower() or "not permitted" in msg.lower():
            pytest.skip(f"cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): {msg}")
        raise AssertionError(f"mount tmpfs failed ({proc.returncode}): {msg}")
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)
        try:
            mountpoint.rmdir()
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise


def test_disk_full_fails_produce_with_storage_error_and_keeps_acked_data(tiny_fs, broker_factory):
    broker = broker_factory(data_dir=tiny_fs / "data")
    bs = broker.bootstrap
    topic = unique_topic("full")
    create_topic(bs, topic, 1, config={"segment.bytes": str(512 * 1024)})

    p = producer(bs, acks="all", retries=0, **{"message.timeout.ms": 10000, "linger.ms": 2,
                                                 "batch.size": 64 * 1024})
    dlog = DeliveryLog()
    error_codes: list[int] = []

    def on_delivery(err, msg):
        if err is not None:
            error_codes.append(err.code())
        dlog(err, msg)

    sent = 0
    deadline = time.monotonic() + 30
    # Up to twice the file system's size, in rounds, until the broker refuses.
    while not error_codes and sent * RECORD_BYTES < 2 * TMPFS_BYTES:
        assert time.monotonic() < deadline, "no produce error after 30 s"
        for _ in range(32):
            value = f"{sent:08d}|".encode() + bytes((sent + j) % 251 for j in range(RECORD_BYTES - 9))
            p.produce(topic, key=str(sent).encode(), value=value, partition=0, on_delivery=on_delivery)
            sent += 1
        assert p.flush(20) == 0, "deliveries still pending: the broker did not answer"
    assert error_codes, f"sent {sent} records ({sent * RECORD_BYTES} bytes) to a {TMPFS_BYTES}-byte disk without error"
    assert set(error_codes) == {KafkaError.KAFKA_STORAGE_ERROR}, \
        f"expected only KAFKA_STORAGE_ERROR (56), got {sorted(set(error_codes))}: {dlog.errors[:3]}"
    assert dlog.acked, "nothing was acknowledged before the disk filled"

    # The broker is alive and still serves requests.
    time.sleep(0.2)
    assert broker.running, f"broker died on a full disk:\n{broker.log_tail()}"
    md = admin(bs).list_topics(topic=topic, timeout=10)
    assert topic in md.topics and md.topics[topic].error is None, md.topics.get(topic)

    # Every acknowledged record reads back intact.
    hw = high_watermarks(bs, topic, 1)
    assert hw[0] >= len(dlog.acked), (hw, len(dlog.acked))
    records = consume_exactly(bs, topic, hw, timeout_s=30)
    stored = {r.offset: r for r in records}
    for a in dlog.acked:
        r = stored.get(a.offset)
        assert r is not None, f"acknowledged offset {a.offset} is missing"
        assert (r.key, r.value) == (a.key, a.value), f"offset {a.offset} differs from what was acknowledged"
    assert broker.running
