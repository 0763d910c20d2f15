"""Fetch long polling: an empty fetch waits max_wait_ms, and new data wakes a waiting fetch at once."""

import statistics
import threading
import time

from confluent_kafka import OFFSET_END, TopicPartition

import kafka_wire as wire
from clients import assert_delivered, consumer, create_topic, produce_all, producer, unique_topic

WAKE_LIMIT_S = 0.5


def fresh_topic(bootstrap: str, prefix: str) -> str:
    topic = unique_topic(prefix)
    create_topic(bootstrap, topic, partitions=1)
    return topic


def test_empty_fetch_waits_for_max_wait(bootstrap):
    topic = fresh_topic(bootstrap, "lp-empty")
    with wire.WireConnection(bootstrap) as conn:
        started = time.monotonic()
        result = conn.fetch(topic, 0, 0, max_wait_ms=2000)
        elapsed = time.monotonic() - started
    assert result.error_code == wire.NONE
    assert result.records == b""
    assert 1.8 <= elapsed <= 3.5, f"empty fetch with max_wait_ms=2000 returned after {elapsed:.2f}s"


def test_fetch_with_data_returns_immediately(bootstrap):
    topic = fresh_topic(bootstrap, "lp-data")
    assert_delivered(produce_all(producer(bootstrap), topic, [{"partition": 0, "value": b"ready"}]))
    with wire.WireConnection(bootstrap) as conn:
        started = time.monotonic()
        result = conn.fetch(topic, 0, 0, max_wait_ms=5000)
        elapsed = time.monotonic() - started
    assert result.error_code == wire.NONE and result.high_watermark == 1
    assert len(wire.decode_batches(result.records)) == 1
    assert elapsed < WAKE_LIMIT_S, f"fetch with data available took {elapsed:.2f}s"


def test_fetch_below_min_bytes_waits_then_returns_what_exists(bootstrap):
    topic = fresh_topic(bootstrap, "lp-minbytes")
    assert_delivered(produce_all(producer(bootstrap), topic, [{"partition": 0, "value": b"small"}]))
    with wire.WireConnection(bootstrap) as conn:
        started = time.monotonic()
        result = conn.fetch(topic, 0, 0, max_wait_ms=1000, min_bytes=1024 * 1024)
        elapsed = time.monotonic() - started
    assert 0.8 <= elapsed <= 2.5, f"min_bytes not reached: expected ~1s wait, took {elapsed:.2f}s"
    assert len(wire.decode_batches(result.records)) == 1


def test_produce_wakes_a_waiting_raw_fetch(bootstrap):
    topic = fresh_topic(bootstrap, "lp-wake")
    outcome = {}

    def long_fetch():
        with wire.WireConnection(bootstrap, timeout=15) as conn:
            outcome["result"] = conn.fetch(topic, 0, 0, max_wait_ms=8000)
            outcome["done"] = time.monotonic()

    fetcher = threading.Thread(target=long_fetch)
    fetcher.start()
    time.sleep(0.5)  # the fetch is parked at the broker by now
    with wire.WireConnection(bootstrap) as conn:
        produced_at = time.monotonic()
        res = conn.produce(topic, 0, wire.record_batch([wire.Record(None, b"wake up")]), acks=1)
    assert res.error_code == wire.NONE
    fetcher.join(timeout=15)
    assert "done" in outcome, "waiting fetch never returned"
    latency = outcome["done"] - produced_at
    assert latency < WAKE_LIMIT_S, f"waiting fetch returned {latency:.3f}s after the produce (should be woken at once)"
    assert [b.record_count for b in wire.decode_batches(outcome["result"].records)] == [1]


def test_consumer_with_long_fetch_wait_sees_new_records_quickly(bootstrap):
    topic = fresh_topic(bootstrap, "lp-e2e")
    c = consumer(bootstrap, **{"fetch.wait.max.ms": 2000})
    p = producer(bootstrap, **{"linger.ms": 0})
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_END)])
        c.poll(2.5)  # let the consumer resolve its position and park a fetch
        latencies = []
        for i in range(5):
            value = f"ping-{i}".encode()
            sent = time.monotonic()
            p.produce(topic, partition=0, value=value)
            p.poll(0)
            deadline = sent + 5
            msg = None
            while time.monotonic() < deadline:
                msg = c.poll(0.05)
                if msg is not None and not msg.error():
                    break
            assert msg is not None and msg.value() == value, f"record {i} not consumed within 5 s"
            latencies.append(time.monotonic() - sent)
            time.sleep(0.3)
        assert p.flush(10) == 0
    finally:
        c.close()
    assert statistics.median(latencies) < WAKE_LIMIT_S, f"produce→consume latencies {latencies} (fetch.wait.max.ms=2000)"
    assert max(latencies) < 1.9, f"some records waited out the whole fetch: {latencies}"


def test_pipelined_requests_are_answered_in_order_while_an_earlier_fetch_waits(bootstrap):
    """One connection, one write: a fetch that must wait, then ApiVersions, then a produce to the
    partition the fetch waits on. The produce is appended without waiting for the fetch (which it
    wakes), and the three responses come back in request order."""
    topic = fresh_topic(bootstrap, "lp-pipeline")
    with wire.WireConnection(bootstrap, timeout=15) as conn:
        fetch_body = (
            wire.int32(-1) + wire.int32(8000) + wire.int32(1) + wire.int32(1 << 20) + wire.int8(0)
            + wire.array([wire.string(topic) + wire.array([wire.int32(0) + wire.int64(0) + wire.int32(1 << 20)])])
        )
        produce_body = (
            wire.string(None) + wire.int16(1) + wire.int32(10000)
            + wire.array([wire.string(topic) + wire.array([wire.int32(0) + wire.nbytes(wire.record_batch([wire.Record(None, b"wake")]))])])
        )
        frames = [conn.request_frame(wire.API_FETCH, 4, fetch_body),
                  conn.request_frame(wire.API_API_VERSIONS, 0, b""),
                  conn.request_frame(wire.API_PRODUCE, 3, produce_body)]
        sent_at = time.monotonic()
        conn.send_raw(b"".join(frame for _, frame in frames))
        answered = [wire.Reader(conn.recv_frame()).int32() for _ in frames]
        elapsed = time.monotonic() - sent_at
    assert answered == [corr for corr, _ in frames], "responses must come back in request order"
    assert elapsed < 4, f"the fetch waited {elapsed:.1f}s: the produce behind it should have woken it"
