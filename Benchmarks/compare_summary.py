#!/usr/bin/env python3
"""Turns Benchmarks/compare.sh's results.tsv into one Markdown table: medians per system, ratios to Sluice.

Rows of results.tsv: system, round, workload, metric, value ("-" where a metric does not apply).
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

# (workload, metric, label, higher is better)
ROWS = [
    ("produce 100 B", "records_per_s", "produce 100 B, records/s", True),
    ("produce 1 KiB", "mb_per_s", "produce 1 KiB, MB/s", True),
    ("consume 100 B", "records_per_s", "consume 100 B, records/s", True),
    ("swift produce 100 B", "records_per_s", "produce 100 B with `sluice bench` (Swift client), records/s", True),
    ("swift consume 100 B", "records_per_s", "consume 100 B with `sluice bench` (Swift client), records/s", True),
    ("latency 100 B", "p50_us", "one in flight 100 B, p50 µs", False),
    ("latency 100 B", "p99_us", "one in flight 100 B, p99 µs", False),
    ("latency 100 B", "p999_us", "one in flight 100 B, p99.9 µs", False),
    ("broker", "peak_rss_kb", "server peak RSS, MiB", False),
    ("broker", "cpu_s", "server CPU s per round", False),
]


def fmt(value: float, metric: str) -> str:
    if metric == "peak_rss_kb":
        return f"{value / 1024:,.0f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def main(path: str) -> None:
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    systems: list[str] = []
    with open(path) as f:
        for line in f:
            system, _round, workload, metric, value = line.rstrip("\n").split("\t")
            if system not in systems:
                systems.append(system)
            try:
                values[(system, workload, metric)].append(float(value))
            except ValueError:
                pass
    peers = [s for s in systems if s != "sluice"]
    print("| workload | sluice | " + " | ".join(f"{p} | sluice/{p}" for p in peers) + " |")
    print("|---|---:|" + "---:|---:|" * len(peers))
    for workload, metric, label, higher in ROWS:
        s = values.get(("sluice", workload, metric))
        if not s and not any(values.get((p, workload, metric)) for p in peers):
            continue
        sm = statistics.median(s) if s else None
        row = f"| {label} {'↑' if higher else '↓'} | {fmt(sm, metric) if sm is not None else '—'} |"
        for p in peers:
            v = values.get((p, workload, metric))
            if not v:
                row += " — | — |"
                continue
            pm = statistics.median(v)
            ratio = f"{sm / pm:.2f}" if sm is not None and pm else "—"
            row += f" {fmt(pm, metric)} | {ratio} |"
        print(row)
    rounds = max((len(v) for v in values.values()), default=0)
    print(f"\nMedians over {rounds} alternating round(s). ↑ higher is better (a ratio above 1 favours Sluice);"
          " ↓ lower is better (a ratio below 1 favours Sluice). — : not measured for that system.")


if __name__ == "__main__":
    main(sys.argv[1])
