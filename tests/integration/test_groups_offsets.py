"""Committed offsets: consumers resume where their group committed, across consumer and broker restarts."""

import time

import pytest
from confluent_kafka import KafkaError, TopicPartition

from broker_process import render_yaml
from clients import assert_delivered, consumer, create_topic, produce_all, producer, unique_topic
from group_members import GROUP_BROKER_CONFIG, Member, offsets_partition, poll_until

PARTITIONS = 3
PER_PARTITION = 30
DEFAULT_OFFSETS_PARTITIONS = 50


@pytest.fixture(scope="module")
def broker(module_broker_factory):
    return module_broker_factory(config=GROUP_BROKER_CONFIG)


def produce_numbered(bootstrap: str, topic: str, partitions: int, per_partition: int, tag: str = "r") -> None:
    records = [{"partition": p, "value": f"{tag}-{p}-{i}".encode()} for p in range(partitions) for i in range(per_partition)]
    assert_delivered(produce_all(producer(bootstrap), topic, records))


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, tuple[int, str]]:
    c = consumer(bootstrap, **{"group.id": group})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return {tp.partition: (tp.offset, tp.metadata) for tp in tps}
    finally:
        c.close()


def first_offsets_of_a_new_member(bootstrap: str, group: str, topic: str, partitions: int, per_partition: int,
                                  start: dict[int, int]) -> dict[int, list[int]]:
    """Subscribes a fresh member and returns the offsets it reads per partition (not committing)."""
    member = Member("resumer", bootstrap, group, topic)
    try:
        member.subscribe()
        expected = sum(per_partition - start[p] for p in range(partitions))
        poll_until([member], lambda: len(member.seen) >= expected, timeout=30, what="resumed records", commit=False)
        member.poll(timeout=0.3, commit=False)
        out: dict[int, list[int]] = {}
        for m in member.seen:
            out.setdefault(m.partition, []).append(m.offset)
        return out
    finally:
        member.close()


def test_a_restarted_consumer_resumes_at_the_committed_offset(bootstrap):
    topic = unique_topic("resume")
    create_topic(bootstrap, topic, partitions=1)
    produce_numbered(bootstrap, topic, 1, 100)
    group = unique_topic("g-resume")

    first = Member("first", bootstrap, group, topic)
    try:
        first.subscribe()
        poll_until([first], lambda: len(first.seen) >= 100, timeout=30, what="first run", commit=False)
        first.consumer.commit(offsets=[TopicPartition(topic, 0, 40, metadata="resume-here")], asynchronous=False)
    finally:
        first.close()

    assert committed(bootstrap, group, topic, 1) == {0: (40, "resume-here")}
    resumed = first_offsets_of_a_new_member(bootstrap, group, topic, 1, 100, start={0: 40})
    assert resumed == {0: list(range(40, 100))}


def groups_away_from_the_first_partitions(count: int, low: int) -> list[str]:
    """Group ids Kafka keeps in `__consumer_offsets` partitions >= low, where a smaller partition count would miss them."""
    out = []
    while len(out) < count:
        g = unique_topic("g-durable")
        if offsets_partition(g, DEFAULT_OFFSETS_PARTITIONS) >= low:
            out.append(g)
    return out


def commit_known_offsets(bootstrap: str, topic: str, groups: list[str]) -> dict[str, dict[int, int]]:
    """Commits twice per partition (the second must win) and returns the final offsets per group."""
    final: dict[str, dict[int, int]] = {}
    for i, group in enumerate(groups):
        c = consumer(bootstrap, **{"group.id": group})
        try:
            final[group] = {p: 5 + 7 * i + p for p in range(PARTITIONS)}
            c.commit(offsets=[TopicPartition(topic, p, 1) for p in range(PARTITIONS)], asynchronous=False)
            c.commit(offsets=[TopicPartition(topic, p, o, metadata=f"{group}/{p}") for p, o in final[group].items()],
                     asynchronous=False)
        finally:
            c.close()
    return final


def assert_offsets_kept(bootstrap: str, topic: str, final: dict[str, dict[int, int]], when: str) -> None:
    for group, offsets in final.items():
        got = committed(bootstrap, group, topic, PARTITIONS)
        assert got == {p: (o, f"{group}/{p}") for p, o in offsets.items()}, f"{when}: group {group} committed offsets"


