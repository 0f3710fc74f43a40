#!/usr/bin/env python3
"""Captures the first request frame (their ApiVersions request) that real Kafka clients send.

A tiny TCP listener on 127.0.0.1 accepts one connection from each client (confluent-kafka,
kafka-python, aiokafka), reads one length-prefixed frame, and saves its body as hex in
Tests/KafkaProtocolTests/Fixtures/<client>-apiversions-request.hex, plus a .json sidecar with
what the test should find in it (client id we configured, library name and version).

It also encodes a few messages with kafka-python's own protocol classes (an independent
implementation) into kafka-python-encoded-<Message>-v<N>.hex, listed in kafka-python-encoded.json,
so the tests can check our decoder and encoder byte for byte against another codebase.

Usage: python3 Tools/capture-golden.py [--encoded-only] [fixtures-dir]
"""
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.join(HERE, "..", "Tests", "KafkaProtocolTests", "Fixtures")

# Each client runs in its own process so it can be killed once its frame is captured.
CLIENTS = {
    "confluent-kafka": textwrap.dedent("""
        import confluent_kafka, sys
        p = confluent_kafka.Producer({"bootstrap.servers": sys.argv[1], "client.id": "golden-confluent"})
        p.poll(10)
    """),
    "kafka-python": textwrap.dedent("""
        import kafka, sys
        try:
            kafka.KafkaProducer(bootstrap_servers=sys.argv[1], client_id="golden-kafka-python",
                                request_timeout_ms=10000)
        except Exception:
            pass
    """),
    "aiokafka": textwrap.dedent("""
        import asyncio, aiokafka, sys
        async def main():
            p = aiokafka.AIOKafkaProducer(bootstrap_servers=sys.argv[1], client_id="golden-aiokafka",
                                          request_timeout_ms=10000)
            try:
                await p.start()
            except Exception:
                pass
        asyncio.run(main())
    """),
}


def expectations(client):
    """What the captured frame must contain: our configured client id, and the software name and
    version each library advertises (built from the installed library's own version numbers)."""
    if client == "confluent-kafka":
        import confluent_kafka
        version = confluent_kafka.version()
        version = version[0] if isinstance(version, tuple) else version
        return {"clientId": "golden-confluent", "softwareName": "confluent-kafka-python",
                "softwareVersion": f"{version}-rdkafka-{confluent_kafka.libversion()[0]}"}
    if client == "kafka-python":
        import kafka
        return {"clientId": "golden-kafka-python", "softwareName": "kafka-python",
                "softwareVersion": kafka.__version__}
    import aiokafka
    # aiokafka opens with ApiVersions v0, which has no software fields.
    return {"clientId": "golden-aiokafka", "library": f"aiokafka {aiokafka.__version__}"}


