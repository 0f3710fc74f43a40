/*
 * kafka_loadgen: a small librdkafka load generator for Sluice benchmarks.
 *
 *   kafka_loadgen produce BOOTSTRAP TOPIC N SIZE ACKS LINGER_MS BATCH_BYTES [PARTITIONS]
 *   kafka_loadgen consume BOOTSTRAP TOPIC N
 *   kafka_loadgen latency BOOTSTRAP TOPIC N SIZE ACKS
 *   kafka_loadgen group-consume BOOTSTRAP TOPIC N GROUP [EXPECT_PARTITIONS]
 *   kafka_loadgen txn-produce BOOTSTRAP TOPIC N SIZE TXN_RECORDS LINGER_MS BATCH_BYTES [PRODUCERS]
 *
 * txn-produce is an idempotent producer (acks=all) that, with TXN_RECORDS > 0, writes in
 * transactions of TXN_RECORDS records each (commit after each); TXN_RECORDS = 0 is the same
 * producer without transactions, the baseline for the transactional rate. PRODUCERS (default 1)
 * such producers, one thread each, share the N records; the clock starts once all are ready.
 *
 * Every mode works on partition 0 of TOPIC (consume reads it from the
 * beginning with manual assignment, no consumer group), except that produce
 * with PARTITIONS > 1 writes record i to partition i % PARTITIONS, and
 * group-consume subscribes as a member of GROUP (see run_group_consume).
 * The last line of output is machine-readable:
 *
 *   RESULT mode=M records=N size=S acks=A elapsed_s=T records_per_s=R mb_per_s=B
 *          p50_us=X p99_us=Y p999_us=Z errors=E
 *
 * Fields that do not apply to a mode are printed as "-". MB is 10^6 bytes.
 *
 * BOOTSTRAP "mock" runs against librdkafka's in-process mock cluster
 * (test.mock.num.brokers=1) instead of a broker, for produce and latency:
 * the client's own ceiling. (Consuming from the mock cluster of librdkafka
 * 2.16 stalls after some 45k records, so it is not offered.)
 */
#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "kafka_loadgen: %s: %s\n", what, detail);
    exit(2);
}

static long parse_long(const char *s, const char *name) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0) die("bad number for", name);
    return v;
}

static void set_conf(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) die(key, err);
}

/* --- delivery accounting shared by produce and latency ------------------- */

struct delivery_stats {
    long delivered;
    long failed;
    const char *last_error;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    struct delivery_stats *stats = opaque;
    if (msg->err) {
        stats->failed++;
        stats->last_error = rd_kafka_err2str(msg->err);
    } else {
        stats->delivered++;
    }
}

static rd_kafka_t *new_producer(const char *bootstrap, const char *acks, const char *linger_ms,
                                const char *batch_bytes, struct delivery_stats *stats) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    if (strcmp(bootstrap, "mock") == 0)
        set_conf(conf, "test.mock.num.brokers", "1");
    else
        set_conf(conf, "bootstrap.servers", bootstrap);
    set_conf(conf, "acks", acks);
    set_conf(conf, "linger.ms", linger_ms);
    if (batch_bytes) set_conf(conf, "batch.size", batch_bytes);
    set_conf(conf, "compression.type", "none");
    set_conf(conf, "queue.buffering.max.messages", "1000000");
    set_conf(conf, "queue.buffering.max.kbytes", "1048576");
    set_conf(conf, "message.timeout.ms", "60000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, stats);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) die("producer", err);
    return rk;
}

static void print_result(const char *mode, long n, long size, const char *acks, double elapsed,
                         const char *p50, const char *p99, const char *p999, long errors) {
    double rps = elapsed > 0 ? (double)n / elapsed : 0;
    char mbps[32] = "-";
    if (size > 0) snprintf(mbps, sizeof mbps, "%.2f", rps * (double)size / 1e6);
    printf("RESULT mode=%s records=%ld size=%ld acks=%s elapsed_s=%.3f records_per_s=%.0f mb_per_s=%s "
           "p50_us=%s p99_us=%s p999_us=%s errors=%ld\n",
           mode, n, size, acks ? acks : "-", elapsed, rps, mbps, p50, p99, p999, errors);
    fflush(stdout);
}

