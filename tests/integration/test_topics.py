"""Topic administration through real admin clients: create, describe, delete, grow, configure, auto-create."""

import json
import re
import subprocess
import time

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, NewPartitions, NewTopic, ResourceType

import kafka_wire
from clients import (CLIENT_TIMEOUT_S, admin, assert_delivered, consume_all, create_topic, kafka_error_code, kcat,
                     produce_all, producer, topic_partition_count, unique_topic, wait_for_partitions, wait_futures)
from broker_process import logport_binary

DEFAULT_NODE_ID = 1


def describe_topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = wait_futures(admin(bootstrap).describe_configs([resource], request_timeout=CLIENT_TIMEOUT_S))[resource]
    return {name: entry.value for name, entry in entries.items()}


def test_created_topic_is_visible_to_admin_metadata_and_kcat(bootstrap):
    topic = unique_topic("create")
    create_topic(bootstrap, topic, partitions=3)

    md = admin(bootstrap).list_topics(timeout=CLIENT_TIMEOUT_S)
    assert topic in md.topics, f"{topic} missing from full metadata: {sorted(md.topics)}"
    t = md.topics[topic]
    assert t.error is None
    assert sorted(t.partitions) == [0, 1, 2]
    for p in t.partitions.values():
        assert p.leader == DEFAULT_NODE_ID
        assert p.replicas == [DEFAULT_NODE_ID]
        assert p.isrs == [DEFAULT_NODE_ID]
    host, port = bootstrap.split(":")
    assert {(b.id, b.host, b.port) for b in md.brokers.values()} == {(DEFAULT_NODE_ID, host, int(port))}

    listing = json.loads(kcat(bootstrap, "-L", "-J", "-t", topic).stdout)
    [kt] = [t for t in listing["topics"] if t["topic"] == topic]
    assert [p["partition"] for p in sorted(kt["partitions"], key=lambda p: p["partition"])] == [0, 1, 2]
    assert all(p["leader"] == DEFAULT_NODE_ID for p in kt["partitions"])


def test_creating_an_existing_topic_fails_with_topic_already_exists(bootstrap):
    topic = unique_topic("dup")
    create_topic(bootstrap, topic, partitions=1)
    futures = admin(bootstrap).create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)],
                                             request_timeout=CLIENT_TIMEOUT_S)
    with pytest.raises(KafkaException) as exc_info:
        wait_futures(futures)
    assert kafka_error_code(exc_info.value) == KafkaError.TOPIC_ALREADY_EXISTS
    assert topic_partition_count(bootstrap, topic) == 1, "failed re-create must not change the topic"


def test_deleted_topic_disappears(bootstrap):
    topic = unique_topic("delete")
    create_topic(bootstrap, topic, partitions=2)
    wait_futures(admin(bootstrap).delete_topics([topic], request_timeout=CLIENT_TIMEOUT_S, operation_timeout=CLIENT_TIMEOUT_S))
    md = admin(bootstrap).list_topics(timeout=CLIENT_TIMEOUT_S)
    assert topic not in md.topics, f"deleted topic {topic} still listed"
    with kafka_wire.WireConnection(bootstrap) as conn:
        result = conn.metadata_v4([topic], allow_auto_topic_creation=False)
    assert result.topics[topic][0] == kafka_wire.UNKNOWN_TOPIC_OR_PARTITION


def test_deleted_topic_can_be_recreated_empty(bootstrap):
    topic = unique_topic("recreate")
    create_topic(bootstrap, topic, partitions=1)
    assert_delivered(produce_all(producer(bootstrap), topic, [{"value": b"old", "partition": 0}]))
    wait_futures(admin(bootstrap).delete_topics([topic], request_timeout=CLIENT_TIMEOUT_S, operation_timeout=CLIENT_TIMEOUT_S))
    create_topic(bootstrap, topic, partitions=1)
    deliveries = produce_all(producer(bootstrap), topic, [{"value": b"new", "partition": 0}])
    assert_delivered(deliveries)
    assert deliveries[0].offset == 0, "a re-created topic starts at offset 0"
    [m] = consume_all(bootstrap, topic, [0], expected=1)
    assert m.value == b"new"


