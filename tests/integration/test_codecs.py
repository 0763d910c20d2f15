"""Produce and consume with every codec through three librdkafka builds, checked byte for byte.

Clients: confluent-kafka from pip (current librdkafka), kcat (Debian's librdkafka 2.0.2) and
Debian's python3-confluent-kafka (also librdkafka 2.0.2, but the producev/headers path).
Each writes its own partition of one topic; then every client reads the whole topic and
must see exactly the same keys, values, headers, timestamps, order and offsets 0..n-1.
"""

import json
import random
import time

import confluent_kafka
import pytest

import kafka_wire
from clients import (Msg, assert_contiguous_from_zero, assert_delivered, b64, by_partition, consume_all, create_topic,
                     kcat, kcat_consume, kcat_produce, legacy_client, produce_all, producer, unb64, unique_topic)

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
CONFLUENT_PARTITION, KCAT_PARTITION, LEGACY_PARTITION = 0, 1, 2
BASE_TS = 1_600_000_000_000
KCAT_HEADERS = (("origin", "kcat"), ("trace", "abc-123"))


def binary_value(rng: random.Random, i: int) -> bytes:
    """Compressible (so codecs really compress) yet full of non-UTF-8 and control bytes."""
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    return b"\xff\xfe\x00\x80record-" + str(i).encode() + b"\x00" * 3 + b"logport " * 60 + noise


def confluent_records(seed: int) -> list[dict]:
    rng = random.Random(seed)
    recs = []
    for i in range(60):
        key = [None, b"", b"\x00\xff\xc3(" + bytes([i]), f"key-{i}".encode()][i % 4]
        value = b"" if i == 7 else (None if i == 11 else binary_value(rng, i))
        headers = [("bin", bytes([i, 0, 255])), ("empty", b""), ("null", None)] if i % 3 == 0 else []
        rec = {"partition": CONFLUENT_PARTITION, "key": key, "value": value, "timestamp": BASE_TS + i * 1000 + (i % 5)}
        if headers:
            rec["headers"] = headers
        recs.append(rec)
    return recs


def expected_msgs(records: list[dict], partition: int) -> list[Msg]:
    return [Msg(partition, i, r["key"], r["value"], tuple(r.get("headers", ())), r["timestamp"])
            for i, r in enumerate(records)]


def kcat_pairs(seed: int) -> list[tuple[bytes, bytes]]:
    rng = random.Random(seed)
    pairs = []
    for i in range(50):
        value = binary_value(rng, i).replace(b"\x1e", b"\x1d").replace(b"\x1f", b"\x1d") + b"\nline2\r\n"
        key = b"" if i % 5 == 0 else b"\xfe\n" + str(i).encode()
        pairs.append((key, value))
    return pairs