/* --- produce: throughput with batching --------------------------------- */

static int run_produce(const char *bootstrap, const char *topic, long n, long size, const char *acks,
                       const char *linger_ms, const char *batch_bytes, long partitions) {
    struct delivery_stats stats = {0};
    rd_kafka_t *rk = new_producer(bootstrap, acks, linger_ms, batch_bytes, &stats);
    char *payload = malloc((size_t)size + 1);
    for (long i = 0; i < size; i++) payload[i] = (char)('a' + i % 26);
    /* LOADGEN_KEYS=K gives record i the key "k<i % K>" (for compacted topics, which refuse null keys). */
    const char *keys_env = getenv("LOADGEN_KEYS");
    long keys = keys_env ? parse_long(keys_env, "LOADGEN_KEYS") : 0;
    char key[32];

    double start = now_s();
    for (long i = 0; i < n; i++) {
        size_t key_len = keys > 0 ? (size_t)snprintf(key, sizeof key, "k%09ld", i % keys) : 0;
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION((int32_t)(i % partitions)),
                RD_KAFKA_V_KEY(keys > 0 ? key : NULL, key_len),
                RD_KAFKA_V_VALUE(payload, (size_t)size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(err));
            rd_kafka_poll(rk, 10); /* local queue full: let deliveries drain */
        }
        if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    double elapsed = now_s() - start;

    if (stats.failed) fprintf(stderr, "kafka_loadgen: %ld deliveries failed: %s\n", stats.failed, stats.last_error);
    print_result("produce", stats.delivered, size, acks, elapsed, "-", "-", "-", stats.failed + (n - stats.delivered - stats.failed));
    rd_kafka_destroy(rk);
    free(payload);
    return stats.delivered == n ? 0 : 1;
}

/* --- txn-produce: idempotent produce, optionally in transactions ---------- */

static void check_txn(rd_kafka_error_t *error, const char *what) {
    if (!error) return;
    fprintf(stderr, "kafka_loadgen: %s: %s\n", what, rd_kafka_error_string(error));
    exit(2);
}

/* One producer of a txn-produce run: its client, its share of the records, its deliveries. */
struct txn_producer {
    rd_kafka_t *rk;
    const char *topic;
    long n, size, txn_records;
    struct delivery_stats stats;
};

static void txn_producer_open(struct txn_producer *p, const char *bootstrap, const char *linger_ms,
                              const char *batch_bytes, int index) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    set_conf(conf, "bootstrap.servers", bootstrap);
    set_conf(conf, "enable.idempotence", "true");
    set_conf(conf, "acks", "all");
    set_conf(conf, "linger.ms", linger_ms);
    set_conf(conf, "batch.size", batch_bytes);
    set_conf(conf, "compression.type", "none");
    set_conf(conf, "queue.buffering.max.messages", "1000000");
    set_conf(conf, "queue.buffering.max.kbytes", "1048576");
    if (p->txn_records > 0) {
        char id[64];
        snprintf(id, sizeof id, "kafka-loadgen-%ld-%d", (long)getpid(), index);
        set_conf(conf, "transactional.id", id);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &p->stats);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!p->rk) die("producer", err);
    if (p->txn_records > 0) check_txn(rd_kafka_init_transactions(p->rk, 60000), "init_transactions");
}