def read_exact(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError("client closed before sending a whole frame")
        data += chunk
    return data


def capture(client, script, fixtures):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(30)
    port = listener.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", script, f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn, _ = listener.accept()
        conn.settimeout(30)
        (length,) = struct.unpack(">i", read_exact(conn, 4))
        body = read_exact(conn, length)
        conn.close()
    finally:
        proc.kill()
        proc.wait()
        listener.close()
    base = os.path.join(fixtures, f"{client}-apiversions-request")
    with open(base + ".hex", "w") as f:
        f.write(body.hex() + "\n")
    with open(base + ".json", "w") as f:
        json.dump(expectations(client), f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{client}: {len(body)} bytes -> {base}.hex")


def kafka_python_encoded_messages():
    """(message name, version, object) triples built with kafka-python's protocol classes."""
    import uuid
    from kafka.protocol.consumer import FetchResponse as F
    from kafka.protocol.metadata import ApiVersionsResponse as A
    from kafka.protocol.metadata import MetadataResponse as M
    from kafka.protocol.producer import ProduceRequest as P

    def metadata(v):
        part = M.MetadataResponseTopic.MetadataResponsePartition(
            error_code=0, partition_index=2, leader_id=1, leader_epoch=7, replica_nodes=[1, 2],
            isr_nodes=[1], offline_replicas=[3])
        topic = M.MetadataResponseTopic(
            error_code=0, name="orders", topic_id=uuid.UUID(int=0x0102030405060708090A0B0C0D0E0F10),
            is_internal=False, partitions=[part])
        broker = M.MetadataResponseBroker(node_id=1, host="localhost", port=9092, rack=None)
        return M[v](throttle_time_ms=5, brokers=[broker], cluster_id="cluster-x", controller_id=1,
                    topics=[topic], error_code=41 if v >= 13 else 0)

    def fetch(v):
        PD = F.FetchableTopicResponse.PartitionData
        fields = dict(partition_index=0, error_code=0, high_watermark=100, last_stable_offset=90,
                      log_start_offset=0, preferred_read_replica=-1, records=b"\x01\x02\x03\x04",
                      aborted_transactions=[PD.AbortedTransaction(producer_id=7, first_offset=50)])
        if v >= 12:
            fields["current_leader"] = PD.LeaderIdAndEpoch(leader_id=2, leader_epoch=9)
            fields["diverging_epoch"] = PD.EpochEndOffset(epoch=3, end_offset=77)
        topic = dict(partitions=[PD(**fields)])
        if v >= 13:
            topic["topic_id"] = uuid.UUID(int=0xABCDEF)
        else:
            topic["topic"] = "orders"
        body = dict(throttle_time_ms=0, error_code=0, session_id=0, responses=[F.FetchableTopicResponse(**topic)])
        if v >= 16:
            body["node_endpoints"] = [F.NodeEndpoint(node_id=2, host="b2", port=9093, rack="r1")]
        return F[v](**body)

    def produce(v):
        partition = P.TopicProduceData.PartitionProduceData(index=1, records=b"\x09\x08\x07")
        return P[v](transactional_id="tx-1", acks=-1, timeout_ms=30000,
                    topic_data=[P.TopicProduceData(name="orders", partition_data=[partition])])

    def api_versions(v):
        fields = dict(error_code=0, throttle_time_ms=0, api_keys=[
            A.ApiVersion(api_key=0, min_version=0, max_version=12),
            A.ApiVersion(api_key=18, min_version=0, max_version=4)])
        if v >= 3:
            fields["supported_features"] = [A.SupportedFeatureKey(name="metadata.version", min_version=1, max_version=25)]
            fields["finalized_features_epoch"] = 12
            fields["finalized_features"] = [
                A.FinalizedFeatureKey(name="metadata.version", max_version_level=25, min_version_level=25)]
        return A[v](**fields)

    for v in (1, 9, 12, 13):
        yield "MetadataResponse", v, metadata(v)
    for v in (4, 11, 12, 16):
        yield "FetchResponse", v, fetch(v)
    for v in (3, 9, 12):
        yield "ProduceRequest", v, produce(v)
    for v in (0, 3):
        yield "ApiVersionsResponse", v, api_versions(v)


def write_kafka_python_encoded(fixtures):
    manifest = []
    for name, version, message in kafka_python_encoded_messages():
        file_name = f"kafka-python-encoded-{name}-v{version}.hex"
        with open(os.path.join(fixtures, file_name), "w") as f:
            f.write(bytes(message.encode()).hex() + "\n")
        manifest.append({"file": file_name, "message": name, "version": version})
    with open(os.path.join(fixtures, "kafka-python-encoded.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"kafka-python encoded {len(manifest)} messages")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fixtures = os.path.abspath(args[0] if args else DEFAULT_FIXTURES)
    os.makedirs(fixtures, exist_ok=True)
    write_kafka_python_encoded(fixtures)
    if "--encoded-only" in sys.argv:
        return
    for client, script in CLIENTS.items():
        capture(client, script, fixtures)


if __name__ == "__main__":
    main()
