"""Burrow (Debian's package, 1.2: Sarama inside, ListOffsets v1, reads __consumer_offsets
directly) reports the lag of a group that a librdkafka consumer committed.

Burrow needs a ZooKeeper: the test starts its own (Debian's `zookeeper` jar, a free port, a
temporary data dir, no admin server) and a private Burrow with its own config, pid and log files.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from confluent_kafka import TopicPartition

from conftest import free_port, unique_topic
from helpers import DeliveryLog, consumer, create_topic, producer

ZOOKEEPER_CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
BURROW_CONFIG = """
[general]
pidfile="{dir}/burrow.pid"
stdout-logfile="{dir}/stdout.log"

[logging]
filename="{dir}/burrow.log"
level="info"

[zookeeper]
servers=["127.0.0.1:{zk_port}"]
timeout=6
root-path="/burrow"

[client-profile.sluice]
client-id="burrow-interop"
kafka-version="0.10.2"

[cluster.sluice]
class-name="kafka"
servers=["{bootstrap}"]
client-profile="sluice"
topic-refresh=5
offset-refresh=1

[consumer.sluice]
class-name="kafka"
cluster="sluice"
servers=["{bootstrap}"]
client-profile="sluice"
offsets-topic="__consumer_offsets"
start-latest=false

[httpserver.default]
address="127.0.0.1:{http_port}"

[storage.default]
class-name="inmemory"
workers=2
intervals=10
expire-group=604800
min-distance=1
"""


def wait_for_port(port: int, timeout_s: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited with {proc.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on {port} within {timeout_s}s")


def wait_for_zookeeper(port: int, timeout_s: float, proc: subprocess.Popen) -> None:
    """ZooKeeper listens before it serves: until then it drops sessions, which Burrow does not
    retry ("Authentication failed: EOF"). `srvr` (allowed by default) says "Mode:" once it serves."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"zookeeper exited with {proc.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"srvr")
                answer = b""
                while chunk := conn.recv(4096):
                    answer += chunk
            if b"Mode:" in answer:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"zookeeper did not serve on {port} within {timeout_s}s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def zookeeper(tmp_path_factory):
    data = tmp_path_factory.mktemp("zookeeper")
    port = free_port()
    log = open(data / "zookeeper.out", "w")
    proc = subprocess.Popen(
        ["java", "-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-cp", ZOOKEEPER_CLASSPATH,
         "org.apache.zookeeper.server.ZooKeeperServerMain", str(port), str(data / "data")],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_zookeeper(port, 60, proc)
        yield port
    finally:
        stop(proc)
        log.close()


def burrow_get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v3/kafka/sluice/{path}", timeout=5) as response:
        return json.loads(response.read())


def test_burrow_reports_lag_of_a_librdkafka_group(module_broker, zookeeper, tmp_path):
    bootstrap, topic, group = module_broker.bootstrap, unique_topic("burrow"), unique_topic("burrow-grp")
    create_topic(bootstrap, topic, 1)
    p = producer(bootstrap)
    dlog = DeliveryLog()
    for i in range(20):
        p.produce(topic, value=f"m{i}".encode(), partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    c = consumer(bootstrap, **{"group.id": group})
    c.commit(offsets=[TopicPartition(topic, 0, 15)], asynchronous=False)
    c.close()

    http_port = free_port()
    (tmp_path / "burrow.toml").write_text(
        BURROW_CONFIG.format(dir=tmp_path, zk_port=zookeeper, bootstrap=bootstrap, http_port=http_port))
    proc = subprocess.Popen([shutil.which("Burrow") or "/usr/bin/Burrow", "--config-dir", str(tmp_path)],
                            stdout=open(tmp_path / "run.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_for_port(http_port, 60, proc, "Burrow")

        def lag_becomes(expected: int, timeout_s: float = 60) -> dict:
            deadline, last = time.monotonic() + timeout_s, None
            while time.monotonic() < deadline:
                try:
                    last = burrow_get(http_port, f"consumer/{group}/lag")
                    if not last.get("error") and last["status"]["totallag"] == expected:
                        return last["status"]
                except OSError:
                    pass
                time.sleep(0.5)
            log = Path(tmp_path / "burrow.log").read_text()[-3000:] if (tmp_path / "burrow.log").exists() else ""
            raise AssertionError(f"Burrow never reported lag {expected}: {last}\n{log}")

        status = lag_becomes(5)
        [partition] = status["partitions"]
        assert (partition["topic"], partition["partition"], partition["current_lag"]) == (topic, 0, 5)
        assert partition["end"]["offset"] == 15
        # More records: Burrow sees the new high watermark through ListOffsets.
        for i in range(10):
            p.produce(topic, value=b"more", partition=0, on_delivery=dlog)
        assert p.flush(30) == 0 and dlog.errors == []
        lag_becomes(15)
        assert group in burrow_get(http_port, "consumer")["consumers"]
    finally:
        stop(proc)