def test_create_partitions_increases_count_and_new_partitions_work(bootstrap):
    topic = unique_topic("grow")
    create_topic(bootstrap, topic, partitions=1)
    wait_futures(admin(bootstrap).create_partitions([NewPartitions(topic, 4)], request_timeout=CLIENT_TIMEOUT_S))
    wait_for_partitions(bootstrap, topic, 4)
    assert_delivered(produce_all(producer(bootstrap), topic, [{"value": b"p3", "partition": 3}]))
    [m] = consume_all(bootstrap, topic, [3], expected=1)
    assert (m.partition, m.offset, m.value) == (3, 0, b"p3")


def test_create_partitions_cannot_shrink(bootstrap):
    topic = unique_topic("shrink")
    create_topic(bootstrap, topic, partitions=3)
    futures = admin(bootstrap).create_partitions([NewPartitions(topic, 2)], request_timeout=CLIENT_TIMEOUT_S)
    with pytest.raises(KafkaException) as exc_info:
        wait_futures(futures)
    assert kafka_error_code(exc_info.value) == KafkaError.INVALID_PARTITIONS
    assert topic_partition_count(bootstrap, topic) == 3


def test_topic_config_from_create_is_described(bootstrap):
    topic = unique_topic("cfg-create")
    create_topic(bootstrap, topic, partitions=1, config={"retention.ms": "123456", "segment.bytes": "2097152"})
    configs = describe_topic_config(bootstrap, topic)
    assert configs.get("retention.ms") == "123456"
    assert configs.get("segment.bytes") == "2097152"


def test_describe_configs_includes_defaults(bootstrap):
    """Kafka describes every topic config, defaults included, not only the overrides."""
    topic = unique_topic("cfg-defaults")
    create_topic(bootstrap, topic, partitions=1)
    configs = describe_topic_config(bootstrap, topic)
    assert configs.get("retention.ms") == "604800000", f"described configs: {configs}"
    assert configs.get("max.message.bytes") == "1048588", f"described configs: {configs}"


def test_incremental_alter_configs_round_trips_retention(bootstrap):
    topic = unique_topic("cfg-incr")
    create_topic(bootstrap, topic, partitions=1)
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry("retention.ms", "3600000", incremental_operation=AlterConfigOpType.SET)])
    wait_futures(admin(bootstrap).incremental_alter_configs([resource], request_timeout=CLIENT_TIMEOUT_S))
    assert describe_topic_config(bootstrap, topic)["retention.ms"] == "3600000"


@pytest.mark.filterwarnings("ignore:alter_configs has been deprecated:DeprecationWarning")
def test_alter_configs_round_trips_retention(bootstrap):
    topic = unique_topic("cfg-alter")
    create_topic(bootstrap, topic, partitions=1)
    resource = ConfigResource(ResourceType.TOPIC, topic, set_config={"retention.ms": "7200000"})
    wait_futures(admin(bootstrap).alter_configs([resource], request_timeout=CLIENT_TIMEOUT_S))
    assert describe_topic_config(bootstrap, topic)["retention.ms"] == "7200000"


def test_produce_to_unknown_topic_auto_creates_it(bootstrap):
    topic = unique_topic("auto")
    deliveries = produce_all(producer(bootstrap), topic, [{"value": b"hello", "key": b"k"}])
    assert_delivered(deliveries)
    assert topic_partition_count(bootstrap, topic) == 1, "num.partitions defaults to 1"
    [m] = consume_all(bootstrap, topic, [0], expected=1)
    assert (m.offset, m.key, m.value) == (0, b"k", b"hello")


def test_metadata_without_auto_create_flag_does_not_create(bootstrap):
    topic = unique_topic("noauto-flag")
    with kafka_wire.WireConnection(bootstrap) as conn:
        result = conn.metadata_v4([topic], allow_auto_topic_creation=False)
    assert result.topics[topic][0] == kafka_wire.UNKNOWN_TOPIC_OR_PARTITION
    assert topic_partition_count(bootstrap, topic) is None


