"""Groups seen through other clients: kafka-python's consumer and admin, confluent-kafka's AdminClient,
and Debian's librdkafka 2.0.2 (kcat -G) consuming and committing in a group."""

import time

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaException
from confluent_kafka import TopicPartition as CTopicPartition

from clients import (CLIENT_TIMEOUT_S, admin, assert_delivered, consumer, create_topic, kafka_error_code, kcat,
                     parse_kcat_output, produce_all, producer, unique_topic, wait_futures, KCAT_FORMAT)
from group_members import GROUP_BROKER_CONFIG

kafka = pytest.importorskip("kafka", reason="kafka-python is not installed (scripts/install-deps.sh installs it)")
from kafka import KafkaConsumer, TopicPartition  # noqa: E402
from kafka.errors import for_code  # noqa: E402
from kafka.admin import KafkaAdminClient  # noqa: E402

PARTITIONS = 3
PER_PARTITION = 10
GROUP_ID_NOT_EMPTY = 68


@pytest.fixture(scope="module")
def broker(module_broker_factory):
    return module_broker_factory(config=GROUP_BROKER_CONFIG)


@pytest.fixture
def topic(bootstrap):
    name = unique_topic("grp-admin")
    create_topic(bootstrap, name, partitions=PARTITIONS)
    records = [{"partition": p, "value": f"v-{p}-{i}".encode()} for p in range(PARTITIONS) for i in range(PER_PARTITION)]
    assert_delivered(produce_all(producer(bootstrap), name, records))
    return name


@pytest.fixture
def kp_admin(bootstrap):
    client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    yield client
    client.close()


def kp_group_member(bootstrap: str, group: str, topic: str) -> KafkaConsumer:
    """A kafka-python member that has consumed every record and committed its position."""
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      auto_offset_reset="earliest", request_timeout_ms=15000, fetch_max_wait_ms=100,
                      session_timeout_ms=10000, heartbeat_interval_ms=1000)
    seen = 0
    deadline = time.monotonic() + 30
    while seen < PARTITIONS * PER_PARTITION and time.monotonic() < deadline:
        seen += sum(len(batch) for batch in c.poll(timeout_ms=200).values())
    assert seen == PARTITIONS * PER_PARTITION, f"kafka-python member consumed {seen} records"
    c.commit()
    return c


def test_kafka_python_member_and_both_admin_clients_agree_on_the_group(bootstrap, topic, kp_admin):
    group = unique_topic("g-kp")
    member = kp_group_member(bootstrap, group, topic)
    try:
        assert member.assignment() == {TopicPartition(topic, p) for p in range(PARTITIONS)}

        listed = kp_admin.list_groups()
        assert any(g["group_id"] == group and g["protocol_type"] == "consumer" for g in listed), listed
        described = kp_admin.describe_groups([group])[group]
        assert (described["group_state"], described["protocol_type"], described["protocol_data"]) == \
            ("Stable", "consumer", "range")
        [kp_member] = described["members"]
        assert kp_member["member_metadata"]["topics"] == [topic]
        assert sorted(kp_member["member_assignment"]["assigned_partitions"][0]["partitions"]) == list(range(PARTITIONS))
        offsets = kp_admin.list_group_offsets({group: None})[group]
        assert {tp: meta.offset for tp, meta in offsets.items()} == \
            {TopicPartition(topic, p): PER_PARTITION for p in range(PARTITIONS)}

        c_admin = admin(bootstrap)
        groups = c_admin.list_consumer_groups(request_timeout=CLIENT_TIMEOUT_S).result(timeout=CLIENT_TIMEOUT_S)
        [listing] = [g for g in groups.valid if g.group_id == group]
        assert (listing.state, listing.is_simple_consumer_group) == (ConsumerGroupState.STABLE, False)
        description = wait_futures(c_admin.describe_consumer_groups([group], request_timeout=CLIENT_TIMEOUT_S))[group]
        assert (description.state, description.partition_assignor, len(description.members)) == \
            (ConsumerGroupState.STABLE, "range", 1)
        assigned = description.members[0].assignment.topic_partitions
        assert sorted((tp.topic, tp.partition) for tp in assigned) == [(topic, p) for p in range(PARTITIONS)]
        fetched = wait_futures(c_admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]))[group]
        assert sorted((tp.partition, tp.offset) for tp in fetched.topic_partitions) == \
            [(p, PER_PARTITION) for p in range(PARTITIONS)]
    finally:
        member.close()


def test_a_group_with_members_cannot_be_deleted_an_empty_one_can(bootstrap, topic, kp_admin):
    group = unique_topic("g-delete")
    member = kp_group_member(bootstrap, group, topic)
    try:
        errors = kp_admin.delete_groups([group])
        assert errors == {group: for_code(GROUP_ID_NOT_EMPTY).__name__}, "kafka-python deleting a group with a member"
        future = admin(bootstrap).delete_consumer_groups([group], request_timeout=CLIENT_TIMEOUT_S)[group]
        with pytest.raises(KafkaException) as refused:
            future.result(timeout=CLIENT_TIMEOUT_S)
        assert kafka_error_code(refused.value) == GROUP_ID_NOT_EMPTY
    finally:
        member.close()

    described = wait_futures(admin(bootstrap).describe_consumer_groups([group], request_timeout=CLIENT_TIMEOUT_S))
    assert (described[group].state, described[group].members) == (ConsumerGroupState.EMPTY, [])
    wait_futures(admin(bootstrap).delete_consumer_groups([group], request_timeout=CLIENT_TIMEOUT_S))

    listed = admin(bootstrap).list_consumer_groups(request_timeout=CLIENT_TIMEOUT_S).result(timeout=CLIENT_TIMEOUT_S)
    assert group not in {g.group_id for g in listed.valid}
    c = consumer(bootstrap, **{"group.id": group})
    try:
        tps = c.committed([CTopicPartition(topic, p) for p in range(PARTITIONS)], timeout=CLIENT_TIMEOUT_S)
        assert [tp.offset for tp in tps] == [-1001] * PARTITIONS, "a deleted group kept its offsets"
    finally:
        c.close()


def kcat_group_consume(bootstrap: str, group: str, topic: str, count: int):
    """kcat (librdkafka 2.0.2) as a group member: reads `count` records, auto-commits and leaves on exit."""
    out = kcat(bootstrap, "-G", group, "-c", str(count), "-f", KCAT_FORMAT,
               "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=10000", topic).stdout
    return parse_kcat_output(out)


def test_debian_librdkafka_consumes_and_commits_in_a_group(bootstrap, topic):
    group = unique_topic("g-kcat")
    first = kcat_group_consume(bootstrap, group, topic, PARTITIONS * PER_PARTITION)
    assert sorted((m.partition, m.offset) for m in first) == \
        [(p, o) for p in range(PARTITIONS) for o in range(PER_PARTITION)]

    fetched = wait_futures(admin(bootstrap).list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]))[group]
    assert sorted((tp.partition, tp.offset) for tp in fetched.topic_partitions) == \
        [(p, PER_PARTITION) for p in range(PARTITIONS)], "kcat's commits on leaving the group"

    more = [{"partition": p, "value": f"more-{p}-{i}".encode()} for p in range(PARTITIONS) for i in range(4)]
    assert_delivered(produce_all(producer(bootstrap), topic, more))
    second = kcat_group_consume(bootstrap, group, topic, len(more))
    assert sorted((m.partition, m.offset, m.value) for m in second) == \
        sorted((r["partition"], PER_PARTITION + int(r["value"].rsplit(b"-", 1)[1]), r["value"]) for r in more)