static void *txn_producer_run(void *arg) {
    struct txn_producer *p = arg;
    rd_kafka_t *rk = p->rk;
    char *payload = malloc((size_t)p->size + 1);
    for (long i = 0; i < p->size; i++) payload[i] = (char)('a' + i % 26);
    for (long i = 0; i < p->n; i++) {
        if (p->txn_records > 0 && i % p->txn_records == 0) check_txn(rd_kafka_begin_transaction(rk), "begin");
        for (;;) {
            rd_kafka_resp_err_t perr = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(payload, (size_t)p->size),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (perr == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (perr != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(perr));
            rd_kafka_poll(rk, 10);
        }
        if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
        if (p->txn_records > 0 && (i % p->txn_records == p->txn_records - 1 || i == p->n - 1))
            check_txn(rd_kafka_commit_transaction(rk, 60000), "commit");
    }
    rd_kafka_flush(rk, 120000);
    free(payload);
    return NULL;
}

/* PRODUCERS clients (each its own transactional id) share the N records; every client is ready
 * (transactions initialised) before the clock starts, and the rate is for all of them together. */
static int run_txn_produce(const char *bootstrap, const char *topic, long n, long size, long txn_records,
                           const char *linger_ms, const char *batch_bytes, long producers) {
    struct txn_producer *all = calloc((size_t)producers, sizeof *all);
    for (long k = 0; k < producers; k++) {
        all[k] = (struct txn_producer){.topic = topic, .n = n / producers + (k < n % producers), .size = size,
                                       .txn_records = txn_records};
        txn_producer_open(&all[k], bootstrap, linger_ms, batch_bytes, (int)k);
    }
    pthread_t *threads = calloc((size_t)producers, sizeof *threads);
    double start = now_s();
    for (long k = 0; k < producers; k++) pthread_create(&threads[k], NULL, txn_producer_run, &all[k]);
    for (long k = 0; k < producers; k++) pthread_join(threads[k], NULL);
    double elapsed = now_s() - start;
    long delivered = 0, failed = 0;
    for (long k = 0; k < producers; k++) {
        delivered += all[k].stats.delivered;
        failed += all[k].stats.failed;
        if (all[k].stats.failed)
            fprintf(stderr, "kafka_loadgen: %ld deliveries failed: %s\n", all[k].stats.failed, all[k].stats.last_error);
        rd_kafka_destroy(all[k].rk);
    }
    print_result(txn_records > 0 ? "txn-produce" : "idempotent-produce", delivered, size, "all", elapsed, "-",
                 "-", "-", failed + (n - delivered - failed));
    free(threads);
    free(all);
    return 0;
}

/* --- consume: read N records of partition 0 from the beginning ------------- */

static int run_consume(const char *bootstrap, const char *topic, long n) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    set_conf(conf, "bootstrap.servers", bootstrap);
    /* librdkafka wants a group id; with assign() it is never used for commits. */
    set_conf(conf, "group.id", "kafka-loadgen");
    set_conf(conf, "enable.auto.commit", "false");
    set_conf(conf, "enable.auto.offset.store", "false");
    set_conf(conf, "fetch.max.bytes", "52428800");
    set_conf(conf, "max.partition.fetch.bytes", "10485760");
    /* With 10 MiB fetches one response can hold over 100k records, librdkafka's default
     * queued.min.messages; past it the client postpones the next fetch by fetch.queue.backoff.ms
     * (1 s), which would measure that pause instead of the broker. */
    set_conf(conf, "queued.min.messages", "1000000");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) die("consumer", err);

    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t aerr = rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (aerr) die("assign", rd_kafka_err2str(aerr));

    /* The clock starts at the first record, so connection setup and the
     * first metadata round trip do not count against throughput. */
    long got = 0, errors = 0, bytes = 0;
    double start = 0, idle_since = now_s();
    while (got < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            if (now_s() - idle_since > 30) break; /* nothing for 30 s: give up */
            continue;
        }
        idle_since = now_s();
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                errors++;
                fprintf(stderr, "kafka_loadgen: consume error: %s\n", rd_kafka_message_errstr(m));
            }
        } else {
            if (got == 0) start = now_s();
            got++;
            bytes += (long)m->len;
        }
        rd_kafka_message_destroy(m);
    }
    double elapsed = got ? now_s() - start : 0;
    print_result("consume", got, got ? bytes / got : 0, NULL, elapsed, "-", "-", "-", errors + (n - got));
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got == n ? 0 : 1;
}

/* --- group-consume: a member of a consumer group, counting N records ------- */

/* Rebalance bookkeeping. A member that owns a different number of partitions
 * than expected (for instance the first of three members, which briefly owns
 * all six) pauses them, so records are only read, and the clock only runs,
 * once the group has settled into its final, balanced assignment. */
