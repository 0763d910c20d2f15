"""`logport up --demo`: the README's main job. One process serves Kafka and the console; the demo
writes web logs into a real topic and a real consumer group reads them. The console's pages must show
numbers that match what the broker itself reports to a Kafka client."""
from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from confluent_kafka import TopicPartition

from broker_process import free_loopback_port, logport_binary
from clients import CLIENT_TIMEOUT_S, consumer
from test_console import ARTIFACTS, chromium, wait_for

DEMO_TOPIC = "demo-web-logs"
DEMO_GROUP = "demo-readers"


class UpProcess:
    def __init__(self, work_dir: Path):
        self.kafka_port = free_loopback_port()
        self.console_port = free_loopback_port()
        self.log_path = work_dir / "up.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(logport_binary()), "up", "--demo", "--data-dir", str(work_dir / "data"),
             "--kafka-listen", f"127.0.0.1:{self.kafka_port}", "--console-listen", f"127.0.0.1:{self.console_port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        wait_for("logport up announcing its console", lambda: self.proc.poll() is None and "console  http://" in self.log(), 60)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=CLIENT_TIMEOUT_S) as response:
            return json.loads(response.read())

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"logport up ignored SIGTERM for 30 s:\n{self.log()}")


def end_offsets(bootstrap: str) -> list[int]:
    c = consumer(bootstrap)
    try:
        return [c.get_watermark_offsets(TopicPartition(DEMO_TOPIC, p), timeout=CLIENT_TIMEOUT_S)[1] for p in range(3)]
    finally:
        c.close()


def test_up_demo_serves_kafka_and_a_console_with_live_numbers(tmp_path):
    up = UpProcess(tmp_path)
    try:
        # The demo's records and group are visible to any Kafka client.
        wait_for("demo records in the topic", lambda: sum(end_offsets(up.bootstrap)) > 200, 60)
        group = wait_for("the demo group in the console with a verdict",
                         lambda: next((g for g in up.json("/api/groups") if g["group"] == DEMO_GROUP and g["status"] != "UNKNOWN"), None), 60)
        assert group["state"] == "Stable" and group["members"] == 1
        assert group["status"] == "OK", f"a consumer keeping up must be OK: {group}"

        # The console's end offsets sit between what the broker reported just before and just after.
        before = end_offsets(up.bootstrap)
        detail = up.json(f"/api/topics/{DEMO_TOPIC}")
        after = end_offsets(up.bootstrap)
        shown = {p["partition"]: p["latestOffset"] for p in detail["partitions"]}
        for partition in range(3):
            assert before[partition] <= shown[partition] <= after[partition], (partition, before, shown, after)
        assert (detail["summary"]["produceRate"] or 0) > 0

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "up-demo-overview.png"
        chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,900", up.url + "/")
        dom = chromium(tmp_path / "profile", "--dump-dom", up.url + "/")
        assert DEMO_TOPIC in dom and DEMO_GROUP in dom
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        code = up.stop()
    assert code == 0, f"logport up exited with {code}:\n{up.log()[-3000:]}"
    assert "stopped cleanly" in up.log()
