#!/usr/bin/env python3
"""A replicated key-value service whose commit log is a compacted Sluice (Kafka) topic.

Every replica serves the same HTTP API:

    PUT    /keys/<key>   body = value   write (acknowledged once it is in the log and applied here)
    DELETE /keys/<key>                  delete (a tombstone: a record with a null value)
    GET    /keys/<key>                  read from this replica's state (404 when absent)
    GET    /keys                        every key and value, as JSON
    GET    /status                      {"applied": next offset applied, "keys": n, "replayed": records read}

A write goes to the log first; every replica (the writer too) applies records in log order, so
all replicas reach the same state. A replica keeps a snapshot of its state in --state-dir
(written every --snapshot-every records, atomically) and, when it starts, loads the snapshot and
replays the log from the snapshot's offset; with no snapshot (a new replica, or one whose disk was
lost) it replays the whole topic. Because the topic is compacted (cleanup.policy=compact), the
replay reads about one record per live key however long the service has been running.

Usage:
    kvstore.py --bootstrap 127.0.0.1:9092 --topic kv --state-dir /var/lib/kv-a --http 8081
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


class Replica:
    """The replica's state: a dict rebuilt from the log, plus where in the log it stands."""

    def __init__(self, args):
        self.args = args
        self.data: dict[str, str] = {}
        self.applied = 0  # next offset to apply
        self.replayed = 0  # records read from the log since start
        self.changed = threading.Condition()
        self.snapshot_path = os.path.join(args.state_dir, "snapshot.json")
        os.makedirs(args.state_dir, exist_ok=True)
        self.load_snapshot()

    # -- state on disk ---------------------------------------------------------------------------
    def load_snapshot(self) -> None:
        try:
            with open(self.snapshot_path, encoding="utf-8") as f:
                saved = json.load(f)
        except FileNotFoundError:
            return
        self.data, self.applied = saved["data"], saved["applied"]

    def save_snapshot(self) -> None:
        with self.changed:
            saved = {"applied": self.applied, "data": dict(self.data)}
        temporary = self.snapshot_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(saved, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.snapshot_path)

    # -- following the log ------------------------------------------------------------------------
    def follow(self, stop: threading.Event) -> None:
        consumer = Consumer({
            "bootstrap.servers": self.args.bootstrap,
            "group.id": f"kvstore-{os.getpid()}",  # required by librdkafka; offsets are never committed
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",  # a snapshot offset below the log start: replay from the start
            "fetch.wait.max.ms": 50,
        })
        consumer.assign([TopicPartition(self.args.topic, 0, self.applied)])
        since_snapshot = 0
        try:
            while not stop.is_set():
                # Wait for one record, then take whatever else is already there without waiting
                # (consume() alone would wait for a full batch or the timeout on every write).
                first = consumer.poll(0.1)
                batch = [first] + consumer.consume(num_messages=999, timeout=0) if first is not None else []
                for message in batch:
                    if message.error() is not None:
                        if message.error().code() == KafkaError._PARTITION_EOF:
                            continue
                        raise KafkaException(message.error())
                    self.apply(message.offset(), message.key(), message.value())
                    since_snapshot += 1
                if since_snapshot >= self.args.snapshot_every:
                    self.save_snapshot()
                    since_snapshot = 0
        finally:
            consumer.close()

    def apply(self, offset: int, key: bytes | None, value: bytes | None) -> None:
        with self.changed:
            if key is not None:
                if value is None:
                    self.data.pop(key.decode(), None)
                else:
                    self.data[key.decode()] = value.decode()
            # Compaction leaves gaps: the next offset to apply is after this record, not +1 of the last.
            self.applied = offset + 1
            self.replayed += 1
            self.changed.notify_all()

    def wait_applied(self, offset: int, timeout_s: float = 30) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.applied > offset, timeout=timeout_s)


class Api(BaseHTTPRequestHandler):
    replica: Replica
    producer: Producer

    def log_message(self, *_):  # quiet
        pass

    def reply(self, code: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def key(self) -> str | None:
        return unquote(self.path[len("/keys/"):]) if self.path.startswith("/keys/") else None

    def do_GET(self):
        replica = self.replica
        if self.path == "/status":
            with replica.changed:
                return self.reply(200, {"applied": replica.applied, "keys": len(replica.data),
                                        "replayed": replica.replayed})
        if self.path == "/keys":
            with replica.changed:
                return self.reply(200, dict(replica.data))
        key = self.key()
        with replica.changed:
            value = replica.data.get(key) if key else None
        if value is None:
            return self.reply(404, {"error": "no such key"})
        return self.reply(200, {"key": key, "value": value})

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", 0))
        self.write(self.key(), self.rfile.read(length))

    def do_DELETE(self):
        self.write(self.key(), None)

    def write(self, key: str | None, value: bytes | None) -> None:
        if not key:
            return self.reply(400, {"error": "PUT/DELETE /keys/<key>"})
        done = threading.Event()
        result: dict = {}

        def delivered(err, message):
            result["error"], result["offset"] = err, (message.offset() if err is None else None)
            done.set()

        self.producer.produce(self.replica.args.topic, key=key.encode(), value=value, partition=0,
                              on_delivery=delivered)
        self.producer.flush(30)
        if not done.wait(30) or result["error"] is not None:
            return self.reply(503, {"error": str(result.get("error", "timed out"))})
        # Read your writes: answer once this replica has applied the record.
        if not self.replica.wait_applied(result["offset"]):
            return self.reply(504, {"error": "not applied in time", "offset": result["offset"]})
        self.reply(200, {"offset": result["offset"]})


def ensure_topic(args) -> None:
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    config = {"cleanup.policy": "compact", "segment.bytes": str(args.segment_bytes),
              "min.cleanable.dirty.ratio": "0.1", "delete.retention.ms": str(args.delete_retention_ms)}
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=1, replication_factor=1, config=config)])
    try:
        futures[args.topic].result(30)
    except KafkaException as error:
        if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default="kv")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--http", type=int, required=True, help="HTTP port (on 127.0.0.1)")
    parser.add_argument("--snapshot-every", type=int, default=1000, help="records between snapshots")
    parser.add_argument("--segment-bytes", type=int, default=1 << 20, help="of the topic, if this replica creates it")
    parser.add_argument("--delete-retention-ms", type=int, default=86_400_000)
    args = parser.parse_args()

    ensure_topic(args)
    replica = Replica(args)
    stop = threading.Event()
    follower = threading.Thread(target=replica.follow, args=(stop,), daemon=True)
    follower.start()
    Api.replica = replica
    Api.producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "linger.ms": 1,
                             "enable.idempotence": True})
    server = ThreadingHTTPServer(("127.0.0.1", args.http), Api)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"kvstore replica serving on 127.0.0.1:{args.http}, state in {args.state_dir}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        follower.join(5)
        replica.save_snapshot()
    return 0


if __name__ == "__main__":
    sys.exit(main())
