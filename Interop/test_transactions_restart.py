"""Transactions survive a broker restart in every state: ongoing (SIGTERM and kill -9),
prepare-commit and prepare-abort (the coordinator died after persisting its decision and before
writing the markers: the restarted broker writes them). Expired transactional ids stay expired."""

import time
import uuid

import pytest

from helpers import create_topic, producer
from test_transactions import read_all, txn_producer
from txn_wire import (
    NONE, TRANSACTIONAL_ID_NOT_FOUND, add_partitions, describe_transactions, end_txn, init_producer_id,
    transaction_log_partition, transaction_log_record)

PREPARE_COMMIT, PREPARE_ABORT = 2, 3


def open_transaction(broker, txn_id: str, topic: str):
    create_topic(broker.bootstrap, topic, partitions=2)
    p = txn_producer(broker.bootstrap, txn_id)
    p.begin_transaction()
    for i in range(6):
        p.produce(topic, value=f"v{i}".encode(), partition=i % 2)
    p.flush(30)
    return p


def test_ongoing_transaction_survives_clean_restart_and_commits(broker):
    topic = f"txn-restart-{uuid.uuid4().hex[:6]}"
    p = open_transaction(broker, "txn-restart-clean", topic)
    broker.stop()
    broker.start()
    [state] = describe_transactions(broker.bootstrap, ["txn-restart-clean"])
    assert state["state"] == "Ongoing" and state["topics"] == {topic: [0, 1]}
    # The open transaction still holds back read_committed readers after the restart.
    assert read_all(broker.bootstrap, topic, 2, "read_committed", settle_s=1.0, timeout_s=3) == []
    p.commit_transaction(30)
    assert sorted(read_all(broker.bootstrap, topic, 2, "read_committed", expect=6)) == [
        f"v{i}".encode() for i in range(6)]


def test_ongoing_transaction_survives_kill9_and_aborts(broker):
    topic = f"txn-restart-{uuid.uuid4().hex[:6]}"
    p = open_transaction(broker, "txn-restart-kill", topic)
    broker.kill9()
    broker.start()
    assert describe_transactions(broker.bootstrap, ["txn-restart-kill"])[0]["state"] == "Ongoing"
    p.abort_transaction(30)
    assert describe_transactions(broker.bootstrap, ["txn-restart-kill"])[0]["state"] == "CompleteAbort"
    assert read_all(broker.bootstrap, topic, 2, "read_committed", settle_s=1.0, timeout_s=4) == []
    assert len(read_all(broker.bootstrap, topic, 2, "read_uncommitted", expect=6)) == 6


def crash_in(broker, status: int, txn_id: str, topic: str) -> None:
    """Leaves the transaction as a coordinator that crashed right after persisting `status`
    would: the decision is the last record of the id in __transaction_state, no marker is written."""
    open_transaction(broker, txn_id, topic)
    [state] = describe_transactions(broker.bootstrap, [txn_id])
    now = int(time.time() * 1000)
    key, value = transaction_log_record(txn_id, state["producer_id"], state["epoch"], state["timeout_ms"],
                                        status, state["topics"], now, state["start_ms"])
    raw = producer(broker.bootstrap)
    raw.produce("__transaction_state", key=key, value=value, partition=transaction_log_partition(txn_id))
    assert raw.flush(30) == 0
    broker.kill9()
    broker.start()


def test_prepare_commit_is_completed_after_restart(broker):
    topic = f"txn-restart-{uuid.uuid4().hex[:6]}"
    crash_in(broker, PREPARE_COMMIT, "txn-prepare-commit", topic)
    assert describe_transactions(broker.bootstrap, ["txn-prepare-commit"])[0]["state"] == "CompleteCommit"
    assert sorted(read_all(broker.bootstrap, topic, 2, "read_committed", expect=6)) == [
        f"v{i}".encode() for i in range(6)]


def test_prepare_abort_is_completed_after_restart(broker):
    topic = f"txn-restart-{uuid.uuid4().hex[:6]}"
    crash_in(broker, PREPARE_ABORT, "txn-prepare-abort", topic)
    assert describe_transactions(broker.bootstrap, ["txn-prepare-abort"])[0]["state"] == "CompleteAbort"
    assert read_all(broker.bootstrap, topic, 2, "read_committed", settle_s=1.0, timeout_s=4) == []
    assert len(read_all(broker.bootstrap, topic, 2, "read_uncommitted", expect=6)) == 6


@pytest.mark.broker_args("--set", "transactional.id.expiration.ms=1500",
                         "--set", "transaction.abort.timed.out.transaction.cleanup.interval.ms=200")
def test_idle_transactional_ids_expire_and_stay_expired_after_restart(broker):
    topic = f"txn-expire-{uuid.uuid4().hex[:6]}"
    create_topic(broker.bootstrap, topic)
    assert init_producer_id(broker.bootstrap, "short-lived")[0] == NONE
    error, pid, epoch = init_producer_id(broker.bootstrap, "kept-open")
    assert error == NONE
    assert add_partitions(broker.bootstrap, "kept-open", pid, epoch, topic, [0]) == {0: NONE}
    deadline = time.monotonic() + 20
    while describe_transactions(broker.bootstrap, ["short-lived"])[0]["error"] != TRANSACTIONAL_ID_NOT_FOUND:
        assert time.monotonic() < deadline, "the idle transactional id never expired"
        time.sleep(0.2)
    # An open transaction is not idle, whatever its age.
    assert describe_transactions(broker.bootstrap, ["kept-open"])[0]["state"] == "Ongoing"
    broker.stop()
    broker.start()
    assert describe_transactions(broker.bootstrap, ["short-lived"])[0]["error"] == TRANSACTIONAL_ID_NOT_FOUND
    assert end_txn(broker.bootstrap, "kept-open", pid, epoch, commit=True) == NONE
