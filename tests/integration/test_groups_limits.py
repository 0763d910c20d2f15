"""The broker's group settings reach the coordinator: group.max.size and the session timeout bounds
are enforced on real clients, with the errors Kafka uses."""

import time

import pytest
from confluent_kafka import KafkaError

from clients import create_topic, unique_topic
from group_members import GROUP_BROKER_CONFIG, Member, balanced, join, open_members, poll_until  # noqa: F401

MAX_SIZE = 2
MAX_SESSION_TIMEOUT_MS = 20000


@pytest.fixture(scope="module")
def broker(module_broker_factory):
    return module_broker_factory(config={**GROUP_BROKER_CONFIG, "group.max.size": MAX_SIZE,
                                         "group.max.session.timeout.ms": MAX_SESSION_TIMEOUT_MS})


def first_error(member: Member, timeout: float = 30) -> KafkaError:
    """The first error the member's consumer reports, failing if it is handed a partition instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in member.consumer.consume(num_messages=10, timeout=0.2):
            if m.error() is not None and m.error().code() != KafkaError._PARTITION_EOF:
                return m.error()
        assert not member.partitions(), f"{member.name} was assigned {sorted(member.partitions())}"
    raise AssertionError(f"{member.name} reported no error within {timeout}s")


def test_a_member_beyond_group_max_size_is_refused(bootstrap, open_members):
    topic = unique_topic("max-size")
    create_topic(bootstrap, topic, partitions=4)
    group = unique_topic("g-max")
    members = [join(open_members, bootstrap, group, topic, f"max-{i}") for i in range(MAX_SIZE)]
    poll_until(members, balanced(members, 4), timeout=30, what=f"{MAX_SIZE} members balanced")

    extra = join(open_members, bootstrap, group, topic, "max-extra")
    assert first_error(extra).code() == KafkaError.GROUP_MAX_SIZE_REACHED
    poll_until(members, balanced(members, 4), timeout=10, what="the first members keep their partitions")


def test_a_session_timeout_above_the_maximum_is_refused(bootstrap, open_members):
    topic = unique_topic("max-session")
    create_topic(bootstrap, topic, partitions=1)
    member = join(open_members, bootstrap, unique_topic("g-session"), topic, "long-session",
                  **{"session.timeout.ms": MAX_SESSION_TIMEOUT_MS + 1000})
    assert first_error(member).code() == KafkaError.INVALID_SESSION_TIMEOUT
