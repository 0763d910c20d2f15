"""Hostile and malformed input on raw sockets: the broker must reject it and keep serving everyone else.

After every test an autouse check produces and consumes with confluent-kafka on a fresh
connection and verifies the broker process is still the same, alive one.
"""

import random
import socket
import struct
import time

import pytest

import kafka_wire as wire
from clients import assert_delivered, consume_all, create_topic, produce_all, producer, unique_topic, watermarks

CLOSE_TIMEOUT_S = 5.0
RSS_LIMIT_KIB = 500 * 1024


@pytest.fixture(autouse=True)
def broker_still_serves(broker):
    pid = broker.pid
    yield
    assert broker.is_running() and broker.pid == pid, "broker process died"
    topic = unique_topic("health")
    deliveries = produce_all(producer(broker.bootstrap), topic, [{"value": b"still alive", "key": b"k", "partition": 0}])
    assert_delivered(deliveries)
    [m] = consume_all(broker.bootstrap, topic, [0], expected=1)
    assert (m.offset, m.value) == (0, b"still alive")


@pytest.fixture(scope="module")
def topic(bootstrap):
    name = unique_topic("badinput")
    create_topic(bootstrap, name, partitions=2)
    return name


def closed_or_answered(conn: wire.WireConnection, timeout: float = CLOSE_TIMEOUT_S) -> str:
    """'closed' if the broker closes, 'answered' if it sends a response frame; fails if it does neither."""
    conn.sock.settimeout(timeout)
    try:
        first = conn.sock.recv(4)
    except socket.timeout:
        pytest.fail(f"broker neither answered nor closed within {timeout}s")
    except ConnectionResetError:
        return "closed"
    return "answered" if first else "closed"


