"""The `sluice` client subcommands (topic, produce, group, cluster, bench), run as the real binary
against a real broker, checked with an independent client (confluent-kafka), in table and JSON
output, and their errors: unknown subcommands and flags, unreachable brokers, missing topics,
invalid configs, bad input — each with its documented exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import ConfigResource

from conftest import free_port, sluice_binary, unique_topic
from helpers import admin, consume_exactly, consumer, create_topic, producer, wait_for_topic

EXIT_KAFKA, EXIT_USAGE, EXIT_DATA, EXIT_NOINPUT, EXIT_UNREACHABLE = 1, 64, 65, 66, 69


def sluice(broker, *args: str, input: str | None = None, timeout: float = 60, env: dict | None = None):
    """Runs `sluice ARGS` against `broker` (via SLUICE_BOOTSTRAP, as a user would set it)."""
    environment = dict(os.environ)
    environment.pop("SLUICE_BOOTSTRAP", None)
    if broker is not None:
        environment["SLUICE_BOOTSTRAP"] = broker.bootstrap
    environment.update(env or {})
    return subprocess.run([str(sluice_binary()), *args], input=input, capture_output=True, text=True,
                          timeout=timeout, env=environment)


def ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def as_json(result):
    return json.loads(ok(result))


def table_rows(text: str) -> list[list[str]]:
    """The rows of the first table in `text` (after its header and dashes rule), split on runs of spaces."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-"))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("(none)"):
            break
        rows.append(line.split())
    return rows


# --- topics ------------------------------------------------------------------------------------------

def test_topic_create_list_describe_alter_delete(module_broker):
    b, topic = module_broker, unique_topic("cli-topic")
    assert ok(sluice(b, "topic", "create", topic, "-p", "3", "-c", "retention.ms=3600000")) == f"created topic {topic}\n"
    md = admin(b.bootstrap).list_topics(topic=topic, timeout=10).topics[topic]
    assert len(md.partitions) == 3

    listed = table_rows(ok(sluice(b, "topic", "list")))
    assert [topic, "3"] == next(r[:2] for r in listed if r[0] == topic)
    listed_json = as_json(sluice(b, "topic", "list", "-o", "json"))
    assert {"name": topic, "partitions": 3, "internal": False} == {
        k: v for k, v in next(t for t in listed_json if t["name"] == topic).items() if k != "topic_id"}

    p = producer(b.bootstrap)
    for i in range(5):
        p.produce(topic, value=b"v", partition=1)
    assert p.flush(30) == 0
    described = as_json(sluice(b, "topic", "describe", topic, "-o", "json"))[0]
    assert [(x["partition"], x["start_offset"], x["end_offset"], x["leader"]) for x in described["partitions"]] == [
        (0, 0, 0, 1), (1, 0, 5, 1), (2, 0, 0, 1)]
    assert described["configs"] == {"retention.ms": "3600000"}
    human = ok(sluice(b, "topic", "describe", topic))
    assert ["1", "1", "1", "1", "0", "5", "5"] in table_rows(human)
    assert "retention.ms" in human and "3600000" in human

    ok(sluice(b, "topic", "alter", topic, "-p", "4", "-c", "retention.ms=7200000", "--delete-config", "cleanup.policy"))
    wait_for_topic(b.bootstrap, topic, 4)
    client = admin(b.bootstrap)
    entries = list(client.describe_configs([ConfigResource("topic", topic)]).values())[0].result(timeout=10)
    assert entries["retention.ms"].value == "7200000"

    assert as_json(sluice(b, "topic", "delete", topic, "-o", "json")) == {"deleted": [topic]}
    assert topic not in admin(b.bootstrap).list_topics(timeout=10).topics


