#!/usr/bin/env python3
"""Turns Benchmarks/run.sh's results.tsv into a Markdown table of medians.

Rows of results.tsv: broker, round, workload, metric, value.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

# Which metrics to show per workload kind, and whether higher is better.
METRICS = {
    "produce": [("records_per_s", True), ("mb_per_s", True)],
    "consume": [("records_per_s", True), ("mb_per_s", True)],
    "latency": [("p50_us", False), ("p99_us", False), ("p999_us", False)],
    "broker": [("peak_rss_kb", False), ("cpu_s", False)],
}


def main(path: str) -> None:
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    workloads: list[str] = []
    brokers: list[str] = []
    with open(path) as f:
        for line in f:
            broker, _round, workload, metric, value = line.rstrip("\n").split("\t")
            if broker not in brokers:
                brokers.append(broker)
            if workload not in workloads:
                workloads.append(workload)
            try:
                values[(broker, workload, metric)].append(float(value))
            except ValueError:
                pass  # "-" for metrics a mode does not measure

    has_baseline = "baseline" in brokers
    header = "| workload | metric | sluice (median) |"
    rule = "|---|---|---:|"
    if has_baseline:
        header += " baseline (median) | sluice / baseline |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for workload in sorted(workloads, key=lambda w: (w == "broker", workloads.index(w))):
        kind = workload.split(" ")[0]
        for metric, higher_is_better in METRICS.get(kind, []):
            s = values.get(("sluice", workload, metric))
            if not s:
                continue
            row = f"| {workload} | {metric} {'↑' if higher_is_better else '↓'} | {statistics.median(s):,.2f} |"
            if has_baseline:
                b = values.get(("baseline", workload, metric))
                if b:
                    bm = statistics.median(b)
                    ratio = f"{statistics.median(s) / bm:.2f}" if bm else "-"
                    row += f" {bm:,.2f} | {ratio} |"
                else:
                    row += " - | - |"
            print(row)
    rounds = max((len(v) for v in values.values()), default=0)
    print(f"\nMedians over {rounds} round(s); ↑ higher is better, ↓ lower is better.")


if __name__ == "__main__":
    main(sys.argv[1])
