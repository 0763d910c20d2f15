"""/metrics and /health of `logport broker`, `logport agent` and `logport process`, scraped over
HTTP after real clients did known work: the numbers must match what was sent."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, TopicPartition

from broker_process import BrokerProcess, free_loopback_port, logport_binary
from clients import consume_all, consumer, create_topic, producer, unique_topic
from metrics_scrape import health, sample, scrape, wait_for_sample
from test_agent import NGINX_CONFIG, AgentProcess, nginx_env, nginx_line
from test_up import DEMO_TOPIC, UpProcess


class MetricsBroker(BrokerProcess):
    """A broker started with `--metrics-listen` on a free port."""

    def __init__(self, work_dir: Path):
        super().__init__(work_dir)
        self.metrics_port = free_loopback_port()

    def command(self) -> list[str]:
        return super().command() + ["--metrics-listen", f"127.0.0.1:{self.metrics_port}"]


@pytest.fixture(scope="module")
def metrics_broker(tmp_path_factory):
    broker = MetricsBroker(tmp_path_factory.mktemp("metrics-broker"))
    broker.start()
    yield broker
    broker.stop()


def test_broker_health_is_serving(metrics_broker):
    status, body = health(metrics_broker.metrics_port)
    assert status == 200
    assert body == {"role": "broker", "status": "serving"}


def test_broker_counts_produce_requests_bytes_and_offsets(metrics_broker):
    port = metrics_broker.metrics_port
    topic = unique_topic("metrics")
    create_topic(metrics_broker.bootstrap, topic)
    before = scrape(port)
    produce_before = sample(before, "logport_broker_requests_total", api="Produce") or 0
    received_before = sample(before, "logport_broker_network_received_bytes_total") or 0

    # One record per Produce request: flush after each send.
    count, payload = 25, b"x" * 100
    p = producer(metrics_broker.bootstrap, **{"linger.ms": 0, "acks": "all"})
    for i in range(count):
        p.produce(topic, value=payload, key=str(i).encode())
        assert p.flush(30) == 0

    after = scrape(port)
    assert sample(after, "logport_broker_requests_total", api="Produce") - produce_before == count
    assert sample(after, "logport_broker_produce_records_total", topic=topic) == count
    appended = sample(after, "logport_broker_produce_bytes_total", topic=topic)
    assert appended > count * len(payload)
    assert sample(after, "logport_broker_network_received_bytes_total") - received_before >= appended
    assert sample(after, "logport_broker_partition_log_end_offset", topic=topic, partition="0") == count
    assert sample(after, "logport_broker_partition_log_start_offset", topic=topic, partition="0") == 0
    # The broker stores producers' batches as they are: the log holds exactly the appended bytes.
    assert sample(after, "logport_broker_partition_size_bytes", topic=topic, partition="0") == appended
    assert sample(after, "logport_broker_request_duration_seconds_count", api="Produce") >= count
    assert sample(after, "logport_broker_connections_open") >= 1

    sent_before = sample(after, "logport_broker_network_sent_bytes_total")
    consume_all(metrics_broker.bootstrap, topic, [0], expected=count)
    consumed = scrape(port)
    assert sample(consumed, "logport_broker_requests_total", api="Fetch") > 0
    assert sample(consumed, "logport_broker_network_sent_bytes_total") - sent_before >= appended


def test_broker_counts_fetch_error_codes(metrics_broker):
    port = metrics_broker.metrics_port
    topic = unique_topic("metrics-errors")
    create_topic(metrics_broker.bootstrap, topic)
    c = consumer(metrics_broker.bootstrap, **{"auto.offset.reset": "error"})
    try:
        c.assign([TopicPartition(topic, 0, 100)])  # past the end of an empty log: OFFSET_OUT_OF_RANGE (1)
        deadline = time.monotonic() + 20
        seen = False
        while not seen and time.monotonic() < deadline:
            seen = any(m.error() and m.error().code() != KafkaError._PARTITION_EOF for m in c.consume(num_messages=10, timeout=0.5))
        assert seen, "the consumer never saw the offset error"
    finally:
        c.close()
    assert sample(scrape(port), "logport_broker_request_errors_total", api="Fetch", error_code="1") >= 1


PIPELINE = """\
name: metrics-check
kafka:
  bootstrap: "{bootstrap}"