struct group_state {
    long expect_partitions; /* 0: read whatever is assigned */
    int assigned_count;
    int settled;
    int rebalances;
    double settled_at; /* when the final assignment arrived: the clock starts here */
};

static volatile sig_atomic_t stop_requested = 0;
static void on_stop_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    struct group_state *state = opaque;
    state->rebalances++;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        state->assigned_count = parts->cnt;
        state->settled = state->expect_partitions == 0 || parts->cnt == state->expect_partitions;
        /* librdkafka keeps a partition's pause flag across assignments, so a partition
         * paused while this member held too many must be resumed explicitly. */
        if (state->settled) {
            rd_kafka_resume_partitions(rk, parts);
            state->settled_at = now_s();
        } else {
            rd_kafka_pause_partitions(rk, parts);
        }
    } else {
        rd_kafka_assign(rk, NULL);
        state->assigned_count = 0;
        state->settled = 0;
    }
}

/* The clock starts when the final assignment arrives (not at the first record, which
 * librdkafka may already have prefetched by then) and stops at the N-th record. With
 * EXPECT_PARTITIONS set the member then stays in the group, polling without counting,
 * until SIGTERM or SIGINT, so that its leaving does not rebalance members still reading. */
static int run_group_consume(const char *bootstrap, const char *topic, long n, const char *group,
                             long expect_partitions) {
    signal(SIGTERM, on_stop_signal);
    signal(SIGINT, on_stop_signal);
    struct group_state state = {.expect_partitions = expect_partitions};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    set_conf(conf, "bootstrap.servers", bootstrap);
    set_conf(conf, "group.id", group);
    set_conf(conf, "auto.offset.reset", "earliest");
    /* No commits: every owner reads its partitions from the beginning, so a
     * partition that moves during the start-up rebalance is read whole by its
     * final owner and each member's count is exact. */
    set_conf(conf, "enable.auto.commit", "false");
    set_conf(conf, "enable.auto.offset.store", "false");
    set_conf(conf, "fetch.max.bytes", "52428800");
    set_conf(conf, "max.partition.fetch.bytes", "10485760");
    set_conf(conf, "queued.min.messages", "1000000"); /* as in run_consume */
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, &state);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) die("consumer", err);
    rd_kafka_poll_set_consumer(rk);

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t serr = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (serr) die("subscribe", rd_kafka_err2str(serr));

    long got = 0, errors = 0, bytes = 0;
    double idle_since = now_s();
    while (got < n && !stop_requested) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            if (now_s() - idle_since > 60) break; /* nothing for 60 s: give up */
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                errors++;
                fprintf(stderr, "kafka_loadgen: consume error: %s\n", rd_kafka_message_errstr(m));
            }
        } else if (state.settled) {
            idle_since = now_s();
            got++;
            bytes += (long)m->len;
        }
        rd_kafka_message_destroy(m);
    }
    double end = now_s();
    double elapsed = got ? end - state.settled_at : 0;
    /* CLOCK_MONOTONIC (now_s) is shared by all processes on the machine, so parallel
     * members' windows can be merged into one aggregate rate. */
    printf("WINDOW start_s=%.6f end_s=%.6f partitions=%d rebalances=%d\n", state.settled_at, end,
           state.assigned_count, state.rebalances);
    print_result("group-consume", got, got ? bytes / got : 0, NULL, elapsed, "-", "-", "-", errors + (n - got));
    if (expect_partitions > 0) {
        while (!stop_requested) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (m) rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got == n ? 0 : 1;
}

