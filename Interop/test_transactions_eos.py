"""Exactly-once consume-transform-produce: a worker (eos_worker.py) is killed with SIGKILL at
random points several times and restarted; afterwards a read_committed consumer sees every input
exactly once in the output — nothing lost, nothing duplicated — while a read_uncommitted one may
see the aborted leftovers of the killed instances."""

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from helpers import create_topic, producer
from test_transactions import read_all

WORKER = Path(__file__).with_name("eos_worker.py")
INPUTS = 6000
PARTITIONS = 2
KILLS = 5


def start_worker(broker, source: str, sink: str, group: str, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), broker.bootstrap, source, sink, str(PARTITIONS), group, "eos-worker"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def test_worker_killed_at_random_points_still_produces_every_input_exactly_once(broker, tmp_path):
    rng = random.Random(int(os.environ.get("SLUICE_EOS_SEED", time.time())))
    suffix = uuid.uuid4().hex[:6]
    source, sink, group = f"eos-in-{suffix}", f"eos-out-{suffix}", f"eos-{suffix}"
    create_topic(broker.bootstrap, source, partitions=PARTITIONS)
    create_topic(broker.bootstrap, sink, partitions=PARTITIONS)
    p = producer(broker.bootstrap)
    for i in range(INPUTS):
        p.produce(source, value=f"{i}".encode(), partition=i % PARTITIONS)
    assert p.flush(30) == 0

    log_path = tmp_path / "worker.log"
    killed = 0
    with open(log_path, "ab") as log:
        for _ in range(KILLS):
            worker = start_worker(broker, source, sink, group, log)
            time.sleep(rng.uniform(0.8, 2.0))
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                killed += 1
            worker.wait()
        worker = start_worker(broker, source, sink, group, log)
        assert worker.wait(timeout=120) == 0, log_path.read_text()[-3000:]
    starts = [line for line in log_path.read_text().splitlines() if line.startswith("worker start")]
    print("\n".join(starts))
    # Most kills must land mid-stream for the test to mean anything.
    assert killed >= 3, log_path.read_text()[-3000:]

    outputs = read_all(broker.bootstrap, sink, PARTITIONS, "read_committed", expect=INPUTS, timeout_s=60)
    counts = Counter(outputs)
    missing = [i for i in range(INPUTS) if counts[f"out-{i}".encode()] == 0]
    duplicated = [v for v, n in counts.items() if n > 1]
    assert not missing, f"{len(missing)} inputs lost, e.g. {missing[:10]}"
    assert not duplicated, f"{len(duplicated)} outputs duplicated, e.g. {duplicated[:10]}"
    assert len(outputs) == INPUTS
    # The killed instances' open transactions were aborted, not lost from the log.
    assert len(read_all(broker.bootstrap, sink, PARTITIONS, "read_uncommitted", expect=INPUTS)) >= INPUTS
