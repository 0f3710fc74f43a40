/*
 * librdkafka's mock cluster (one broker) as a standalone process, for tests that need a
 * Kafka-protocol peer other than Sluice. It answers ApiVersions v3 with UNSUPPORTED_VERSION in
 * the v0 format (KIP-511), which clients must handle by asking again at an older version.
 * Prints the bootstrap address on stdout, then serves until killed.
 * Build: cc -o librdkafka_mock_broker librdkafka_mock_broker.c -lrdkafka
 */
#include <stdio.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(void) {
    char error[256];
    rd_kafka_t *owner = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), error, sizeof error);
    if (owner == NULL) {
        fprintf(stderr, "rd_kafka_new: %s\n", error);
        return 1;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(owner, 1);
    if (cluster == NULL) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        return 1;
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    fflush(stdout);
    for (;;) pause();
}
