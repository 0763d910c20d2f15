"""Helpers for the `logport process` tests: a private ClickHouse server, the processor as a child
process, the sample-data generator, a webhook receiver, and an independent model of event-time
windows that computes what ClickHouse must end up holding.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Optional

from broker_process import REPO_ROOT, free_loopback_port, logport_binary

EXAMPLES = REPO_ROOT / "examples" / "pipelines"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


def wait_until(condition: Callable[[], bool], timeout: float, what: str, context: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout}s\n{context()}")


def iso_millis(text: str) -> int:
    """`2026-11-25T10:00:00.250Z` → Unix milliseconds."""
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(round(parsed.timestamp() * 1000))


def clickhouse_time(millis: int) -> str:
    """How ClickHouse 18.16 prints a DateTime('UTC'): whole seconds."""
    return datetime.fromtimestamp(millis // 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- ClickHouse

def clickhouse_binary() -> Optional[str]:
    for candidate in (shutil.which("clickhouse-server"), "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class ClickHouseServer:
    """A throwaway clickhouse-server on free loopback ports with its own config and data directory."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.http_port = free_loopback_port()
        self.tcp_port = free_loopback_port()
        self.log_path = work_dir / "clickhouse.log"
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> "ClickHouseServer":
        data = self.work_dir / "data"
        for sub in ("tmp", "user_files", "format_schemas"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        users = self.work_dir / "users.xml"
        users.write_text(
            "<?xml version=\"1.0\"?>\n<yandex>\n"
            "  <profiles><default></default></profiles>\n"
            "  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>"
            "<profile>default</profile><quota>default</quota></default></users>\n"
            "  <quotas><default></default></quotas>\n</yandex>\n")
        config = self.work_dir / "config.xml"
        config.write_text(
            "<?xml version=\"1.0\"?>\n<yandex>\n"
            f"  <logger><level>warning</level><log>{self.log_path}</log><errorlog>{self.log_path}.err</errorlog>"
            "<size>10M</size><count>1</count></logger>\n"
            f"  <http_port>{self.http_port}</http_port>\n  <tcp_port>{self.tcp_port}</tcp_port>\n"
            "  <listen_host>127.0.0.1</listen_host>\n"
            f"  <path>{data}/</path>\n  <tmp_path>{data}/tmp/</tmp_path>\n"
            f"  <user_files_path>{data}/user_files/</user_files_path>\n"
            f"  <format_schema_path>{data}/format_schemas/</format_schema_path>\n"
            f"  <users_config>{users}</users_config>\n"
            "  <default_profile>default</default_profile>\n  <default_database>default</default_database>\n"
            "  <timezone>UTC</timezone>\n"
            "  <mark_cache_size>67108864</mark_cache_size>\n  <uncompressed_cache_size>67108864</uncompressed_cache_size>\n"
            "</yandex>\n")
        binary = clickhouse_binary()
        assert binary, "clickhouse-server is not installed (scripts/install-deps.sh installs it)"
        with open(self.work_dir / "clickhouse.stdout", "wb") as out:
            self.proc = subprocess.Popen([binary, f"--config-file={config}"], stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.work_dir)
        wait_until(self._answers_ping, START_TIMEOUT_S, "clickhouse-server answering /ping", self.log_tail)
        return self

    def _answers_ping(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"clickhouse-server exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.url + "/ping", timeout=1) as response:
                return response.read().strip() == b"Ok."
        except OSError:
            return False

    def query(self, sql: str) -> str:
        # Int64 columns as JSON numbers, not strings.
        request = urllib.request.Request(self.url + "/?output_format_json_quote_64bit_integers=0", data=sql.encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"ClickHouse rejected {sql!r}: {error.read().decode()}") from None

    def rows(self, sql: str) -> list[dict]:
        text = self.query(sql + " FORMAT JSONEachRow")
        return [json.loads(line) for line in text.splitlines() if line]

    def scalar(self, sql: str):
        text = self.query(sql + " FORMAT TabSeparated").strip()
        return int(text) if text.lstrip("-").isdigit() else text

    def count(self, table: str) -> int:
        try:
            return self.scalar(f"SELECT count() FROM {table}")
        except AssertionError:
            return 0  # not created yet

    def log_tail(self) -> str:
        parts = []
        for path in (self.work_dir / "clickhouse.stdout", Path(f"{self.log_path}.err")):
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT_S)


# --------------------------------------------------------------------------- logport process / generate

class Processor:
    """`logport process` as a child process, with its own metrics file and log (its checkpoints live with
    its consumer groups' committed offsets)."""

    def __init__(self, work_dir: Path, pipeline: str, bootstrap: str, env: dict, checkpoint_interval: str = "2s"):
        self.work_dir = work_dir
        self.metrics_path = work_dir / "metrics.prom"
        self.log_path = work_dir / "process.log"
        self.command = [
            str(logport_binary()), "process", "--config", str(EXAMPLES / pipeline), "-b", bootstrap,
            "--metrics-file", str(self.metrics_path),
            "--checkpoint-interval", checkpoint_interval,
            # A killed member must not hold its partitions for librdkafka's default 45 s.
            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
        ]
        self.env = {**os.environ, "LIVE": "false", "IDLE_TIMEOUT": "3s", "LOGPORT_STORE": str(work_dir / "store.db"), **env}
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    def start(self) -> "Processor":
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.command)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=self.env, cwd=self.work_dir)
        return self

    def metrics(self) -> dict[str, float]:
        """`name{labels}` → value, from the last metrics file the processor wrote."""
        if not self.metrics_path.exists():
            return {}
        values = {}
        for line in self.metrics_path.read_text().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def metric(self, name: str, **labels) -> float:
        wanted = [f'{key}="{value}"' for key, value in labels.items()]
        total = 0.0
        for key, value in self.metrics().items():
            if key.split("{", 1)[0] == f"logport_process_{name}" and all(label in key for label in wanted):
                total += value
        return total

    def assert_running(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"logport process exited with {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
            raise AssertionError(f"logport process ignored SIGTERM for {STOP_TIMEOUT_S}s:\n{self.log_tail()}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"


def generate_command(kind: str, bootstrap: str, topic: str, *options: str) -> list[str]:
    return [str(logport_binary()), "generate", kind, "-b", bootstrap, "--topic", topic, *options]


def generate(kind: str, bootstrap: str, topic: str, *options: str) -> None:
    result = subprocess.run(generate_command(kind, bootstrap, topic, *options), capture_output=True, timeout=120)
    assert result.returncode == 0, f"logport generate {kind} failed: {result.stderr.decode(errors='replace')}"


# --------------------------------------------------------------------------- webhook

class WebhookReceiver:
    """A loopback HTTP endpoint that records every alert POSTed to it."""

    def __init__(self):
        self.alerts: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.alerts.extend(json.loads(body)["alerts"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"

    def changes(self) -> list[tuple]:
        """Distinct (rule, group, state, at) changes in arrival order: replays re-send, receivers dedupe by id."""
        with self._lock:
            seen, out = set(), []
            for alert in self.alerts:
                group = ",".join(f"{f}={v}" for f, v in zip(alert["groupKey"]["fields"], alert["groupKey"]["values"]))
                change = (alert["rule"], group, alert["state"], alert["atMillis"])
                if (alert["id"], alert["state"]) not in seen:
                    seen.add((alert["id"], alert["state"]))
                    out.append(change)
            return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- expected windows

@dataclass
class WindowModel:
    """Event-time windows of one aggregation in one source partition, as the source stage cuts them,
    computed independently.

    Records are fed in the partition's offset order with the partition's own watermark before each one
    (`feed`); an event none of whose windows is still open (end + lateness <= watermark) is dropped, one
    that lands in a window whose end the watermark reached is accepted late. `first` keeps each window's
    events as the watermark reached its end (what revision 0 holds); a window only late events opened has
    none.
    """
    size_ms: int
    every_ms: int
    lateness_ms: int = 0
    group_by: tuple = ()
    keep: Callable[[dict], bool] = lambda event: True
    windows: dict = field(default_factory=dict)
    first: dict = field(default_factory=dict)
    late_opened: set = field(default_factory=set)
    dropped: int = 0
    accepted_late: int = 0

    def add(self, event: dict, time_ms: int, watermark_ms: float) -> None:
        if not self.keep(event):
            return
        key = tuple(str(event.get(name, "")) for name in self.group_by)
        latest_start = time_ms - time_ms % self.every_ms
        starts = [s for s in range(latest_start - self.size_ms + self.every_ms, latest_start + 1, self.every_ms)
                  if s > time_ms - self.size_ms]
        open_starts = [s for s in starts if s + self.size_ms + self.lateness_ms > watermark_ms]
        if not open_starts:
            self.dropped += 1
            return
        if any(s + self.size_ms <= watermark_ms for s in open_starts):
            self.accepted_late += 1
        for start in open_starts:
            if (key, start) not in self.windows and start + self.size_ms <= watermark_ms:
                self.late_opened.add((key, start))
            self.windows.setdefault((key, start), []).append(event)

    def reach(self, watermark_ms: float) -> None:
        """The partition's watermark moved to `watermark_ms`: windows it ends keep their events as revision 0."""
        for key, events in self.windows.items():
            if key[1] + self.size_ms <= watermark_ms and key not in self.first and key not in self.late_opened:
                self.first[key] = list(events)


def feed(models: Iterable[WindowModel], events: list[tuple[int, dict]], out_of_orderness_ms: int) -> float:
    """Feeds (time, event) pairs of one partition, in offset order; returns the partition's final watermark."""
    watermark = float("-inf")
    highest = float("-inf")
    models = list(models)
    for time_ms, event in events:
        for model in models:
            model.add(event, time_ms, watermark)
        highest = max(highest, time_ms)
        watermark = max(watermark, highest - out_of_orderness_ms)
        for model in models:
            model.reach(watermark)
    return watermark


@dataclass
class Revisions:
    """What the merge emits of one window: revision 0's events (None: no revision 0), the final one's
    (None: not final yet)."""
    first: Optional[list]
    final: Optional[list]

    @property
    def latest(self) -> list:
        return self.final if self.final is not None else self.first


def merged_windows(partitions: list[tuple[WindowModel, float]]) -> dict:
    """(group values, window start) → `Revisions`, for the models of one aggregation over every source
    partition (each with its final watermark), once every partition went idle: the merge watermark is
    then the highest partition watermark. Revision 0 takes each partition's events as its watermark
    reached the end (all of them from a partition that never got there); the final revision, once the
    merge watermark passed end + lateness, every accepted event."""
    frontier = max(watermark for _, watermark in partitions)
    spec = partitions[0][0]
    out = {}
    for key in sorted({key for model, _ in partitions for key in model.windows}):
        end = key[1] + spec.size_ms
        if end > frontier:
            continue
        first = []
        for model, watermark in partitions:
            if key in model.first:
                first += model.first[key]
            elif key in model.windows and watermark < end:
                first += model.windows[key]
        final = None
        if end + spec.lateness_ms <= frontier:
            final = [event for model, _ in partitions for event in model.windows.get(key, [])]
        if spec.lateness_ms == 0:
            first, final = None, final if final is not None else first
        revisions = Revisions(first=first or None, final=final)
        if revisions.latest:
            out[key] = revisions
    return out


def latest_revisions(partitions: list[tuple[WindowModel, float]]) -> dict:
    """(group values, window start) → the events of the window's latest revision (what FINAL reads)."""
    return {key: revisions.latest for key, revisions in merged_windows(partitions).items()}


def exact_quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def top(values: Iterable[str], n: int) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """The group's committed next offset per partition (absent: none)."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        committed = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in committed if tp.offset >= 0}
