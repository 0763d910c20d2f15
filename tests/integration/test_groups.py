"""Consumer groups with real librdkafka consumers: partitions split, members join, leave or die, nothing is lost.

Every member commits synchronously right after it consumes, so a record may be consumed twice only if
the member that first consumed it had not committed it; these tests check exactly that.
"""

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import TopicPartition

from clients import Msg, admin, assert_delivered, create_topic, produce_all, producer, unique_topic
from group_members import (GROUP_BROKER_CONFIG, Member, assert_disjoint_cover, balanced, join, open_members,  # noqa: F401
                           poll_until, seen_by_everyone, values_seen)

PARTITIONS = 6
PER_PARTITION = 100
SESSION_TIMEOUT_S = 6.0
MEMBER_PROCESS = Path(__file__).with_name("group_member_process.py")


@pytest.fixture(scope="module")
def broker(module_broker_factory):
    return module_broker_factory(config=GROUP_BROKER_CONFIG)


@pytest.fixture
def topic(bootstrap):
    name = unique_topic("grp")
    create_topic(bootstrap, name, partitions=PARTITIONS)
    return name


def produce_round(bootstrap: str, topic: str, tag: str) -> list[bytes]:
    values = [f"{tag}-{i:05d}".encode() for i in range(PER_PARTITION * PARTITIONS)]
    records = [{"partition": i % PARTITIONS, "value": v} for i, v in enumerate(values)]
    assert_delivered(produce_all(producer(bootstrap), topic, records))
    return values


def everything_seen(members: list[Member], produced: list[bytes], also=lambda: ()):
    wanted = set(produced)
    return lambda: wanted <= set(values_seen(seen_by_everyone(members, also())))


