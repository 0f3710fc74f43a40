#!/usr/bin/env python3
"""Many groups committing offsets: paced, pipelined OffsetCommit load on raw sockets.

    offset_commit_load.py BOOTSTRAP TOPIC --broker-pid PID [--groups 10000] [--rate 10000]
                          [--seconds 10] [--procs 4] [--conns-per-proc 2]

Each of `--groups` distinct group ids commits one offset (partition 0 of TOPIC) about
`rate / groups` times a second: simple commits (OffsetCommit v2, generation -1, member id "",
no group membership), each group's offset one higher than its last. Requests are paced on a
fixed schedule (request k of a worker is due at start + k / its rate) and pipelined: a worker
never waits for a response before sending the next request that is due. The load is spread over
`--procs` processes (one Python process cannot build and parse 10k requests/s with headroom)
with `--conns-per-proc` TCP connections each.

The broker's CPU time (utime + stime of /proc/PID/stat) is read when the schedule starts and
when the last response has arrived; average cores = CPU seconds / wall seconds of that window.
Latency is from the request's send to its response. Prints one RESULT line.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import selectors
import socket
import struct
import sys
import time

API_OFFSET_COMMIT = 8
VERSION = 2  # the oldest Kafka 4.0 serves; fixed layout, no tagged fields


def kstring(s: str) -> bytes:
    raw = s.encode()
    return struct.pack(">h", len(raw)) + raw


class CommitRequest:
    """Request bytes for one group, split around the correlation id and the offset."""

    def __init__(self, group: str, topic: str):
        self.head = struct.pack(">hh", API_OFFSET_COMMIT, VERSION)
        self.middle = (kstring("commit-bench") + kstring(group) + struct.pack(">i", -1) + kstring("")
                       + struct.pack(">q", -1)                     # retention time: broker default
                       + struct.pack(">i", 1) + kstring(topic)     # one topic
                       + struct.pack(">i", 1) + struct.pack(">i", 0))  # one partition: 0
        self.tail = kstring("")                                    # committed metadata
        self.size = len(self.head) + 4 + len(self.middle) + 8 + len(self.tail)

    def frame(self, correlation_id: int, offset: int) -> bytes:
        return b"".join((struct.pack(">i", self.size), self.head, struct.pack(">i", correlation_id),
                         self.middle, struct.pack(">q", offset), self.tail))


def connect(bootstrap: str) -> socket.socket:
    host, port = bootstrap.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    return s


def worker(index: int, args: argparse.Namespace, start_at: float, out: mp.Queue) -> None:
    groups = [f"bench-group-{g:05d}" for g in range(index, args.groups, args.procs)]
    requests = [CommitRequest(g, args.topic) for g in groups]
    rate = args.rate / args.procs
    total = int(rate * args.seconds)
    conns = [connect(args.bootstrap) for _ in range(args.conns_per_proc)]
    sel = selectors.DefaultSelector()
    state = {}
    for c in conns:
        sel.register(c, selectors.EVENT_READ)
        state[c] = [bytearray(), bytearray()]  # pending output, pending input
    sent_at = [0.0] * total
    latencies: list[float] = []
    errors: dict[int, int] = {}
    sent = received = 0
    lag_max = 0.0

    while time.time() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.time())))
    t0 = time.monotonic()
    deadline = t0 + args.seconds + 30  # give up on responses 30 s after the schedule ends

    while received < total and time.monotonic() < deadline:
        now = time.monotonic()
        due = min(total, int((now - t0) * rate) + 1)
        if due > sent:
            lag_max = max(lag_max, now - (t0 + sent / rate))
        while sent < due:
            req = requests[sent % len(requests)]
            conn = conns[sent % len(conns)]
            state[conn][0] += req.frame(sent, sent // len(requests))
            sent_at[sent] = time.monotonic()
            sent += 1
        for conn in conns:
            pending = state[conn][0]
            if pending:
                try:
                    n = conn.send(pending)
                    del pending[:n]
                except BlockingIOError:
                    pass
        # Wait for responses until the next request is due (or 1 ms when output is pending).
        next_due = t0 + sent / rate if sent < total else now + 0.05
        timeout = max(0.0, min(next_due - time.monotonic(), 0.05))
        if any(state[c][0] for c in conns):
            timeout = min(timeout, 0.001)
        for key, _ in sel.select(timeout):
            conn = key.fileobj
            try:
                chunk = conn.recv(1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise SystemExit(f"worker {index}: broker closed the connection")
            buf = state[conn][1]
            buf += chunk
            arrived = time.monotonic()
            while len(buf) >= 4:
                (size,) = struct.unpack_from(">i", buf, 0)
                if len(buf) < 4 + size:
                    break
                (corr,) = struct.unpack_from(">i", buf, 4)
                # v2 response: one topic with one partition, so the error code is the last field.
                (code,) = struct.unpack_from(">h", buf, 4 + size - 2)
                del buf[:4 + size]
                latencies.append(arrived - sent_at[corr])
                if code:
                    errors[code] = errors.get(code, 0) + 1
                received += 1
    out.put({"sent": sent, "received": received, "latencies": latencies, "errors": errors,
             "lag_max": lag_max, "end": time.time()})
    for c in conns:
        c.close()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p * (len(sorted_values) - 1) + 0.5))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("--broker-pid", type=int, required=True)
    ap.add_argument("--groups", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=10000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--conns-per-proc", type=int, default=2)
    args = ap.parse_args()

    out: mp.Queue = mp.Queue()
    start_at = time.time() + 1.5  # time for every worker to build its requests and connect
    procs = [mp.Process(target=worker, args=(i, args, start_at, out)) for i in range(args.procs)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0, wall0 = cpu_seconds(args.broker_pid), time.time()
    results = [out.get(timeout=args.seconds + 120) for _ in procs]
    cpu1, wall1 = cpu_seconds(args.broker_pid), max(r["end"] for r in results)
    for p in procs:
        p.join()

    sent = sum(r["sent"] for r in results)
    received = sum(r["received"] for r in results)
    errors: dict[int, int] = {}
    for r in results:
        for code, n in r["errors"].items():
            errors[code] = errors.get(code, 0) + n
    lat = sorted(x for r in results for x in r["latencies"])
    window = wall1 - wall0
    cpu = cpu1 - cpu0
    error_text = ",".join(f"{c}:{n}" for c, n in sorted(errors.items())) or "0"
    print(f"RESULT mode=offset-commit groups={args.groups} target_per_s={args.rate:.0f} sent={sent} "
          f"answered={received} failed={sum(errors.values())} error_codes={error_text} "
          f"window_s={window:.3f} commits_per_s={received / window:.0f} "
          f"broker_cpu_s={cpu:.2f} broker_cores={cpu / window:.3f} "
          f"p50_ms={percentile(lat, 0.5) * 1e3:.2f} p99_ms={percentile(lat, 0.99) * 1e3:.2f} "
          f"max_ms={(lat[-1] if lat else float('nan')) * 1e3:.2f} "
          f"sender_lag_max_ms={max(r['lag_max'] for r in results) * 1e3:.1f}")
    return 0 if received == sent and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
