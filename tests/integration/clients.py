"""Bounded helpers around the real clients (confluent-kafka, kcat, Debian's librdkafka 2.0.2).

Every call has a timeout: a broker that never answers fails the test within seconds.
Records are compared as `Msg` values so that every client's view is checked the same way,
byte for byte.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

CLIENT_TIMEOUT_S = 10
SUBPROCESS_TIMEOUT_S = 60
DEBIAN_PYTHON = "/usr/bin/python3"
LEGACY_CLIENT = Path(__file__).with_name("legacy_client.py")

COMMON_CONF = {
    # Client logs go through Python logging: pytest shows them with a failing test, and a client
    # kept alive by a failure's traceback does not spam later tests' output with reconnect errors.
    "logger": logging.getLogger("librdkafka"),
    "socket.timeout.ms": 10000,
    "broker.address.family": "v4",
    "api.version.request.timeout.ms": 5000,
    "topic.metadata.refresh.interval.ms": 5000,
    "log.connection.close": False,
}


@dataclass(frozen=True)
class Msg:
    """One record as a consumer sees it; headers is a tuple of (name, value-or-None)."""
    partition: int
    offset: int
    key: Optional[bytes]
    value: Optional[bytes]
    headers: tuple
    timestamp: int

    def content(self) -> tuple:
        return (self.key, self.value, self.headers)


def unique_topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- confluent-kafka

_admins: dict[str, AdminClient] = {}


def admin(bootstrap: str) -> AdminClient:
    """One cached AdminClient per address: a dropped AdminClient cancels its pending futures."""
    if bootstrap not in _admins:
        _admins[bootstrap] = AdminClient({"bootstrap.servers": bootstrap, **COMMON_CONF})
    return _admins[bootstrap]


def forget_admin(bootstrap: str) -> None:
    """Drops the cached AdminClient of a broker that is gone, so it stops reconnecting in the background."""
    _admins.pop(bootstrap, None)


def wait_futures(futures: dict) -> dict:
    return {key: f.result(timeout=CLIENT_TIMEOUT_S) for key, f in futures.items()}


def create_topic(bootstrap: str, name: str, partitions: int = 1, config: Optional[dict] = None) -> None:
    futures = admin(bootstrap).create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=CLIENT_TIMEOUT_S,
        request_timeout=CLIENT_TIMEOUT_S,
    )
    wait_futures(futures)
    wait_for_partitions(bootstrap, name, partitions)


def topic_partition_count(bootstrap: str, name: str) -> Optional[int]:
    """Partition count from metadata, or None if the topic does not exist.

    Asks through a consumer: librdkafka's producer and admin handles request metadata with
    allow_auto_topic_creation=true and would create the topic being checked.
    """
    c = consumer(bootstrap)
    try:
        md = c.list_topics(topic=name, timeout=CLIENT_TIMEOUT_S)
    finally:
        c.close()
    topic = md.topics.get(name)
    if topic is None or topic.error is not None:
        return None
    return len(topic.partitions)


def wait_for_partitions(bootstrap: str, name: str, partitions: int, timeout: float = CLIENT_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        seen = topic_partition_count(bootstrap, name)
        if seen == partitions:
            return
        time.sleep(0.1)
    raise AssertionError(f"topic {name} has {seen} partitions in metadata after {timeout}s, expected {partitions}")


def producer(bootstrap: str, **conf) -> Producer:
    base = {
        "bootstrap.servers": bootstrap,
        "message.timeout.ms": 10000,
        "request.timeout.ms": 5000,
        "linger.ms": 5,
        **COMMON_CONF,
    }
    base.update({k.replace("_", "."): v for k, v in conf.items()})
    return Producer(base)


@dataclass
class Delivery:
    index: int
    error: Optional[KafkaError]
    partition: int
    offset: int


def produce_all(p: Producer, topic: str, records: Iterable[dict], flush_timeout: float = 30.0) -> list[Delivery]:
    """Produces records (dicts of Producer.produce kwargs) and returns one delivery report each, in input order."""
    reports: dict[int, Delivery] = {}

    def callback_for(i: int):
        def on_delivery(err, msg):
            reports[i] = Delivery(i, err, msg.partition(), msg.offset())
        return on_delivery

    count = 0
    for i, rec in enumerate(records):
        while True:
            try:
                p.produce(topic, on_delivery=callback_for(i), **rec)
                break
            except BufferError:
                p.poll(0.1)
        count += 1
        p.poll(0)
    remaining = p.flush(flush_timeout)
    assert remaining == 0, f"{remaining} messages still undelivered after flushing {flush_timeout}s"
    assert len(reports) == count, f"got {len(reports)} delivery reports for {count} messages"
    return [reports[i] for i in range(count)]


def assert_delivered(deliveries: list[Delivery]) -> None:
    failed = [d for d in deliveries if d.error is not None]
    assert not failed, f"{len(failed)} of {len(deliveries)} deliveries failed, first: {failed[0].error}"


def consumer(bootstrap: str, **conf) -> Consumer:
    base = {
        "bootstrap.servers": bootstrap,
        "group.id": f"itest-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
        "session.timeout.ms": 10000,
        **COMMON_CONF,
    }
    base.update({k.replace("_", "."): v for k, v in conf.items()})
    return Consumer(base)


def to_msg(m) -> Msg:
    _, ts = m.timestamp()
    headers = tuple((k, v) for k, v in (m.headers() or []))
    return Msg(m.partition(), m.offset(), m.key(), m.value(), headers, ts)


def consume_all(bootstrap: str, topic: str, partitions: Iterable[int], expected: int, timeout: float = 30.0,
                start_offset: int = OFFSET_BEGINNING, **conf) -> list[Msg]:
    """Reads `expected` records from the given partitions (from the beginning), failing on any error."""
    c = consumer(bootstrap, **conf)
    try:
        c.assign([TopicPartition(topic, p, start_offset) for p in partitions])
        out: list[Msg] = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for m in c.consume(num_messages=1000, timeout=0.5):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise AssertionError(f"consumer error on {topic}: {m.error()}")
                out.append(to_msg(m))
        assert len(out) >= expected, f"consumed {len(out)} of {expected} records from {topic} within {timeout}s"
        # Give a broker that returns too many records a moment to show it.
        for m in c.consume(num_messages=1000, timeout=0.3):
            if not m.error():
                out.append(to_msg(m))
        return out
    finally:
        c.close()


def watermarks(bootstrap: str, topic: str, partition: int) -> tuple[int, int]:
    c = consumer(bootstrap)
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=CLIENT_TIMEOUT_S, cached=False)
    finally:
        c.close()


def by_partition(msgs: Iterable[Msg]) -> dict[int, list[Msg]]:
    out: dict[int, list[Msg]] = {}
    for m in msgs:
        out.setdefault(m.partition, []).append(m)
    for lst in out.values():
        lst.sort(key=lambda m: m.offset)
    return out


def assert_contiguous_from_zero(msgs: list[Msg], what: str) -> None:
    offsets = [m.offset for m in msgs]
    assert offsets == list(range(len(offsets))), f"{what}: offsets are not 0..{len(offsets) - 1}: {offsets[:20]}..."


def kafka_error_code(exc: BaseException) -> Optional[int]:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return exc.args[0].code()
    return None


# --------------------------------------------------------------------------- kcat (librdkafka 2.0.2)

KCAT_RECORD_SEP = b"\x1e"
KCAT_KEY_SEP = b"\x1f"
# Each record: a text line of lengths and metadata, then exactly K key bytes and S value bytes.
# Headers are left out: kcat prints their values raw, so binary ones cannot be parsed back
# (the legacy client checks librdkafka 2.0.2's view of headers byte for byte instead).
KCAT_FORMAT = "%p %o %T %K %S\\n%k%s\\n"


def run(cmd: list[str], input: Optional[bytes] = None, timeout: float = SUBPROCESS_TIMEOUT_S) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {proc.returncode}\nstdout: {proc.stdout[-4000:]!r}\nstderr: {proc.stderr[-4000:].decode(errors='replace')}"
        )
    return proc


def kcat(bootstrap: str, *args: str, input: Optional[bytes] = None) -> subprocess.CompletedProcess:
    return run(["kcat", "-b", bootstrap, "-m", "10", "-X", "socket.timeout.ms=10000", "-X", "broker.address.family=v4", *args], input=input)


def kcat_produce(bootstrap: str, topic: str, partition: int, pairs: list[tuple[bytes, bytes]], codec: str,
                 headers: Iterable[tuple[str, str]] = ()) -> None:
    """Produces key/value pairs with kcat -K; neither may contain the 0x1e/0x1f separators."""
    for k, v in pairs:
        assert KCAT_RECORD_SEP not in k + v and KCAT_KEY_SEP not in k + v
    data = KCAT_RECORD_SEP.join(k + KCAT_KEY_SEP + v for k, v in pairs) + KCAT_RECORD_SEP
    header_args = [a for name, value in headers for a in ("-H", f"{name}={value}")]
    kcat(bootstrap, "-P", "-t", topic, "-p", str(partition), "-D", "\\x1e", "-K", "\\x1f",
         "-X", f"compression.codec={codec}", "-X", "message.timeout.ms=10000", *header_args, input=data)


def kcat_consume(bootstrap: str, topic: str, *extra: str) -> list[Msg]:
    """Consumes with kcat -C -e and parses its binary-safe -f output into Msgs (headers always empty)."""
    out = kcat(bootstrap, "-C", "-e", "-t", topic, "-f", KCAT_FORMAT, *extra).stdout
    return parse_kcat_output(out)


def parse_kcat_output(out: bytes) -> list[Msg]:
    msgs = []
    pos = 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        partition, offset, ts, klen, vlen = (int(x) for x in out[pos:nl].decode().split(" "))
        pos = nl + 1
        key = None if klen < 0 else out[pos:pos + klen]
        pos += max(klen, 0)
        value = None if vlen < 0 else out[pos:pos + vlen]
        pos += max(vlen, 0)
        if out[pos:pos + 1] != b"\n":
            raise AssertionError(f"kcat output misparsed at byte {pos}: {out[pos - 40:pos + 40]!r}")
        pos += 1
        msgs.append(Msg(partition, offset, key, value, (), ts))
    return msgs


# --------------------------------------------------------------------------- Debian python3-confluent-kafka (librdkafka 2.0.2)

def legacy_client(bootstrap: str, request: dict) -> dict:
    """Runs legacy_client.py under Debian's /usr/bin/python3; binary fields travel base64-encoded."""
    proc = run([DEBIAN_PYTHON, str(LEGACY_CLIENT), bootstrap], input=json.dumps(request).encode())
    return json.loads(proc.stdout)


def b64(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else base64.b64encode(b).decode()


def unb64(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else base64.b64decode(s)