def test_topic_errors_name_the_kafka_error_with_a_hint(module_broker):
    b, topic = module_broker, unique_topic("cli-err")
    missing = sluice(b, "topic", "describe", topic)
    assert missing.returncode == EXIT_KAFKA
    assert missing.stderr.startswith(f"error: UNKNOWN_TOPIC_OR_PARTITION: topic {topic}\nhint: ")

    ok(sluice(b, "topic", "create", topic))
    again = sluice(b, "topic", "create", topic)
    assert again.returncode == EXIT_KAFKA and "TOPIC_ALREADY_EXISTS" in again.stderr
    assert "already exists" in ok(sluice(b, "topic", "create", topic, "--if-not-exists"))

    bad_value = sluice(b, "topic", "create", unique_topic("cli-bad"), "-c", "retention.ms=soon")
    assert bad_value.returncode == EXIT_KAFKA and "INVALID_CONFIG" in bad_value.stderr and "hint:" in bad_value.stderr
    unknown_config = sluice(b, "topic", "alter", topic, "-c", "no.such.config=1")
    assert unknown_config.returncode == EXIT_KAFKA and "INVALID_CONFIG" in unknown_config.stderr
    bad_name = sluice(b, "topic", "create", "no spaces allowed")
    assert bad_name.returncode == EXIT_KAFKA and "INVALID_TOPIC_EXCEPTION" in bad_name.stderr

    gone = sluice(b, "topic", "delete", unique_topic("cli-none"))
    assert gone.returncode == EXIT_KAFKA and "UNKNOWN_TOPIC_OR_PARTITION" in gone.stderr
    assert ok(sluice(b, "topic", "delete", unique_topic("cli-none"), "--if-exists")) == "nothing deleted\n"


def test_usage_errors_exit_64():
    unknown = sluice(None, "topci")
    assert unknown.returncode == EXIT_USAGE and "unknown subcommand 'topci'" in unknown.stderr
    flag = sluice(None, "topic", "list", "--bogus")
    assert flag.returncode == EXIT_USAGE and "Unknown option '--bogus'" in flag.stderr
    bad_option = sluice(None, "topic", "create", "x", "--partitions", "0")
    assert bad_option.returncode == EXIT_USAGE and "--partitions must be at least 1" in bad_option.stderr
    bad_bootstrap = sluice(None, "topic", "list", "--bootstrap", "nohost")
    assert bad_bootstrap.returncode == EXIT_USAGE and "HOST:PORT" in bad_bootstrap.stderr
    bad_acks = sluice(None, "produce", "t", "--acks", "2")
    assert bad_acks.returncode == EXIT_USAGE and "--acks" in bad_acks.stderr


def test_unreachable_broker_fails_fast_with_exit_69():
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    for args in (["topic", "list"], ["cluster", "info"], ["group", "list"]):
        started = time.monotonic()
        result = sluice(None, *args, "--timeout", "3", env={"SLUICE_BOOTSTRAP": dead}, timeout=30)
        assert result.returncode == EXIT_UNREACHABLE, result.stderr
        assert time.monotonic() - started < 10
        assert f"cannot reach a broker at {dead}" in result.stderr and "hint:" in result.stderr
    result = sluice(None, "produce", "t", "-b", dead, "--timeout", "3", input="x\n", timeout=30)
    assert result.returncode == EXIT_UNREACHABLE, result.stderr


# --- produce -----------------------------------------------------------------------------------------

def test_produce_lines_with_keys_and_headers(module_broker):
    b, topic = module_broker, unique_topic("cli-produce")
    create_topic(b.bootstrap, topic, partitions=1)
    out = ok(sluice(b, "produce", topic, "-K", ":", "-H", "source=cli", "-H", "flag",
                    input="k1:v1\n\nk2:v:2\nno-key\r\n"))
    assert out.startswith(f"produced 3 record(s) to {topic}\n")
    assert table_rows(out) == [["0", "3", "0", "2"]]
    got = consume_exactly(b.bootstrap, topic, {0: 3})
    assert [(r.key, r.value) for r in got] == [(b"k1", b"v1"), (b"k2", b"v:2"), (None, b"no-key")]
    assert all(r.headers == (("source", b"cli"), ("flag", None)) for r in got)