class TestAutoCreateDisabled:
    @pytest.fixture(scope="class")
    def strict_bootstrap(self, module_broker_factory):
        return module_broker_factory(config={"auto.create.topics.enable": False, "num.partitions": 2}).bootstrap

    def test_metadata_request_for_unknown_topic_is_unknown_topic_or_partition(self, strict_bootstrap):
        topic = unique_topic("strict")
        with kafka_wire.WireConnection(strict_bootstrap) as conn:
            result = conn.metadata_v4([topic], allow_auto_topic_creation=True)
            assert result.topics[topic][0] == kafka_wire.UNKNOWN_TOPIC_OR_PARTITION
            again = conn.metadata_v4(None, allow_auto_topic_creation=True)
        assert topic not in again.topics

    def test_produce_to_unknown_topic_fails_with_unknown_topic(self, strict_bootstrap):
        topic = unique_topic("strict")
        p = producer(strict_bootstrap, **{"message.timeout.ms": 5000, "topic.metadata.propagation.max.ms": 1000})
        deliveries = produce_all(p, topic, [{"value": b"nowhere"}], flush_timeout=20)
        err = deliveries[0].error
        assert err is not None, "produce to a missing topic must fail when auto-create is disabled"
        assert err.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC), str(err)

    def test_raw_produce_to_unknown_topic_is_unknown_topic_or_partition(self, strict_bootstrap):
        topic = unique_topic("strict")
        with kafka_wire.WireConnection(strict_bootstrap) as conn:
            result = conn.produce(topic, 0, kafka_wire.record_batch([kafka_wire.Record(b"k", b"v")]))
        assert result.error_code == kafka_wire.UNKNOWN_TOPIC_OR_PARTITION

    def test_explicit_create_still_works_and_uses_requested_partitions(self, strict_bootstrap):
        topic = unique_topic("strict")
        create_topic(strict_bootstrap, topic, partitions=3)
        assert topic_partition_count(strict_bootstrap, topic) == 3

    def test_num_partitions_is_the_default_for_create_without_count(self, strict_bootstrap):
        topic = unique_topic("strict-default")
        wait_futures(admin(strict_bootstrap).create_topics([NewTopic(topic)], request_timeout=CLIENT_TIMEOUT_S))
        wait_for_partitions(strict_bootstrap, topic, 2)


def test_node_id_option_sets_leader_and_broker_id(broker_factory):
    b = broker_factory(node_id=5)
    topic = unique_topic("node")
    create_topic(b.bootstrap, topic, partitions=2)
    md = admin(b.bootstrap).list_topics(topic=topic, timeout=CLIENT_TIMEOUT_S)
    assert [br.id for br in md.brokers.values()] == [5]
    assert {p.leader for p in md.topics[topic].partitions.values()} == {5}
    assert md.controller_id == 5


def test_broker_exits_zero_on_sigterm_and_keeps_topics(broker_factory):
    b = broker_factory()
    topic = unique_topic("term")
    create_topic(b.bootstrap, topic, partitions=3, config={"retention.ms": "424242"})
    assert b.stop() == 0, "SIGTERM must be a clean shutdown (exit 0)"
    b.start()
    assert topic_partition_count(b.bootstrap, topic) == 3, "topics survive a restart"
    assert describe_topic_config(b.bootstrap, topic).get("retention.ms") == "424242", "topic configs survive a restart"


def test_a_broker_on_port_zero_advertises_the_port_it_got(tmp_path):
    """`--listen 127.0.0.1:0` lets the system pick the port; metadata must name that port, not 0,
    or clients that bootstrap there are sent nowhere."""
    log_path = tmp_path / "broker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(logport_binary()), "broker", "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0"],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (match := re.search(r"listening on 127\.0\.0\.1:(\d+)", log_path.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, f"broker did not start: {log_path.read_text()}"
            time.sleep(0.1)
        port = int(match.group(1))
        assert port != 0
        md = admin(f"127.0.0.1:{port}").list_topics(timeout=CLIENT_TIMEOUT_S)
        assert {(b.host, b.port) for b in md.brokers.values()} == {("127.0.0.1", port)}
        bootstrap = f"127.0.0.1:{port}"
        topic = unique_topic("port0")
        create_topic(bootstrap, topic, partitions=1)
        assert_delivered(produce_all(producer(bootstrap), topic, [{"key": b"k", "value": b"through the advertised port"}]))
        assert [m.value for m in consume_all(bootstrap, topic, [0], 1)] == [b"through the advertised port"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
