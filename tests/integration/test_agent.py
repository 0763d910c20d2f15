"""`logport agent` shipping to a real `logport broker`, black-box: files (with rotation), syslog,
crashes and broker outages, checked record by record in the topic.

The at-least-once contract under test: every line written reaches Kafka; a line appears more than
once only if it lies after the last checkpoint the agent saved before it was killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Optional

import pytest

from broker_process import REPO_ROOT, free_loopback_port, logport_binary
from clients import Msg, consume_all, create_topic, unique_topic

NGINX_CONFIG = REPO_ROOT / "examples" / "agent" / "nginx.yaml"
AGENT_STOP_TIMEOUT_S = 30.0


class AgentProcess:
    """`logport agent --config FILE` as a child process, its log in the work directory."""

    def __init__(self, work_dir: Path, config: Path, env: dict[str, str]):
        self.work_dir = work_dir
        self.config = config
        self.env = {**os.environ, **env}
        self.log_path = work_dir / "agent.log"
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "AgentProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(logport_binary()), "agent", "--config", str(self.config)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env)
        log.close()
        deadline = time.monotonic() + 15
        while "agent running" not in self.log():
            assert self.proc.poll() is None, f"agent exited with {self.proc.returncode}:\n{self.log()}"
            assert time.monotonic() < deadline, f"agent did not start:\n{self.log()}"
            time.sleep(0.05)
        return self

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=AGENT_STOP_TIMEOUT_S)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=AGENT_STOP_TIMEOUT_S)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def agents(tmp_path):
    started: list[AgentProcess] = []

    def start(config: Path, env: dict[str, str]) -> AgentProcess:
        agent = AgentProcess(tmp_path, config, env).start()
        started.append(agent)
        return agent

    yield start
    for agent in started:
        if agent.proc and agent.proc.poll() is None:
            agent.proc.kill()
            agent.proc.wait()


def nginx_line(seq: int, clients: int = 5) -> str:
    client = f"10.0.0.{seq % clients}"
    return (f'{client} - - [25/Nov/2026:12:00:00 +0000] "GET /item/{seq} HTTP/1.1" 200 {1000 + seq} '
            f'"https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) itest"')


def nginx_env(tmp_path: Path, log_path: Path, topic: str, bootstrap: str) -> dict[str, str]:
    return {"LOG_PATH": str(log_path), "TOPIC": topic, "KAFKA_BOOTSTRAP": bootstrap,
            "AGENT_DATA_DIR": str(tmp_path / "agent-data")}


def seq_of(msg: Msg) -> int:
    return int(json.loads(msg.value)["fields"]["path"].rsplit("/", 1)[1])


def append_lines(path: Path, seqs, pause_every: int = 0, pause_s: float = 0.0) -> None:
    with open(path, "a") as f:
        for i, seq in enumerate(seqs):
            f.write(nginx_line(seq) + "\n")
            if pause_every and i % pause_every == pause_every - 1:
                f.flush()
                time.sleep(pause_s)


def wait_for_records(bootstrap: str, topic: str, partitions: int, expected: int, timeout: float) -> list[Msg]:
    return consume_all(bootstrap, topic, range(partitions), expected, timeout=timeout)


def assert_exactly(msgs: list[Msg], seqs: range) -> None:
    counts = Counter(seq_of(m) for m in msgs)
    missing = sorted(set(seqs) - set(counts))
    duplicated = sorted(s for s, c in counts.items() if c > 1)
    assert not missing, f"{len(missing)} lines lost, first: {missing[:10]}"
    assert not duplicated, f"{len(duplicated)} lines duplicated, first: {duplicated[:10]}"
    assert set(counts) == set(seqs), f"unexpected lines: {sorted(set(counts) - set(seqs))[:10]}"


def assert_ordered_per_key(msgs: list[Msg]) -> None:
    by_key: dict[bytes, list[tuple[int, int, int]]] = {}
    for m in msgs:
        by_key.setdefault(m.key, []).append((m.partition, m.offset, seq_of(m)))
    for key, records in by_key.items():
        assert len({p for p, _, _ in records}) == 1, f"key {key!r} spread over partitions {sorted({p for p, _, _ in records})}"
        seqs = [s for _, _, s in sorted(records)]
        first_seen = list(dict.fromkeys(seqs))
        assert first_seen == sorted(first_seen), f"key {key!r} out of order: {first_seen[:20]}"


@pytest.mark.timeout(90)
def test_file_lines_arrive_parsed_and_in_order_per_key(bootstrap, tmp_path, agents):
    topic = unique_topic("agent-nginx")
    create_topic(bootstrap, topic, partitions=3)
    log = tmp_path / "access.log"
    append_lines(log, range(0, 500))
    agent = agents(NGINX_CONFIG, nginx_env(tmp_path, log, topic, bootstrap))
    append_lines(log, range(500, 1000), pause_every=100, pause_s=0.1)

    msgs = wait_for_records(bootstrap, topic, 3, 1000, timeout=60)
    assert_exactly(msgs, range(1000))
    assert_ordered_per_key(msgs)
    assert {m.key for m in msgs} == {f"10.0.0.{i}".encode() for i in range(5)}

    sample = next(m for m in msgs if seq_of(m) == 7)
    event = json.loads(sample.value)
    assert event["message"] == nginx_line(7)
    assert event["service"] == "nginx"
    assert event["severity"] == "info"
    assert event["timestamp"] == "2026-11-25T12:00:00.000Z"
    assert event["fields"] == {
        "client": "10.0.0.2", "method": "GET", "path": "/item/7", "protocol": "HTTP/1.1", "request": "GET /item/7 HTTP/1.1",
        "status": 200, "bytes": 1007, "referer": "https://example.com/",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) itest", "env": "production",
    }
    assert dict(sample.headers)["source"] == str(log).encode()
    assert sample.key == b"10.0.0.2"
    assert sample.timestamp == 1795608000000

    assert agent.stop() == 0, agent.log()
    checkpoint = json.loads((tmp_path / "agent-data" / "checkpoints" / "nginx_access.json").read_text())
    assert checkpoint["files"][0]["offset"] == log.stat().st_size


@pytest.mark.timeout(120)
def test_rename_and_copytruncate_rotation_lose_and_repeat_nothing(bootstrap, tmp_path, agents):
    topic = unique_topic("agent-rotate")
    create_topic(bootstrap, topic, partitions=2)
    log = tmp_path / "access.log"
    log.touch()
    agent = agents(NGINX_CONFIG, nginx_env(tmp_path, log, topic, bootstrap))

    # Rename rotation as nginx sees it: the writer keeps its descriptor (now access.log.1) until
    # it reopens, then writes the new access.log.
    writer = open(log, "a")
    for seq in range(0, 300):
        writer.write(nginx_line(seq) + "\n")
        if seq % 50 == 49:
            writer.flush()
            time.sleep(0.05)
        if seq == 150:
            writer.flush()
            os.rename(log, tmp_path / "access.log.1")
    writer.close()
    append_lines(log, range(300, 600), pause_every=50, pause_s=0.05)
    wait_for_records(bootstrap, topic, 2, 600, timeout=40)

    # copytruncate: logrotate copies then truncates in place; the writer appends at the new end.
    shutil.copyfile(log, tmp_path / "access.log.2")
    with open(log, "r+") as f:
        f.truncate(0)
    append_lines(log, range(600, 900), pause_every=50, pause_s=0.05)

    msgs = wait_for_records(bootstrap, topic, 2, 900, timeout=40)
    assert_exactly(msgs, range(900))
    assert_ordered_per_key(msgs)
    assert agent.stop() == 0, agent.log()


def checkpointed_offset(checkpoint_file: Path) -> int:
    try:
        return json.loads(checkpoint_file.read_text())["files"][0]["offset"]
    except (FileNotFoundError, json.JSONDecodeError, IndexError):
        return 0


@pytest.mark.timeout(180)
def test_kill9_and_restart_repeats_only_lines_after_the_checkpoint(bootstrap, tmp_path, agents):
    topic = unique_topic("agent-kill9")
    create_topic(bootstrap, topic, partitions=2)
    log = tmp_path / "access.log"
    log.touch()
    total = 20000
    line_starts = [0]
    for seq in range(total):
        line_starts.append(line_starts[-1] + len(nginx_line(seq)) + 1)
    env = nginx_env(tmp_path, log, topic, bootstrap)
    agent = agents(NGINX_CONFIG, env)
    writer = threading.Thread(target=append_lines, args=(log, range(total)), kwargs={"pause_every": 500, "pause_s": 0.2})
    writer.start()
    checkpoint_file = tmp_path / "agent-data" / "checkpoints" / "nginx_access.json"
    deadline = time.monotonic() + 60
    while checkpointed_offset(checkpoint_file) < line_starts[2000]:
        assert time.monotonic() < deadline, f"no checkpoint past line 2000:\n{agent.log()}"
        time.sleep(0.01)
    agent.kill9()
    checkpointed = checkpointed_offset(checkpoint_file)
    assert checkpointed < line_starts[total], "the writer finished before the kill; slow it down"
    first_unacknowledged = line_starts.index(checkpointed)

    agent = agents(NGINX_CONFIG, env)
    writer.join()
    msgs = wait_for_records(bootstrap, topic, 2, total, timeout=120)
    counts = Counter(seq_of(m) for m in msgs)
    assert set(counts) == set(range(total)), f"lost: {sorted(set(range(total)) - set(counts))[:10]}"
    repeated_before_checkpoint = [s for s, c in counts.items() if c > 1 and s < first_unacknowledged]
    assert not repeated_before_checkpoint, f"lines before the checkpoint were sent twice: {repeated_before_checkpoint[:10]}"
    assert_ordered_per_key(msgs)
    assert agent.stop() == 0, agent.log()
    print(f"kill -9 at checkpoint line {first_unacknowledged}; {sum(counts.values()) - total} line(s) sent twice")


@pytest.mark.timeout(120)
def test_broker_outage_loses_nothing(broker_factory, tmp_path, agents):
    broker = broker_factory()
    topic = unique_topic("agent-outage")
    create_topic(broker.bootstrap, topic, partitions=2)
    log = tmp_path / "access.log"
    log.touch()
    agent = agents(NGINX_CONFIG, nginx_env(tmp_path, log, topic, broker.bootstrap))
    writer = threading.Thread(target=append_lines, args=(log, range(3000)), kwargs={"pause_every": 100, "pause_s": 0.3})
    writer.start()
    time.sleep(2)
    broker.stop()
    time.sleep(5)
    broker.start()
    writer.join()

    msgs = wait_for_records(broker.bootstrap, topic, 2, 3000, timeout=60)
    counts = Counter(seq_of(m) for m in msgs)
    assert set(counts) == set(range(3000)), f"lost: {sorted(set(range(3000)) - set(counts))[:10]}"
    assert_ordered_per_key(msgs)
    assert agent.stop() == 0, agent.log()


SYSLOG_CONFIG = """
data_dir: {data_dir}
sources:
  syslog_udp:
    type: syslog
    mode: udp
    address: 127.0.0.1:{udp_port}
  syslog_tcp:
    type: syslog
    mode: tcp
    address: 127.0.0.1:{tcp_port}
