#!/usr/bin/env python3
"""Ships the same nginx access log into `logport broker` with `logport agent` and with rsyslog
(imfile + omkafka), one shipper at a time, and prints lines/s, CPU seconds and peak RSS of each.

    swift build -c release --product logport
    python3 benchmarks/agent_vs_rsyslog.py [--lines 1000000] [--partitions 3] [--runs 3]

Every shipper reads a complete file from its beginning into its own topic, with zstd and acks=all.
The clock runs from the shipper's start until the topic's end offsets add up to the line count
(so it includes startup, and measures records stored by the broker, not merely read). CPU is
utime+stime of the shipper process from /proc (all threads), peak RSS is its VmHWM. The broker is
the same release `logport broker` for all shippers and is not counted. `--runs N` repeats the
whole benchmark N times, each with a fresh broker, and prints the medians.

Shippers: `agent-raw` (no parsing, the line as the value: the same work rsyslog does), and
`agent-nginx` (examples/agent/nginx.yaml: access-log parsing, JSON events keyed by client).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")

AGENT_RAW_CONFIG = """\
data_dir: {data_dir}
sources:
  access:
    type: file
    include: ["{log}"]
    poll_interval_ms: 50
sinks:
  kafka:
    type: kafka
    inputs: [access]
    bootstrap_servers: {bootstrap}
    topic: {topic}
    encoding: raw
    headers: false
    compression: zstd
    acks: all
"""

RSYSLOG_CONFIG = """\
global(workDirectory="{data_dir}" maxMessageSize="8k")
module(load="imfile" mode="inotify")
module(load="omkafka")
template(name="line" type="string" string="%msg%")
input(type="imfile" file="{log}" tag="nginx" ruleset="to_kafka" freshStartTail="off")
ruleset(name="to_kafka" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="1024") {{
  action(type="omkafka" broker=["{bootstrap}"] topic="{topic}" template="line" partitions.auto="on"
         confParam=["compression.codec=zstd", "acks=all", "queue.buffering.max.messages=100000"])
}}
"""


STALL_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_log(path: Path, lines: int) -> int:
    rng = random.Random(42)
    paths = ["/", "/index.html", "/api/v1/orders", "/api/v1/users/{}", "/static/app.{}.js", "/images/p/{}.webp", "/search?q=item{}"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
              "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
              "curl/7.88.1"]
    with open(path, "w") as f:
        for i in range(lines):
            ip = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
            request = rng.choice(paths).format(rng.randrange(100000))
            status = rng.choice([200] * 16 + [301, 304, 404, 500])
            f.write(f'{ip} - - [25/Nov/2026:12:{i // 60000 % 60:02d}:{i // 1000 % 60:02d} +0000] "GET {request} HTTP/1.1" '
                    f'{status} {rng.randrange(100, 50000)} "https://shop.example.com/category/{rng.randrange(1000)}?page={rng.randrange(50)}" '
                    f'"{rng.choice(agents)}"\n')
    return path.stat().st_size


def end_offsets(consumer: Consumer, topic: str, partitions: int) -> int:
    total = 0
    for p in range(partitions):
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=5, cached=False)
        total += max(high, 0)
    return total


def proc_stats(pid: int) -> tuple[float, int]:
    """CPU seconds (user+system, all threads) and peak RSS in KiB."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    hwm = next(int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return cpu, hwm


def run_shipper(name: str, command: list[str], env: dict, consumer: Consumer, topic: str, partitions: int, lines: int,
                work: Path, timeout: float) -> dict:
    log = open(work / f"{name}.log", "wb")
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    cpu, rss = 0.0, 0
    stored = 0
    progressed = started
    try:
        while stored < lines:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}; see {work / (name + '.log')}")
            if time.monotonic() - started > timeout:
                raise SystemExit(f"{name}: only {stored} of {lines} records after {timeout}s")
            # A shipper that stops delivering (rsyslog's omkafka after "Queue full" has been seen to)
            # is reported as incomplete instead of waiting out the whole timeout.
            if time.monotonic() - progressed > STALL_SECONDS:
                print(f"{name}: stalled at {stored} of {lines} records for {STALL_SECONDS}s; see {work / (name + '.log')}",
                      file=sys.stderr)
                break
            time.sleep(0.1)
            cpu, rss = proc_stats(proc.pid)
            now_stored = end_offsets(consumer, topic, partitions)
            if now_stored > stored:
                progressed = time.monotonic()
            stored = now_stored
        elapsed = time.monotonic() - started
        cpu, rss = proc_stats(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"shipper": name, "seconds": elapsed, "lines_per_s": stored / elapsed, "cpu_s": cpu, "peak_rss_mib": rss / 1024,
            "records": stored}


