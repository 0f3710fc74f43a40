#!/usr/bin/env bash
# Consumer-group benchmarks (issue 3): aggregate consume rate of a 3-member group over 6
# partitions vs one consumer on 1 partition, rebalance time after LeaveGroup, and broker CPU with
# 10,000 groups committing offsets every second. Release build of sluice (or SLUICE_BIN), one
# broker on a temp dir and a free loopback port; everything is written under /tmp and every
# process this script starts is stopped on exit. See Benchmarks/README.md.
#
# Environment:
#   SLUICE_BIN=...            use this binary instead of building release
#   SWIFT_SCRATCH_PATH=...    scratch path for the release build (default .build)
#   GROUPS_RECORDS=1200000    records per consume run (100 B each)
#   GROUPS_CONSUME_ROUNDS=5   consume rounds (single and group alternate)
#   GROUPS_REBALANCE_RUNS=9   rebalance runs (leaves spread over one heartbeat cycle)
#   GROUPS_COMMIT_GROUPS=10000 GROUPS_COMMIT_RATE=10000 GROUPS_COMMIT_SECONDS=10 GROUPS_COMMIT_PROCS=4
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d /tmp/sluice-groups-bench.XXXXXX)"
records="${GROUPS_RECORDS:-1200000}"
consume_rounds="${GROUPS_CONSUME_ROUNDS:-5}"
rebalance_runs="${GROUPS_REBALANCE_RUNS:-9}"
commit_groups="${GROUPS_COMMIT_GROUPS:-10000}"
commit_rate="${GROUPS_COMMIT_RATE:-10000}"
commit_seconds="${GROUPS_COMMIT_SECONDS:-10}"
commit_procs="${GROUPS_COMMIT_PROCS:-4}"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

log() { echo "[groups-bench] $*" >&2; }

(( records % 6 == 0 )) || { log "GROUPS_RECORDS must be a multiple of 6"; exit 1; }
per_member=$((records / 3))

# --- build -------------------------------------------------------------------

source "$repo/Benchmarks/lib.sh"
build_sluice
build_loadgen

# --- broker ------------------------------------------------------------------

start_sluice
log "sluice pid $broker_pid on $bs; output in $out"

create_topic() { # name partitions
    python3 - "$bs" "$1" "$2" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({"bootstrap.servers": sys.argv[1]})
a.create_topics([NewTopic(sys.argv[2], num_partitions=int(sys.argv[3]), replication_factor=1)])[sys.argv[2]].result(30)
EOF
}

result_field() { # key < RESULT line
    grep '^RESULT ' | tail -n1 | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'
}

# --- 1. consume rate: 1 consumer on 1 partition vs a group of 3 on 6 -----------

log "filling one-partition and six-partition topics with $records records of 100 B each"
create_topic single 1
create_topic spread 6
"$loadgen" produce "$bs" single "$records" 100 1 5 1048576 1 >"$out/fill-single.txt"
"$loadgen" produce "$bs" spread "$records" 100 1 5 1048576 6 >"$out/fill-spread.txt"

single_rates=()
group_rates=()
for round in $(seq 1 "$consume_rounds"); do
    "$loadgen" group-consume "$bs" single "$records" "single-r$round" >"$out/single-r$round.txt"
    rate="$(result_field records_per_s <"$out/single-r$round.txt")"
    single_rates+=("$rate")
    log "round $round: 1 consumer, 1 partition: $rate records/s"

    member_pids=()
    for m in 1 2 3; do
        "$loadgen" group-consume "$bs" spread "$per_member" "group-r$round" 2 >"$out/group-r$round-m$m.txt" &
        member_pids+=("$!")
        pids+=("$!")
    done
    # A member that has its records stays in the group (so that its leaving does not move
    # partitions from members still reading) until all three have printed RESULT.
    for _ in $(seq 1 3000); do
        [[ "$(cat "$out"/group-r"$round"-m*.txt | grep -c '^RESULT ')" -eq 3 ]] && break
        sleep 0.1
    done
    for pid in "${member_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${member_pids[@]}"; do wait "$pid" || log "a group member failed (see $out/group-r$round-m*.txt)"; done
    # Aggregate: all records over the union of the members' windows (from the first member's
    # final assignment to the last member's last record), on the machine-wide monotonic clock.
    rate="$(cat "$out"/group-r"$round"-m*.txt | python3 -c '