sinks:
  kafka:
    type: kafka
    inputs: [syslog_udp, syslog_tcp]
    bootstrap_servers: {bootstrap}
    topic: {topic}
    key_field: host
"""


def wait_for_tcp(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"syslog TCP port {port} never opened"
            time.sleep(0.05)


@pytest.mark.timeout(60)
def test_syslog_udp_and_tcp_rfc3164_and_rfc5424_arrive_parsed(bootstrap, tmp_path, agents):
    topic = unique_topic("agent-syslog")
    create_topic(bootstrap, topic, partitions=1)
    udp_port, tcp_port = free_loopback_port(), free_loopback_port()
    config = tmp_path / "syslog.yaml"
    config.write_text(SYSLOG_CONFIG.format(data_dir=tmp_path / "data", udp_port=udp_port, tcp_port=tcp_port,
                                           bootstrap=bootstrap, topic=topic))
    agent = agents(config, {})
    wait_for_tcp(tcp_port)
    time.sleep(0.3)  # the UDP socket binds alongside the TCP listener

    rfc3164_udp = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"
    rfc5424_udp = ('<165>1 2003-10-11T22:14:15.003Z udphost evntslog 42 ID47 '
                   '[exampleSDID@32473 iut="3" eventSource="Application"] udp five')
    rfc3164_tcp = "<13>Feb  5 17:32:18 tcphost app[99]: tcp three"
    rfc5424_tcp = "<14>1 2026-11-25T10:00:00+02:00 tcp5424 web 7 - - tcp five"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(rfc3164_udp.encode(), ("127.0.0.1", udp_port))
        udp.sendto(rfc5424_udp.encode(), ("127.0.0.1", udp_port))
    with socket.create_connection(("127.0.0.1", tcp_port)) as tcp:
        tcp.sendall(f"{rfc3164_tcp}\n".encode())
        framed = rfc5424_tcp.encode()
        tcp.sendall(f"{len(framed)} ".encode() + framed)

    events = {json.loads(m.value)["message"]: (m, json.loads(m.value)) for m in consume_all(bootstrap, topic, [0], 4, timeout=30)}
    assert set(events) == {"'su root' failed for lonvick on /dev/pts/8", "udp five", "tcp three", "tcp five"}

    msg, e = events["'su root' failed for lonvick on /dev/pts/8"]
    assert (e["host"], e["service"], e["severity"], e["fields"]["facility"]) == ("mymachine", "su", "critical", "auth")
    assert e["source"] == "syslog://127.0.0.1" and msg.key == b"mymachine"
    _, e = events["udp five"]
    assert (e["host"], e["service"], e["severity"], e["timestamp"]) == ("udphost", "evntslog", "notice", "2003-10-11T22:14:15.003Z")
    assert e["fields"] == {"facility": "local4", "procid": "42", "msgid": "ID47",
                           "structured_data": {"exampleSDID@32473": {"iut": "3", "eventSource": "Application"}}}
    _, e = events["tcp three"]
    assert (e["host"], e["service"], e["severity"], e["fields"]["procid"]) == ("tcphost", "app", "notice", "99")
    _, e = events["tcp five"]
    assert (e["host"], e["service"], e["severity"], e["timestamp"]) == ("tcp5424", "web", "info", "2026-11-25T08:00:00.000Z")
    assert "parse_error" not in e
    assert agent.stop() == 0, agent.log()


BAD_CONFIG = """\
sources:
  app:
    type: file
    include: [/var/log/app.log]
