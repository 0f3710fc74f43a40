"""Idempotent producers: retries after cut connections and broker crashes land exactly once,
and the broker enforces producer epochs and sequence numbers (Kafka 4.0 rules)."""

from __future__ import annotations

import socket
import struct
import threading
import time

import crc32c
import pytest
from confluent_kafka import Producer

import wire
from conftest import unique_topic
from helpers import DeliveryLog, consume_exactly, create_topic, wait_for_topic

INVALID_PRODUCER_EPOCH = 47
OUT_OF_ORDER_SEQUENCE_NUMBER = 45


class DroppingProxy:
    """A TCP proxy that forwards to the broker and cuts every connection each `drop_every_s`."""

    def __init__(self, drop_every_s: float):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.target: tuple[str, int] | None = None
        self.drop_every_s = drop_every_s
        self.dropping = True
        self.drops = 0
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._drop, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        source.close()

    def _drop(self) -> None:
        while not self.stopped.wait(self.drop_every_s):
            if not self.dropping:
                continue
            with self.lock:
                doomed, self.sockets = self.sockets, []
            if doomed:
                self.drops += 1
            for s in doomed:
                # Shutting down (not closing) wakes the pump threads blocked on the socket;
                # whatever was in flight either way is lost.
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                s.close()


def idempotent_batch(producer_id: int, epoch: int, sequence: int, values: list[bytes],
                     base_timestamp: int = 1_700_000_000_000) -> bytes:
    """A magic-2 batch carrying a producer id, epoch and base sequence, with a valid CRC32C."""
    records = b"".join(wire.record(i, 0, None, v) for i, v in enumerate(values))
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, base_timestamp, base_timestamp,
                            producer_id, epoch, sequence, len(values)) + records
    after_length = struct.pack(">ibI", 0, 2, crc32c.crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def raw_produce(bootstrap: str, topic: str, batch: bytes, correlation_id: int) -> tuple[int, int]:
    """(error code, base offset) of a Produce v3 of `batch` to partition 0."""
    reply = wire.roundtrip(bootstrap, wire.produce_v3_request(correlation_id, topic, 0, batch))
    _, partitions = wire.decode_produce_v3(reply)
    (_, _, error, base_offset), = partitions
    return error, base_offset


def produce_all(p: Producer, topic: str, count: int, delivery: DeliveryLog, pace_every: int = 0,
                start: int = 0) -> None:
    """Sends values m-<start> ... m-<count - 1> to partition 0."""
    for i in range(start, count):
        while True:
            try:
                p.produce(topic, value=f"m-{i:06d}".encode(), partition=0, on_delivery=delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if pace_every and i % pace_every == pace_every - 1:
            time.sleep(0.01)


def test_cut_connections_do_not_duplicate_or_reorder(broker_factory):
    proxy = DroppingProxy(drop_every_s=0.15)
    try:
        broker = broker_factory("--advertised-listener", proxy.address)
        proxy.target = ("127.0.0.1", broker.port)
        topic = unique_topic("idem-proxy")
        proxy.dropping = False
        create_topic(proxy.address, topic, partitions=1)
        wait_for_topic(proxy.address, topic, 1)
        proxy.dropping = True
        delivery = DeliveryLog()
        p = Producer({
            "bootstrap.servers": proxy.address, "enable.idempotence": True, "acks": "all",
            "linger.ms": 2, "batch.num.messages": 50, "max.in.flight.requests.per.connection": 5,
            "message.timeout.ms": 120000, "retry.backoff.ms": 20, "reconnect.backoff.ms": 10,
            "reconnect.backoff.max.ms": 100,
            # With one broker, librdkafka would otherwise re-bootstrap on every cut and forget the leader.
            "metadata.recovery.strategy": "none",
        })
        count = 20_000
        produce_all(p, topic, count, delivery, pace_every=200)
        assert p.flush(150) == 0, "producer did not finish"
        assert delivery.errors == []
        assert proxy.drops >= 3, "the proxy never cut a busy connection"
        proxy.dropping = False
        records = consume_exactly(proxy.address, topic, {0: count})
        assert [r.value for r in records] == [f"m-{i:06d}".encode() for i in range(count)]
    finally:
        proxy.close()


@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_broker_stopped_mid_stream_then_restarted_keeps_every_record_once(broker, how):
    """kill -9 rebuilds producer state from the log; a clean stop loads it from the snapshot."""
    topic = unique_topic("idem-kill")
    create_topic(broker.bootstrap, topic, partitions=1)
    delivery = DeliveryLog()
    p = Producer({
        "bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "acks": "all",
        "linger.ms": 2, "batch.num.messages": 100, "message.timeout.ms": 180000,
        "retry.backoff.ms": 50, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500,
    })
    count = 20_000
    # Stop while the stream is in full flight (about 2 s of paced sends), then restart on the same port.
    killer = threading.Timer(0.8, broker.kill9 if how == "kill9" else broker.stop)
    killer.start()
    produce_all(p, topic, count, delivery, pace_every=100)
    killer.join()
    if how == "sigterm":
        assert list((broker.data_dir / f"{topic}-0").glob("*.snapshot")), "clean stop wrote no producer snapshot"
    time.sleep(0.5)
    broker.start()
    assert p.flush(170) == 0, "producer did not finish after the restart"
    assert delivery.errors == []
    records = consume_exactly(broker.bootstrap, topic, {0: count})
    assert [r.value for r in records] == [f"m-{i:06d}".encode() for i in range(count)]


def test_kafka_python_default_producer_is_idempotent_and_works(broker):
    from kafka import KafkaProducer

    topic = unique_topic("idem-kp")
    create_topic(broker.bootstrap, topic, partitions=1)
    p = KafkaProducer(bootstrap_servers=broker.bootstrap)
    try:
        assert p.config.get("enable_idempotence", False), "kafka-python default is no longer idempotent"
        futures = [p.send(topic, value=f"kp-{i}".encode(), partition=0) for i in range(500)]
        p.flush(30)
        offsets = [f.get(timeout=30).offset for f in futures]
    finally:
        p.close(timeout=10)
    assert offsets == list(range(500))
    records = consume_exactly(broker.bootstrap, topic, {0: 500})
    assert [r.value for r in records] == [f"kp-{i}".encode() for i in range(500)]


def test_raw_produce_enforces_epoch_and_sequence(broker):
    topic = unique_topic("idem-raw")
    create_topic(broker.bootstrap, topic, partitions=1)
    pid = 987_654
    assert raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 1, 0, [b"a", b"b"]), 1) == (0, 0)
    # A retry of the same batch is answered with its original offset and not written again.
    assert raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 1, 0, [b"a", b"b"]), 2) == (0, 0)
    # An older epoch is fenced.
    error, _ = raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 0, 2, [b"c"]), 3)
    assert error == INVALID_PRODUCER_EPOCH
    # A gap in the sequence is out of order.
    error, _ = raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 1, 5, [b"d"]), 4)
    assert error == OUT_OF_ORDER_SEQUENCE_NUMBER
    # A new epoch must start at sequence 0.
    error, _ = raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 2, 2, [b"e"]), 5)
    assert error == OUT_OF_ORDER_SEQUENCE_NUMBER
    assert raw_produce(broker.bootstrap, topic, idempotent_batch(pid, 1, 2, [b"f"]), 6) == (0, 2)
    records = consume_exactly(broker.bootstrap, topic, {0: 3})
    assert [r.value for r in records] == [b"a", b"b", b"f"]