def test_produce_json_from_a_file(module_broker, tmp_path):
    b, topic = module_broker, unique_topic("cli-json")
    create_topic(b.bootstrap, topic, partitions=2)
    lines = [
        {"key": "a", "value": "one", "headers": {"h": "x"}, "partition": 1, "timestamp": 1700000000000},
        {"value": {"nested": [1, 2]}, "partition": 0},
        {"key": "c", "value": None, "partition": 1},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = as_json(sluice(b, "produce", topic, "--json", "--file", str(path), "-o", "json"))
    assert report["delivered"] == 3 and report["failed"] == 0
    assert {p["partition"]: p["records"] for p in report["partitions"]} == {0: 1, 1: 2}
    got = consume_exactly(b.bootstrap, topic, {0: 1, 1: 2})
    assert (got[0].key, got[0].value) == (None, b'{"nested":[1,2]}')
    assert (got[1].key, got[1].value, got[1].headers, got[1].timestamp) == (b"a", b"one", (("h", b"x"),), 1700000000000)
    assert (got[2].key, got[2].value) == (b"c", None)


def test_progress_bar_only_on_a_terminal(module_broker, tmp_path):
    b, topic = module_broker, unique_topic("cli-progress")
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line {i}\n" for i in range(2000)))
    piped = sluice(b, "produce", topic, "--file", str(path))
    assert ok(piped).startswith(f"produced 2000 record(s) to {topic}") and "[####" not in piped.stderr
    # `script` gives the command a pseudo-terminal, as an interactive shell would.
    command = f"{sluice_binary()} produce {topic} --file {path}"
    tty = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "SLUICE_BOOTSTRAP": b.bootstrap})
    assert tty.returncode == 0, tty.stdout
    assert f"produce [{'#' * 40}] 100%" in tty.stdout and "produced 2000 record(s)" in tty.stdout


def test_produce_bad_input_exits_65_and_missing_file_66(module_broker, tmp_path):
    b, topic = module_broker, unique_topic("cli-badin")
    bad = sluice(b, "produce", topic, "--json", input='{"value":"fine"}\nnot json\n')
    assert bad.returncode == EXIT_DATA and "line 2: not JSON" in bad.stderr
    missing = sluice(b, "produce", topic, "--file", str(tmp_path / "absent.txt"))
    assert missing.returncode == EXIT_NOINPUT and "cannot read" in missing.stderr
    no_partition = sluice(b, "produce", unique_topic("cli-nop"), "--partition", "7", input="x\n")
    assert no_partition.returncode == EXIT_KAFKA and "UNKNOWN_TOPIC_OR_PARTITION" in no_partition.stderr


# --- consume ---------------------------------------------------------------------------------------

def fill(bootstrap: str, topic: str, partitions: int, per_partition: int) -> None:
    create_topic(bootstrap, topic, partitions=partitions)
    p = producer(bootstrap)
    for i in range(partitions * per_partition):
        part = i % partitions
        p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=part, headers=[("n", str(i).encode())],
                  timestamp=1_700_000_000_000 + i * 1000)
    assert p.flush(30) == 0


def test_consume_from_beginning_offset_time_with_format_and_json(module_broker):
    b, topic = module_broker, unique_topic("cli-consume")
    fill(b.bootstrap, topic, partitions=2, per_partition=3)  # p0: v0 v2 v4, p1: v1 v3 v5
    lines = ok(sluice(b, "consume", topic, "-e", "-f", "%p %o %k=%s %h %T\\n")).splitlines()
    assert sorted(lines) == sorted(
        f"{i % 2} {i // 2} k{i}=v{i} n={i} {1_700_000_000_000 + i * 1000}" for i in range(6))
    assert sorted(ok(sluice(b, "consume", topic, "--exit")).split()) == sorted(f"v{i}" for i in range(6))

    from_offset = ok(sluice(b, "consume", topic, "-p", "1", "--from", "1", "-e")).split()
    assert from_offset == ["v3", "v5"]
    # Timestamps are 1 s apart: from v3's time on, p0 has v4, p1 has v3 and v5.
    from_time = ok(sluice(b, "consume", topic, "--from", str(1_700_000_003_000), "-e")).split()
    assert sorted(from_time) == ["v3", "v4", "v5"]
    assert ok(sluice(b, "consume", topic, "--from", "end", "-e")) == ""

    records = [json.loads(line) for line in ok(sluice(b, "consume", topic, "-p", "0", "-c", "2", "-o", "json")).splitlines()]
    assert records == [
        {"topic": topic, "partition": 0, "offset": 0, "timestamp": 1_700_000_000_000, "key": "k0", "value": "v0",
         "headers": [{"key": "n", "value": "0"}]},
        {"topic": topic, "partition": 0, "offset": 1, "timestamp": 1_700_000_002_000, "key": "k2", "value": "v2",
         "headers": [{"key": "n", "value": "2"}]},
    ]


