"""Burrow (Debian's `burrow` package) watching our broker: its cluster module reads topic end offsets
and its consumer module reads committed offsets from `__consumer_offsets`, both through sarama.

The config is generated per run: one cluster named CLUSTER, a private ZooKeeper, an HTTP server on a
free loopback port, and a client profile with the kafka-version sarama should speak.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from broker_process import free_loopback_port

BURROW_BINARY = "Burrow"
CLUSTER = "logport"
CLIENT_ID = "burrow-itest"
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def burrow_missing_reason() -> Optional[str]:
    if shutil.which(BURROW_BINARY) is None:
        return "Burrow is not installed: apt-get install burrow (scripts/install-deps.sh does)"
    return None


def burrow_config(work_dir: Path, bootstrap: str, zookeeper: str, http_port: int, kafka_version: str) -> str:
    servers = f'["{bootstrap}"]'
    return f"""
[general]
pidfile="{work_dir / 'burrow.pid'}"

[logging]
level="debug"

[zookeeper]
servers=["{zookeeper}"]
timeout=6
root-path="/burrow-itest"

[client-profile.itest]
client-id="{CLIENT_ID}"
kafka-version="{kafka_version}"

[cluster.{CLUSTER}]
class-name="kafka"
servers={servers}
client-profile="itest"
topic-refresh=5
offset-refresh=2

[consumer.{CLUSTER}]
class-name="kafka"
cluster="{CLUSTER}"
servers={servers}
client-profile="itest"
offsets-topic="__consumer_offsets"
start-latest=false

[httpserver.default]
address="127.0.0.1:{http_port}"

[storage.default]
class-name="inmemory"
workers=4
intervals=10
expire-group=604800
min-distance=1
"""


class BurrowProcess:
    def __init__(self, work_dir: Path, bootstrap: str, zookeeper: str, kafka_version: str):
        self.work_dir = work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.http_port = free_loopback_port()
        self.log_path = work_dir / "burrow.log"
        (work_dir / "burrow.toml").write_text(burrow_config(work_dir, bootstrap, zookeeper, self.http_port, kafka_version))
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "BurrowProcess":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([BURROW_BINARY, "-config-dir", str(self.work_dir)], cwd=self.work_dir,
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_for(lambda: self.get("/burrow/admin", raw=True) == "GOOD", STARTUP_TIMEOUT_S, "Burrow's HTTP server")
        return self

    def get(self, path: str, raw: bool = False):
        """The body of GET path (parsed JSON unless raw), or None while Burrow cannot answer it."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=5) as response:
                body = response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        return body.strip() if raw else json.loads(body)

    def wait_for(self, condition: Callable[[], object], timeout: float, what: str):
        """Polls `condition` until it returns something truthy, which it returns."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"Burrow exited with {self.proc.returncode} waiting for {what}:\n{self.log_tail()}")
            result = condition()
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"Burrow: {what} not reached within {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def log_lines(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def log_tail(self, max_chars: int = 8000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no Burrow log)"
        interesting = [l for l in text.splitlines() if '"level":"debug"' not in l]
        return "\n".join(interesting)[-max_chars:]