sinks:
  kafka:
    type: kafka
    inputs: [app]
    bootstrap_servers: 127.0.0.1:9092
    topic: logs
    acks: 2
"""


def test_bad_config_names_the_field_and_line_and_exits_nonzero(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(BAD_CONFIG)
    for extra in ([], ["--validate"]):
        result = subprocess.run([str(logport_binary()), "agent", "--config", str(config), *extra],
                                capture_output=True, timeout=30)
        assert result.returncode != 0
        assert f"{config}:11: sinks.kafka.acks: expected one of 0, 1, all, -1, got \"2\"" in result.stderr.decode(), result.stderr

    good = tmp_path / "good.yaml"
    good.write_text(BAD_CONFIG.replace("acks: 2", "acks: all"))
    result = subprocess.run([str(logport_binary()), "agent", "--config", str(good), "--validate"], capture_output=True, timeout=30)
    assert (result.returncode, result.stdout) == (0, b"config OK\n"), result.stderr


DISK_BUFFER_CONFIG = """
data_dir: {data_dir}
sources:
  access:
    type: file
    include: ["{log}"]
    read_from: beginning
transforms:
  parse:
    type: parse_access_log
    inputs: [access]
sinks:
  kafka:
    type: kafka
    inputs: [parse]
    bootstrap_servers: {bootstrap}
    topic: {topic}
    key_field: client
    buffer:
      type: disk
      max_size: 1073741824
      sync_interval_ms: 50
