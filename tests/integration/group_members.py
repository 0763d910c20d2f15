"""Consumer-group members for the group tests: confluent-kafka consumers polled from the test thread.

Members of one group are polled round-robin by the test itself, so rebalance callbacks, commits and
consumption happen in a known order and every wait is bounded. Each member remembers every record
it consumed and every set of partitions taken from it, which is what the tests assert on.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

import pytest
from confluent_kafka import KafkaError, TopicPartition

from clients import Msg, consumer, to_msg

GROUP_BROKER_CONFIG = {
    # Kafka's default 3 s delay would only make every first join slower.
    "group.initial.rebalance.delay.ms": 0,
}
POLL_SLICE_S = 0.05


class Member:
    """One confluent-kafka consumer in a group, subscribed to one topic."""

    def __init__(self, name: str, bootstrap: str, group: str, topic: str, **conf):
        self.name = name
        self.topic = topic
        self.consumer = consumer(bootstrap, **{"group.id": group, "client.id": name, **conf})
        self.seen: list[Msg] = []
        self.revoked: list[frozenset[int]] = []
        self.closed = False

    def subscribe(self) -> None:
        self.consumer.subscribe([self.topic], on_revoke=self._on_revoke, on_lost=self._on_revoke)

    def _on_revoke(self, c, partitions) -> None:
        # A cooperative rebalance may call this with nothing to give up; only real losses count.
        if partitions:
            self.revoked.append(frozenset(tp.partition for tp in partitions))

    def partitions(self) -> frozenset[int]:
        if self.closed:
            return frozenset()
        return frozenset(tp.partition for tp in self.consumer.assignment())

    def poll(self, timeout: float = POLL_SLICE_S, commit: bool = True) -> list[Msg]:
        """Consumes what is ready and, by default, commits it synchronously before returning."""
        got = []
        for m in self.consumer.consume(num_messages=1000, timeout=timeout):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise AssertionError(f"{self.name}: consumer error: {m.error()}")
            got.append(to_msg(m))
        self.seen.extend(got)
        if got and commit:
            self.commit(got)
        return got

    def commit(self, msgs: Iterable[Msg]) -> None:
        next_offsets: dict[int, int] = {}
        for m in msgs:
            next_offsets[m.partition] = max(next_offsets.get(m.partition, 0), m.offset + 1)
        self.consumer.commit(offsets=[TopicPartition(self.topic, p, o) for p, o in sorted(next_offsets.items())],
                             asynchronous=False)

    def close(self) -> None:
        if not self.closed:
            self.consumer.close()
            self.closed = True


@pytest.fixture
def open_members():
    """Members a test creates (see `join`); closed at the end whatever happens.

    Test modules import this fixture by name.
    """
    members: list[Member] = []
    yield members
    for m in members:
        m.close()


def join(open_members: list[Member], bootstrap: str, group: str, topic: str, name: str, **conf) -> Member:
    """A new subscribed member, closed by the `open_members` fixture."""
    member = Member(name, bootstrap, group, topic, **conf)
    open_members.append(member)
    member.subscribe()
    return member


def poll_until(members: list[Member], done: Callable[[], bool], timeout: float, what: str,
               commit: bool = True) -> float:
    """Polls every open member in turn until `done()`; returns the seconds it took."""
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > timeout:
            state = {m.name: sorted(m.partitions()) for m in members if not m.closed}
            raise AssertionError(f"{what}: not reached within {timeout}s; assignments {state}")
        for m in members:
            if not m.closed:
                m.poll(commit=commit)
    return time.monotonic() - start


def balanced(members: list[Member], partitions: int) -> Callable[[], bool]:
    """Every open member holds at least one partition, none twice, and together all of them."""
    def check() -> bool:
        held = [m.partitions() for m in members if not m.closed]
        union = frozenset().union(*held)
        return all(held) and sum(len(h) for h in held) == len(union) == partitions
    return check


def assert_disjoint_cover(members: list[Member], partitions: int) -> None:
    held = {m.name: sorted(m.partitions()) for m in members if not m.closed}
    flat = sorted(p for ps in held.values() for p in ps)
    assert flat == list(range(partitions)), f"assignments {held} do not split partitions 0..{partitions - 1}"


def seen_by_everyone(members: list[Member], extra: Iterable[Msg] = ()) -> list[Msg]:
    return [m for member in members for m in member.seen] + list(extra)


def values_seen(msgs: Iterable[Msg]) -> dict[bytes, int]:
    counts: dict[bytes, int] = {}
    for m in msgs:
        counts[m.value] = counts.get(m.value, 0) + 1
    return counts


def java_string_hash(s: str) -> int:
    """Java's String.hashCode (over UTF-16 code units, wrapping at 32 bits)."""
    encoded = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(encoded), 2):
        h = (h * 31 + int.from_bytes(encoded[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def offsets_partition(group: str, partitions: int) -> int:
    """The `__consumer_offsets` partition Kafka keeps `group` in (Utils.abs(hashCode) % partitions)."""
    h = java_string_hash(group)
    return 0 if h == -(1 << 31) else abs(h) % partitions
