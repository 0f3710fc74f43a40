#!/usr/bin/env bash
# Transactions benchmark (issue 4): an idempotent librdkafka producer (acks=all, 100-byte records,
# partition 0) writing in transactions of 1,000 records, against the same producer without
# transactions, alternating in one run (A B A B ...); prints each rate, the medians and their
# ratio (target: >= 0.5). Release build of sluice (or SLUICE_BIN), one broker on a temp dir and a
# free loopback port; every process this script starts is stopped on exit. See Benchmarks/README.md.
#
# Environment:
#   SLUICE_BIN=...            use this binary instead of building release
#   SWIFT_SCRATCH_PATH=...    scratch path for the release build (default .build)
#   TXN_RECORDS=1000000       records per run
#   TXN_SIZE=1000             records per transaction
#   TXN_ROUNDS=5              rounds (each: one idempotent run, one transactional run)
#   TXN_PRODUCERS=1           producers sharing the records (each its own transactional id, one
#                             thread each), in both kinds of run
#   TXN_MOCK=1                also run the same rounds against librdkafka's mock cluster (Debian's
#                             librdkafka-dev, Interop/peers/librdkafka_mock_broker.c, in memory, no
#                             disk): the ratio this client reaches against a broker that costs
#                             nothing, i.e. the ceiling for any broker; 0 to skip
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-txn-bench.XXXXXX)"
records="${TXN_RECORDS:-1000000}"
txn_size="${TXN_SIZE:-1000}"
rounds="${TXN_ROUNDS:-5}"
pids=()
# Stops what this script started (the broker), by process id.
trap 'for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done' EXIT

log() { echo "[txn-bench] $*" >&2; }

source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen

start_sluice
log "sluice pid $broker_pid on $bs; output in $out"

rate() { # bootstrap mode-argument (0 = no transactions) round
    local topic="txn-bench-$3-$2"
    "$loadgen" txn-produce "$1" "$topic" "$records" 100 "$2" 5 1000000 "${TXN_PRODUCERS:-1}" \
        | tee -a "$out/results.txt" \
        | sed -n 's/.*records_per_s=\([0-9]*\).*/\1/p'
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

rounds_against() { # name bootstrap
    local idempotent=() transactional=()
    for round in $(seq 1 "$rounds"); do
        idempotent+=("$(rate "$2" 0 "$round")")
        transactional+=("$(rate "$2" "$txn_size" "$round")")
        log "$1 round $round: idempotent ${idempotent[-1]} rec/s, transactions of $txn_size ${transactional[-1]} rec/s"
    done
    local m_idem m_txn
    m_idem="$(median "${idempotent[@]}")"
    m_txn="$(median "${transactional[@]}")"
    echo "RESULT txn-bench broker=$1 records=$records size=100 txn_records=$txn_size rounds=$rounds" \
        "producers=${TXN_PRODUCERS:-1}" \
        "idempotent_median=$m_idem transactional_median=$m_txn" \
        "ratio=$(awk -v t="$m_txn" -v i="$m_idem" 'BEGIN {printf "%.2f", t / i}')"
}

rounds_against sluice "$bs"
if [[ "${TXN_MOCK:-1}" == 1 ]]; then
    cc -O2 -o "$out/mock_broker" "$repo/Interop/peers/librdkafka_mock_broker.c" -lrdkafka
    "$out/mock_broker" >"$out/mock.addr" &
    pids+=("$!")
    for _ in $(seq 1 50); do [[ -s "$out/mock.addr" ]] && break; sleep 0.1; done
    rounds_against librdkafka-mock "$(head -n1 "$out/mock.addr")"
fi
