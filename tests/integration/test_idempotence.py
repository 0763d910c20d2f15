"""Idempotent produce: real producers across restarts, and hand-built duplicate and out-of-order batches."""

import pytest

import kafka_wire as wire
from clients import (assert_contiguous_from_zero, assert_delivered, by_partition, consume_all, create_topic,
                     produce_all, producer, unique_topic, watermarks)


def test_idempotent_producer_survives_broker_restart_without_errors(broker_factory):
    b = broker_factory()
    topic = unique_topic("idem-restart")
    create_topic(b.bootstrap, topic, partitions=1)
    p = producer(b.bootstrap, **{"enable.idempotence": True, "acks": "all", "message.timeout.ms": 30000,
                                 "retry.backoff.ms": 50})
    values = [f"v{i:05d}".encode() for i in range(6000)]
    assert_delivered(produce_all(p, topic, [{"partition": 0, "value": v} for v in values[:2000]]))

    b.stop()
    for v in values[2000:4000]:
        p.produce(topic, partition=0, value=v)  # queued while the broker is down
    p.poll(0.5)
    b.start()
    assert_delivered(produce_all(p, topic, [{"partition": 0, "value": v} for v in values[4000:]], flush_timeout=60))
    assert p.flush(30) == 0

    got = by_partition(consume_all(b.bootstrap, topic, [0], expected=len(values)))[0]
    assert_contiguous_from_zero(got, "idempotent partition")
    assert [m.value for m in got] == values, "idempotent producer: every record exactly once, in order"


def new_producer_id(conn: wire.WireConnection) -> tuple[int, int]:
    error, pid, epoch = conn.init_producer_id()
    assert error == wire.NONE, f"InitProducerId failed with error {error}"
    assert pid >= 0 and epoch >= 0
    return pid, epoch


def batch(pid: int, epoch: int, seq: int, count: int, tag: str) -> bytes:
    return wire.record_batch([wire.Record(None, f"{tag}-{seq + i}".encode()) for i in range(count)],
                             producer_id=pid, producer_epoch=epoch, base_sequence=seq)


def high_watermark(bootstrap: str, topic: str) -> int:
    return watermarks(bootstrap, topic, 0)[1]


def assert_duplicate_accepted(result: wire.PartitionProduceResult, original_offset: int) -> None:
    """Kafka answers a retried batch with success and the original offset (older brokers: DUPLICATE_SEQUENCE_NUMBER)."""
    assert result.error_code in (wire.NONE, wire.DUPLICATE_SEQUENCE_NUMBER), f"duplicate batch rejected: {result}"
    if result.error_code == wire.NONE:
        assert result.base_offset == original_offset, f"duplicate must report the original offset: {result}"


@pytest.fixture
def fresh_topic(bootstrap):
    topic = unique_topic("idem-raw")
    create_topic(bootstrap, topic, partitions=1)
    return topic


def test_init_producer_id_hands_out_distinct_ids(bootstrap):
    with wire.WireConnection(bootstrap) as conn:
        first, second = new_producer_id(conn), new_producer_id(conn)
    assert first[0] != second[0]


def test_duplicate_idempotent_batch_is_stored_once(bootstrap, fresh_topic):
    with wire.WireConnection(bootstrap) as conn:
        pid, epoch = new_producer_id(conn)
        b0 = batch(pid, epoch, 0, 5, "a")
        first = conn.produce(fresh_topic, 0, b0)
        assert (first.error_code, first.base_offset) == (wire.NONE, 0)
        assert_duplicate_accepted(conn.produce(fresh_topic, 0, b0), 0)

        b5 = batch(pid, epoch, 5, 3, "a")
        second = conn.produce(fresh_topic, 0, b5)
        assert (second.error_code, second.base_offset) == (wire.NONE, 5)
        assert_duplicate_accepted(conn.produce(fresh_topic, 0, b5), 5)
        assert_duplicate_accepted(conn.produce(fresh_topic, 0, b0), 0)  # an older one of the last five batches

    assert high_watermark(bootstrap, fresh_topic) == 8
    got = consume_all(bootstrap, fresh_topic, [0], expected=8)
    assert [m.value for m in got] == [f"a-{i}".encode() for i in range(8)]


def test_duplicate_is_detected_on_a_new_connection(bootstrap, fresh_topic):
    with wire.WireConnection(bootstrap) as conn:
        pid, epoch = new_producer_id(conn)
        b0 = batch(pid, epoch, 0, 4, "c")
        assert conn.produce(fresh_topic, 0, b0).error_code == wire.NONE
    with wire.WireConnection(bootstrap) as conn:
        assert_duplicate_accepted(conn.produce(fresh_topic, 0, b0), 0)
    assert high_watermark(bootstrap, fresh_topic) == 4


def test_sequence_gap_is_out_of_order_sequence_number(bootstrap, fresh_topic):
    with wire.WireConnection(bootstrap) as conn:
        pid, epoch = new_producer_id(conn)
        assert conn.produce(fresh_topic, 0, batch(pid, epoch, 0, 3, "g")).error_code == wire.NONE
        gap = conn.produce(fresh_topic, 0, batch(pid, epoch, 10, 2, "g"))
        assert gap.error_code == wire.OUT_OF_ORDER_SEQUENCE_NUMBER, f"sequence 10 after 0..2 must fail: {gap}"
        assert high_watermark(bootstrap, fresh_topic) == 3, "a rejected batch must not be appended"
        next_ok = conn.produce(fresh_topic, 0, batch(pid, epoch, 3, 2, "g"))
        assert (next_ok.error_code, next_ok.base_offset) == (wire.NONE, 3), "the expected sequence still works"
    assert high_watermark(bootstrap, fresh_topic) == 5


def test_sequences_are_tracked_per_producer(bootstrap, fresh_topic):
    with wire.WireConnection(bootstrap) as conn:
        a, b = new_producer_id(conn), new_producer_id(conn)
        assert conn.produce(fresh_topic, 0, batch(*a, 0, 2, "pa")).error_code == wire.NONE
        res = conn.produce(fresh_topic, 0, batch(*b, 0, 2, "pb"))
        assert (res.error_code, res.base_offset) == (wire.NONE, 2), "another producer's sequence 0 is not a duplicate"
    assert high_watermark(bootstrap, fresh_topic) == 4


@pytest.mark.parametrize("hard", [False, True], ids=["sigterm", "kill9"])
def test_duplicate_detection_survives_restart(broker_factory, hard):
    b = broker_factory()
    topic = unique_topic("idem-persist")
    create_topic(b.bootstrap, topic, partitions=1)
    with wire.WireConnection(b.bootstrap) as conn:
        pid, epoch = new_producer_id(conn)
        b0, b6 = batch(pid, epoch, 0, 6, "p"), batch(pid, epoch, 6, 4, "p")
        assert conn.produce(topic, 0, b0).error_code == wire.NONE
        assert conn.produce(topic, 0, b6).base_offset == 6
    b.restart(hard=hard)
    with wire.WireConnection(b.bootstrap) as conn:
        assert_duplicate_accepted(conn.produce(topic, 0, b6), 6)
        nxt = conn.produce(topic, 0, batch(pid, epoch, 10, 1, "p"))
        assert (nxt.error_code, nxt.base_offset) == (wire.NONE, 10), "producer state (next sequence) must survive restart"
    assert high_watermark(b.bootstrap, topic) == 11
