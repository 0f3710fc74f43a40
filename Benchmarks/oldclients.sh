#!/usr/bin/env bash
# Old clients (issue 6): is the v2 path unaffected, and how fast do old consumers read
# down-converted records? One invocation, alternating rounds (after, before, before, after, ...):
#
#   v2 produce and consume with the librdkafka load generator (kafka_loadgen), on the binary under
#   test and on a baseline binary (the code before the change), to give the after/before ratio;
#   kafka-go 0.2 (Fetch v2: magic-1 records down-converted on the fly; its Reader, and its lower
#   level Conn.ReadBatch) and Sarama 1.22 at its default 0.8.2 (Fetch v0: magic 0) and at 2.0.0
#   (Fetch v10: RecordBatch v2, zero copy) reading the same topic, to give the down-converted rate
#   as a share of the v2 consume rate. The old-client reads run on the binary under test only.
#
# Environment:
#   SLUICE_BIN=...            binary under test (default: release build of this checkout)
#   SLUICE_BASELINE_BIN=...   baseline binary (optional; without it only the binary under test runs)
#   BENCH_ROUNDS=3            rounds per binary
#   BENCH_RECORDS=1000000     records of 100 bytes per round
# Output: a fresh /tmp/sluice-oldclients.XXXXXX/ with results.tsv, summary.md and broker logs.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-oldclients.XXXXXX)"
rounds="${BENCH_ROUNDS:-3}"
records="${BENCH_RECORDS:-1000000}"
results="$out/results.tsv"
: >"$results"
broker_pid=""

log() { echo "[oldclients] $*" >&2; }
cleanup() {
    if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$broker_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# shellcheck source=Benchmarks/lib.sh
source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen
log "building the Go clients (Debian's Sarama and kafka-go, offline)"
for program in sarama_client kafkago_client; do
    (cd "$repo/Interop/go" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= \
        GOCACHE="${GOCACHE:-/tmp/sluice-interop-gocache}" CGO_CFLAGS="-O2 -Wno-deprecated-declarations" \
        go build -o "$out/$program" "./$program")
done

binaries=("after=$sluice")
[[ -n "${SLUICE_BASELINE_BIN:-}" ]] && binaries+=("before=$SLUICE_BASELINE_BIN")

start_broker() { # name binary round
    local name="$1" binary="$2" round="$3"
    port="$(free_port)"
    bootstrap="127.0.0.1:$port"
    local data="$out/data-$name-$round" logf="$out/broker-$name-$round.log"
    "$binary" serve --data-dir "$data" --listen "$bootstrap" >"$logf" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 200); do
        grep -q "listening on" "$logf" 2>/dev/null && return 0
        kill -0 "$broker_pid" 2>/dev/null || { cat "$logf" >&2; return 1; }
        sleep 0.05
    done
    log "$name did not start"
    return 1
}

stop_broker() {
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=""
}

record() { # name round workload, RESULT line on stdin
    local line
    line="$(grep '^RESULT ' | tail -n1)" || true
    [[ -n "$line" ]] || { log "$3 on $1 gave no RESULT"; return 0; }
    local rate
    rate="$(tr ' ' '\n' <<<"$line" | sed -n 's/^records_per_s=//p')"
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$rate" >>"$results"
    log "$1 r$2 $3: $rate records/s"
}

for round in $(seq 1 "$rounds"); do
    order=("${binaries[@]}")
    # A B, B A, A B, ...: neither binary always runs first (page cache, other jobs on the machine).
    if ((round % 2 == 0 && ${#binaries[@]} == 2)); then order=("${binaries[1]}" "${binaries[0]}"); fi
    for entry in "${order[@]}"; do
        name="${entry%%=*}"
        binary="${entry#*=}"
        start_broker "$name" "$binary" "$round"
        "$loadgen" produce "$bootstrap" t "$records" 100 1 5 1048576 | record "$name" "$round" "v2 produce (librdkafka)"
        "$loadgen" consume "$bootstrap" t "$records" | record "$name" "$round" "v2 consume (librdkafka)"
        "$out/sarama_client" bench "$bootstrap" t "$records" 2.0.0 | record "$name" "$round" "v2 consume (Sarama 2.0.0)"
        if [[ "$name" == after ]]; then # the baseline cannot down-convert: old clients read v2 there or fail
            "$out/sarama_client" bench "$bootstrap" t "$records" default \
                | record "$name" "$round" "down-converted consume, magic 0 (Sarama 0.8.2)"
            "$out/kafkago_client" bench "$bootstrap" t "$records" \
                | record "$name" "$round" "down-converted consume, magic 1 (kafka-go 0.2 Reader)"
            "$out/kafkago_client" bench-conn "$bootstrap" t "$records" \
                | record "$name" "$round" "down-converted consume, magic 1 (kafka-go 0.2 Conn.ReadBatch)"
        fi
        stop_broker
    done
done

python3 - "$results" >"$out/summary.md" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
by = {}
for name, _round, workload, rate in rows:
    by.setdefault((workload, name), []).append(float(rate))
workloads = list(dict.fromkeys(w for w, _ in by))
names = list(dict.fromkeys(n for _, n in by))
print("| workload | " + " | ".join(f"{n} (median records/s)" for n in names) +
      (" | after / before |" if "before" in names else " |"))
print("|---|" + "---|" * len(names) + ("---|" if "before" in names else ""))
for w in workloads:
    med = {n: statistics.median(by[(w, n)]) for n in names if (w, n) in by}
    cells = " | ".join(f"{med[n]:,.0f}" if n in med else "-" for n in names)
    ratio = f" | {med['after'] / med['before']:.2f} |" if "before" in med and "after" in med else " |"
    print(f"| {w} | {cells}{ratio}")
v2 = statistics.median(by[("v2 consume (librdkafka)", "after")])
print()
for w in workloads:
    if w.startswith("down-converted") and (w, "after") in by:
        share = statistics.median(by[(w, "after")]) / v2
        print(f"- {w}: {share:.0%} of the v2 consume rate (librdkafka) on the binary under test")
EOF
cat "$out/summary.md"
log "results in $out"
