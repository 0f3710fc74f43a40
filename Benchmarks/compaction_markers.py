"""What the cleaner leaves of a compacted topic written by transactions, for two `sluice` binaries
run alternately (e.g. one that keeps transaction markers and one that removes them):

    python3 Benchmarks/compaction_markers.py BASELINE_BIN NEW_BIN [ROUNDS]

Each run starts a broker on a fresh directory (`log.cleaner.backoff.ms=100`), writes 400
transactions of 5 records (100 B, 50 keys; one in five aborted) to a compacted topic with 16 KiB
segments and `delete.retention.ms=1000`, then 20 large plain records over 6 s (new segments, so
passes go on and horizons pass), waits 3 s, and prints the batches, control batches and records
left (raw Fetch from offset 0), the `.log` and `.txnindex` bytes, and the high watermark and LSO.
The workload is seeded: both binaries get the same records."""

import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import wire  # noqa: E402
from conftest import Broker  # noqa: E402
from helpers import create_topic, producer  # noqa: E402
from test_transactions import txn_producer  # noqa: E402

TOPIC = "measure"
CONFIG = {"cleanup.policy": "compact", "segment.bytes": "16384", "min.cleanable.dirty.ratio": "0.01",
          "delete.retention.ms": "1000"}


def what_is_left(bootstrap: str) -> dict:
    offset, batches, controls, records = 0, 0, 0, 0
    while True:
        _, [part] = wire.decode_fetch_v4(wire.roundtrip(bootstrap, wire.fetch_v4_request(1, TOPIC, 0, offset)))
        headers = wire.batch_headers(part["records"])
        for h in headers:
            batches += 1
            controls += h["control"]
            records += h["record_count"]
        if not headers or headers[-1]["last_offset"] + 1 >= part["high_watermark"]:
            break
        offset = headers[-1]["last_offset"] + 1
    return {"batches": batches, "control_batches": controls, "records": records,
            "high_watermark": part["high_watermark"], "lso": part["last_stable_offset"]}


def run(binary: str) -> dict:
    os.environ["SLUICE_BIN"] = binary
    broker = Broker(["--set", "log.cleaner.backoff.ms=100"]).start()
    try:
        bs = broker.bootstrap
        create_topic(bs, TOPIC, 1, config=CONFIG)
        p = txn_producer(bs, f"measure-{uuid.uuid4().hex[:6]}")
        rnd = random.Random(7)
        for t in range(400):
            p.begin_transaction()
            for _ in range(5):
                p.produce(TOPIC, key=b"k%02d" % rnd.randrange(50), value=bytes(100), partition=0)
            p.flush(30)
            (p.abort_transaction if t % 5 == 4 else p.commit_transaction)(30)
        plain = producer(bs)
        for _ in range(20):
            plain.produce(TOPIC, key=b"filler", value=bytes(17000), partition=0)
            plain.flush(30)
            time.sleep(0.3)
        time.sleep(3)
        left = what_is_left(bs)
        directory = broker.data_dir
        left["log_bytes"] = sum(f.stat().st_size for f in directory.rglob(f"{TOPIC}-0/*.log"))
        left["txnindex_bytes"] = sum(f.stat().st_size for f in directory.rglob(f"{TOPIC}-0/*.txnindex"))
        return left
    finally:
        broker.stop()


if __name__ == "__main__":
    baseline, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    for round in range(rounds):
        for name, binary in (("baseline", baseline), ("new", new)):
            print(round, name, run(binary), flush=True)
