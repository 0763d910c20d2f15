"""Pure-Python clients with their own codecs and API version negotiation: kafka-python and aiokafka."""

import asyncio
import random

import pytest

from clients import (CLIENT_TIMEOUT_S, Msg, assert_contiguous_from_zero, assert_delivered, by_partition, consume_all,
                     create_topic, produce_all, producer, unique_topic)

kafka = pytest.importorskip("kafka", reason="kafka-python is not installed (scripts/install-deps.sh installs it)")
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

CODECS = [None, "gzip", "snappy", "lz4", "zstd"]
BASE_TS = 1_650_000_000_000


def sample_records(seed: int, count: int = 40) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        value = b"\x00\xff\xfe" + f"kafka-python {i} ".encode() * 30 + bytes(rng.randrange(256) for _ in range(20))
        out.append({
            "key": [None, b"", b"\x80\x81key" + bytes([i])][i % 3],
            "value": value if i != 5 else b"",
            "headers": [("h", bytes([i, 0xFF])), ("text", b"ok")] if i % 2 else [],
            "timestamp": BASE_TS + i * 10,
        })
    return out


def expected(records: list[dict], partition: int = 0) -> list[Msg]:
    return [Msg(partition, i, r["key"], r["value"], tuple(r["headers"]), r["timestamp"]) for i, r in enumerate(records)]


def kp_produce(bootstrap: str, topic: str, records: list[dict], codec) -> list[int]:
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, linger_ms=20, acks="all",
                      request_timeout_ms=10000, max_block_ms=10000, retries=3)
    try:
        futures = [p.send(topic, value=r["value"], key=r["key"], headers=r["headers"], partition=0,
                          timestamp_ms=r["timestamp"]) for r in records]
        p.flush(timeout=30)
        return [f.get(timeout=CLIENT_TIMEOUT_S).offset for f in futures]
    finally:
        p.close(timeout=5)


def kp_consume(bootstrap: str, topic: str, count: int) -> list[Msg]:
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", consumer_timeout_ms=10000, request_timeout_ms=15000,
                      fetch_max_wait_ms=100)
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        out = []
        for rec in c:
            out.append(Msg(rec.partition, rec.offset, rec.key, rec.value, tuple(rec.headers), rec.timestamp))
            if len(out) >= count:
                break
        return out
    finally:
        c.close()


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c or "none")
def test_kafka_python_round_trip(bootstrap, codec):
    topic = unique_topic(f"kp-{codec or 'none'}")
    create_topic(bootstrap, topic, partitions=1)
    records = sample_records(seed=11)
    offsets = kp_produce(bootstrap, topic, records, codec)
    assert offsets == list(range(len(records)))

    want = expected(records)
    assert kp_consume(bootstrap, topic, len(records)) == want, "kafka-python consumer disagrees with what it produced"
    assert consume_all(bootstrap, topic, [0], expected=len(records)) == want, "librdkafka reads kafka-python's batches"


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_kafka_python_reads_librdkafka_batches(bootstrap, codec):
    topic = unique_topic(f"kp-read-{codec}")
    create_topic(bootstrap, topic, partitions=1)
    records = sample_records(seed=12)
    rd_records = [{"partition": 0, "key": r["key"], "value": r["value"], "timestamp": r["timestamp"],
                   **({"headers": r["headers"]} if r["headers"] else {})} for r in records]
    assert_delivered(produce_all(producer(bootstrap, **{"compression.type": codec, "linger.ms": 50}), topic, rd_records))
    got = kp_consume(bootstrap, topic, len(records))
    assert_contiguous_from_zero(got, "kafka-python view")
    assert got == expected(records)


def test_kafka_python_api_version_negotiation(bootstrap):
    """kafka-python infers the broker version from ApiVersions and picks its request versions from it."""
    p = KafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=10000, max_block_ms=10000)
    try:
        version = p.config["api_version"]
    finally:
        p.close(timeout=5)
    assert version >= (2, 1), f"kafka-python inferred broker version {version}; idempotence and headers need >= 0.11"


def test_aiokafka_round_trip(bootstrap):
    aiokafka = pytest.importorskip("aiokafka", reason="aiokafka is not installed; skipping its round trip")
    topic = unique_topic("aiokafka")
    create_topic(bootstrap, topic, partitions=1)
    records = sample_records(seed=13, count=30)

    async def scenario():
        prod = aiokafka.AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type="gzip", linger_ms=10,
                                         request_timeout_ms=10000, acks="all")
        await asyncio.wait_for(prod.start(), CLIENT_TIMEOUT_S)
        try:
            metas = [await asyncio.wait_for(prod.send_and_wait(topic, value=r["value"], key=r["key"], partition=0,
                                                               timestamp_ms=r["timestamp"], headers=r["headers"]),
                                            CLIENT_TIMEOUT_S) for r in records]
        finally:
            await prod.stop()
        cons = aiokafka.AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                         auto_offset_reset="earliest", request_timeout_ms=10000,
                                         fetch_max_wait_ms=100)
        await asyncio.wait_for(cons.start(), CLIENT_TIMEOUT_S)
        try:
            tp = aiokafka.TopicPartition(topic, 0)
            cons.assign([tp])
            await cons.seek_to_beginning(tp)
            got = []
            while len(got) < len(records):
                rec = await asyncio.wait_for(cons.getone(), CLIENT_TIMEOUT_S)
                got.append(Msg(rec.partition, rec.offset, rec.key, rec.value, tuple(rec.headers), rec.timestamp))
            return [m.offset for m in metas], got
        finally:
            await cons.stop()

    offsets, got = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert offsets == list(range(len(records)))
    assert got == expected(records)
    assert by_partition(consume_all(bootstrap, topic, [0], expected=len(records)))[0] == expected(records)