def legacy_records(seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [{"partition": LEGACY_PARTITION, "key": [None, b"", b"\x01legacy"][i % 3],
             "value": binary_value(rng, i), "headers": [("v", b"2.0.2\xff")] if i % 2 else [],
             "timestamp": BASE_TS + 500_000 + i} for i in range(40)]


def assert_same(actual: list[Msg], expected: list[Msg], who: str) -> None:
    assert len(actual) == len(expected), f"{who}: {len(actual)} records, expected {len(expected)}"
    for a, e in zip(actual, expected):
        assert a == e, f"{who}: record differs at partition {e.partition} offset {e.offset}:\n got      {a}\n expected {e}"


@pytest.mark.parametrize("codec", CODECS)
def test_codec_round_trip_across_clients(bootstrap, codec):
    topic = unique_topic(f"codec-{codec}")
    create_topic(bootstrap, topic, partitions=3)

    conf_recs = confluent_records(seed=1)
    deliveries = produce_all(producer(bootstrap, **{"compression.type": codec, "linger.ms": 50}), topic, conf_recs)
    assert_delivered(deliveries)
    assert [d.offset for d in deliveries] == list(range(len(conf_recs))), "delivery offsets must be 0..n-1 in order"

    pairs = kcat_pairs(seed=2)
    before = int(time.time() * 1000)
    kcat_produce(bootstrap, topic, KCAT_PARTITION, pairs, codec, KCAT_HEADERS)
    after = int(time.time() * 1000)

    leg_recs = legacy_records(seed=3)
    result = legacy_client(bootstrap, {"op": "produce", "topic": topic, "compression": codec, "records": [
        {**r, "key": b64(r["key"]), "value": b64(r["value"]), "headers": [[k, b64(v)] for k, v in r["headers"]]}
        for r in leg_recs]})
    assert result["librdkafka"] != confluent_kafka.libversion()[0], "the legacy client must use a second librdkafka"
    assert [d["error"] for d in result["deliveries"]] == [None] * len(leg_recs)
    assert [d["offset"] for d in result["deliveries"]] == list(range(len(leg_recs)))

    total = len(conf_recs) + len(pairs) + len(leg_recs)
    seen = by_partition(consume_all(bootstrap, topic, [0, 1, 2], expected=total))

    assert_same(seen[CONFLUENT_PARTITION], expected_msgs(conf_recs, CONFLUENT_PARTITION), "confluent→confluent")
    kcat_seen = seen[KCAT_PARTITION]
    assert_contiguous_from_zero(kcat_seen, "kcat-produced partition")
    assert [(m.key, m.value) for m in kcat_seen] == pairs
    assert all(m.headers == tuple((k, v.encode()) for k, v in KCAT_HEADERS) for m in kcat_seen)
    assert all(before - 1000 <= m.timestamp <= after + 1000 for m in kcat_seen), "kcat records carry their CreateTime"
    legacy_expected = [Msg(LEGACY_PARTITION, i, r["key"], r["value"], tuple(r["headers"]), r["timestamp"])
                       for i, r in enumerate(leg_recs)]
    assert_same(seen[LEGACY_PARTITION], legacy_expected, "legacy librdkafka→confluent")

    everything = seen[0] + seen[1] + seen[2]
    assert_same(kcat_consume_sorted(bootstrap, topic), [without_headers(m) for m in everything], "kcat consumer")

    legacy_seen = legacy_client(bootstrap, {"op": "consume", "topic": topic, "partitions": [0, 1, 2], "expected": total})
    legacy_msgs = sorted((Msg(r["partition"], r["offset"], unb64(r["key"]), unb64(r["value"]),
                              tuple((k, unb64(v)) for k, v in r["headers"]), r["timestamp"])
                          for r in legacy_seen["records"]), key=lambda m: (m.partition, m.offset))
    assert_same(legacy_msgs, everything, "legacy librdkafka consumer")

    if codec != "none":
        assert_stored_with_codec(bootstrap, topic, CONFLUENT_PARTITION, CODEC_IDS[codec])


def without_headers(m: Msg) -> Msg:
    return Msg(m.partition, m.offset, m.key, m.value, (), m.timestamp)


def kcat_consume_sorted(bootstrap: str, topic: str) -> list[Msg]:
    return sorted(kcat_consume(bootstrap, topic, "-o", "beginning"), key=lambda m: (m.partition, m.offset))


def assert_stored_with_codec(bootstrap: str, topic: str, partition: int, codec_id: int) -> None:
    """Kafka's default compression.type=producer keeps the producer's batches: fetch must return them compressed."""
    with kafka_wire.WireConnection(bootstrap) as conn:
        result = conn.fetch(topic, partition, 0, max_wait_ms=100)
    assert result.error_code == 0
    batches = kafka_wire.decode_batches(result.records)
    assert batches, "fetch returned no batches"
    assert all(b.crc_ok for b in batches), "fetched batches must carry valid CRCs"
    assert {b.codec for b in batches} == {codec_id}, (
        f"expected every batch compressed with codec {codec_id}, got {[b.codec for b in batches]} "
        "(librdkafka silently sends lz4 uncompressed unless the broker advertises FindCoordinator)")


def test_kcat_json_consumer_reports_create_time_and_headers(bootstrap):
    topic = unique_topic("kcat-json")
    create_topic(bootstrap, topic, partitions=1)
    recs = [{"partition": 0, "key": f"k{i}".encode(), "value": f"value {i}".encode(),
             "headers": [("h", f"{i}".encode())], "timestamp": BASE_TS + i} for i in range(5)]
    assert_delivered(produce_all(producer(bootstrap), topic, recs))
    lines = kcat(bootstrap, "-C", "-e", "-J", "-o", "beginning", "-t", topic).stdout.decode().splitlines()
    got = [json.loads(line) for line in lines]
    assert [(g["offset"], g["key"], g["payload"], g["tstype"], g["ts"], g["headers"]) for g in got] == [
        (i, f"k{i}", f"value {i}", "create", BASE_TS + i, ["h", f"{i}"]) for i in range(5)]


def test_large_compressed_batches_round_trip(bootstrap):
    """Many records per batch, values up to 100 KB: exercises multi-block lz4/zstd frames and batch splitting."""
    topic = unique_topic("bigbatch")
    create_topic(bootstrap, topic, partitions=1)
    rng = random.Random(9)
    recs = [{"partition": 0, "key": str(i).encode(), "value": bytes([i % 256]) * rng.randrange(1, 100_000),
             "timestamp": BASE_TS + i} for i in range(300)]
    for codec in ("lz4", "zstd"):
        assert_delivered(produce_all(producer(bootstrap, **{"compression.type": codec, "linger.ms": 100}), topic, recs))
    got = by_partition(consume_all(bootstrap, topic, [0], expected=600))[0]
    assert_contiguous_from_zero(got, "big batches")
    assert [(m.key, m.value) for m in got] == [(r["key"], r["value"]) for r in recs] * 2


def test_kcat_text_lines_with_key_delimiter_and_header(bootstrap):
    """The everyday kcat invocation from the README: -K: -z snappy -H, read back as JSON."""
    topic = unique_topic("kcat-text")
    create_topic(bootstrap, topic, partitions=1)
    lines = [f"user{i}:event {i} " + "x" * 200 for i in range(30)]
    kcat(bootstrap, "-P", "-t", topic, "-p", "0", "-K:", "-z", "snappy", "-H", "hdr=val",
         input=("\n".join(lines) + "\n").encode())
    out = kcat(bootstrap, "-C", "-e", "-J", "-o", "beginning", "-t", topic).stdout.decode().splitlines()
    got = [json.loads(line) for line in out]
    assert [(g["offset"], g["key"], g["payload"], g["headers"]) for g in got] == [
        (i, line.split(":", 1)[0], line.split(":", 1)[1], ["hdr", "val"]) for i, line in enumerate(lines)]