source:
  topics: ["{topic}"]
  group_id: metrics-check
  out_of_orderness: 1s
  idle_timeout: 1s
  live: false
transforms:
  - parse: json
aggregations:
  - name: per_user
    window: {{tumbling: 1m}}
    group_by: [user]
    columns:
      logins: count
sinks:
  - sqlite: {{path: "{store}"}}
"""


def test_process_serves_its_status_and_health(metrics_broker, tmp_path):
    topic = unique_topic("metrics-process")
    create_topic(metrics_broker.bootstrap, topic)
    count = 20
    p = producer(metrics_broker.bootstrap)
    for i in range(count):
        p.produce(topic, value=json.dumps({"user": f"u{i % 3}", "n": i}).encode())
    assert p.flush(30) == 0

    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINE.format(bootstrap=metrics_broker.bootstrap, topic=topic, store=tmp_path / "store.db"))
    port = free_loopback_port()
    log_path = tmp_path / "process.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(logport_binary()), "process", "--config", str(config),
             "--metrics-listen", f"127.0.0.1:{port}", "-X", "session.timeout.ms=6000"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp_path)
    try:
        wait_until_serving(port, proc, log_path)
        samples = wait_for_sample(port, "logport_process_records_total", count, pipeline="metrics-check")
        assert sample(samples, "logport_process_records_total", pipeline="metrics-check") == count, log_path.read_text()[-3000:]
        status, body = health(port)
        assert (status, body) == (200, {"role": "process", "pipeline": "metrics-check", "status": "serving"})
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log_path.read_text()[-3000:]


def wait_until_serving(port: int, proc: subprocess.Popen, log_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}"
        try:
            if health(port)[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"/health never answered 200:\n{log_path.read_text()[-3000:]}"
        time.sleep(0.2)


def test_agent_api_counts_lines_read_sent_and_parse_errors(metrics_broker, tmp_path):
    topic = unique_topic("metrics-agent")
    create_topic(metrics_broker.bootstrap, topic)
    log_path = tmp_path / "access.log"
    good, bad = 100, 3
    with open(log_path, "w") as f:
        for seq in range(good):
            f.write(nginx_line(seq) + "\n")
        for _ in range(bad):
            f.write("not an access log line\n")
    port = free_loopback_port()
    config = tmp_path / "agent.yaml"
    config.write_text(NGINX_CONFIG.read_text() + f"\napi:\n  listen: 127.0.0.1:{port}\n")
    agent = AgentProcess(tmp_path, config, nginx_env(tmp_path, log_path, topic, metrics_broker.bootstrap)).start()
    try:
        consume_all(metrics_broker.bootstrap, topic, [0], expected=good + bad, timeout=60)
        samples = wait_for_sample(port, "logport_agent_sink_events_sent_total", good + bad, sink="kafka")
        assert sample(samples, "logport_agent_sink_events_sent_total", sink="kafka") == good + bad
        assert sample(samples, "logport_agent_source_events_total", source="nginx_access") == good + bad
        text_bytes = sum(len(line) for line in log_path.read_text().splitlines())
        assert sample(samples, "logport_agent_source_bytes_total", source="nginx_access") == text_bytes
        assert sample(samples, "logport_agent_parse_errors_total", transform="parse_nginx") == bad
        assert sample(samples, "logport_agent_sink_events_failed_total", sink="kafka") == 0
        assert sample(samples, "logport_agent_sink_events_in_flight", sink="kafka") == 0
        assert sample(samples, "logport_agent_file_unread_bytes", source="nginx_access", path=str(log_path)) == 0
        assert health(port) == (200, {"role": "agent", "status": "serving"})
    finally:
        assert agent.stop() == 0, agent.log()[-3000:]


def test_up_console_metrics_include_the_broker(tmp_path):
    up = UpProcess(tmp_path, "--demo")
    try:
        # The demo's agent ships to web.access: the in-process broker's gauges for it appear on the console's page.
        deadline = time.monotonic() + 60
        while True:
            samples = scrape(up.console_port)
            end = sample(samples, "logport_broker_partition_log_end_offset", topic=DEMO_TOPIC, partition="0")
            if (end or 0) > 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert end and end > 0, up.log()[-3000:]
        assert sample(samples, "logport_broker_requests_total", api="Produce") > 0
        assert any(name.startswith("logport_console_") for name, _ in samples)
    finally:
        assert up.stop() == 0
