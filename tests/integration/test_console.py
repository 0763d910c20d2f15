"""`logport console` end to end: a real broker, records produced and consumed by a group with
confluent-kafka, the console sampling them, and its pages rendered by headless Chromium.

The pages and their JSON must show exactly the offsets and lag the broker reports. Screenshots of
every page go to artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from confluent_kafka import TopicPartition

from broker_process import REPO_ROOT, free_loopback_port, logport_binary
from clients import CLIENT_TIMEOUT_S, assert_delivered, consumer, create_topic, produce_all, producer, unique_topic, watermarks

ARTIFACTS = REPO_ROOT / "artifacts"
PAGE_TIMEOUT_S = 60
SAMPLE_INTERVAL_S = 0.5
LAG_WINDOW = 4


class ConsoleProcess:
    """`logport console` on a loopback port; its output goes to a log shown when a test fails."""

    def __init__(self, bootstrap: str, work_dir: Path):
        self.port = free_loopback_port()
        self.log_path = work_dir / "console.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(logport_binary()), "console", "-b", bootstrap, "--listen", f"127.0.0.1:{self.port}",
             "--sample-interval", str(SAMPLE_INTERVAL_S), "--lag-window", str(LAG_WINDOW)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"console exited with {self.proc.returncode}:\n{self.log()}"
            if "logport console listening on" in self.log():
                return
            time.sleep(0.05)
        raise AssertionError(f"console did not start within 30 s:\n{self.log()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=CLIENT_TIMEOUT_S) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str):
        status, body = self.get(path)
        assert status == 200, f"GET {path} → {status}: {body}"
        return json.loads(body)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
                raise AssertionError(f"console ignored SIGTERM for 15 s:\n{self.log()}")
        return self.proc.returncode


@pytest.fixture(scope="module")
def console(bootstrap, tmp_path_factory):
    process = ConsoleProcess(bootstrap, tmp_path_factory.mktemp("console"))
    yield process
    process.stop()


def chromium(profile: Path, *args: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "headless Chromium is missing: scripts/install-deps.sh installs Debian's chromium"
    result = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=PAGE_TIMEOUT_S)
    assert result.returncode == 0, f"chromium {' '.join(args)} failed: {result.stderr.decode(errors='replace')[-2000:]}"
    return result.stdout.decode(errors="replace")


def render(console: ConsoleProcess, profile: Path, path: str, screenshot: str, height: int = 900) -> str:
    """The page's DOM after its script ran, and a screenshot of it in artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / screenshot
    shot.unlink(missing_ok=True)
    chromium(profile, f"--screenshot={shot}", f"--window-size=1280,{height}", console.url + path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{shot} is not a PNG"
    return chromium(profile, "--dump-dom", console.url + path)


def group_offset(bootstrap: str, group: str, topic: str, partition: int) -> int:
    """The group's committed offset as the broker reports it (a fresh member of the group asks)."""
    c = consumer(bootstrap, group_id=group)
    try:
        return c.committed([TopicPartition(topic, partition)], timeout=CLIENT_TIMEOUT_S)[0].offset
    finally:
        c.close()


def number_cell(value: int) -> str:
    """How pages print an exact number: grouped digits, the raw value in data-value."""
    return f'<span data-value="{value}">{value:,}</span>'


def wait_for(what: str, probe, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.25)


@pytest.fixture
def live_topic(bootstrap):
    """A topic that receives about 40 records a second while the test runs, so rates are not zero."""
    topic = unique_topic("console-clicks")
    create_topic(bootstrap, topic, partitions=2)
    stop = threading.Event()

    def keep_producing():
        p = producer(bootstrap)
        sent = 0
        while not stop.wait(0.025):
            p.produce(topic, value=json.dumps({"click": sent, "page": "/checkout"}).encode())
            p.poll(0)
            sent += 1
        p.flush(10)

    thread = threading.Thread(target=keep_producing, daemon=True)
    thread.start()
    yield topic
    stop.set()
    thread.join(timeout=15)


def test_pages_show_the_offsets_and_lag_the_broker_reports(bootstrap, console, live_topic, tmp_path):
    topic = unique_topic("console-orders")
    group = unique_topic("console-billing")
    counts = {0: 120, 1: 80, 2: 45}
    create_topic(bootstrap, topic, partitions=3, config={"retention.ms": "604800000"})
    records = [
        {"partition": p, "key": f"order-{p}-{i}".encode(), "headers": [("source", b"web")],
         "value": json.dumps({"id": i, "customer": f"c-{i % 7}", "items": [{"sku": "A-1", "qty": 2}], "note": "<b>x</b>"}).encode()}
        for p, n in counts.items() for i in range(n)
    ]
    assert_delivered(produce_all(producer(bootstrap), topic, records))

    # A group reads the topic, commits where its processing got to, and leaves: its lag is the rest.
    processed = {0: 100, 1: 50, 2: 45}
    c = consumer(bootstrap, group_id=group)
    c.assign([TopicPartition(topic, p, 0) for p in counts])
    read = 0
    deadline = time.monotonic() + 30
    while read < sum(counts.values()) and time.monotonic() < deadline:
        read += sum(1 for m in c.consume(num_messages=500, timeout=0.5) if not m.error())
    assert read == sum(counts.values())
    c.commit(offsets=[TopicPartition(topic, p, offset) for p, offset in processed.items()], asynchronous=False)
    c.close()
    committed = {p: group_offset(bootstrap, group, topic, p) for p in counts}
    ends = {p: watermarks(bootstrap, topic, p)[1] for p in counts}
    assert committed == processed and ends == counts
    lags = {p: ends[p] - committed[p] for p in counts}
    total_lag = sum(lags.values())
    assert total_lag == 50

    # The JSON API agrees with the broker.
    detail = console.json(f"/api/topics/{topic}")
    assert [p["latestOffset"] for p in detail["partitions"]] == [ends[p] for p in sorted(counts)]
    assert detail["summary"]["endOffset"] == sum(counts.values())
    assert detail["summary"]["retentionMs"] == 604800000
    def judged_group():
        detail = console.json(f"/api/groups/{group}")
        return detail if all(row["status"] != "UNKNOWN" for row in detail["partitions"]) else None

    verdicted = wait_for("the console has no verdict for every partition of the group", judged_group)
    rows = verdicted["partitions"]
    assert [row["partition"] for row in rows] == sorted(counts)
    assert [(row["committedOffset"], row["endOffset"], row["lag"]) for row in rows] == [(committed[p], ends[p], lags[p]) for p in sorted(counts)]
    assert [row["status"] for row in rows] == ["STOP", "STOP", "OK"]
    assert verdicted["summary"]["totalLag"] == total_lag
    assert verdicted["members"] == []
    # Nobody reads the group any more and its offsets do not move: Burrow's STOP, so the group is ERR.
    assert verdicted["summary"]["status"] == "ERR", verdicted["summary"]
    assert "no consumer holds the partition" in verdicted["summary"]["reason"]

    def live_rate():
        rate = console.json(f"/api/topics/{live_topic}")["summary"].get("produceRate")
        return rate if rate else None

    live = wait_for("the live topic has no produce rate", live_rate)
    assert 5 < live < 200, f"about 40 records/s are produced, the console says {live}"

    # The rendered pages show the same numbers.
    overview = render(console, tmp_path, "/", "console-overview.png")
    assert f'href="/topics/{topic}"' in overview
    assert number_cell(sum(counts.values())) in overview

    topic_page = render(console, tmp_path, f"/topics/{topic}", "console-topic.png", height=1000)
    for p in counts:
        assert number_cell(ends[p]) in topic_page
    assert "7 days" in topic_page
    assert '<svg class="chart"' in topic_page

    group_page = render(console, tmp_path, f"/groups/{group}", "console-group.png", height=1200)
    for p in counts:
        assert number_cell(lags[p]) in group_page
        assert number_cell(committed[p]) in group_page
    assert f'<div class="value">{total_lag:,}</div>' in group_page
    assert '<span class="badge b-err">ERR</span>' in group_page
    assert "no consumer holds the partition" in group_page

    groups_page = render(console, tmp_path, "/groups", "console-groups.png")
    assert f'href="/groups/{group}"' in groups_page and number_cell(total_lag) in groups_page

    messages = render(console, tmp_path, f"/topics/{topic}/messages?partition=1&offset=10&limit=5", "console-messages.png", height=1400)
    assert "offset <b>10</b>" in messages and "offset <b>14</b>" in messages and "offset <b>15</b>" not in messages
    assert "key <span class=\"mono\">order-1-10</span>" in messages
    # The DOM as Chromium serializes it: the value is indented text, its markup never became elements.
    assert '\n  "note": "&lt;b&gt;x&lt;/b&gt;"\n}' in messages, "JSON values are pretty-printed and escaped"
    assert "<b>x</b>" not in messages
    assert "source=web" in messages


def test_health_and_metrics(console):
    wait_for("the console has not sampled", lambda: console.json("/health")["rounds"] >= 2)
    health = console.json("/health")
    assert health["status"] == "ok" and health["lastSampleAgeSeconds"] < 10
    status, metrics = console.get("/metrics")
    assert status == 200
    rounds = [line for line in metrics.splitlines() if line.startswith("logport_console_sample_rounds_total ")]
    assert rounds and int(float(rounds[0].split()[1])) >= 2, metrics
    assert "logport_console_sample_failures_total 0" in metrics


def test_console_stops_cleanly_on_sigterm(bootstrap, tmp_path):
    process = ConsoleProcess(bootstrap, tmp_path)
    assert process.get("/health")[0] == 200
    started = time.monotonic()
    assert process.stop() == 0, process.log()
    assert time.monotonic() - started < 10