def test_consume_with_a_group_commits_what_it_printed(module_broker):
    b, topic, group = module_broker, unique_topic("cli-cgrp"), unique_topic("cli-cgroup")
    fill(b.bootstrap, topic, partitions=2, per_partition=4)
    first = ok(sluice(b, "consume", topic, "-g", group, "-e", timeout=90)).split()
    assert sorted(first) == sorted(f"v{i}" for i in range(8))
    lag = as_json(sluice(b, "group", "describe", group, "-o", "json"))
    assert [(x["partition"], x["committed"], x["lag"]) for x in lag["partitions"]] == [(0, 4, 0), (1, 4, 0)]
    p = producer(b.bootstrap)
    p.produce(topic, value=b"later", partition=1)
    assert p.flush(30) == 0
    assert ok(sluice(b, "consume", topic, "-g", group, "-e", timeout=90)).split() == ["later"]

    # --count stops mid-poll: only the printed records are committed, the rest come next time.
    counted = unique_topic("cli-count-g")
    assert len(ok(sluice(b, "consume", topic, "-g", counted, "-c", "3", timeout=90)).split()) == 3
    committed = as_json(sluice(b, "group", "describe", counted, "-o", "json"))["partitions"]
    assert sum(x["committed"] or 0 for x in committed) == 3
    rest = ok(sluice(b, "consume", topic, "-g", counted, "-e", timeout=90)).split()
    assert len(rest) == 6 and "later" in rest