"""


def disk_buffer_config(tmp_path: Path, log: Path, topic: str, bootstrap: str) -> Path:
    config = tmp_path / "disk-buffer.yaml"
    config.write_text(DISK_BUFFER_CONFIG.format(data_dir=tmp_path / "agent-data", log=log, bootstrap=bootstrap, topic=topic))
    return config


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.glob("*.buf")) if path.exists() else 0


def consume_every_line(bootstrap: str, topic: str, partitions: int, total: int, timeout: float) -> list[Msg]:
    """Consumes until every line 0..total-1 was seen at least once (duplicates count extra)."""
    deadline = time.monotonic() + timeout
    expected = total
    while True:
        msgs = wait_for_records(bootstrap, topic, partitions, expected, timeout=max(1.0, deadline - time.monotonic()))
        missing = set(range(total)) - {seq_of(m) for m in msgs}
        if not missing or time.monotonic() >= deadline:
            return msgs
        expected = len(msgs) + len(missing)


@pytest.mark.timeout(300)
def test_disk_buffer_rides_out_a_broker_outage_with_flat_memory_and_loses_nothing(broker_factory, tmp_path, agents):
    broker = broker_factory()
    topic = unique_topic("agent-disk-outage")
    create_topic(broker.bootstrap, topic, partitions=2)
    log = tmp_path / "access.log"
    log.touch()
    agent = agents(disk_buffer_config(tmp_path, log, topic, broker.bootstrap), {})
    buffer_dir = tmp_path / "agent-data" / "buffers" / "kafka"
    checkpoint_file = tmp_path / "agent-data" / "checkpoints" / "access.json"
    append_lines(log, range(0, 2000))
    wait_for_records(broker.bootstrap, topic, 2, 2000, timeout=60)

    broker.kill9()
    line_starts = [log.stat().st_size]
    outage_total = 60000
    for seq in range(2000, 2000 + outage_total):
        line_starts.append(line_starts[-1] + len(nginx_line(seq)) + 1)
    # First half of the outage's lines: memory settles (channels and the producer queue fill).
    append_lines(log, range(2000, 2000 + outage_total // 2), pause_every=5000, pause_s=0.2)
    deadline = time.monotonic() + 120
    while checkpointed_offset(checkpoint_file) < line_starts[outage_total // 2]:
        assert time.monotonic() < deadline, f"lines stopped reaching the disk buffer during the outage:\n{agent.log()}"
        time.sleep(0.2)
    rss_settled, buffer_settled = rss_kib(agent.proc.pid), directory_bytes(buffer_dir)
    append_lines(log, range(2000 + outage_total // 2, 2000 + outage_total), pause_every=5000, pause_s=0.2)
    while checkpointed_offset(checkpoint_file) < line_starts[outage_total]:
        assert time.monotonic() < deadline, f"lines stopped reaching the disk buffer during the outage:\n{agent.log()}"
        time.sleep(0.2)
    rss_end, buffer_end = rss_kib(agent.proc.pid), directory_bytes(buffer_dir)
    print(f"outage: RSS {rss_settled} -> {rss_end} KiB, disk buffer {buffer_settled} -> {buffer_end} bytes")
    # The second half went to disk, not memory: the buffer grew by it, RSS by far less.
    assert buffer_end - buffer_settled > 4_000_000, (buffer_settled, buffer_end)
    # Events held in memory would cost more than their encoded size on disk.
    assert (rss_end - rss_settled) * 1024 < buffer_end - buffer_settled, (rss_settled, rss_end, buffer_settled, buffer_end)

    broker.start()
    total = 2000 + outage_total
    msgs = consume_every_line(broker.bootstrap, topic, 2, total, timeout=180)
    counts = Counter(seq_of(m) for m in msgs)
    assert set(counts) == set(range(total)), f"lost: {sorted(set(range(total)) - set(counts))[:10]}"
    assert_ordered_per_key(msgs)
    assert agent.stop() == 0, agent.log()
    print(f"{sum(counts.values()) - total} line(s) sent twice")


@pytest.mark.timeout(240)
def test_disk_buffer_kill9_loses_nothing_and_repeats_at_most_two_stretches(bootstrap, tmp_path, agents):
    topic = unique_topic("agent-disk-kill9")
    create_topic(bootstrap, topic, partitions=2)
    log = tmp_path / "access.log"
    log.touch()
    total = 20000
    config = disk_buffer_config(tmp_path, log, topic, bootstrap)
    agent = agents(config, {})
    writer = threading.Thread(target=append_lines, args=(log, range(total)), kwargs={"pause_every": 500, "pause_s": 0.2})
    writer.start()
    assert len(wait_for_records(bootstrap, topic, 2, 2000, timeout=60)) >= 2000, agent.log()
    agent.kill9()
    assert writer.is_alive(), "the writer finished before the kill; slow it down"

    agent = agents(config, {})
    writer.join()
    msgs = consume_every_line(bootstrap, topic, 2, total, timeout=150)
    counts = Counter(seq_of(m) for m in msgs)
    assert set(counts) == set(range(total)), f"lost: {sorted(set(range(total)) - set(counts))[:10]}"
    repeated = sorted(s for s, c in counts.items() if c > 1)
    # Repeats come from two places, each one stretch: buffer records after the saved ledger position
    # (delivered before the kill, shipped again) and file lines after the saved checkpoint (already
    # in the buffer, read again). A line in both stretches can arrive three times; none more.
    runs = [seq for i, seq in enumerate(repeated) if i == 0 or repeated[i - 1] != seq - 1]
    assert len(runs) <= 2, f"repeats form {len(runs)} stretches, starting at {runs[:10]}"
    assert len(repeated) < 5000, f"{len(repeated)} lines repeated"
    assert max(counts.values()) <= 3
    assert_ordered_per_key(msgs)
    assert agent.stop() == 0, agent.log()
    print(f"{len(repeated)} line(s) repeated in stretches starting at {runs}; {sum(counts.values()) - total} extra records")


PRIORITY_CONFIG = """
data_dir: {data_dir}
sources:
  bulk:
    type: file
    include: ["{bulk}"]
    read_from: beginning
  urgent:
    type: file
    include: ["{urgent}"]
    read_from: beginning
