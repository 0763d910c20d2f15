#!/usr/bin/env python3
"""Broker benchmark: produce and consume realistic 200-byte log lines through librdkafka
(confluent-kafka) against a `logport broker` started by this script, and report records/s, MB/s,
broker CPU seconds per million records, end-to-end latency percentiles (producer's send to the
consumer's receipt), acks=all ack latency (send to delivery report, from every 10th record), and
the rate of a producer that waits for each acks=all ack.

Usage (release build first):
    swift build -c release && python3 benchmarks/broker_perf.py [--records 1000000] [--binary .build/release/logport]

Every phase is bounded by a record count and a timeout; traffic stays on 127.0.0.1.
"""
import argparse
import multiprocessing
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic



def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """CPU time of every thread of `pid`, from the scheduler's own accounting (schedstat, in ns).
    utime/stime in /proc/PID/stat are sampled at clock ticks and miss threads that run in short
    bursts between ticks (a log writer woken 10,000 times a second can show 0)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


def log_lines(count, seed=7):
    """Varied nginx-style access lines of about 200 bytes."""
    rng = random.Random(seed)
    paths = ["/", "/api/v1/orders", "/api/v1/users/%d", "/static/app.%d.js", "/login", "/search?q=%d", "/cart/%d/items"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0", "curl/8.5.0", "Mozilla/5.0 (Macintosh) Safari/605.1.15", "kube-probe/1.29"]
    statuses = [200] * 17 + [301, 404, 500]
    lines = []
    for i in range(count):
        path = rng.choice(paths)
        if "%d" in path:
            path = path % rng.randint(1, 99999)
        line = '%d.%d.%d.%d - - [25/Nov/2026:10:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "%s" rt=%.3f' % (
            rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254), (i // 60) % 60, i % 60,
            path, rng.choice(statuses), rng.randint(200, 90000), rng.choice(agents), rng.random())
        lines.append(line.ljust(200)[:200].encode())
    return lines


def start_broker(binary, data_dir, port, config_file=None):
    extra = ["--config", config_file] if config_file else []
    proc = subprocess.Popen([binary, "broker", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--log-level", "warning", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("broker did not start: " + (proc.stdout.read() if proc.stdout else ""))


def produce_throughput(bootstrap, topic, lines, acks, linger_ms, broker_pid):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": linger_ms, "batch.size": 1_000_000,
                         "queue.buffering.max.messages": 1_000_000, "compression.type": "none", "enable.idempotence": acks == "all"})
    failures = []
    delivered = [0]

    def on_delivery(err, msg):
        if err:
            failures.append(err)
        else:
            delivered[0] += 1

    cpu0, t0 = cpu_seconds(broker_pid), time.perf_counter()
    for line in lines:
        while True:
            try:
                producer.produce(topic, line, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
    remaining = producer.flush(120)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(broker_pid) - cpu0
    if failures or remaining or delivered[0] != len(lines):
        raise SystemExit(f"produce failed: {len(failures)} errors ({failures[:3]}), {remaining} undelivered")
    return elapsed, cpu


def consume_throughput(bootstrap, topic, count, broker_pid):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"perf-{time.time()}", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "fetch.max.bytes": 52428800})
    consumer.assign([TopicPartition(topic, 0, 0)])
    cpu0, t0 = cpu_seconds(broker_pid), time.perf_counter()
    seen, deadline = 0, time.time() + 120
    while seen < count and time.time() < deadline:
        for message in consumer.consume(10000, 1.0):
            if message.error() is None:
                seen += 1
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(broker_pid) - cpu0
    consumer.close()
    if seen < count:
        raise SystemExit(f"consumed only {seen} of {count}")
    return elapsed, cpu


def _own_cpu_seconds():
    """User+system CPU of this process, every thread (librdkafka's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


WARM_UP = b"warm-up"


def _e2e_consumer(bootstrap, topic, total, seconds, fetch_wait_ms, ready, results):
    """Runs in its own process, so the producer's pacing loop cannot starve it of the GIL."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"e2e-{time.time()}", "enable.auto.commit": False,
                         "fetch.wait.max.ms": fetch_wait_ms, "fetch.min.bytes": 1, "socket.nagle.disable": True})
    consumer.assign([TopicPartition(topic, 0, OFFSET_END)])
    consumer.poll(1.0)
    ready.set()
    cpu0 = _own_cpu_seconds()
    latencies = []
    deadline = time.time() + seconds + 15
    # poll() returns as soon as one record is there; consume(n, t) would wait to fill a batch
    # and measure its own batching instead of the broker.
    while len(latencies) < total and time.time() < deadline:
        message = consumer.poll(0.1)
        if message is not None and message.error() is None and message.value() != WARM_UP:
            latencies.append(time.perf_counter_ns() - int(message.value()[:20]))
    cpu = _own_cpu_seconds() - cpu0
    consumer.close()
    results.put((latencies, cpu))


def end_to_end_latency(bootstrap, topic, rate, seconds, linger_ms, fetch_wait_ms, acks, broker_pid):
    """Sends `rate` records/s for `seconds`, each carrying its send time (CLOCK_MONOTONIC, shared by
    processes); a consumer in another process measures arrival."""
    total = rate * seconds
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    reader = multiprocessing.Process(target=_e2e_consumer, args=(bootstrap, topic, total, seconds, fetch_wait_ms, ready, results))
    reader.start()
    ready.wait(30)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": linger_ms, "socket.nagle.disable": True})
    padding = b" " * 180
    # The producer's first record waits for its metadata and leader connection, 100 ms on some runs:
    # that is client start-up, not the steady state this measures, so one record goes first, untimed.
    producer.produce(topic, WARM_UP)
    producer.flush(10)
    ack_latencies = []

    def on_delivery(err, message):
        if err is None:
            ack_latencies.append(time.perf_counter_ns() - int(message.value()[:20]))
    cpu0, producer_cpu0 = cpu_seconds(broker_pid), _own_cpu_seconds()
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        # Ack latency from every 10th record: a Python callback per record would cost the producer
        # a tenth of a core, and that CPU would come out of the latency being measured.
        producer.produce(topic, b"%020d" % time.perf_counter_ns() + padding, on_delivery=on_delivery if i % 10 == 0 else None)
        producer.poll(0)
    producer.flush(30)
    elapsed = time.perf_counter() - start
    broker_cpu_share = (cpu_seconds(broker_pid) - cpu0) / elapsed
    producer_cpu_share = (_own_cpu_seconds() - producer_cpu0) / elapsed
    latencies, consumer_cpu = results.get(timeout=seconds + 30)
    reader.join(10)
    if len(latencies) < total * 0.99:
        raise SystemExit(f"e2e: received {len(latencies)} of {total}")
    latencies.sort()
    ack_latencies.sort()
    pick = lambda values, q: values[min(len(values) - 1, int(q * len(values)))] / 1e6
    return (pick(latencies, 0.5), pick(latencies, 0.99), pick(latencies, 0.999), broker_cpu_share, producer_cpu_share,
            consumer_cpu / elapsed, pick(ack_latencies, 0.5), pick(ack_latencies, 0.99))


def one_at_a_time(bootstrap, topic, count):
    """A producer that waits for each acks=all ack before sending the next record (produce, then
    flush): what a synchronous client does. Returns records/s and the ack p50/p99 in ms."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0, "socket.nagle.disable": True})
    producer.produce(topic, WARM_UP)
    producer.flush(10)
    value = b"x" * 200
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        sent = time.perf_counter_ns()
        producer.produce(topic, value)
        if producer.flush(10) != 0:
            raise SystemExit("one-at-a-time: a record was not acknowledged within 10 s")
        latencies.append(time.perf_counter_ns() - sent)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return count / elapsed, latencies[len(latencies) // 2] / 1e6, latencies[int(0.99 * len(latencies))] / 1e6


def _e2e_row(label, run):
    p50, p99, p999, cpu, producer_cpu, consumer_cpu, ack_p50, ack_p99 = run
    return (f"{label:<52}{p50:>9.2f}{p99:>9.2f}{p999:>10.2f}{cpu:>11.0%}{producer_cpu:>10.0%}{consumer_cpu:>10.0%}"
            f"{ack_p50:>9.2f}{ack_p99:>9.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/logport")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--e2e-rate", type=int, default=10_000)
    parser.add_argument("--e2e-seconds", type=int, default=5)
    parser.add_argument("--broker-config", help="YAML broker config, e.g. with acks.all.fsync: false to compare")
    parser.add_argument("--phases", default="throughput,e2e,sync",
                        help="comma-separated: throughput, e2e, sync (one acks=all record at a time); default all")
    parser.add_argument("--e2e-linger", default="5,0", help="comma-separated linger.ms values for the e2e phase")
    parser.add_argument("--e2e-repeats", type=int, default=1, help="runs per e2e setting; with more than one, the medians are printed too")
    args = parser.parse_args()
    phases = set(args.phases.split(","))

    data_dir = tempfile.mkdtemp(prefix="logport-perf-")
    port = free_port()
    broker = start_broker(args.binary, data_dir, port, args.broker_config)
    bootstrap = f"127.0.0.1:{port}"
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        lingers = [int(value) for value in args.e2e_linger.split(",")]
        for name in ["perf-acks-all", "perf-acks-1", "perf-sync"] + [f"perf-e2e-{linger}" for linger in lingers]:
            admin.create_topics([NewTopic(name, 1, 1)])[name].result(15)
        lines = log_lines(args.records)
        mb = sum(len(line) for line in lines) / 1e6
        print(f"# logport broker benchmark: {args.records} records of 200 bytes ({mb:.0f} MB), 1 partition, uncompressed")
        print(f"# binary {args.binary}, librdkafka via confluent-kafka, broker on 127.0.0.1:{port}"
              + (f", config {args.broker_config}" if args.broker_config else ""))
        if "throughput" in phases:
            rows = []
            for acks, topic in [("all", "perf-acks-all"), ("1", "perf-acks-1")]:
                elapsed, cpu = produce_throughput(bootstrap, topic, lines, acks, 5, broker.pid)
                rows.append((f"produce acks={acks}", args.records / elapsed, mb / elapsed, cpu / args.records * 1e6))
            elapsed, cpu = consume_throughput(bootstrap, "perf-acks-all", args.records, broker.pid)
            rows.append(("consume", args.records / elapsed, mb / elapsed, cpu / args.records * 1e6))
            print(f"{'phase':<20}{'records/s':>14}{'MB/s':>10}{'broker CPU s / 1M records':>28}")
            for name, rate, mbs, cpu in rows:
                print(f"{name:<20}{rate:>14,.0f}{mbs:>10.1f}{cpu:>28.3f}")
        if "e2e" in phases:
            # CPU columns: share of one core over the run (broker; the producer and consumer processes).
            print(f"\n{'end-to-end latency':<52}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'broker CPU':>12}{'producer':>10}{'consumer':>10}"
                  f"{'ack p50':>9}{'ack p99':>9}")
            for linger in lingers:
                runs = []
                for repeat in range(args.e2e_repeats):
                    # The throughput phases leave hundreds of MB dirty in the page cache; without this the
                    # kernel's writeback of them lands in the first latency run (an ext4 journal commit
                    # holds the broker's fsync) and measures the earlier phase instead of this one.
                    os.sync()
                    topic = f"perf-e2e-{linger}"
                    runs.append(end_to_end_latency(bootstrap, topic, args.e2e_rate, args.e2e_seconds, linger, 10, "all", broker.pid))
                    label = f"{args.e2e_rate}/s acks=all linger.ms={linger} fetch.wait.max.ms=10"
                    print(_e2e_row(label, runs[-1]), flush=True)
                if len(runs) > 1:
                    medians = [statistics.median(run[column] for run in runs) for column in range(len(runs[0]))]
                    print(_e2e_row(f"  median of {len(runs)} runs", medians), flush=True)
        if "sync" in phases:
            rate, p50, p99 = one_at_a_time(bootstrap, "perf-sync", 3000)
            print(f"\n{'one acks=all record at a time (produce + flush)':<52}{'records/s':>10}{'ack p50':>9}{'ack p99':>9}")
            print(f"{'3000 records of 200 bytes':<52}{rate:>10,.0f}{p50:>9.2f}{p99:>9.2f}", flush=True)
    finally:
        broker.terminate()
        try:
            broker.wait(20)
        except subprocess.TimeoutExpired:
            broker.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
