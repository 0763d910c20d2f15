"""ListOffsets by timestamp and the earliest/latest watermarks, seen by confluent-kafka and kcat."""

import pytest
from confluent_kafka import TopicPartition

from clients import (CLIENT_TIMEOUT_S, assert_delivered, consumer, create_topic, kcat_consume, produce_all, producer,
                     unique_topic, watermarks)

T0 = 1_700_000_000_000
COUNT = 60
DIP_OFFSET = 50  # a record whose CreateTime goes backwards: lookups must return the first offset in log order


def timestamp_of(i: int) -> int:
    return T0 + 10_500 if i == DIP_OFFSET else T0 + i * 1000


@pytest.fixture(scope="module")
def timed_topic(bootstrap):
    topic = unique_topic("times")
    create_topic(bootstrap, topic, partitions=1)
    # Several producers and codecs so the records span many batches, some compressed.
    for start, codec in ((0, "none"), (20, "lz4"), (40, "zstd")):
        recs = [{"partition": 0, "value": f"r{i}".encode(), "timestamp": timestamp_of(i)} for i in range(start, start + 20)]
        deliveries = produce_all(producer(bootstrap, **{"compression.type": codec, "batch.num.messages": 7}), topic, recs)
        assert_delivered(deliveries)
    return topic


def offset_for_time(bootstrap: str, topic: str, ts: int) -> int:
    c = consumer(bootstrap)
    try:
        [tp] = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=CLIENT_TIMEOUT_S)
        assert tp.error is None, f"offsets_for_times({ts}) failed: {tp.error}"
        return tp.offset
    finally:
        c.close()


def first_offset_at_or_after(ts: int) -> int:
    return next((i for i in range(COUNT) if timestamp_of(i) >= ts), -1)


@pytest.mark.parametrize("ts,expected", [
    (0, 0),
    (T0 - 1, 0),
    (T0, 0),
    (T0 + 1, 1),
    (T0 + 10_000, 10),
    (T0 + 10_200, 11),  # the dip at offset 50 (T0+10_500) comes later in the log
    (T0 + 19_999, 20),
    (T0 + 20_000, 20),  # first record of the lz4 batches
    (T0 + 59_000, 59),
    (T0 + 59_001, -1),  # nothing at or after: Kafka answers offset -1
])
def test_offsets_for_times_returns_first_offset_at_or_after(bootstrap, timed_topic, ts, expected):
    assert first_offset_at_or_after(ts) == expected, "test table is inconsistent with timestamp_of"
    assert offset_for_time(bootstrap, timed_topic, ts) == expected


def test_watermarks(bootstrap, timed_topic):
    assert watermarks(bootstrap, timed_topic, 0) == (0, COUNT)


def test_kcat_reads_last_record_with_relative_offset(bootstrap, timed_topic):
    msgs = kcat_consume(bootstrap, timed_topic, "-o", "-1")
    assert [(m.offset, m.value, m.timestamp) for m in msgs] == [(COUNT - 1, f"r{COUNT - 1}".encode(), timestamp_of(COUNT - 1))]


def test_kcat_starts_at_timestamp(bootstrap, timed_topic):
    msgs = kcat_consume(bootstrap, timed_topic, "-o", f"s@{T0 + 44_500}")
    assert [m.offset for m in msgs] == list(range(45, COUNT))
    assert [m.timestamp for m in msgs] == [timestamp_of(i) for i in range(45, COUNT)]


def test_kcat_stops_at_end_timestamp(bootstrap, timed_topic):
    msgs = kcat_consume(bootstrap, timed_topic, "-o", "beginning", "-o", f"e@{T0 + 5_000}")
    assert [m.offset for m in msgs] == [0, 1, 2, 3, 4]


def test_empty_partition_watermarks_and_times(bootstrap):
    topic = unique_topic("times-empty")
    create_topic(bootstrap, topic, partitions=1)
    assert watermarks(bootstrap, topic, 0) == (0, 0)
    assert offset_for_time(bootstrap, topic, T0) == -1