def run_round(args: argparse.Namespace, shippers: list[str], work: Path) -> list[dict]:
    """One whole benchmark: a fresh broker, the log written, then every shipper in turn."""
    work.mkdir()
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    broker_log = open(work / "broker.log", "wb")
    broker = subprocess.Popen([args.logport, "broker", "--data-dir", str(work / "broker"), "--listen", bootstrap],
                              stdout=broker_log, stderr=subprocess.STDOUT)
    results = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("broker did not start")
                time.sleep(0.1)
        admin = AdminClient({"bootstrap.servers": bootstrap})
        topics = {name: f"bench-{name}" for name in shippers}
        for future in admin.create_topics([NewTopic(t, args.partitions, 1) for t in topics.values()]).values():
            future.result()
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench"})

        size = write_log(work / "access.log", args.lines)
        print(f"{args.lines} lines, {size / args.lines:.0f} bytes/line average, {size / 2**20:.0f} MiB; broker {bootstrap}; "
              f"work dir {work}", flush=True)
        for name in shippers:
            log = work / f"{name}.access.log"
            shutil.copyfile(work / "access.log", log)
            data_dir = work / f"{name}-data"
            data_dir.mkdir()
            topic = topics[name]
            if name == "rsyslog":
                config = work / "rsyslog.conf"
                config.write_text(RSYSLOG_CONFIG.format(data_dir=data_dir, log=log, bootstrap=bootstrap, topic=topic))
                command = ["rsyslogd", "-n", "-f", str(config), "-i", str(work / "rsyslog.pid")]
                env = {}
            elif name == "agent-raw":
                config = work / "agent-raw.yaml"
                config.write_text(AGENT_RAW_CONFIG.format(data_dir=data_dir, log=log, bootstrap=bootstrap, topic=topic))
                command, env = [args.logport, "agent", "--config", str(config)], {}
            else:
                command = [args.logport, "agent", "--config", str(REPO / "examples" / "agent" / "nginx.yaml")]
                env = {"LOG_PATH": str(log), "TOPIC": topic, "KAFKA_BOOTSTRAP": bootstrap, "AGENT_DATA_DIR": str(data_dir)}
            result = run_shipper(name, command, env, consumer, topic, args.partitions, args.lines, work, args.timeout)
            results.append(result)
            print(f"{name:12} {result['seconds']:7.1f} s {result['lines_per_s']:10,.0f} lines/s "
                  f"{result['cpu_s']:7.1f} CPU s {result['peak_rss_mib']:7.1f} MiB peak RSS"
                  + ("" if result["records"] >= args.lines else f"  INCOMPLETE: {result['records']} of {args.lines} delivered"), flush=True)
            log.unlink()
        consumer.close()
    finally:
        broker.send_signal(signal.SIGTERM)
        broker.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--logport", default=str(REPO / ".build" / "release" / "logport"))
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", action="append", choices=["agent-raw", "agent-nginx", "rsyslog"])
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole benchmark (fresh broker each time); print medians")
    args = parser.parse_args()
    shippers = args.only or ["agent-raw", "agent-nginx", "rsyslog"]

    work = Path(tempfile.mkdtemp(prefix="agent-bench-"))
    rounds = [run_round(args, shippers, work / f"run{index + 1}") for index in range(args.runs)]
    if args.runs > 1:
        print(f"medians of {args.runs} runs:")
        for name in shippers:
            runs = [result for results in rounds for result in results if result["shipper"] == name]
            median = {key: statistics.median(run[key] for run in runs) for key in ("seconds", "lines_per_s", "cpu_s", "peak_rss_mib")}
            print(f"{name:12} {median['seconds']:7.1f} s {median['lines_per_s']:10,.0f} lines/s "
                  f"{median['cpu_s']:7.1f} CPU s {median['peak_rss_mib']:7.1f} MiB peak RSS  "
                  "(CPU s " + ", ".join(f"{run['cpu_s']:.1f}" for run in runs)
                  + "; MiB " + ", ".join(f"{run['peak_rss_mib']:.0f}" for run in runs) + ")")
    print(f"logs and data in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
