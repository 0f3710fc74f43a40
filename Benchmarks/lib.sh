# Shared by the benchmark scripts (source it after setting `repo` and `out`, and defining `log`):
# the release build of `sluice` and the native load generator.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Sets `sluice`: $SLUICE_BIN, or a release build (scratch path $SWIFT_SCRATCH_PATH, default .build).
build_sluice() {
    if [[ -n "${SLUICE_BIN:-}" ]]; then
        sluice="$SLUICE_BIN"
        return
    fi
    log "building sluice (release)"
    local scratch="${SWIFT_SCRATCH_PATH:-$repo/.build}"
    (cd "$repo" && swift build -c release --product sluice --scratch-path "$scratch") >"$out/build.log" 2>&1 \
        || { cat "$out/build.log"; exit 1; }
    sluice="$scratch/release/sluice"
}

# Sets `loadgen`: Benchmarks/loadgen built against the librdkafka inside the confluent-kafka wheel.
build_loadgen() {
    log "building load generator"
    local libdir lib compiler
    libdir="$(python3 -c 'import confluent_kafka, os; print(os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs"))')"
    lib="$(ls "$libdir"/librdkafka-*.so.1 | head -n1)"
    loadgen="$out/kafka_loadgen"
    compiler="${CC:-$(command -v cc || command -v gcc || command -v clang)}"
    "$compiler" -O2 -Wall -o "$loadgen" "$repo/Benchmarks/loadgen/kafka_loadgen.c" "$lib" -Wl,-rpath,"$libdir"
}

# Starts `sluice serve` on a temp data dir under $out and a free loopback port, waits until it
# accepts connections, and sets `bs` (bootstrap) and `broker_pid` (also appended to `pids`).
start_sluice() {
    local port
    port="$(free_port)"
    bs="127.0.0.1:$port"
    "$sluice" serve --data-dir "$out/data" --listen "$bs" --advertised-listener "$bs" >"$out/broker.log" 2>&1 &
    broker_pid=$!
    pids+=("$broker_pid")
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$broker_pid" 2>/dev/null || { cat "$out/broker.log" >&2; log "sluice exited during startup"; exit 1; }
        sleep 0.1
    done
    log "sluice did not accept connections on $bs"
    exit 1
}
