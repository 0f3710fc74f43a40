"""A consume-transform-produce worker with exactly-once semantics, run as a subprocess by
test_transactions_eos.py (which kills it with SIGKILL at random points and restarts it).

Reads every partition of INPUT (manual assignment, from the group's committed offsets), writes
"out-<value>" to OUTPUT and commits the input offsets inside the same transaction
(send_offsets_to_transaction). Exits 0 once it has consumed up to the input's end.

usage: eos_worker.py BOOTSTRAP INPUT OUTPUT PARTITIONS GROUP TRANSACTIONAL_ID
Each transaction takes up to 20 records and pretends to work on them for 20 ms, so that a run
over a few thousand inputs lasts long enough to be killed several times.
"""

import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition


def main() -> int:
    bootstrap, source, sink, partitions, group, txn_id = sys.argv[1:7]
    partitions = int(partitions)
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
        "isolation.level": "read_committed", "auto.offset.reset": "earliest", "fetch.wait.max.ms": 50,
    })
    producer = Producer({
        "bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
        "transaction.timeout.ms": 60000,
    })
    producer.init_transactions(60)
    tps = [TopicPartition(source, p) for p in range(partitions)]
    committed = consumer.committed(tps, 30)
    consumer.assign([TopicPartition(source, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                     for tp in committed])
    ends = {p: consumer.get_watermark_offsets(TopicPartition(source, p), 30)[1] for p in range(partitions)}
    positions = {tp.partition: max(tp.offset, 0) for tp in committed}
    print(f"worker start positions={positions} ends={ends}", flush=True)
    while any(positions[p] < ends[p] for p in range(partitions)):
        messages = [m for m in consumer.consume(20, 0.5) if not m.error()]
        if not messages:
            continue
        producer.begin_transaction()
        time.sleep(0.02)
        for m in messages:
            producer.produce(sink, key=m.key(), value=b"out-" + m.value(), partition=m.partition())
            positions[m.partition()] = m.offset() + 1
        offsets = [TopicPartition(source, p, positions[p]) for p in range(partitions)]
        producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
    print("worker done", flush=True)
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