import sys
starts, ends, total = [], [], 0
for line in sys.stdin:
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    if line.startswith("WINDOW "):
        starts.append(float(kv["start_s"])); ends.append(float(kv["end_s"]))
    elif line.startswith("RESULT "):
        total += int(kv["records"])
print(f"{total / (max(ends) - min(starts)):.0f}")')"
    group_rates+=("$rate")
    log "round $round: group of 3, 6 partitions: $rate records/s aggregate"
done

# --- 2. rebalance time after LeaveGroup -----------------------------------------

log "rebalance: $rebalance_runs runs"
python3 "$repo/Benchmarks/groups/rebalance_time.py" "$bs" --runs "$rebalance_runs" >"$out/rebalance.txt" 2>"$out/rebalance.err" \
    || { cat "$out/rebalance.err" >&2; log "rebalance run failed"; }
cat "$out/rebalance.err" >&2
log "rebalance (KIP-848, group.protocol=consumer): $rebalance_runs runs"
python3 "$repo/Benchmarks/groups/rebalance_time.py" "$bs" --runs "$rebalance_runs" --protocol consumer \
    >"$out/rebalance848.txt" 2>"$out/rebalance848.err" \
    || { cat "$out/rebalance848.err" >&2; log "KIP-848 rebalance run failed"; }

# --- 3. 10,000 groups committing every second ------------------------------------

log "offset commits: $commit_groups groups, $commit_rate/s for $commit_seconds s"
create_topic commits 1
python3 "$repo/Benchmarks/groups/offset_commit_load.py" "$bs" commits --broker-pid "$broker_pid" \
    --groups "$commit_groups" --rate "$commit_rate" --seconds "$commit_seconds" --procs "$commit_procs" \
    >"$out/commits.txt" 2>"$out/commits.err" || log "offset commit run reported failures (see $out/commits.txt)"
cat "$out/commits.txt" >&2

kill -TERM "$broker_pid" 2>/dev/null || true
wait "$broker_pid" 2>/dev/null || true

# --- summary ---------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
single="$(median "${single_rates[@]}")"
group="$(median "${group_rates[@]}")"
ratio="$(python3 -c "print(f'{$group / $single:.2f}')")"
rb="$(cat "$out/rebalance.txt")"
rb848="$(cat "$out/rebalance848.txt" 2>/dev/null || true)"
cm="$(cat "$out/commits.txt")"
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
{
    echo "| measurement | result | target (issue 3) |"
    echo "|---|---|---|"
    echo "| consume, 1 consumer, 1 partition, $records × 100 B | $single records/s (median of $consume_rounds; rounds: ${single_rates[*]}) | — |"
    echo "| consume, group of 3, 6 partitions, $records × 100 B | $group records/s aggregate (median; rounds: ${group_rates[*]}) | — |"
    echo "| group / single | $ratio | ≥ 1 |"
    echo "| rebalance after LeaveGroup (3 → 2 members, 6 partitions, default client timeouts) | median $(field "$rb" median_ms) ms (min $(field "$rb" min_ms), max $(field "$rb" max_ms); runs: $(field "$rb" all_ms)); of which until the first revoke (rebalance noticed at a heartbeat) median $(field "$rb" noticed_median_ms) ms, from there to the new assignment median $(field "$rb" rejoin_median_ms) ms | < 1000 ms |"
    echo "| rebalance after leave, KIP-848 consumers (broker heartbeat interval, default 1 s) | median $(field "$rb848" median_ms) ms (min $(field "$rb848" min_ms), max $(field "$rb848" max_ms)) | < 1000 ms |"
    echo "| offset commits: $commit_groups groups, target $commit_rate/s for $commit_seconds s | $(field "$cm" commits_per_s) commits/s achieved; $(field "$cm" answered)/$(field "$cm" sent) answered, errors $(field "$cm" error_codes) | — |"
    echo "| commit latency | p50 $(field "$cm" p50_ms) ms, p99 $(field "$cm" p99_ms) ms, max $(field "$cm" max_ms) ms | — |"
    echo "| broker CPU during commits | $(field "$cm" broker_cores) cores ($(field "$cm" broker_cpu_s) CPU s over $(field "$cm" window_s) s) | < 1 core |"
} | tee "$out/summary.md"
log "summary: $out/summary.md; raw outputs and broker log: $out"