sinks:
  kafka:
    type: kafka
    inputs: [bulk, urgent]
    bootstrap_servers: {bootstrap}
    topic: {topic}
    encoding: raw
    buffer: {{type: memory, max_size: 33554432}}
    high_priority: {{inputs: [urgent]}}
"""


@pytest.mark.timeout(240)
def test_high_priority_lines_overtake_a_normal_backlog_behind_a_paused_broker(broker_factory, tmp_path, agents):
    broker = broker_factory()
    topic = unique_topic("agent-priority")
    create_topic(broker.bootstrap, topic, partitions=1)
    bulk, urgent = tmp_path / "bulk.log", tmp_path / "urgent.log"
    padding = "x" * 1000
    config = tmp_path / "priority.yaml"
    config.write_text(PRIORITY_CONFIG.format(data_dir=tmp_path / "agent-data", bulk=bulk, urgent=urgent,
                                             bootstrap=broker.bootstrap, topic=topic))
    # Both lanes' producers learn the topic's metadata before the broker is paused.
    bulk.write_text("bulk warmup\n")
    urgent.write_text("urgent warmup\n")
    agent = agents(config, {})
    wait_for_records(broker.bootstrap, topic, 1, 2, timeout=30)

    backlog = 30000
    os.kill(broker.pid, signal.SIGSTOP)
    try:
        with open(bulk, "a") as f:
            for seq in range(backlog):
                f.write(f"bulk {seq} {padding}\n")
        time.sleep(8)  # the agent reads up to its limits: the normal lane's queues fill with bulk lines
        with open(urgent, "a") as f:
            for seq in range(20):
                f.write(f"urgent {seq}\n")
        time.sleep(3)
    finally:
        os.kill(broker.pid, signal.SIGCONT)

    msgs = wait_for_records(broker.bootstrap, topic, 1, backlog + 22, timeout=180)
    values = [m.value.decode() for m in sorted(msgs, key=lambda m: m.offset)]
    urgent_offsets = [i for i, v in enumerate(values) if v.startswith("urgent ") and v != "urgent warmup"]
    assert [values[i] for i in urgent_offsets] == [f"urgent {s}" for s in range(20)]
    bulk_ahead = sum(1 for v in values[:urgent_offsets[-1]] if v.startswith("bulk ") and v != "bulk warmup")
    # One shared queue would put the urgent lines behind everything the agent had read (16 MiB of
    # file lines, ~16000 bulk lines); their own lane lets them pass all but the requests in flight.
    print(f"{bulk_ahead} bulk line(s) ahead of the last urgent line")
    assert bulk_ahead < 7000, f"{bulk_ahead} bulk lines were shipped before the urgent ones"
    assert sorted(int(v.split()[1]) for v in values if v.startswith("bulk ") and v != "bulk warmup") == list(range(backlog))
    assert agent.stop() == 0, agent.log()