def test_consume_stops_on_ctrl_c_and_commits(module_broker):
    b, topic, group = module_broker, unique_topic("cli-sigint"), unique_topic("cli-sigint-g")
    fill(b.bootstrap, topic, partitions=1, per_partition=5)
    env = {**os.environ, "SLUICE_BOOTSTRAP": b.bootstrap}
    proc = subprocess.Popen([str(sluice_binary()), "consume", topic, "-g", group], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(60, proc.kill)  # a consumer that never prints must not hang the suite
    watchdog.start()
    try:
        got = [proc.stdout.readline().strip() for _ in range(5)]  # blocks until the group printed them
        assert got == [f"v{i}" for i in range(5)]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    lag = as_json(sluice(b, "group", "describe", group, "-o", "json"))
    assert [(x["committed"], x["lag"]) for x in lag["partitions"]] == [(5, 0)]


def test_consume_errors(module_broker):
    b = module_broker
    missing = sluice(b, "consume", unique_topic("cli-nope"), "-e")
    assert missing.returncode == EXIT_KAFKA and "UNKNOWN_TOPIC_OR_PARTITION" in missing.stderr
    template = sluice(b, "consume", "t", "-f", "%x")
    assert template.returncode == EXIT_USAGE and "unknown format token %x" in template.stderr
    mixed = sluice(b, "consume", "t", "-g", "g", "--from", "5")
    assert mixed.returncode == EXIT_USAGE
    topic = unique_topic("cli-cp")
    create_topic(b.bootstrap, topic, partitions=1)
    no_partition = sluice(b, "consume", topic, "-p", "3", "-e")
    assert no_partition.returncode == EXIT_KAFKA and "partition 3" in no_partition.stderr


# --- groups and cluster ---------------------------------------------------------------------------

def commit(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    c = consumer(bootstrap, **{"group.id": group})
    try:
        c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        c.close()


def test_group_list_describe_with_lag_reset_and_delete(module_broker):
    b, topic, group = module_broker, unique_topic("cli-grp"), unique_topic("cli-group")
    create_topic(b.bootstrap, topic, partitions=2)
    p = producer(b.bootstrap)
    for i in range(10):
        p.produce(topic, value=b"v", partition=i % 2)
    assert p.flush(30) == 0
    commit(b.bootstrap, group, topic, {0: 2, 1: 5})

    assert group in [row[0] for row in table_rows(ok(sluice(b, "group", "list")))]
    assert group in [g["group"] for g in as_json(sluice(b, "group", "list", "-o", "json"))]

    described = as_json(sluice(b, "group", "describe", group, "-o", "json"))
    assert [(x["topic"], x["partition"], x["committed"], x["end_offset"], x["lag"]) for x in described["partitions"]] == [
        (topic, 0, 2, 5, 3), (topic, 1, 5, 5, 0)]
    assert described["total_lag"] == 3 and described["members"] == []
    human = ok(sluice(b, "group", "describe", group))
    assert "total lag 3" in human and [topic, "0", "2", "5", "3", "-"] in table_rows(human)

    reset = as_json(sluice(b, "group", "reset-offsets", group, "--topic", topic, "--to", "earliest", "-o", "json"))
    assert reset["partitions"] == [{"partition": 0, "offset": 0}, {"partition": 1, "offset": 0}]
    assert as_json(sluice(b, "group", "describe", group, "-o", "json"))["total_lag"] == 10
    ok(sluice(b, "group", "reset-offsets", group, "--topic", topic, "--to", "4"))
    c = consumer(b.bootstrap, **{"group.id": group})
    try:
        assert [tp.offset for tp in c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)] == [4, 4]
    finally:
        c.close()

    assert ok(sluice(b, "group", "delete", group)) == f"deleted group {group}\n"
    assert group not in [g["group"] for g in as_json(sluice(b, "group", "list", "-o", "json"))]
    missing = sluice(b, "group", "describe", group)
    assert missing.returncode == EXIT_KAFKA and "GROUP_ID_NOT_FOUND" in missing.stderr
    bad_to = sluice(b, "group", "reset-offsets", group, "--topic", topic, "--to", "someday")
    assert bad_to.returncode == EXIT_USAGE


def test_cluster_info(module_broker):
    b = module_broker
    info = as_json(sluice(b, "cluster", "info", "-o", "json"))
    port = int(b.bootstrap.rsplit(":", 1)[1])
    assert info["brokers"] == [{"id": info["controller_id"], "host": "127.0.0.1", "port": port}]
    assert info["cluster_id"] and info["topics"] >= 0
    human = ok(sluice(b, "cluster", "info"))
    assert human.startswith(f"cluster {info['cluster_id']}  controller {info['controller_id']}")
    assert [str(info["controller_id"]), "127.0.0.1", str(port), "-", "yes"] in table_rows(human)


# --- bench -------------------------------------------------------------------------------------------

def test_bench_produce_reports_throughput_and_latency(module_broker):
    b, topic = module_broker, unique_topic("cli-bench")
    summary = as_json(sluice(b, "bench", "produce", "--topic", topic, "-n", "20000", "-s", "100", "--acks", "1",
                             "-o", "json", timeout=120))
    assert summary["mode"] == "produce" and summary["records"] == 20000 and summary["errors"] == 0
    assert summary["records_per_s"] > 0 and summary["mb_per_s"] > 0
    lat = summary["latency_us"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["max"]
    # Every record really landed (plus the warm-up record sent before the clock starts).
    c = consumer(b.bootstrap)
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1] == 20001
    finally:
        c.close()
    human = ok(sluice(b, "bench", "produce", "--topic", topic, "-n", "2000", "--compression", "zstd", timeout=120))
    assert "throughput:" in human and "latency µs: p50" in human and "compression=zstd" in human


def test_bench_consume_and_e2e(module_broker):
    b, topic = module_broker, unique_topic("cli-benchc")
    create_topic(b.bootstrap, topic, partitions=2)
    ok(sluice(b, "bench", "produce", "--topic", topic, "-n", "20000", "--acks", "1", timeout=120))
    consumed = as_json(sluice(b, "bench", "consume", "--topic", topic, "-n", "20000", "--consumers", "2",
                              "-o", "json", timeout=120))
    assert consumed["mode"] == "consume" and consumed["records"] >= 20000 and consumed["records_per_s"] > 0
    too_many = sluice(b, "bench", "consume", "--topic", topic, "-n", "50000")
    assert too_many.returncode == EXIT_DATA and "fewer than --records" in too_many.stderr

    e2e_topic = unique_topic("cli-e2e")
    e2e = as_json(sluice(b, "bench", "e2e", "--topic", e2e_topic, "--partitions", "3", "-n", "5000", "--acks", "1",
                         "--rate", "5000", "-o", "json", timeout=120))
    assert len(admin(b.bootstrap).list_topics(topic=e2e_topic, timeout=10).topics[e2e_topic].partitions) == 3
    assert e2e["mode"] == "e2e" and e2e["records"] == 5000 and e2e["errors"] == 0
    lat = e2e["latency_us"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["max"] < 30_000_000
    # --rate 5000 for 5000 records: about a second, not much less.
    assert e2e["elapsed_s"] >= 0.9
