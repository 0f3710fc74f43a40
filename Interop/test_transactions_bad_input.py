"""Bad transactional requests get Kafka's error codes, are logged, and leave the broker working."""

import time
import uuid

from confluent_kafka import TopicPartition

from helpers import consumer, create_topic
from test_transactions import read_all, txn_producer
from txn_wire import (
    INVALID_PRODUCER_ID_MAPPING, INVALID_TRANSACTION_TIMEOUT, INVALID_TXN_STATE, NONE, OPERATION_NOT_ATTEMPTED,
    PRODUCER_FENCED, TRANSACTIONAL_ID_NOT_FOUND, UNKNOWN_MEMBER_ID, UNKNOWN_TOPIC_OR_PARTITION, add_offsets,
    INVALID_PRODUCER_EPOCH, INVALID_RECORD, add_partitions, describe_transactions, end_txn, init_producer_id,
    list_transactions, produce_error, transactional_batch, txn_offset_commit, write_txn_markers)


def test_end_txn_with_unknown_id_wrong_epoch_or_no_transaction(broker):
    assert end_txn(broker.bootstrap, "never-initialised", 5, 0, commit=True) == INVALID_PRODUCER_ID_MAPPING
    error, pid, epoch = init_producer_id(broker.bootstrap, "bad-end")
    assert error == NONE and pid >= 0 and epoch == 0
    assert end_txn(broker.bootstrap, "bad-end", pid + 1, epoch, commit=True) == INVALID_PRODUCER_ID_MAPPING
    assert end_txn(broker.bootstrap, "bad-end", pid, epoch + 3, commit=True) == PRODUCER_FENCED
    # Nothing was added: there is no transaction to end.
    assert end_txn(broker.bootstrap, "bad-end", pid, epoch, commit=False) == INVALID_TXN_STATE


def test_add_partitions_for_missing_topic_is_rejected_and_nothing_is_added(broker):
    topic = f"txn-bad-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic, partitions=1)
    error, pid, epoch = init_producer_id(broker.bootstrap, "bad-add")
    assert error == NONE
    assert add_partitions(broker.bootstrap, "bad-add", pid, epoch, topic, [0, 5]) == {
        0: OPERATION_NOT_ATTEMPTED, 5: UNKNOWN_TOPIC_OR_PARTITION}
    assert add_partitions(broker.bootstrap, "bad-add", pid, epoch, "no-such-topic", [0]) == {
        0: UNKNOWN_TOPIC_OR_PARTITION}
    assert describe_transactions(broker.bootstrap, ["bad-add"])[0]["state"] == "Empty"
    # With a stale epoch the coordinator fences the request.
    assert add_partitions(broker.bootstrap, "bad-add", pid, epoch - 1, topic, [0]) == {0: PRODUCER_FENCED}
    assert add_partitions(broker.bootstrap, "bad-add", pid, epoch, topic, [0]) == {0: NONE}
    assert describe_transactions(broker.bootstrap, ["bad-add"])[0]["state"] == "Ongoing"
    assert end_txn(broker.bootstrap, "bad-add", pid, epoch, commit=True) == NONE
    # A retry of the same commit succeeds; an abort of the committed transaction does not.
    assert end_txn(broker.bootstrap, "bad-add", pid, epoch, commit=True) == NONE
    assert end_txn(broker.bootstrap, "bad-add", pid, epoch, commit=False) == INVALID_TXN_STATE


def test_init_with_too_long_timeout_and_unknown_ids_in_describe_and_list(broker):
    assert init_producer_id(broker.bootstrap, "bad-timeout", timeout_ms=900_001)[0] == INVALID_TRANSACTION_TIMEOUT
    assert init_producer_id(broker.bootstrap, "bad-timeout", timeout_ms=0)[0] == INVALID_TRANSACTION_TIMEOUT
    [state] = describe_transactions(broker.bootstrap, ["bad-timeout"])
    assert state["error"] == TRANSACTIONAL_ID_NOT_FOUND
    error, pid, _ = init_producer_id(broker.bootstrap, "listed")
    assert error == NONE
    unknown, listed = list_transactions(broker.bootstrap, states=["Empty", "NoSuchState"])
    assert unknown == ["NoSuchState"]
    assert {"id": "listed", "producer_id": pid, "state": "Empty"} in listed
    assert list_transactions(broker.bootstrap, states=["Ongoing"])[1] == []
    assert list_transactions(broker.bootstrap, producer_ids=[pid])[1] == [
        {"id": "listed", "producer_id": pid, "state": "Empty"}]


def test_broker_still_serves_transactions_after_bad_input(broker):
    topic = f"txn-after-bad-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)
    for _ in range(3):
        end_txn(broker.bootstrap, "junk", -1, -1, commit=True)
        add_partitions(broker.bootstrap, "junk", 1 << 40, 99, "missing", [1, 2, 3])
    p = txn_producer(broker.bootstrap, "after-bad")
    p.begin_transaction()
    p.produce(topic, value=b"ok", partition=0)
    p.commit_transaction(30)
    assert read_all(broker.bootstrap, topic, 1, "read_committed", expect=1) == [b"ok"]


