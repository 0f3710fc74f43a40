#!/usr/bin/env bash
# Compaction benchmark (issue 4): how long the cleaner takes to compact a 1 GiB log of 1M distinct
# keys, and how much produce throughput drops while it runs. Release build, native load generator.
#
#  1. Fill: a broker with the cleaner off; topic `kv` (cleanup.policy=compact, 128 MiB segments)
#     gets BENCH_RECORDS records (default 9M, ~1 GiB on disk) with 100-byte values and keys
#     k0..k(BENCH_KEYS-1) (default 1M). The data directory is kept as a template.
#  2. Rounds, alternating: a broker on a fresh copy of the template with the cleaner ON (it starts
#     compacting at once) or OFF, while the load generator produces BENCH_PRODUCE 100-byte records
#     (default 10M, acks=1: about 4 s, most of a pass) to another (delete-policy) topic. With the
#     cleaner on, the pass's time is read from the broker log ("cleaned log ... ms=").
# Prints RESULT lines and the medians. Everything runs under /tmp; started processes are stopped.
#
# Environment: BENCH_ROUNDS=3, BENCH_RECORDS, BENCH_KEYS, BENCH_PRODUCE, BENCH_SEGMENT_BYTES,
# SLUICE_BIN (skip the build), BENCH_SERVE_ARGS (extra `sluice serve` arguments, e.g. a cleaner I/O limit).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-compaction-bench.XXXXXX)"
rounds="${BENCH_ROUNDS:-3}"
records="${BENCH_RECORDS:-9000000}"
keys="${BENCH_KEYS:-1000000}"
produce_n="${BENCH_PRODUCE:-10000000}"
segment_bytes="${BENCH_SEGMENT_BYTES:-134217728}"
broker_pid=""

log() { echo "[compaction-bench] $*" >&2; }
stop_broker() {
    if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid"
        wait "$broker_pid" 2>/dev/null || true
    fi
    broker_pid=""
}
trap 'stop_broker; rm -rf "$out/template" "$out/data"' EXIT

source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen

# start_broker DATA_DIR CLEANER(true|false) LOGFILE
start_broker() {
    port="$(free_port)"
    "$sluice" serve --data-dir "$1" --listen "127.0.0.1:$port" --set "log.cleaner.enable=$2" \
        --set log.cleaner.backoff.ms=200 ${BENCH_SERVE_ARGS:-} >"$3" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 200); do
        grep -q "listening on" "$3" 2>/dev/null && return 0
        sleep 0.05
    done
    cat "$3"
    exit 1
}

create_topic() {  # NAME CONFIG...
    python3 - "$port" "$@" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
port, name, *pairs = sys.argv[1:]
config = dict(p.split("=", 1) for p in pairs)
admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"})  # must outlive the future
admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)])[name].result(30)
PY
}

# --- 1. fill the template -------------------------------------------------------
log "filling: $records records, $keys keys"
start_broker "$out/template" false "$out/fill.log"
create_topic kv cleanup.policy=compact "segment.bytes=$segment_bytes"
LOADGEN_KEYS="$keys" "$loadgen" produce "127.0.0.1:$port" kv "$records" 100 1 5 1048576 | tee "$out/fill.txt"
create_topic other segment.bytes=134217728
stop_broker
log "template: $(du -sh "$out/template/kv-0" | cut -f1) in $(ls "$out/template/kv-0"/*.log | wc -l) segments"

# --- 2. alternating rounds ------------------------------------------------------
for round in $(seq 1 "$rounds"); do
    for cleaner in true false; do
        rm -rf "$out/data" && cp -a "$out/template" "$out/data"
        sync
        start_broker "$out/data" "$cleaner" "$out/round-$round-$cleaner.log"
        result="$("$loadgen" produce "127.0.0.1:$port" other "$produce_n" 100 1 5 1048576)"
        rps="$(sed -n 's/.*records_per_s=\([0-9]*\).*/\1/p' <<<"$result")"
        line="RESULT round=$round cleaner=$cleaner produce_records_per_s=$rps"
        if [[ "$cleaner" == true ]]; then
            # Wait for the pass over the 1 GiB (bounded), then take its time from the log.
            for _ in $(seq 1 1200); do
                grep -q "kv-0.*cleaned log" "$out/round-$round-$cleaner.log" && break
                sleep 0.1
            done
            pass="$(grep "kv-0.*cleaned log" "$out/round-$round-$cleaner.log" | head -n1 || true)"
            ms="$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$pass")"
            line="$line compaction_ms=${ms:-none} pass=[$(sed -n 's/.*\(read=[0-9]* records=[0-9/]*\).*/\1/p' <<<"$pass")]"
        fi
        echo "$line" | tee -a "$out/results.txt"
        stop_broker
    done
done

python3 - "$out/results.txt" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in open(sys.argv[1])]
on = [int(r["produce_records_per_s"]) for r in rows if r["cleaner"] == "true"]
off = [int(r["produce_records_per_s"]) for r in rows if r["cleaner"] == "false"]
ms = [int(r["compaction_ms"]) for r in rows if r.get("compaction_ms", "none").isdigit()]
print(f"SUMMARY produce_with_cleaner_median={statistics.median(on):.0f} produce_without_median={statistics.median(off):.0f} "
      f"ratio={statistics.median(on) / statistics.median(off):.3f} compaction_ms_median={statistics.median(ms) if ms else 'none'}")
PY
log "results in $out"