def drain(members: list[Member], seconds: float = 0.5) -> None:
    """Polls a little longer so a record delivered twice shows up before the test counts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for m in members:
            if not m.closed:
                m.poll()


def assert_each_seen_once(counts: dict[bytes, int], produced: list[bytes], what: str) -> None:
    missing = [v for v in produced if v not in counts]
    assert not missing, f"{what}: {len(missing)} of {len(produced)} records never consumed, first {missing[:3]}"
    repeated = {v: n for v, n in counts.items() if n != 1}
    assert not repeated, f"{what}: {len(repeated)} records consumed more than once, first {list(repeated.items())[:3]}"
    unexpected = set(counts) - set(produced)
    assert not unexpected, f"{what}: consumed records nobody produced: {sorted(unexpected)[:3]}"


def committed_offsets(member: Member, topic: str) -> list[tuple[int, int]]:
    tps = member.consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
    return [(tp.partition, tp.offset) for tp in tps]


def test_three_members_split_partitions_and_consume_each_record_once(bootstrap, topic, open_members):
    group = unique_topic("g-split")
    members = [join(open_members, bootstrap, group, topic, f"split-{i}") for i in range(3)]
    rebalance_s = poll_until(members, balanced(members, PARTITIONS), timeout=30, what="three members balanced")
    print(f"\n[rebalance] 3 members subscribing together: {rebalance_s:.3f} s from the third subscribe "
          f"to all three holding partitions (about 0.3 s when all three make the first generation; about 3.3 s "
          f"when the first member's join completes alone and it hears of the next rebalance at its next heartbeat)")
    assert_disjoint_cover(members, PARTITIONS)
    assignment = {m.name: m.partitions() for m in members}

    produced = produce_round(bootstrap, topic, "split")
    poll_until(members, everything_seen(members, produced), timeout=30, what="all records consumed")
    drain(members)

    assert_each_seen_once(values_seen(seen_by_everyone(members)), produced, "three members")
    for m in members:
        assert m.partitions() == assignment[m.name], f"{m.name} was rebalanced while the group was stable"
        foreign = {r.partition for r in m.seen} - assignment[m.name]
        assert not foreign, f"{m.name} consumed partitions {sorted(foreign)} it was not assigned"
    assert committed_offsets(members[0], topic) == [(p, PER_PARTITION) for p in range(PARTITIONS)]


def test_a_member_that_leaves_hands_its_partitions_over(bootstrap, topic, open_members):
    group = unique_topic("g-leave")
    members = [join(open_members, bootstrap, group, topic, f"leave-{i}") for i in range(2)]
    poll_until(members, balanced(members, PARTITIONS), timeout=30, what="two members balanced")
    members.append(join(open_members, bootstrap, group, topic, "leave-2"))
    join_s = poll_until(members, balanced(members, PARTITIONS), timeout=30, what="third member balanced in")
    print(f"\n[rebalance] a third member joining a stable group of 2: {join_s:.3f} s "
          f"(bounded by the others' heartbeat.interval.ms, librdkafka default 3000)")

    before = produce_round(bootstrap, topic, "before-leave")
    poll_until(members, everything_seen(members, before), timeout=30, what="records before the leave consumed")

    leaver, survivors = members[2], members[:2]
    orphaned = leaver.partitions()
    leaver.close()
    leave_s = poll_until(survivors, balanced(survivors, PARTITIONS), timeout=30, what="survivors took over")
    print(f"[rebalance] after a member's LeaveGroup the other two hold all partitions in {leave_s:.3f} s")
    assert orphaned <= survivors[0].partitions() | survivors[1].partitions()

    after = produce_round(bootstrap, topic, "after-leave")
    poll_until(survivors, everything_seen(survivors, after), timeout=30, what="records after the leave consumed")
    drain(survivors)

    assert_each_seen_once(values_seen(seen_by_everyone(members)), before + after, "across the leave")
    assert committed_offsets(survivors[0], topic) == [(p, 2 * PER_PARTITION) for p in range(PARTITIONS)]


class MemberProcess:
    """group_member_process.py in a subprocess, its JSON events collected by a reader thread."""

    def __init__(self, bootstrap: str, group: str, topic: str, log_path: Path):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, str(MEMBER_PROCESS), bootstrap, group, topic],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.events: queue.Queue = queue.Queue()
        self.partitions: frozenset[int] = frozenset()
        self.records: dict[tuple[int, int], bytes] = {}
        self.committed: dict[int, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def update(self) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            if event["event"] == "assigned":
                self.partitions = frozenset(event["partitions"])
            elif event["event"] == "record":
                self.records[(event["partition"], event["offset"])] = event["value"].encode()
            elif event["event"] == "committed":
                self.committed = {int(p): o for p, o in event["offsets"].items()}

    def commit_reported(self) -> bool:
        self.update()
        return bool(self.committed)

    def msgs(self) -> list[Msg]:
        """Every record the process reported consuming so far."""
        self.update()
        return [Msg(p, o, None, v, (), 0) for (p, o), v in self.records.items()]

    def command(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()

    def alive(self) -> bool:
        return self.proc.poll() is None


def test_a_killed_member_is_replaced_after_its_session_timeout(bootstrap, topic, open_members, tmp_path):
    group = unique_topic("g-kill")
    victim = MemberProcess(bootstrap, group, topic, tmp_path / "killed-member.log")
    try:
        survivors = [join(open_members, bootstrap, group, topic, f"kill-{i}",
                          **{"session.timeout.ms": int(SESSION_TIMEOUT_S * 1000), "heartbeat.interval.ms": 1000})
                     for i in range(2)]

        def three_way_split() -> bool:
            victim.update()
            assert victim.alive(), f"member process exited: {(tmp_path / 'killed-member.log').read_text()}"
            held = [victim.partitions] + [s.partitions() for s in survivors]
            return all(held) and sorted(p for h in held for p in h) == list(range(PARTITIONS))

        poll_until(survivors, three_way_split, timeout=30, what="member process and two survivors balanced")
        victim_partitions = victim.partitions

        before = produce_round(bootstrap, topic, "before-kill")
        poll_until(survivors, everything_seen(survivors, before, also=victim.msgs),
                   timeout=30, what="records before the kill consumed")
        victim.command("commit-half")
        poll_until(survivors, victim.commit_reported, timeout=15, what="victim's commit")
        uncommitted = {(p, o) for (p, o) in victim.records if o >= victim.committed[p]}
        assert victim.committed.keys() == victim_partitions
        assert uncommitted, "the killed member must die with uncommitted work for this test to mean anything"

        victim.kill9()
        takeover_s = poll_until(survivors, balanced(survivors, PARTITIONS), timeout=30,
                                what="survivors took the killed member's partitions")
        print(f"\n[rebalance] killed member's partitions taken over {takeover_s:.3f} s after SIGKILL "
              f"(session.timeout.ms={int(SESSION_TIMEOUT_S * 1000)})")
        assert takeover_s >= SESSION_TIMEOUT_S - 2.0, (
            f"partitions moved {takeover_s:.1f}s after the kill, before the {SESSION_TIMEOUT_S}s session could expire")

        after = produce_round(bootstrap, topic, "after-kill")
        poll_until(survivors, everything_seen(survivors, before + after, also=victim.msgs),
                   timeout=30, what="every record consumed after the takeover")
        drain(survivors)

        by_position: dict[tuple[int, int], int] = {}
        for r in seen_by_everyone(survivors):
            by_position[(r.partition, r.offset)] = by_position.get((r.partition, r.offset), 0) + 1
        for position in victim.records:
            by_position[position] = by_position.get(position, 0) + 1
        repeated = {pos for pos, n in by_position.items() if n > 1}
        assert not {pos for pos, n in by_position.items() if n > 2}, "a record was consumed three times"
        assert repeated == uncommitted, (
            f"records consumed twice {sorted(repeated)[:5]}... must be exactly the killed member's uncommitted ones "
            f"{sorted(uncommitted)[:5]}... (its commits {victim.committed})")
        values = values_seen(seen_by_everyone(survivors, victim.msgs()))
        assert set(before + after) == set(values), "a record was lost"
        assert committed_offsets(survivors[0], topic) == [(p, 2 * PER_PARTITION) for p in range(PARTITIONS)]
    finally:
        if victim.alive():
            victim.kill9()


def test_cooperative_sticky_moves_only_the_partitions_that_must_move(bootstrap, topic, open_members):
    group = unique_topic("g-coop")
    conf = {"partition.assignment.strategy": "cooperative-sticky"}
    a = join(open_members, bootstrap, group, topic, "coop-a", **conf)
    poll_until([a], lambda: len(a.partitions()) == PARTITIONS, timeout=30, what="first member holds everything")
    [described] = admin(bootstrap).describe_consumer_groups([group], request_timeout=10).values()
    assert described.result(timeout=10).partition_assignor == "cooperative-sticky"

    b = join(open_members, bootstrap, group, topic, "coop-b", **conf)
    a_alone = a.partitions()
    poll_until([a, b], balanced([a, b], PARTITIONS), timeout=30, what="second member balanced in")
    assert len(a.partitions()) == len(b.partitions()) == PARTITIONS // 2
    assert a.revoked == [a_alone - a.partitions()], f"a gave up {a.revoked}, not just what b got"

    c = join(open_members, bootstrap, group, topic, "coop-c", **conf)
    a_two, b_two = a.partitions(), b.partitions()
    poll_until([a, b, c], balanced([a, b, c], PARTITIONS), timeout=30, what="third member balanced in")
    assert [len(m.partitions()) for m in (a, b, c)] == [2, 2, 2]
    assert a.partitions() <= a_two and b.partitions() <= b_two, "sticky assignment moved a partition it did not need to"

    first = produce_round(bootstrap, topic, "coop-1")
    poll_until([a, b, c], everything_seen([a, b, c], first), timeout=30, what="records consumed by three")

    a_three, c_three, a_revocations, c_revocations = a.partitions(), c.partitions(), len(a.revoked), len(c.revoked)
    b.close()
    poll_until([a, c], balanced([a, c], PARTITIONS), timeout=30, what="b's partitions taken over after it left")
    assert a.partitions() >= a_three and c.partitions() >= c_three, "a member lost a partition when b left"
    assert (len(a.revoked), len(c.revoked)) == (a_revocations, c_revocations), "b leaving revoked partitions of others"

    second = produce_round(bootstrap, topic, "coop-2")
    poll_until([a, c], everything_seen([a, c], second), timeout=30, what="records consumed after b left")
    drain([a, c])
    assert_each_seen_once(values_seen(seen_by_everyone([a, b, c])), first + second, "cooperative group")