def test_txn_offset_commit_checks_the_transaction_and_the_group_member(broker):
    topic = f"txn-bad-off-{uuid.uuid4().hex[:6]}"
    group = f"g-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)
    member = consumer(broker.bootstrap, **{"group.id": group, "auto.offset.reset": "earliest"})
    member.subscribe([topic])
    deadline = time.monotonic() + 30
    while not member.assignment() and time.monotonic() < deadline:
        member.poll(0.2)
    assert member.assignment(), "the consumer never joined its group"

    error, pid, epoch = init_producer_id(broker.bootstrap, "bad-offsets")
    assert error == NONE
    # The group's offsets partition is not in a transaction yet.
    assert txn_offset_commit(broker.bootstrap, "bad-offsets", group, pid, epoch, "", -1, topic, {0: 3}) == {
        0: INVALID_TXN_STATE}
    assert add_offsets(broker.bootstrap, "bad-offsets", pid, epoch + 1, group) == PRODUCER_FENCED
    assert add_offsets(broker.bootstrap, "bad-offsets", pid, epoch, group) == NONE
    assert txn_offset_commit(broker.bootstrap, "bad-offsets", group, pid, epoch + 1, "", -1, topic, {0: 3}) == {
        0: PRODUCER_FENCED}
    # A member the group does not know is refused; the producer alone (no member) is not.
    assert txn_offset_commit(broker.bootstrap, "bad-offsets", group, pid, epoch, "stranger", 1, topic, {0: 3}) == {
        0: UNKNOWN_MEMBER_ID}
    assert txn_offset_commit(broker.bootstrap, "bad-offsets", group, pid, epoch, "", -1, topic, {0: 9}) == {0: NONE}
    assert end_txn(broker.bootstrap, "bad-offsets", pid, epoch, commit=True) == NONE
    assert member.committed([TopicPartition(topic, 0)], 10)[0].offset == 9
    member.close()


def test_transactional_produce_outside_a_transaction_and_client_markers_are_refused(broker):
    topic = f"txn-bad-produce-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic, partitions=2)
    error, pid, epoch = init_producer_id(broker.bootstrap, "bad-produce")
    assert error == NONE
    batch = transactional_batch(pid, epoch, 0, [b"stray"])
    # Partition 0 was never added to a transaction: the data would hang the partition's LSO.
    assert produce_error(broker.bootstrap, "bad-produce", topic, 0, batch) == INVALID_TXN_STATE
    assert produce_error(broker.bootstrap, None, topic, 0, batch) == INVALID_TXN_STATE
    assert add_partitions(broker.bootstrap, "bad-produce", pid, epoch, topic, [1]) == {1: NONE}
    assert produce_error(broker.bootstrap, "bad-produce", topic, 0, batch) == INVALID_TXN_STATE
    assert produce_error(broker.bootstrap, "bad-produce", topic, 1, transactional_batch(pid, epoch - 1, 0, [b"x"])) \
        == INVALID_PRODUCER_EPOCH
    # A client cannot write a marker itself.
    marker = transactional_batch(pid, epoch, -1, [b"fake"], control=True)
    assert produce_error(broker.bootstrap, "bad-produce", topic, 1, marker) == INVALID_RECORD
    assert produce_error(broker.bootstrap, "bad-produce", topic, 1, batch) == NONE
    assert end_txn(broker.bootstrap, "bad-produce", pid, epoch, commit=True) == NONE
    assert read_all(broker.bootstrap, topic, 2, "read_committed", expect=1) == [b"stray"]



def test_write_txn_markers_is_served_and_checks_partitions_and_epochs(broker):
    topic = f"txn-markers-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)
    error, pid, epoch = init_producer_id(broker.bootstrap, "markers")
    assert error == NONE
    assert add_partitions(broker.bootstrap, "markers", pid, epoch, topic, [0]) == {0: NONE}
    assert produce_error(broker.bootstrap, "markers", topic, 0, transactional_batch(pid, epoch, 0, [b"m"])) == NONE
    assert read_all(broker.bootstrap, topic, 1, "read_committed", settle_s=1.0, timeout_s=3) == []
    assert write_txn_markers(broker.bootstrap, pid, epoch, True, topic, [0, 7]) == {
        0: NONE, 7: UNKNOWN_TOPIC_OR_PARTITION}
    # The COMMIT marker ended the transaction in the partition: read_committed sees its data.
    assert read_all(broker.bootstrap, topic, 1, "read_committed", expect=1) == [b"m"]
    # A marker from an older epoch than the partition knows is fenced.
    assert write_txn_markers(broker.bootstrap, pid, epoch + 2, False, topic, [0]) == {0: NONE}
    assert write_txn_markers(broker.bootstrap, pid, epoch, True, topic, [0]) == {0: INVALID_PRODUCER_EPOCH}
