"""A minimal, hand-written Kafka wire client for tests that real clients cannot express.

Real clients never send a corrupt CRC, acks=5, a duplicate idempotent batch or a
2 GB length prefix, so these tests build the frames themselves. Everything here is
independent of the broker under test: the encodings follow Kafka's message JSON
(/work/shared/kafka-protocol/message) and the record batch v2 layout in
docs/implementation.html. Every socket operation has a timeout so a broken broker
fails a test instead of hanging it.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Optional

API_PRODUCE = 0
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18
API_INIT_PRODUCER_ID = 22

# Error codes, from Kafka's Errors.java.
NONE = 0
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
LEADER_NOT_AVAILABLE = 5
MESSAGE_TOO_LARGE = 10
INVALID_REQUIRED_ACKS = 21
UNSUPPORTED_VERSION = 35
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
DUPLICATE_SEQUENCE_NUMBER = 46

NO_PRODUCER_ID = -1
NO_PRODUCER_EPOCH = -1
NO_SEQUENCE = -1

# --------------------------------------------------------------------------- CRC-32C

def _make_crc32c_table() -> list[int]:
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) as used by record batch v2; check value of b"123456789" is 0xE3069283."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# --------------------------------------------------------------------------- primitives

def int8(v: int) -> bytes:
    return struct.pack(">b", v)


def int16(v: int) -> bytes:
    return struct.pack(">h", v)


def int32(v: int) -> bytes:
    return struct.pack(">i", v)


def int64(v: int) -> bytes:
    return struct.pack(">q", v)


def string(s: Optional[str]) -> bytes:
    if s is None:
        return int16(-1)
    raw = s.encode()
    return int16(len(raw)) + raw


def nbytes(b: Optional[bytes]) -> bytes:
    if b is None:
        return int32(-1)
    return int32(len(b)) + b


def array(items: list[bytes]) -> bytes:
    return int32(len(items)) + b"".join(items)


def uvarint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(v: int) -> bytes:
    """Zig-zag signed varint (record fields use this for 32- and 64-bit values alike)."""
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s: Optional[str]) -> bytes:
    if s is None:
        return uvarint(0)
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


EMPTY_TAGGED_FIELDS = uvarint(0)


class Reader:
    """Sequential big-endian reader over a response body; raises on truncation."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"response truncated: need {n} bytes at {self.pos}, have {len(self.data)}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int8(self) -> int:
        return struct.unpack(">b", self.take(1))[0]

    def int16(self) -> int:
        return struct.unpack(">h", self.take(2))[0]

    def int32(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def int64(self) -> int:
        return struct.unpack(">q", self.take(8))[0]

    def string(self) -> Optional[str]:
        n = self.int16()
        return None if n < 0 else self.take(n).decode()

    def nbytes(self) -> Optional[bytes]:
        n = self.int32()
        return None if n < 0 else self.take(n)

    def uvarint(self) -> int:
        shift = 0
        result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def varint(self) -> int:
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def remaining(self) -> int:
        return len(self.data) - self.pos


# --------------------------------------------------------------------------- record batch v2

@dataclass
class Record:
    key: Optional[bytes]
    value: Optional[bytes]
    headers: list[tuple[str, Optional[bytes]]] = field(default_factory=list)
    timestamp_delta: int = 0


def encode_record(offset_delta: int, rec: Record) -> bytes:
    body = bytearray()
    body += int8(0)  # record attributes, unused
    body += varint(rec.timestamp_delta)
    body += varint(offset_delta)
    body += varint(-1) if rec.key is None else varint(len(rec.key)) + rec.key
    body += varint(-1) if rec.value is None else varint(len(rec.value)) + rec.value
    body += varint(len(rec.headers))
    for hkey, hval in rec.headers:
        raw = hkey.encode()
        body += varint(len(raw)) + raw
        body += varint(-1) if hval is None else varint(len(hval)) + hval
    return varint(len(body)) + bytes(body)


def record_batch(
    records: list[Record],
    base_timestamp: Optional[int] = None,
    producer_id: int = NO_PRODUCER_ID,
    producer_epoch: int = NO_PRODUCER_EPOCH,
    base_sequence: int = NO_SEQUENCE,
    attributes: int = 0,
    corrupt_crc: bool = False,
) -> bytes:
    """An uncompressed magic-2 batch with base offset 0, as a producer sends it."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    encoded = b"".join(encode_record(i, r) for i, r in enumerate(records))
    max_ts = base_timestamp + max((r.timestamp_delta for r in records), default=0)
    after_crc = (
        int16(attributes)
        + int32(len(records) - 1)
        + int64(base_timestamp)
        + int64(max_ts)
        + int64(producer_id)
        + int16(producer_epoch)
        + int32(base_sequence)
        + int32(len(records))
        + encoded
    )
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0xDEADBEEF
    # batchLength counts from partitionLeaderEpoch to the end.
    batch_length = 4 + 1 + 4 + len(after_crc)
    return int64(0) + int32(batch_length) + int32(-1) + int8(2) + struct.pack(">I", crc) + after_crc


@dataclass
class DecodedBatch:
    base_offset: int
    attributes: int
    last_offset_delta: int
    producer_id: int
    base_sequence: int
    record_count: int
    crc_ok: bool
    raw: bytes

    @property
    def codec(self) -> int:
        return self.attributes & 0x07


def decode_batches(data: bytes) -> list[DecodedBatch]:
    """Splits a Fetch records blob into batch headers (a trailing partial batch is allowed, as in Kafka)."""
    out = []
    pos = 0
    while pos + 61 <= len(data):
        base_offset, batch_length = struct.unpack_from(">qi", data, pos)
        end = pos + 12 + batch_length
        if end > len(data):
            break
        magic = data[pos + 16]
        if magic != 2:
            raise ValueError(f"unexpected magic {magic} at fetch blob position {pos}")
        (crc,) = struct.unpack_from(">I", data, pos + 17)
        attributes, last_delta = struct.unpack_from(">hi", data, pos + 21)
        producer_id, = struct.unpack_from(">q", data, pos + 43)
        base_seq, count = struct.unpack_from(">ii", data, pos + 53)
        out.append(DecodedBatch(
            base_offset=base_offset,
            attributes=attributes,
            last_offset_delta=last_delta,
            producer_id=producer_id,
            base_sequence=base_seq,
            record_count=count,
            crc_ok=crc32c(data[pos + 21:end]) == crc,
            raw=data[pos:end],
        ))
        pos = end
    return out


# --------------------------------------------------------------------------- connection

class BrokerClosedConnection(Exception):
    pass


class WireConnection:
    """One TCP connection speaking request header v1 / response header v0 (non-flexible APIs)."""

    def __init__(self, bootstrap: str, timeout: float = 10.0, client_id: str = "itest-wire"):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.settimeout(timeout)
        self.client_id = client_id
        self.correlation_id = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "WireConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise BrokerClosedConnection(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self) -> bytes:
        (size,) = struct.unpack(">i", self.recv_exact(4))
        if size < 4 or size > 200 * 1024 * 1024:
            raise ValueError(f"implausible response size {size}")
        return self.recv_exact(size)

    def request_frame(self, api_key: int, api_version: int, body: bytes, flexible_header: bool = False) -> tuple[int, bytes]:
        self.correlation_id += 1
        header = int16(api_key) + int16(api_version) + int32(self.correlation_id) + string(self.client_id)
        if flexible_header:
            header += EMPTY_TAGGED_FIELDS
        payload = header + body
        return self.correlation_id, int32(len(payload)) + payload

    def call(self, api_key: int, api_version: int, body: bytes, flexible_header: bool = False) -> Reader:
        """Sends one request and returns a reader positioned after the v0 response header."""
        corr, frame = self.request_frame(api_key, api_version, body, flexible_header)
        self.send_raw(frame)
        reader = Reader(self.recv_frame())
        got = reader.int32()
        if got != corr:
            raise ValueError(f"correlation id mismatch: sent {corr}, got {got}")
        return reader

    def wait_closed(self, timeout: float) -> bool:
        """True when the broker closes (EOF or reset) within timeout; any bytes it sends first are drained."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True

    # ----------------------------------------------------------------------- APIs

    def api_versions_v0(self) -> tuple[int, dict[int, tuple[int, int]]]:
        reader = self.call(API_API_VERSIONS, 0, b"")
        return parse_api_versions_v0(reader)

    def init_producer_id(self, transaction_timeout_ms: int = 60000) -> tuple[int, int, int]:
        """InitProducerId v0 → (error_code, producer_id, producer_epoch)."""
        reader = self.call(API_INIT_PRODUCER_ID, 0, string(None) + int32(transaction_timeout_ms))
        reader.int32()  # throttle_time_ms
        error = reader.int16()
        return error, reader.int64(), reader.int16()

    def produce(self, topic: str, partition: int, records: bytes, acks: int = -1, timeout_ms: int = 10000) -> "PartitionProduceResult":
        """Produce v3 of one records blob to one partition."""
        body = (
            string(None)
            + int16(acks)
            + int32(timeout_ms)
            + array([string(topic) + array([int32(partition) + nbytes(records)])])
        )
        reader = self.call(API_PRODUCE, 3, body)
        results = []
        for _ in range(reader.int32()):
            name = reader.string()
            for _ in range(reader.int32()):
                results.append(PartitionProduceResult(
                    topic=name,
                    partition=reader.int32(),
                    error_code=reader.int16(),
                    base_offset=reader.int64(),
                    log_append_time=reader.int64(),
                ))
        reader.int32()  # throttle_time_ms
        if len(results) != 1:
            raise ValueError(f"expected one partition result, got {results}")
        return results[0]

    def fetch(self, topic: str, partition: int, offset: int, max_wait_ms: int, min_bytes: int = 1, max_bytes: int = 4 * 1024 * 1024) -> "PartitionFetchResult":
        """Fetch v4 of one partition."""
        body = (
            int32(-1)  # replica_id: a consumer
            + int32(max_wait_ms)
            + int32(min_bytes)
            + int32(max_bytes)
            + int8(0)  # isolation: read uncommitted
            + array([string(topic) + array([int32(partition) + int64(offset) + int32(max_bytes)])])
        )
        reader = self.call(API_FETCH, 4, body)
        reader.int32()  # throttle_time_ms
        results = []
        for _ in range(reader.int32()):
            name = reader.string()
            for _ in range(reader.int32()):
                index = reader.int32()
                error = reader.int16()
                high_watermark = reader.int64()
                reader.int64()  # last_stable_offset
                aborted = reader.int32()
                for _ in range(max(aborted, 0)):
                    reader.int64()
                    reader.int64()
                records = reader.nbytes() or b""
                results.append(PartitionFetchResult(name, index, error, high_watermark, records))
        if len(results) != 1:
            raise ValueError(f"expected one partition result, got {results}")
        return results[0]

    def metadata_v4(self, topics: Optional[list[str]], allow_auto_topic_creation: bool) -> "MetadataV4":
        topics_field = int32(-1) if topics is None else array([string(t) for t in topics])
        reader = self.call(API_METADATA, 4, topics_field + int8(1 if allow_auto_topic_creation else 0))
        reader.int32()  # throttle_time_ms
        brokers = []
        for _ in range(reader.int32()):
            node_id = reader.int32()
            host = reader.string()
            port = reader.int32()
            reader.string()  # rack
            brokers.append((node_id, host, port))
        reader.string()  # cluster_id
        controller_id = reader.int32()
        topic_results = {}
        for _ in range(reader.int32()):
            error = reader.int16()
            name = reader.string()
            reader.int8()  # is_internal
            partitions = {}
            for _ in range(reader.int32()):
                p_error = reader.int16()
                index = reader.int32()
                leader = reader.int32()
                replicas = [reader.int32() for _ in range(reader.int32())]
                isr = [reader.int32() for _ in range(reader.int32())]
                partitions[index] = (p_error, leader, replicas, isr)
            topic_results[name] = (error, partitions)
        return MetadataV4(brokers, controller_id, topic_results)


def parse_api_versions_v0(reader: Reader) -> tuple[int, dict[int, tuple[int, int]]]:
    error = reader.int16()
    versions = {}
    for _ in range(reader.int32()):
        key = reader.int16()
        versions[key] = (reader.int16(), reader.int16())
    return error, versions


@dataclass
class PartitionProduceResult:
    topic: str
    partition: int
    error_code: int
    base_offset: int
    log_append_time: int


@dataclass
class PartitionFetchResult:
    topic: str
    partition: int
    error_code: int
    high_watermark: int
    records: bytes


@dataclass
class MetadataV4:
    brokers: list[tuple[int, str, int]]
    controller_id: int
    topics: dict[str, tuple[int, dict[int, tuple[int, int, list[int], list[int]]]]]
