"""`logport up --demo`: the README's main job. One process runs the broker, a sample web service writing an
nginx access log, the agent shipping it to a topic, the web-analytics pipeline aggregating it into the
embedded store, and the console. The console's numbers must match what the broker reports to a Kafka
client and what the store file holds; every line the demo wrote must reach the topic and be counted in
its window."""
from __future__ import annotations

import calendar
import json
import re
import signal
import sqlite3
import subprocess
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from confluent_kafka import TopicPartition

from broker_process import free_loopback_port, logport_binary
from clients import CLIENT_TIMEOUT_S, consumer
from test_console import ARTIFACTS, chromium, wait_for

DEMO_TOPIC = "web.access"
DEMO_GROUP = "logport-web-analytics"
PIPELINE = "web-analytics"
WINDOW_S = 5


class UpProcess:
    def __init__(self, work_dir: Path, *args: str, name: str = "up"):
        self.data_dir = work_dir / "data"
        self.kafka_port = free_loopback_port()
        self.console_port = free_loopback_port()
        self.log_path = work_dir / f"{name}.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(logport_binary()), "up", *args, "--data-dir", str(self.data_dir),
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

    @property
    def store(self) -> Path:
        return self.data_dir / "store.db"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=CLIENT_TIMEOUT_S) as response:
            return json.loads(response.read())

    def stop(self) -> int:
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"logport up ignored SIGTERM for 60 s:\n{self.log()[-3000:]}")


def end_offsets(bootstrap: str) -> list[int]:
    c = consumer(bootstrap)
    try:
        return [c.get_watermark_offsets(TopicPartition(DEMO_TOPIC, p), timeout=CLIENT_TIMEOUT_S)[1] for p in range(3)]
    finally:
        c.close()


def number(value: dict):
    """An AggregateValue as the store keeps it: {"number": {"_0": x}} (x may be null) or {"ranking": …}."""
    return value["number"].get("_0") if "number" in value else None


