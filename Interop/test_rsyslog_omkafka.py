"""Log aggregation with a real shipper: rsyslog's omkafka (Debian's rsyslog-kafka, built on
Debian's librdkafka 2.0.2) ships syslog lines into a topic.

The test runs a private rsyslogd in the foreground with its own config, pid file and work
directory, receiving on a free TCP port; the system's rsyslog is never touched.
"""

from __future__ import annotations

import socket
import subprocess
import time

from conftest import free_port, unique_topic
from helpers import consume_exactly, create_topic

RSYSLOG_CONFIG = """
global(workDirectory="{work}")
module(load="imtcp")
module(load="omkafka")
template(name="message" type="string" string="%msg:2:$%")
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="ship")
ruleset(name="ship") {{
  action(type="omkafka" broker=["{bootstrap}"] topic="{topic}" template="message" partitions.number="1"
         confParam=["queue.buffering.max.ms=20", "socket.timeout.ms=10000"])
}}
"""


def test_rsyslog_ships_lines_into_a_topic(module_broker, tmp_path):
    bootstrap, topic = module_broker.bootstrap, unique_topic("syslog")
    create_topic(bootstrap, topic, 1)
    port = free_port()
    work = tmp_path / "work"
    work.mkdir()
    config = tmp_path / "rsyslog.conf"
    config.write_text(RSYSLOG_CONFIG.format(work=work, port=port, bootstrap=bootstrap, topic=topic))
    with open(tmp_path / "rsyslogd.out", "w") as out:
        proc = subprocess.Popen(["rsyslogd", "-n", "-f", str(config), "-i", str(tmp_path / "rsyslogd.pid")],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "rsyslogd.out").read_text()
            try:
                sender = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "rsyslogd did not listen"
                time.sleep(0.2)
        lines = [f"request {i} took {i * 3} ms status=200" for i in range(50)]
        with sender:
            for i, line in enumerate(lines):
                sender.sendall(f"<134>Nov 26 01:02:{i % 60:02d} web01 api[42]: {line}\n".encode())
        records = consume_exactly(bootstrap, topic, {0: len(lines)}, timeout_s=60)
        assert [r.value.decode() for r in records] == lines
    finally:
        proc.terminate()
        proc.wait(15)