def test_committed_offsets_survive_kill_minus_9(broker_factory):
    b = broker_factory(config=GROUP_BROKER_CONFIG)
    topic = unique_topic("durable-offsets")
    create_topic(b.bootstrap, topic, partitions=PARTITIONS)
    produce_numbered(b.bootstrap, topic, PARTITIONS, PER_PARTITION)
    groups = groups_away_from_the_first_partitions(3, low=10)
    final = commit_known_offsets(b.bootstrap, topic, groups)

    b.kill9()
    b.start()
    assert_offsets_kept(b.bootstrap, topic, final, "after kill -9")
    for group in groups:
        resumed = first_offsets_of_a_new_member(b.bootstrap, group, topic, PARTITIONS, PER_PARTITION, final[group])
        assert resumed == {p: list(range(o, PER_PARTITION)) for p, o in final[group].items()}, f"group {group} resumed"


def test_a_changed_offsets_topic_partition_count_loses_no_group(broker_factory):
    """Kafka keeps the existing `__consumer_offsets` partitioning; a new offsets.topic.num.partitions must not hide groups."""
    b = broker_factory(config=GROUP_BROKER_CONFIG)
    topic = unique_topic("repartition")
    create_topic(b.bootstrap, topic, partitions=PARTITIONS)
    groups = groups_away_from_the_first_partitions(2, low=7)
    final = commit_known_offsets(b.bootstrap, topic, groups)

    b.config_path.write_text(render_yaml({**GROUP_BROKER_CONFIG, "offsets.topic.num.partitions": 7}))
    b.restart()
    assert_offsets_kept(b.bootstrap, topic, final, "after restarting with offsets.topic.num.partitions=7")
    assert f"has {DEFAULT_OFFSETS_PARTITIONS} partitions; keeping them" in b.log_path.read_text()

    later = commit_known_offsets(b.bootstrap, topic, groups[::-1])
    b.restart()
    assert_offsets_kept(b.bootstrap, topic, later, "commits made under the changed setting, after another restart")


def wait_for_end_of_partition(member: Member, timeout: float = 30) -> int:
    """The offset at which the member reports reaching the end of partition 0, failing if it reads a record first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in member.consumer.consume(num_messages=10, timeout=0.2):
            assert m.error() is not None, f"{member.name} read offset {m.offset()} before reaching the end"
            if m.error().code() == KafkaError._PARTITION_EOF:
                return m.offset()
            raise AssertionError(f"{member.name}: consumer error {m.error()}")
    raise AssertionError(f"{member.name} did not reach the end of the partition within {timeout}s")


def test_auto_offset_reset_earliest_latest_and_error(bootstrap):
    topic = unique_topic("reset")
    create_topic(bootstrap, topic, partitions=1)
    produce_numbered(bootstrap, topic, 1, 10, tag="old")

    earliest = Member("earliest", bootstrap, unique_topic("g-earliest"), topic, **{"auto.offset.reset": "earliest"})
    latest = Member("latest", bootstrap, unique_topic("g-latest"), topic,
                    **{"auto.offset.reset": "latest", "enable.partition.eof": True})
    failing = Member("error", bootstrap, unique_topic("g-error"), topic, **{"auto.offset.reset": "error"})
    try:
        earliest.subscribe()
        latest.subscribe()
        poll_until([earliest], lambda: len(earliest.seen) >= 10, timeout=30, what="earliest reads old records")

        assert wait_for_end_of_partition(latest) == 10, "latest did not start at the end of the partition"
        produce_numbered(bootstrap, topic, 1, 5, tag="new")
        poll_until([earliest, latest], lambda: len(latest.seen) >= 5 and len(earliest.seen) >= 15, timeout=30,
                   what="new records")
        assert [m.offset for m in earliest.seen] == list(range(15))
        assert [(m.offset, m.value) for m in latest.seen] == [(10 + i, f"new-0-{i}".encode()) for i in range(5)]

        failing.subscribe()
        deadline = time.monotonic() + 30
        error = None
        while error is None and time.monotonic() < deadline:
            for m in failing.consumer.consume(num_messages=10, timeout=0.2):
                assert m.error() is not None, f"auto.offset.reset=error delivered offset {m.offset()}"
                if m.error().code() == KafkaError._AUTO_OFFSET_RESET:
                    error = m.error()
        assert error is not None, "auto.offset.reset=error did not report _AUTO_OFFSET_RESET within 30s"
    finally:
        for m in (earliest, latest, failing):
            m.close()