def stored_windows(store: Path, final_only: bool = True) -> dict[tuple[str, int, str], dict[str, float | None]]:
    """(aggregation, window start, group key) → numeric columns, read with python's sqlite3."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT aggregation, window_start, group_key, metrics, is_final FROM window_aggregates WHERE pipeline = ?",
                          (PIPELINE,)).fetchall()
    finally:
        db.close()
    return {(aggregation, start, group): {k: number(v) for k, v in json.loads(metrics).items() if "number" in v}
            for aggregation, start, group, metrics, final in rows if final or not final_only}


CLF_TIME = re.compile(r"\[(\d\d)/(\w\w\w)/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] \"[^\"]*\" (\d{3}) ")
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}


def demo_lines(data_dir: Path) -> list[tuple[int, int]]:
    """(epoch milliseconds, status) of every line the demo wrote, rotated file included."""
    lines = []
    for path in [data_dir / "demo" / "access.log.1", data_dir / "demo" / "access.log"]:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            match = CLF_TIME.search(line)
            assert match, f"not a demo access log line: {line!r}"
            day, month, year, hour, minute, second, status = match.groups()
            seconds = calendar.timegm((int(year), MONTHS[month], int(day), int(hour), int(minute), int(second)))
            lines.append((seconds * 1000, int(status)))
    return lines


class ValueCells(HTMLParser):
    """The dashboard's exact-value cells: (aggregation, window, group) → {column: value}."""

    def __init__(self):
        super().__init__()
        self.cells: dict[tuple[str, int, str], dict[str, float]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-aggregation" in a:
            key = (a["data-aggregation"], int(a["data-window"]), a["data-group"])
            self.cells.setdefault(key, {})[a["data-column"]] = float(a["data-value"])


def test_up_demo_runs_the_whole_pipeline_and_the_console_shows_its_dashboards(tmp_path):
    up = UpProcess(tmp_path, "--demo", "--demo-window", f"{WINDOW_S}s")
    try:
        for piece in ["kafka    ", "demo     web service writing", "agent    tails", "process  pipeline web-analytics", "store    "]:
            assert piece in up.log(), f"logport up does not say where the {piece.strip()} is:\n{up.log()}"

        # The agent's events are visible to any Kafka client, and the processor's group to the console.
        wait_for("agent events in the topic", lambda: sum(end_offsets(up.bootstrap)) > 200, 60)
        group = wait_for("the processor's group in the console with a verdict",
                         lambda: next((g for g in up.json("/api/groups") if g["group"] == DEMO_GROUP and g["status"] != "UNKNOWN"), None), 90)
        assert group["state"] == "Stable" and group["members"] == 1, group
        assert group["status"] in ("OK", "WARNING"), f"the processor keeps up: {group}"
        event = json.loads(up.json(f"/api/topics/{DEMO_TOPIC}/messages?partition=0&limit=1")["messages"][0]["value"]["data"])
        assert {"client", "path", "status", "bytes", "rt"} <= set(event["fields"]), event

        # The processor closes windows into the store; wait for settled (final) ones of each kind.
        wait_for("final traffic and status windows in the store",
                 lambda: up.store.exists() and {a for a, _, _ in stored_windows(up.store)} >= {"traffic", "status_codes"}, 90)

        summaries = up.json("/api/pipelines")
        assert [p["name"] for p in summaries] == [PIPELINE]
        assert {"traffic", "status_codes"} <= set(summaries[0]["aggregations"])

        # The API shows the stored values, exactly, for every settled window.
        settled = stored_windows(up.store)
        dashboard = up.json(f"/api/pipelines/{PIPELINE}")
        shown = {(panel["name"], w["windowStart"], w["group"]): w["values"] for panel in dashboard["aggregations"] for w in panel["windows"]}
        for key, values in settled.items():
            assert shown.get(key) == values, (key, values, shown.get(key))
        db = sqlite3.connect(f"file:{up.store}?mode=ro", uri=True, timeout=10)
        try:
            stored_alerts = {row[0]: row[1:] for row in db.execute(
                "SELECT id, rule, state, opened_at, resolved_at FROM alerts WHERE pipeline = ? AND updated_at <= ?",
                (PIPELINE, max(w["windowEnd"] for p in dashboard["aggregations"] for w in p["windows"])))}
        finally:
            db.close()
        shown_alerts = {a["id"]: (a["rule"], a["state"], a["firedAt"], a.get("resolvedAt")) for a in dashboard["alerts"]}
        for alert_id, stored in stored_alerts.items():
            assert shown_alerts.get(alert_id) == stored, (alert_id, stored, shown_alerts.get(alert_id))
        traffic = next(p for p in dashboard["aggregations"] if p["name"] == "traffic")
        assert {c["title"] for c in traffic["charts"]} >= {"page_views", "unique_visitors", "latency", "bytes_sent"}
        latency = next(c for c in traffic["charts"] if c["title"] == "latency")
        assert [s["name"] for s in latency["series"]] == ["latency_p50", "latency_p95", "latency_p99"]
        assert traffic["rankings"][0]["column"] == "top_pages" and traffic["rankings"][0]["entries"]

        # The page shows the same numbers (read by headless Chromium), and draws charts.
        ARTIFACTS.mkdir(exist_ok=True)
        profile = tmp_path / "profile"
        for path, name in [("/pipelines", "up-demo-pipelines.png"), (f"/pipelines/{PIPELINE}", "up-demo-dashboard.png")]:
            shot = ARTIFACTS / name
            shot.unlink(missing_ok=True)
            chromium(profile, f"--screenshot={shot}", "--window-size=1280,2400", up.url + path)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        dom = chromium(profile, "--dump-dom", up.url + f"/pipelines/{PIPELINE}")
        assert dom.count('<svg class="chart"') >= 5 and "Anomalies and alerts" in dom
        cells = ValueCells()
        cells.feed(dom)
        settled = stored_windows(up.store)  # read after the page: settled rows never change
        compared = 0
        for key, values in cells.cells.items():
            if key in settled:
                assert values == {k: v for k, v in settled[key].items() if v is not None}, (key, values, settled[key])
                compared += 1
        assert any(key[0] == "traffic" and key in settled for key in cells.cells), "no settled traffic window on the page"
        assert compared >= 2
        list_dom = chromium(profile, "--dump-dom", up.url + "/pipelines")
        assert f'href="/pipelines/{PIPELINE}"' in list_dom
    finally:
        code = up.stop()
    assert code == 0, f"logport up exited with {code}:\n{up.log()[-3000:]}"
    assert "stopped cleanly" in up.log()

    # After the drain, every line the demo wrote is in the topic: read the end offsets from the same data
    # directory through `logport up` without the demo (broker and console only; no config).
    lines = demo_lines(up.data_dir)
    again = UpProcess(tmp_path, name="up-again")
    try:
        assert sum(end_offsets(again.bootstrap)) == len(lines), (end_offsets(again.bootstrap), len(lines))
        assert "agent    none" in again.log()
        assert [p["name"] for p in again.json("/api/pipelines")] == [PIPELINE], "the console reads the store without a processor"
    finally:
        assert again.stop() == 0, again.log()[-3000:]

    # Every settled window counted exactly the lines stamped inside it.
    settled = stored_windows(up.store)
    traffic = {start: values for (aggregation, start, _), values in settled.items() if aggregation == "traffic"}
    assert traffic, "no settled traffic window"
    for start, values in traffic.items():
        inside = [status for ms, status in lines if start <= ms < start + WINDOW_S * 1000]
        assert values["page_views"] == len(inside), (start, values, len(inside))
        by_status = {int(group.split("=")[1]): v["requests"] for (a, s, group), v in settled.items() if a == "status_codes" and s == start}
        assert by_status == {status: inside.count(status) for status in set(inside)}, (start, by_status)
        errors = settled.get(("server_errors", start, "*"), {}).get("errors", 0)
        assert errors == sum(1 for status in inside if status >= 500), (start, errors)


def test_up_with_a_config_runs_its_agent_and_pipeline_over_the_files_it_names(tmp_path):
    """`logport up --config up.yaml`: the agent and pipeline files load with the standalone loaders; lines
    appended to the file named there are shipped, aggregated into the store and shown by the console."""
    log_file = tmp_path / "logs" / "access.log"
    log_file.parent.mkdir()
    log_file.touch()
    (tmp_path / "agent.yaml").write_text(f"""
data_dir: ${{LOGPORT_DATA}}/agent
sources:
  access: {{type: file, include: ["{log_file}"], poll_interval_ms: 100}}
transforms:
  parse: {{type: parse_access_log, inputs: [access]}}
sinks:
  kafka: {{type: kafka, inputs: [parse], bootstrap_servers: "${{KAFKA_BOOTSTRAP}}", topic: cfg.access, encoding: json}}
""")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "hits.yaml").write_text("""
name: hits
source: {topics: [cfg.access], group_id: cfg-hits, out_of_orderness: 2s, idle_timeout: 1s, live: true}
transforms:
  - parse: json
  - timestamp: {field: timestamp, format: iso8601}
  - rename: {from: fields.status, to: status}
aggregations:
  - {name: hits, window: {tumbling: 5s}, lateness: 5s, group_by: [status], columns: {requests: count}}
sinks:
  - sqlite: {path: "${LOGPORT_STORE}"}
""")
    (tmp_path / "up.yaml").write_text("agent: agent.yaml\npipelines: [pipelines/hits.yaml]\n")

    up = UpProcess(tmp_path, "--config", str(tmp_path / "up.yaml"))
    try:
        assert f"tails {log_file}" in up.log() and "process  pipeline hits" in up.log(), up.log()
        wait_for("the pipeline's partitions assigned", lambda: "partitions assigned" in up.log(), 60)
        now = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        statuses = [200] * 40 + [404] * 7 + [503] * 3
        with open(log_file, "a") as f:
            for i, status in enumerate(statuses):
                f.write(f'10.0.0.{i % 7 + 1} - - [{now}] "GET /p/{i} HTTP/1.1" {status} 12 "-" "pytest"\n')

        def settled_counts():
            if not up.store.exists():
                return None
            db = sqlite3.connect(f"file:{up.store}?mode=ro", uri=True, timeout=10)
            try:
                rows = db.execute("SELECT group_key, metrics FROM window_aggregates WHERE pipeline = 'hits' AND is_final = 1").fetchall()
            finally:
                db.close()
            counts: dict[str, float] = {}
            for group, metrics in rows:
                counts[group] = counts.get(group, 0) + number(json.loads(metrics)["requests"])
            return counts if sum(counts.values()) == len(statuses) else None

        counts = wait_for("every line counted in settled windows", settled_counts, 60)
        assert counts == {"status=200": 40, "status=404": 7, "status=503": 3}
        dashboard = up.json("/api/pipelines/hits")
        shown: dict[str, float] = {}
        for window in dashboard["aggregations"][0]["windows"]:
            shown[window["group"]] = shown.get(window["group"], 0) + window["values"]["requests"]
        assert shown == counts
    finally:
        code = up.stop()
    assert code == 0, f"logport up exited with {code}:\n{up.log()[-3000:]}"
