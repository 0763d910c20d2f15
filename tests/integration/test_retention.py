"""Time and size retention delete whole old segments and move the log start offset forward.

Kafka checks retention every log.retention.check.interval.ms (default 5 minutes), so these
brokers run with a 1 s interval. Time retention is judged, as in Kafka, by the newest record
timestamp of a segment: the filler records carry a CreateTime an hour in the past, which makes
them expired at once under retention.ms = 10 minutes while records produced now are kept.
"""

import os
import time

import pytest
from confluent_kafka.admin import ConfigResource, ResourceType

from clients import (CLIENT_TIMEOUT_S, admin, assert_delivered, consume_all, create_topic, produce_all, producer,
                     unique_topic, wait_futures, watermarks)

CHECK_INTERVAL = {"log.retention.check.interval.ms": 1000}
SEGMENT_BYTES = 1024 * 1024  # Kafka's minimum segment.bytes
RECORDS = 4000
VALUE_BYTES = 1024  # ~4 MB in total: several segments
RETENTION_MS = 600_000
HOUR_MS = 3_600_000
RETENTION_WAIT_S = 60


@pytest.fixture(scope="module")
def bootstrap(module_broker_factory):
    return module_broker_factory(config=CHECK_INTERVAL).bootstrap


def fill(bootstrap: str, topic: str, timestamp_ms: int) -> None:
    """Writes ~4 MB of incompressible records in batches so segments roll several times."""
    recs = [{"partition": 0, "key": str(i).encode(), "value": os.urandom(VALUE_BYTES), "timestamp": timestamp_ms}
            for i in range(RECORDS)]
    assert_delivered(produce_all(producer(bootstrap, **{"linger.ms": 20}), topic, recs))


def now_ms() -> int:
    return int(time.time() * 1000)


def wait_for_log_start_to_move(bootstrap: str, topic: str) -> tuple[int, int]:
    """Waits until retention moved the log start, then until it stops moving (a pass may delete one segment)."""
    deadline = time.monotonic() + RETENTION_WAIT_S
    low, high = watermarks(bootstrap, topic, 0)
    while low == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        low, high = watermarks(bootstrap, topic, 0)
    assert low > 0, f"log start offset of {topic} still 0 after {RETENTION_WAIT_S}s: no segment was deleted"
    while time.monotonic() < deadline:
        time.sleep(2)
        settled = watermarks(bootstrap, topic, 0)
        if settled == (low, high):
            break
        low, high = settled
    return low, high


def assert_log_continues_after_retention(bootstrap: str, topic: str, low: int, high: int) -> None:
    """Records after the log start stay readable and contiguous, and new records append at the old end."""
    fresh = [{"partition": 0, "key": str(high + i).encode(), "value": b"fresh", "timestamp": now_ms()} for i in range(3)]
    deliveries = produce_all(producer(bootstrap), topic, fresh)
    assert_delivered(deliveries)
    assert [d.offset for d in deliveries] == [high, high + 1, high + 2], "retention must not change the log end"
    got = consume_all(bootstrap, topic, [0], expected=high + 3 - low, timeout=60)
    offsets = [m.offset for m in got]
    assert offsets[0] >= low, f"consumer from the beginning got offset {offsets[0]} below log start {low}"
    assert offsets == list(range(offsets[0], high + 3)), "records after the log start must stay contiguous"
    assert [m.key for m in got] == [str(o).encode() for o in offsets], "surviving records must be the newest ones"


def test_time_retention_from_topic_config(bootstrap):
    topic = unique_topic("ret-time")
    create_topic(bootstrap, topic, partitions=1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.ms": str(RETENTION_MS)})
    fill(bootstrap, topic, now_ms() - HOUR_MS)
    low, high = wait_for_log_start_to_move(bootstrap, topic)
    assert high == RECORDS, "retention must not change the log end"
    assert_log_continues_after_retention(bootstrap, topic, low, high)


def test_recent_records_are_kept_by_time_retention(bootstrap):
    topic = unique_topic("ret-recent")
    create_topic(bootstrap, topic, partitions=1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.ms": str(RETENTION_MS)})
    fill(bootstrap, topic, now_ms())
    time.sleep(3)  # three retention passes
    assert watermarks(bootstrap, topic, 0) == (0, RECORDS), "records younger than retention.ms must be kept"


def test_size_retention_from_topic_config(bootstrap):
    topic = unique_topic("ret-size")
    create_topic(bootstrap, topic, partitions=1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.bytes": str(SEGMENT_BYTES)})
    fill(bootstrap, topic, now_ms())
    low, high = wait_for_log_start_to_move(bootstrap, topic)
    assert high == RECORDS
    kept_bytes = (high - low) * VALUE_BYTES
    assert kept_bytes <= 3 * SEGMENT_BYTES, f"{kept_bytes} bytes kept with retention.bytes={SEGMENT_BYTES}"
    assert_log_continues_after_retention(bootstrap, topic, low, high)


def test_retention_from_broker_config_applies_to_auto_created_topics(broker_factory):
    b = broker_factory(config={"log.segment.bytes": SEGMENT_BYTES, "log.retention.ms": RETENTION_MS, **CHECK_INTERVAL})
    topic = unique_topic("ret-broker")
    fill(b.bootstrap, topic, now_ms() - HOUR_MS)  # auto-created with the broker's defaults
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = wait_futures(admin(b.bootstrap).describe_configs([resource], request_timeout=CLIENT_TIMEOUT_S))[resource]
    assert entries["retention.ms"].value == str(RETENTION_MS)
    assert entries["segment.bytes"].value == str(SEGMENT_BYTES)
    low, high = wait_for_log_start_to_move(b.bootstrap, topic)
    assert high == RECORDS
    b.restart()
    assert watermarks(b.bootstrap, topic, 0) == (low, high), "log start and end offsets must survive a restart"
    assert_log_continues_after_retention(b.bootstrap, topic, low, high)