def test_random_garbage_is_rejected(bootstrap):
    rng = random.Random(1)
    with wire.WireConnection(bootstrap) as conn:
        conn.send_raw(b"\x00\x00\x00\x40" + bytes(rng.randrange(256) for _ in range(64)))
        assert closed_or_answered(conn) in ("closed", "answered")
    with wire.WireConnection(bootstrap) as conn:
        try:
            conn.send_raw(bytes(rng.randrange(256) for _ in range(8192)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closing early is a fine reaction


def test_fuzzed_request_bodies_do_not_crash_the_broker(broker):
    """Valid frame and header with random body bytes, for every API key the broker advertises."""
    with wire.WireConnection(broker.bootstrap) as conn:
        error, versions = conn.api_versions_v0()
    assert error == wire.NONE
    rng = random.Random(2)
    deadline = time.monotonic() + 40
    cases = [(key, ver) for key, (lo, hi) in sorted(versions.items()) for ver in {lo, hi, (lo + hi) // 2}]
    for key, ver in cases:
        for size in (0, 3, 17, 300):
            if time.monotonic() > deadline:
                return
            body = bytes(rng.randrange(256) for _ in range(size))
            with wire.WireConnection(broker.bootstrap, timeout=2) as conn:
                _, frame = conn.request_frame(key, ver, body, flexible_header=rng.random() < 0.5)
                conn.send_raw(frame)
                conn.sock.shutdown(socket.SHUT_WR)
                assert conn.wait_closed(2.0), f"api {key} v{ver} with {size} random body bytes left the connection open after EOF"
            assert broker.is_running(), f"broker died on api {key} v{ver} with random body {body.hex()}"


def test_truncated_frame_then_close(bootstrap):
    with wire.WireConnection(bootstrap) as conn:
        _, frame = conn.request_frame(wire.API_METADATA, 4, wire.int32(-1) + wire.int8(1))
        conn.send_raw(frame[: len(frame) // 2])
    with wire.WireConnection(bootstrap) as conn:
        conn.send_raw(b"\x00\x00")  # half a length prefix


@pytest.mark.parametrize("prefix", [0x7FFFFFFF, 0x10000000, -1, -2147483648], ids=["2GB", "256MB", "minus1", "int-min"])
def test_oversized_or_negative_length_prefix_closes_promptly(broker, prefix):
    with wire.WireConnection(broker.bootstrap) as conn:
        conn.send_raw(struct.pack(">i", prefix) + b"\x00\x12\x00\x00\x00\x00\x00\x01")
        started = time.monotonic()
        assert conn.wait_closed(CLOSE_TIMEOUT_S), f"length prefix {prefix:#x} did not get the connection closed"
        assert time.monotonic() - started < CLOSE_TIMEOUT_S
    rss = broker.rss_kib()
    assert rss < RSS_LIMIT_KIB, f"broker RSS grew to {rss} KiB after a {prefix:#x} length prefix"


def test_many_huge_prefixes_do_not_accumulate_memory(broker):
    conns = [wire.WireConnection(broker.bootstrap) for _ in range(20)]
    try:
        for conn in conns:
            conn.send_raw(struct.pack(">i", 0x7FFFFFFF) + b"\x00" * 1024)
        for conn in conns:
            assert conn.wait_closed(CLOSE_TIMEOUT_S)
    finally:
        for conn in conns:
            conn.close()
    assert broker.rss_kib() < RSS_LIMIT_KIB


def test_unknown_api_key_is_closed_or_answered(bootstrap):
    with wire.WireConnection(bootstrap) as conn:
        _, frame = conn.request_frame(999, 0, b"")
        conn.send_raw(frame)
        closed_or_answered(conn)


def test_unsupported_api_versions_version_gets_v0_error_with_supported_list(bootstrap):
    with wire.WireConnection(bootstrap) as conn:
        # What a newer client sends: header v2 (flexible) and a v3-style body.
        body = wire.compact_string("itest-client") + wire.compact_string("9.9") + wire.EMPTY_TAGGED_FIELDS
        reader = conn.call(wire.API_API_VERSIONS, 99, body, flexible_header=True)
        error, versions = wire.parse_api_versions_v0(reader)
        assert error == wire.UNSUPPORTED_VERSION
        assert wire.API_API_VERSIONS in versions and versions[wire.API_API_VERSIONS][0] == 0
        assert versions[wire.API_API_VERSIONS][1] >= 3
        for key in (wire.API_PRODUCE, wire.API_FETCH, wire.API_LIST_OFFSETS, wire.API_METADATA, wire.API_INIT_PRODUCER_ID):
            assert key in versions, f"api key {key} missing from the supported list"
        # Kafka keeps the connection usable: the client retries with a version it knows.
        error, again = conn.api_versions_v0()
        assert error == wire.NONE and again == versions


def test_api_versions_v3_flexible_request_is_answered(bootstrap):
    with wire.WireConnection(bootstrap) as conn:
        body = wire.compact_string("itest-client") + wire.compact_string("1.0") + wire.EMPTY_TAGGED_FIELDS
        reader = conn.call(wire.API_API_VERSIONS, 3, body, flexible_header=True)
        # The response header stays v0 for ApiVersions; the body is flexible.
        assert reader.int16() == wire.NONE
        count = reader.uvarint() - 1
        keys = set()
        for _ in range(count):
            key, lo, hi = reader.int16(), reader.int16(), reader.int16()
            assert lo <= hi, f"api {key}: min {lo} > max {hi}"
            keys.add(key)
            reader.uvarint()  # tagged fields of the entry (empty)
        assert {wire.API_PRODUCE, wire.API_FETCH, wire.API_METADATA, wire.API_API_VERSIONS} <= keys


def produce_and_expect(bootstrap: str, topic: str, records: bytes, expected_error: int, acks: int = -1) -> None:
    before = watermarks(bootstrap, topic, 0)
    with wire.WireConnection(bootstrap) as conn:
        result = conn.produce(topic, 0, records, acks=acks)
    assert result.error_code == expected_error, f"expected error {expected_error}, got {result}"
    assert watermarks(bootstrap, topic, 0) == before, "a rejected batch must not change the log"


def test_wrong_crc_is_corrupt_message_and_not_appended(bootstrap, topic):
    records = wire.record_batch([wire.Record(b"k", b"v" * 100)], corrupt_crc=True)
    produce_and_expect(bootstrap, topic, records, wire.CORRUPT_MESSAGE)


def test_flipped_payload_byte_is_corrupt_message(bootstrap, topic):
    good = bytearray(wire.record_batch([wire.Record(b"k", b"payload" * 20)]))
    good[-10] ^= 0x01
    produce_and_expect(bootstrap, topic, bytes(good), wire.CORRUPT_MESSAGE)


def test_record_count_larger_than_content_is_rejected(bootstrap, topic):
    batch = bytearray(wire.record_batch([wire.Record(b"k", b"v"), wire.Record(b"k", b"w")]))
    batch[57:61] = struct.pack(">i", 3)
    batch[17:21] = struct.pack(">I", wire.crc32c(bytes(batch[21:])))
    before = watermarks(bootstrap, topic, 0)
    with wire.WireConnection(bootstrap) as conn:
        result = conn.produce(topic, 0, bytes(batch))
    assert result.error_code in (wire.CORRUPT_MESSAGE, 87), f"INVALID_RECORD (87) or CORRUPT_MESSAGE expected: {result}"
    assert watermarks(bootstrap, topic, 0) == before


def test_batch_larger_than_message_max_bytes_is_message_too_large(bootstrap, topic):
    records = wire.record_batch([wire.Record(None, b"x" * (1048588 + 100))])
    produce_and_expect(bootstrap, topic, records, wire.MESSAGE_TOO_LARGE)


def test_invalid_acks_is_invalid_required_acks(bootstrap, topic):
    records = wire.record_batch([wire.Record(b"k", b"v")])
    produce_and_expect(bootstrap, topic, records, wire.INVALID_REQUIRED_ACKS, acks=5)


def test_produce_to_missing_partition_is_unknown_topic_or_partition(bootstrap, topic):
    with wire.WireConnection(bootstrap) as conn:
        result = conn.produce(topic, 99, wire.record_batch([wire.Record(b"k", b"v")]))
    assert result.error_code == wire.UNKNOWN_TOPIC_OR_PARTITION


def test_valid_raw_produce_is_appended_byte_for_byte(bootstrap, topic):
    """Control case for the rejections above: the same hand-built frames succeed when valid."""
    records = [wire.Record(b"\x00key", b"\xffvalue", [("h", b"\x01"), ("n", None)], 3), wire.Record(None, None)]
    base_ts = 1_700_000_000_000
    before = watermarks(bootstrap, topic, 1)[1]
    with wire.WireConnection(bootstrap) as conn:
        result = conn.produce(topic, 1, wire.record_batch(records, base_timestamp=base_ts))
    assert (result.error_code, result.base_offset) == (wire.NONE, before)
    got = consume_all(bootstrap, topic, [1], expected=2, start_offset=before)
    assert [(m.key, m.value, m.headers, m.timestamp) for m in got] == [
        (b"\x00key", b"\xffvalue", (("h", b"\x01"), ("n", None)), base_ts + 3), (None, None, (), base_ts)]
