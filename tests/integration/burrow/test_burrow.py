"""Burrow, a consumer-lag monitor built on sarama (a fourth Kafka client family), reports the lag of a
group that committed through our coordinator: it reads `__consumer_offsets` in Kafka's own record
format and the topic's end offsets, and subtracts."""

import pytest
from confluent_kafka import TopicPartition

from burrow_process import CLIENT_ID, CLUSTER, BurrowProcess, burrow_missing_reason
from clients import assert_delivered, consumer, create_topic, produce_all, producer, unique_topic
from group_members import GROUP_BROKER_CONFIG, Member, poll_until
from zookeeper_process import ZooKeeperProcess, zookeeper_missing_reason

LAG_TIMEOUT_S = 60
# Records per partition, and the offsets the group commits: the lag Burrow must report is their difference.
PRODUCED = {0: 40, 1: 25}
COMMITTED = {0: 30, 1: 10}

missing = burrow_missing_reason() or zookeeper_missing_reason()
pytestmark = pytest.mark.skipif(missing is not None, reason=f"Burrow test needs Debian's burrow and zookeeper: {missing}")


@pytest.fixture(scope="module")
def broker(module_broker_factory):
    return module_broker_factory(config=GROUP_BROKER_CONFIG)


@pytest.fixture(scope="module")
def zookeeper(tmp_path_factory):
    zk = ZooKeeperProcess(tmp_path_factory.mktemp("zookeeper")).start()
    yield zk
    zk.stop()


@pytest.fixture
def start_burrow(bootstrap, zookeeper, tmp_path):
    started: list[BurrowProcess] = []

    def start(kafka_version: str) -> BurrowProcess:
        burrow = BurrowProcess(tmp_path / f"burrow-{kafka_version}", bootstrap, zookeeper.address, kafka_version)
        started.append(burrow)
        return burrow.start()

    yield start
    for burrow in started:
        burrow.stop()


def commit_in_a_group(bootstrap: str, topic: str, group: str) -> None:
    """A real member (so the group's metadata is written too) reads everything, then commits COMMITTED."""
    member = Member("burrow-watched", bootstrap, group, topic)
    try:
        member.subscribe()
        total = sum(PRODUCED.values())
        poll_until([member], lambda: len(member.seen) >= total, timeout=30, what="group member read the topic", commit=False)
        member.consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in COMMITTED.items()], asynchronous=False)
    finally:
        member.close()


def partition_lags(burrow: BurrowProcess, group: str) -> dict[int, tuple[int, int]]:
    """partition -> (committed offset, lag) as Burrow reports them now; empty while it knows nothing."""
    status = (burrow.get(f"/v3/kafka/{CLUSTER}/consumer/{group}/lag") or {}).get("status") or {}
    return {p["partition"]: (p["end"]["offset"], p["current_lag"]) for p in status.get("partitions", []) if p.get("end")}


def broker_log_since(broker, start: int) -> list[str]:
    return broker.log_path.read_bytes()[start:].decode(errors="replace").splitlines()


def assert_burrow_read_every_offset_record(burrow: BurrowProcess) -> None:
    """Burrow 1.2.1 cannot decode GroupMetadataValue v3 (which Kafka 2.3+ writes too) and only logs that;
    every offset commit record, what the lag is computed from, must decode."""
    failures = [l for l in burrow.log_lines() if l.get("msg") == "failed to decode" and l.get("message_type") != "metadata"]
    assert not failures, f"Burrow could not decode offset records: {failures[:3]}"


@pytest.mark.parametrize("kafka_version", ["0.10.0", "0.11.0", "2.1.0"])
def test_burrow_reports_the_lag_of_a_committed_group(broker, bootstrap, start_burrow, kafka_version):
    """0.10.0 (Debian's example default) makes sarama fetch v2 (records down-converted to message format 1),
    0.11.0 fetches v4+ record batches as stored, 2.1.0 is the newest kafka-version Burrow 1.2.1 knows."""
    topic = unique_topic("burrow")
    group = unique_topic("g-burrow")
    create_topic(bootstrap, topic, partitions=len(PRODUCED))
    records = [{"partition": p, "value": f"{p}-{i}".encode()} for p, n in PRODUCED.items() for i in range(n)]
    assert_delivered(produce_all(producer(bootstrap), topic, records))
    commit_in_a_group(bootstrap, topic, group)

    log_start = broker.log_path.stat().st_size
    burrow = start_burrow(kafka_version)
    burrow.wait_for(lambda: group in (burrow.get(f"/v3/kafka/{CLUSTER}/consumer") or {}).get("consumers", []),
                    LAG_TIMEOUT_S, f"group {group} listed")
    topic_offsets = burrow.wait_for(lambda: (burrow.get(f"/v3/kafka/{CLUSTER}/topic/{topic}") or {}).get("offsets"),
                                    LAG_TIMEOUT_S, f"end offsets of {topic}")
    assert topic_offsets == [PRODUCED[0], PRODUCED[1]]

    expected = {p: (COMMITTED[p], PRODUCED[p] - COMMITTED[p]) for p in PRODUCED}
    burrow.wait_for(lambda: partition_lags(burrow, group) == expected, LAG_TIMEOUT_S, f"lag {expected} for {group}")
    status = burrow.get(f"/v3/kafka/{CLUSTER}/consumer/{group}/lag")["status"]
    assert status["totallag"] == sum(lag for _, lag in expected.values())

    catch_up = consumer(bootstrap, **{"group.id": group})
    try:
        catch_up.commit(offsets=[TopicPartition(topic, 0, PRODUCED[0])], asynchronous=False)
    finally:
        catch_up.close()
    caught_up = {0: (PRODUCED[0], 0), 1: expected[1]}
    burrow.wait_for(lambda: partition_lags(burrow, group) == caught_up, LAG_TIMEOUT_S,
                    f"lag {caught_up} after a further commit")
    refused = [l for l in broker_log_since(broker, log_start) if "closing connection" in l and CLIENT_ID in l]
    assert not refused, "the broker refused sarama requests:\n" + "\n".join(refused[:5])
    assert_burrow_read_every_offset_record(burrow)
