"""Time and size retention delete whole old segments and move the log start offset forward."""

import os
import time

from confluent_kafka.admin import ConfigResource, ResourceType

from clients import (CLIENT_TIMEOUT_S, admin, assert_delivered, consume_all, create_topic, produce_all, producer,
                     unique_topic, wait_futures, watermarks)

SEGMENT_BYTES = 1024 * 1024  # Kafka's minimum segment.bytes
RECORDS = 4000
VALUE_BYTES = 1024  # ~4 MB in total: several segments
RETENTION_WAIT_S = 90


def fill(bootstrap: str, topic: str) -> None:
    """Writes ~4 MB of incompressible records in batches so segments roll several times."""
    recs = [{"partition": 0, "key": str(i).encode(), "value": os.urandom(VALUE_BYTES)} for i in range(RECORDS)]
    assert_delivered(produce_all(producer(bootstrap, **{"linger.ms": 20}), topic, recs))


def wait_for_log_start_to_move(bootstrap: str, topic: str) -> tuple[int, int]:
    deadline = time.monotonic() + RETENTION_WAIT_S
    low, high = watermarks(bootstrap, topic, 0)
    while low == 0 and time.monotonic() < deadline:
        time.sleep(1)
        low, high = watermarks(bootstrap, topic, 0)
    assert low > 0, f"log start offset of {topic} still 0 after {RETENTION_WAIT_S}s: no segment was deleted"
    # A broker may delete one segment per pass; read only once the log start has settled.
    while time.monotonic() < deadline:
        time.sleep(2)
        settled = watermarks(bootstrap, topic, 0)
        if settled == (low, high):
            break
        low, high = settled
    return low, high


def assert_readable_from_log_start(bootstrap: str, topic: str, low: int, high: int) -> None:
    got = consume_all(bootstrap, topic, [0], expected=high - low, timeout=60)
    assert got[0].offset >= low, f"consumer from the beginning got offset {got[0].offset} below log start {low}"
    offsets = [m.offset for m in got]
    assert offsets == list(range(offsets[0], high)), "records after the log start must stay contiguous"
    assert [m.key for m in got] == [str(o).encode() for o in offsets], "surviving records must be the newest ones"


def test_time_retention_from_topic_config(bootstrap):
    topic = unique_topic("ret-time")
    create_topic(bootstrap, topic, partitions=1, config={"segment.bytes": str(SEGMENT_BYTES), "retention.ms": "1000"})
    fill(bootstrap, topic)
    time.sleep(1.5)
    low, high = wait_for_log_start_to_move(bootstrap, topic)
    assert high == RECORDS, "retention must not change the log end"
    assert low < high, "the active segment is never deleted"
    assert_readable_from_log_start(bootstrap, topic, low, high)


def test_size_retention_from_topic_config(bootstrap):
    topic = unique_topic("ret-size")
    create_topic(bootstrap, topic, partitions=1,
                 config={"segment.bytes": str(SEGMENT_BYTES), "retention.bytes": str(SEGMENT_BYTES)})
    fill(bootstrap, topic)
    low, high = wait_for_log_start_to_move(bootstrap, topic)
    assert high == RECORDS
    kept_bytes = (high - low) * VALUE_BYTES
    assert kept_bytes <= 3 * SEGMENT_BYTES, f"{kept_bytes} bytes kept with retention.bytes={SEGMENT_BYTES}"
    assert_readable_from_log_start(bootstrap, topic, low, high)


def test_retention_from_broker_config_applies_to_auto_created_topics(broker_factory):
    b = broker_factory(config={"log.segment.bytes": SEGMENT_BYTES, "log.retention.ms": 2000,
                               "log.retention.check.interval.ms": 1000})
    topic = unique_topic("ret-broker")
    fill(b.bootstrap, topic)  # auto-created with the broker's defaults
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = wait_futures(admin(b.bootstrap).describe_configs([resource], request_timeout=CLIENT_TIMEOUT_S))[resource]
    assert entries["retention.ms"].value == "2000"
    assert entries["segment.bytes"].value == str(SEGMENT_BYTES)
    time.sleep(2.5)
    low, high = wait_for_log_start_to_move(b.bootstrap, topic)
    assert high == RECORDS
    assert_readable_from_log_start(b.bootstrap, topic, low, high)
    b.restart()
    assert watermarks(b.bootstrap, topic, 0)[0] >= low, "the log start offset must survive a restart"
