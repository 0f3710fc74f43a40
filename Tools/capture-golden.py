#!/usr/bin/env python3
"""Captures the first request frame (their ApiVersions request) that real Kafka clients send.

A tiny TCP listener on 127.0.0.1 accepts one connection from each client (confluent-kafka,
kafka-python, aiokafka), reads one length-prefixed frame, and saves its body as hex in
Tests/KafkaProtocolTests/Fixtures/<client>-apiversions-request.hex, plus a .json sidecar with
what the test should find in it (client id we configured, library name and version).

Usage: python3 Tools/capture-golden.py [fixtures-dir]
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


def main():
    fixtures = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FIXTURES)
    os.makedirs(fixtures, exist_ok=True)
    for client, script in CLIENTS.items():
        capture(client, script, fixtures)


if __name__ == "__main__":
    main()
