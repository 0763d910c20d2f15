#!/usr/bin/env python3
"""Throughput of `logport process` per CPU core: parse → window aggregates → ClickHouse sink.

Starts a private broker and ClickHouse, writes a known number of generated records to a topic, runs
an example pipeline over them with the release binary, and reports events per second of wall time and
per CPU-second of the processor (all its threads: librdkafka, the pipeline, HTTP), and the CPU ClickHouse
spent meanwhile. The rate is measured between the first and the last record processed, so start-up and
the final idle flush do not count. On a small machine the broker and ClickHouse share the cores, so the
wall rate is lower than the per-core rate.

    swift build -c release --product logport
    benchmarks/processor_perf.py                     # both scenarios, 300000 records each
    benchmarks/processor_perf.py --pipeline web --records 1000000

Scenarios:
    web       web-analytics.yaml: JSON parse, timestamp, 3 aggregations (HLL, DDSketch percentiles,
              top-N, per-status groups) per minute, 3 ClickHouse tables
    security  security-audit.yaml: JSON parse, timestamp, every raw event inserted into ClickHouse,
              plus 3 aggregations (two grouped per user/IP, one 10-minute hopping window)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
os.environ.setdefault("LOGPORT_BIN", str(REPO / ".build" / "release" / "logport"))

from broker_process import BrokerProcess  # noqa: E402
from clients import create_topic  # noqa: E402
from processor_support import ClickHouseServer, Processor, WebhookReceiver, generate, wait_until  # noqa: E402

SCENARIOS = {
    "web": ("web", "web-analytics.yaml", {"WEB_TOPIC": "bench.web", "WEB_GROUP": "bench-web"}, "bench.web"),
    "security": ("auth", "security-audit.yaml", {"AUTH_TOPIC": "bench.auth", "AUTH_GROUP": "bench-auth"}, "bench.auth"),
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def run(scenario: str, records: int, partitions: int, work: Path, broker: BrokerProcess, clickhouse: ClickHouseServer,
        webhook: WebhookReceiver) -> dict:
    kind, pipeline, env, topic = SCENARIOS[scenario]
    create_topic(broker.bootstrap, topic, partitions=partitions)
    started = time.monotonic()
    generate(kind, broker.bootstrap, topic, "--count", str(records), "--seed", "1", "--start", "2026-11-25T00:00:00Z",
             "--event-rate", "200")
    generated = time.monotonic() - started

    processor = Processor(work / scenario, pipeline, broker.bootstrap,
                          {**env, "CLICKHOUSE_URL": clickhouse.url, "CLICKHOUSE_DATABASE": f"bench_{scenario}",
                           "ALERT_WEBHOOK_URL": webhook.url, "IDLE_TIMEOUT": "2s"}, checkpoint_interval="10s")
    (work / scenario).mkdir(parents=True, exist_ok=True)
    processor.command += ["--metrics-interval", "100ms", "--log-level", "warning"]
    processor.start()
    samples = []  # (wall, processor CPU, ClickHouse CPU, records processed)

    def sample() -> bool:
        processor.assert_running()
        done = processor.metric("records_total")
        samples.append((time.monotonic(), cpu_seconds(processor.proc.pid), cpu_seconds(clickhouse.proc.pid), done))
        return done >= records

    try:
        wait_until(sample, 600, f"{records} records processed", processor.log_tail)
    finally:
        if processor.proc.poll() is None and (not samples or samples[-1][3] < records):
            processor.kill9()  # it failed: do not leave it running
    first = next(s for s in samples if s[3] > 0)
    last = next(s for s in samples if s[3] >= records)
    processed = last[3] - first[3]
    assert processor.stop() == 0, processor.log_tail()
    rows = {name: processor.metric("sink_rows_inserted_total", sink=f"clickhouse bench_{scenario}.{name}")
            for name in ("web_traffic_1m", "auth_events")}
    return {
        "scenario": scenario,
        "records": records,
        "partitions": partitions,
        "generate_seconds": round(generated, 2),
        "process_seconds": round(last[0] - first[0], 2),
        "cpu_seconds": round(last[1] - first[1], 2),
        "clickhouse_cpu_seconds": round(last[2] - first[2], 2),
        "events_per_second": round(processed / max(1e-9, last[0] - first[0])),
        "events_per_cpu_second": round(processed / max(1e-9, last[1] - first[1])),
        "rows_inserted": {k: int(v) for k, v in rows.items() if v},
        "alerts_notified": len(webhook.alerts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--partitions", type=int, default=1)
    args = parser.parse_args()
    binary = Path(os.environ["LOGPORT_BIN"])
    if not binary.exists():
        sys.exit(f"{binary} is missing: run swift build -c release --product logport (or set LOGPORT_BIN)")
    with tempfile.TemporaryDirectory(prefix="logport-process-perf-") as directory:
        work = Path(directory)
        (work / "broker").mkdir()
        (work / "clickhouse").mkdir()
        broker = BrokerProcess(work / "broker").start()
        clickhouse = ClickHouseServer(work / "clickhouse").start()
        webhook = WebhookReceiver()
        try:
            for scenario in (SCENARIOS if args.pipeline == "all" else [args.pipeline]):
                result = run(scenario, args.records, args.partitions, work, broker, clickhouse, webhook)
                print(f"{scenario}: {result['records']} events, {result['events_per_second']} events/s wall, "
                      f"{result['events_per_cpu_second']} events/s per core "
                      f"({result['cpu_seconds']} CPU-s over {result['process_seconds']} s; "
                      f"ClickHouse used {result['clickhouse_cpu_seconds']} CPU-s)")
                print(json.dumps(result, sort_keys=True))
        finally:
            webhook.close()
            clickhouse.stop()
            broker.stop()


if __name__ == "__main__":
    main()