/* --- latency: one record in flight at a time ------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, long n, double p) {
    long idx = (long)(p * (double)(n - 1) + 0.5);
    return sorted[idx < n ? idx : n - 1];
}

static int run_latency(const char *bootstrap, const char *topic, long n, long size, const char *acks) {
    struct delivery_stats stats = {0};
    rd_kafka_t *rk = new_producer(bootstrap, acks, "0", NULL, &stats);
    char *payload = malloc((size_t)size + 1);
    memset(payload, 'x', (size_t)size);
    double *lat_us = calloc((size_t)n, sizeof *lat_us);

    /* Warm up metadata and the connection so the first sample is not a lookup. */
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                      RD_KAFKA_V_VALUE(payload, (size_t)size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 30000);
    stats.delivered = stats.failed = 0;

    double start = now_s();
    long samples = 0;
    for (long i = 0; i < n; i++) {
        long before = stats.delivered + stats.failed;
        double t0 = now_s();
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(payload, (size_t)size),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err) die("produce", rd_kafka_err2str(err));
        double give_up = t0 + 30;
        while (stats.delivered + stats.failed == before && now_s() < give_up) rd_kafka_poll(rk, 1);
        if (stats.delivered + stats.failed == before) die("latency", "no delivery report within 30 s");
        lat_us[samples++] = (now_s() - t0) * 1e6;
    }
    double elapsed = now_s() - start;
    qsort(lat_us, (size_t)samples, sizeof *lat_us, cmp_double);
    char p50[32], p99[32], p999[32];
    snprintf(p50, sizeof p50, "%.0f", percentile(lat_us, samples, 0.50));
    snprintf(p99, sizeof p99, "%.0f", percentile(lat_us, samples, 0.99));
    snprintf(p999, sizeof p999, "%.0f", percentile(lat_us, samples, 0.999));
    if (stats.failed) fprintf(stderr, "kafka_loadgen: %ld deliveries failed: %s\n", stats.failed, stats.last_error);
    print_result("latency", stats.delivered, size, acks, elapsed, p50, p99, p999, stats.failed);
    rd_kafka_destroy(rk);
    free(payload);
    free(lat_us);
    return stats.failed == 0 ? 0 : 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: kafka_loadgen produce BOOTSTRAP TOPIC N SIZE ACKS LINGER_MS BATCH_BYTES [PARTITIONS]\n"
            "       kafka_loadgen consume BOOTSTRAP TOPIC N\n"
            "       kafka_loadgen latency BOOTSTRAP TOPIC N SIZE ACKS\n"
            "       kafka_loadgen group-consume BOOTSTRAP TOPIC N GROUP [EXPECT_PARTITIONS]\n"
            "       kafka_loadgen txn-produce BOOTSTRAP TOPIC N SIZE TXN_RECORDS LINGER_MS BATCH_BYTES [PRODUCERS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *mode = argv[1];
    if (strcmp(mode, "produce") == 0 && (argc == 9 || argc == 10)) {
        long partitions = argc == 10 ? parse_long(argv[9], "PARTITIONS") : 1;
        if (partitions < 1) die("bad number for", "PARTITIONS");
        return run_produce(argv[2], argv[3], parse_long(argv[4], "N"), parse_long(argv[5], "SIZE"),
                           argv[6], argv[7], argv[8], partitions);
    }
    if (strcmp(mode, "group-consume") == 0 && (argc == 6 || argc == 7)) {
        return run_group_consume(argv[2], argv[3], parse_long(argv[4], "N"), argv[5],
                                 argc == 7 ? parse_long(argv[6], "EXPECT_PARTITIONS") : 0);
    }
    if (strcmp(mode, "txn-produce") == 0 && (argc == 9 || argc == 10)) {
        long producers = argc == 10 ? parse_long(argv[9], "PRODUCERS") : 1;
        if (producers < 1) die("bad number for", "PRODUCERS");
        return run_txn_produce(argv[2], argv[3], parse_long(argv[4], "N"), parse_long(argv[5], "SIZE"),
                               parse_long(argv[6], "TXN_RECORDS"), argv[7], argv[8], producers);
    }
    if (strcmp(mode, "consume") == 0 && argc == 5) {
        return run_consume(argv[2], argv[3], parse_long(argv[4], "N"));
    }
    if (strcmp(mode, "latency") == 0 && argc == 7) {
        return run_latency(argv[2], argv[3], parse_long(argv[4], "N"), parse_long(argv[5], "SIZE"), argv[6]);
    }
    usage();
    return 2;
}
