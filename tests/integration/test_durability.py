"""Acknowledged records survive kill -9; offsets, indexes and topics survive restarts."""

import random
import threading
import time

from confluent_kafka import TopicPartition

from clients import (CLIENT_TIMEOUT_S, Delivery, Msg, assert_contiguous_from_zero, assert_delivered, by_partition,
                     consume_all, consumer, create_topic, produce_all, producer, unique_topic, watermarks)

RECORDS_PER_ROUND = 20_000
PARTITIONS = 3


def idempotent_producer(bootstrap: str, **conf):
    return producer(bootstrap, **{"enable.idempotence": True, "acks": "all", "linger.ms": 10,
                                  "message.timeout.ms": 30000, "retry.backoff.ms": 50, **conf})


def round_records(tag: str) -> list[dict]:
    return [{"key": f"{i}".encode(), "value": f"{tag}-{i:06d}".encode() + b"\x00\xff" * (i % 7)}
            for i in range(RECORDS_PER_ROUND)]


def consume_to_high_watermarks(bootstrap: str, topic: str) -> dict[int, list[Msg]]:
    highs = {p: watermarks(bootstrap, topic, p)[1] for p in range(PARTITIONS)}
    seen = by_partition(consume_all(bootstrap, topic, range(PARTITIONS), expected=sum(highs.values()), timeout=60))
    for p in range(PARTITIONS):
        got = seen.get(p, [])
        assert_contiguous_from_zero(got, f"partition {p}")
        assert len(got) == highs[p], f"partition {p}: high watermark {highs[p]} but {len(got)} records readable"
    return seen


def assert_acked_present_exactly_once(seen: dict[int, list[Msg]], acked: list[tuple[bytes, Delivery]]) -> None:
    at = {(m.partition, m.offset): m.value for msgs in seen.values() for m in msgs}
    missing = [(v, d.partition, d.offset) for v, d in acked if at.get((d.partition, d.offset)) != v]
    assert not missing, f"{len(missing)} acknowledged records are missing or moved, first: {missing[:3]}"
    values = [m.value for msgs in seen.values() for m in msgs]
    dupes = len(values) - len(set(values))
    assert dupes == 0, f"{dupes} duplicated records in the log despite enable.idempotence"


def test_acknowledged_records_survive_kill_minus_9(broker_factory):
    b = broker_factory()
    topic = unique_topic("durable")
    create_topic(b.bootstrap, topic, partitions=PARTITIONS)

    first = round_records("r1")
    deliveries = produce_all(idempotent_producer(b.bootstrap), topic, first, flush_timeout=120)
    assert_delivered(deliveries)
    acked = [(r["value"], d) for r, d in zip(first, deliveries)]

    seed = random.randrange(1_000_000)
    kill_after = random.Random(seed).randrange(500, RECORDS_PER_ROUND // 2)
    second = round_records("r2")
    p = idempotent_producer(b.bootstrap, **{"compression.type": "lz4"})
    reports: dict[int, Delivery] = {}
    killed = threading.Event()

    def kill_and_restart():
        deadline = time.monotonic() + 60
        while len(reports) < kill_after and time.monotonic() < deadline:
            time.sleep(0.001)
        b.kill9()
        killed.set()
        b.start()

    killer = threading.Thread(target=kill_and_restart, daemon=True)
    killer.start()
    for i, rec in enumerate(second):
        def on_delivery(err, msg, i=i):
            reports[i] = Delivery(i, err, msg.partition(), msg.offset())
        while True:
            try:
                p.produce(topic, on_delivery=on_delivery, **rec)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    # Keep serving delivery callbacks: the killer waits for acknowledgements to count.
    deadline = time.monotonic() + 90
    while killer.is_alive() and time.monotonic() < deadline:
        p.poll(0.05)
    assert killed.is_set(), f"kill -9 never happened (seed {seed})"
    assert not killer.is_alive(), "broker restart after kill -9 did not finish"
    left = p.flush(90)
    assert left == 0, f"{left} messages neither delivered nor failed after 90 s (seed {seed})"

    acked += [(rec["value"], reports[i]) for i, rec in enumerate(second) if reports[i].error is None]
    failed = [reports[i] for i in range(len(second)) if reports[i].error is not None]
    print(f"seed {seed}: killed after {kill_after} acks; {len(failed)} of {len(second)} round-2 records failed")

    seen = consume_to_high_watermarks(b.bootstrap, topic)
    assert_acked_present_exactly_once(seen, acked)

    ends = {p_: len(seen.get(p_, [])) for p_ in range(PARTITIONS)}
    after = produce_all(producer(b.bootstrap), topic, [{"value": b"after-restart", "partition": q} for q in range(PARTITIONS)])
    assert_delivered(after)
    assert {d.partition: d.offset for d in after} == ends, "new records must continue at the previous log end"


def test_graceful_restart_keeps_data_time_index_and_offsets(broker_factory):
    b = broker_factory()
    topic = unique_topic("restart")
    create_topic(b.bootstrap, topic, partitions=PARTITIONS)
    t0 = 1_700_000_000_000
    recs = [{"partition": i % PARTITIONS, "key": None if i % 4 == 0 else bytes([i % 256]) * 3,
             "value": bytes(range(256)) * (i % 5), "headers": [("i", str(i).encode())], "timestamp": t0 + i}
            for i in range(3000)]
    assert_delivered(produce_all(producer(b.bootstrap, **{"compression.type": "zstd"}), topic, recs))
    before = by_partition(consume_all(b.bootstrap, topic, range(PARTITIONS), expected=len(recs)))

    for hard in (False, True):
        b.restart(hard=hard)
        after = by_partition(consume_all(b.bootstrap, topic, range(PARTITIONS), expected=len(recs)))
        assert after == before, f"log content changed across a {'kill -9' if hard else 'SIGTERM'} restart"
        c = consumer(b.bootstrap)
        try:
            # Record i has timestamp t0+i and lives at partition i%3, offset i//3.
            query = [TopicPartition(topic, q, t0 + 1500 + q) for q in range(PARTITIONS)]
            got = {tp.partition: tp.offset for tp in c.offsets_for_times(query, timeout=CLIENT_TIMEOUT_S)}
        finally:
            c.close()
        assert got == {q: 500 for q in range(PARTITIONS)}, "time index must work after restart"

    new = produce_all(producer(b.bootstrap), topic, [{"partition": 0, "value": b"next"}])
    assert_delivered(new)
    assert new[0].offset == 1000


def test_unflushed_empty_topic_survives_kill_minus_9(broker_factory):
    b = broker_factory()
    topic = unique_topic("empty-durable")
    create_topic(b.bootstrap, topic, partitions=2)
    b.restart(hard=True)
    assert watermarks(b.bootstrap, topic, 1) == (0, 0)
    d = produce_all(producer(b.bootstrap), topic, [{"partition": 1, "value": b"x"}])
    assert_delivered(d)
    assert d[0].offset == 0
