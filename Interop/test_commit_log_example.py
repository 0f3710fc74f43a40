"""Examples/commit-log: replicas of a key-value service sharing a compacted topic as their commit log,
run as real processes against a real `sluice serve`. A replica that starts empty rebuilds the state by
replaying the topic and follows new writes; one whose state directory is deleted recovers the same way;
a replica started after compaction replays far fewer records than were written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, free_port, unique_topic

pytestmark = pytest.mark.broker_args("--set", "log.cleaner.backoff.ms=100")
KVSTORE = REPO_ROOT / "Examples" / "commit-log" / "kvstore.py"


class Replica:
    def __init__(self, bootstrap: str, topic: str, state_dir: Path, log_dir: Path):
        self.args = [sys.executable, str(KVSTORE), "--bootstrap", bootstrap, "--topic", topic,
                     "--state-dir", str(state_dir), "--segment-bytes", "4096", "--snapshot-every", "100"]
        self.state_dir = state_dir
        self.log_path = log_dir / f"{state_dir.name}.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> "Replica":
        self.port = free_port()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args + ["--http", str(self.port)], stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.status()
                return self
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, self.log_path.read_text()
                assert time.monotonic() < deadline, "replica did not start: " + self.log_path.read_text()
                time.sleep(0.1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def request(self, method: str, path: str, body: bytes | None = None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=40) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def put(self, key: str, value: str) -> int:
        status, body = self.request("PUT", f"/keys/{key}", value.encode())
        assert status == 200, body
        return body["offset"]

    def delete(self, key: str) -> int:
        status, body = self.request("DELETE", f"/keys/{key}")
        assert status == 200, body
        return body["offset"]

    def status(self) -> dict:
        return self.request("GET", "/status")[1]

    def everything(self) -> dict:
        return self.request("GET", "/keys")[1]

    def wait_applied(self, offset: int, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while self.status()["applied"] <= offset:
            assert time.monotonic() < deadline, f"replica stuck at {self.status()}"
            time.sleep(0.05)


@pytest.fixture
def replicas(broker, tmp_path):
    made: list[Replica] = []
    topic = unique_topic("kv")

    def make(name: str) -> Replica:
        replica = Replica(broker.bootstrap, topic, tmp_path / name, tmp_path)
        made.append(replica)
        return replica

    yield make
    for replica in made:
        replica.kill()


def test_replicas_replay_follow_and_recover(broker, replicas):
    a = replicas("a").start()
    b = replicas("b").start()
    expected: dict[str, str] = {}
    last = 0
    # 30 accounts, 15 balance updates each, through replica a; then 10 accounts closed.
    for round_ in range(15):
        for account in range(30):
            value = f"balance={round_ * 100 + account}"
            last = a.put(f"acct-{account:02d}", value)
            expected[f"acct-{account:02d}"] = value
    for account in range(10):
        last = a.delete(f"acct-{account:02d}")
        del expected[f"acct-{account:02d}"]
    assert a.request("GET", "/keys/acct-00")[0] == 404
    assert a.request("GET", "/keys/acct-20")[1]["value"] == expected["acct-20"]

    # b follows the writes made through a.
    b.wait_applied(last)
    assert b.everything() == expected

    # b loses its disk: deleted state, restarted, rebuilt from the log.
    b.kill()
    shutil.rmtree(b.state_dir)
    b.start()
    b.wait_applied(last)
    assert b.everything() == expected

    # A write through b reaches a.
    offset = b.put("acct-99", "opened")
    expected["acct-99"] = "opened"
    a.wait_applied(offset)
    assert a.everything() == expected

    # Once the cleaner has compacted the log, a new replica replays far fewer records than the 461 written
    # (about one per key, plus the active segment's ~40).
    def compacted_replay() -> int:
        c = replicas(f"c{time.monotonic_ns()}").start()
        try:
            c.wait_applied(offset)
            assert c.everything() == expected
            return c.status()["replayed"]
        finally:
            c.kill()

    deadline = time.monotonic() + 30
    while (replayed := compacted_replay()) > 150:
        assert time.monotonic() < deadline, f"the log was never compacted: a new replica replayed {replayed}"
        time.sleep(0.5)

    # A replica restarted from its snapshot replays only what is newer than it.
    a.kill()
    a.start()
    a.wait_applied(offset)
    assert a.everything() == expected
    assert a.status()["replayed"] < 100
