"""The `sluice serve` command line: config file, --set precedence, signals."""

from __future__ import annotations

import signal
import subprocess

from conftest import unique_topic
from helpers import DeliveryLog, admin, consume_exactly, producer, wait_for_topic


def auto_create(bootstrap: str) -> int:
    """Produces to a new topic name and returns how many partitions it got."""
    topic = unique_topic("cli")
    p = producer(bootstrap)
    dlog = DeliveryLog()
    p.produce(topic, value=b"x", on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == []
    md = admin(bootstrap).list_topics(topic=topic, timeout=10)
    return len(md.topics[topic].partitions)


def test_config_file_then_set_overrides_it(broker_factory, tmp_path):
    props = tmp_path / "server.properties"
    props.write_text("# comment line\nnum.partitions=4\nlog.segment.bytes=1048576\n")
    from_file = broker_factory("--config", str(props))
    assert auto_create(from_file.bootstrap) == 4
    overridden = broker_factory("--config", str(props), "--set", "num.partitions=2")
    assert auto_create(overridden.bootstrap) == 2


def test_auto_create_can_be_disabled(broker_factory):
    b = broker_factory("--set", "auto.create.topics.enable=false")
    topic = unique_topic("noauto")
    # librdkafka producers ask for auto-creation (auto_create above relies on
    # it), so the broker setting is what keeps this topic from appearing.
    p = producer(b.bootstrap, **{"message.timeout.ms": 3000})
    dlog = DeliveryLog()
    p.produce(topic, value=b"nowhere", on_delivery=dlog)
    p.flush(15)
    assert dlog.acked == [] and len(dlog.errors) == 1
    assert topic not in admin(b.bootstrap).list_topics(timeout=10).topics


def test_sigint_is_a_clean_shutdown_too(broker):
    topic = unique_topic("sigint")
    p = producer(broker.bootstrap)
    dlog = DeliveryLog()
    for i in range(10):
        p.produce(topic, value=f"v{i}".encode(), partition=0, on_delivery=dlog)
    assert p.flush(30) == 0 and dlog.errors == [] and len(dlog.acked) == 10
    broker.stop(signal.SIGINT)
    broker.start()
    wait_for_topic(broker.bootstrap, topic, 1)
    assert [r.value for r in consume_exactly(broker.bootstrap, topic, {0: 10})] == [
        f"v{i}".encode() for i in range(10)]


def test_restart_keeps_the_same_port_and_data_dir(broker):
    first = (broker.bootstrap, broker.data_dir)
    broker.restart()
    assert (broker.bootstrap, broker.data_dir) == first
    assert broker.data_dir.is_dir() and any(broker.data_dir.iterdir())


def test_unknown_configs_are_logged_and_ignored(broker_factory, tmp_path):
    # Kafka starts with configs it does not use and names them in a warning; so does Sluice, from
    # the config file and from --set alike.
    props = tmp_path / "server.properties"
    props.write_text("zookeeper.connect=localhost:2181\nnum.partitions=3\n")
    b = broker_factory("--config", str(props), "--set", "sluice.no.such.setting=1")
    assert auto_create(b.bootstrap) == 3
    log = b.log_text()
    assert "config 'zookeeper.connect' is not used by Sluice and was ignored" in log
    assert "config 'sluice.no.such.setting' is not used by Sluice and was ignored" in log
    assert "num.partitions' is not used" not in log


def test_an_invalid_value_for_a_known_config_stops_the_start(tmp_path):
    from conftest import sluice_binary

    result = subprocess.run(
        [str(sluice_binary()), "serve", "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0",
         "--set", "log.retention.ms=soon"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "log.retention.ms" in result.stdout + result.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
