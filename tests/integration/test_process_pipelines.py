"""`logport process` end to end: the three example pipelines, fed by `logport generate`, writing to a
private ClickHouse 18.16 (Debian's), checked against aggregates this test computes itself from the
records it reads back from Kafka.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest

from clients import consume_all, create_topic, unique_topic
from processor_support import (ClickHouseServer, Processor, WebhookReceiver, WindowModel, clickhouse_time, committed_offsets,
                               exact_quantile, feed, generate, generate_command, iso_millis, latest_revisions, merged_windows, top,
                               wait_until)

START = "2026-11-25T10:00:00Z"
MINUTE = 60_000


@pytest.fixture(scope="module")
def clickhouse(tmp_path_factory):
    server = ClickHouseServer(tmp_path_factory.mktemp("clickhouse")).start()
    yield server
    server.stop()


@pytest.fixture
def processors():
    """Starts `logport process` children; any still running when the test ends is killed."""
    started: list[Processor] = []

    def start(*args, **kwargs) -> Processor:
        processor = Processor(*args, **kwargs).start()
        started.append(processor)
        return processor

    yield start
    for processor in started:
        if processor.proc.poll() is None:
            processor.kill9()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def read_back(bootstrap: str, topic: str, partitions: int, count: int) -> list[tuple[int, int, dict, bytes]]:
    """(partition, offset, parsed event, raw value) of every generated record, in offset order per partition."""
    records = consume_all(bootstrap, topic, range(partitions), count, timeout=60)
    assert len(records) == count, f"read {len(records)} records back from {topic}, generated {count}"
    return sorted(((m.partition, m.offset, parse(m.value), m.value) for m in records), key=lambda r: (r[0], r[1]))


def parse(value: bytes) -> dict:
    text = value.decode()
    if text.startswith("{"):
        return json.loads(text)
    return dict(pair.split("=", 1) for pair in text.split(" "))  # logfmt without quoting, as the generator writes it


def approx(actual: float, expected: float, relative: float) -> bool:
    return abs(actual - expected) <= relative * abs(expected) + 1e-9


def checkpointed(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    """How many records the group's checkpoints cover: the sum of its committed next offsets (topics start at 0)."""
    return sum(committed_offsets(bootstrap, group, topic, partitions).values())


def wait_for_rows(clickhouse: ClickHouseServer, processor: Processor, table: str, expected: int, timeout: float = 60) -> None:
    wait_until(lambda: processor.assert_running() or clickhouse.count(f"{table} FINAL") == expected, timeout,
               f"{expected} rows in {table} (FINAL)",
               lambda: f"rows now: {clickhouse.count(table + ' FINAL')}\n{processor.log_tail()}")


def test_web_analytics_aggregates_and_late_events(bootstrap, clickhouse, processors, tmp_path):
    topic = unique_topic("web")
    create_topic(bootstrap, topic, partitions=1)
    count = 6000
    generate("web", bootstrap, topic, "--count", str(count), "--seed", "11", "--start", START,
             "--late-every", "700", "--late-by", "40s,15m")
    records = read_back(bootstrap, topic, 1, count)

    traffic = WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE)
    statuses = WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE, group_by=("status",))
    errors = WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE, keep=lambda e: e["status"] >= 500)
    watermark = feed([traffic, statuses, errors], [(iso_millis(e["ts"]), e) for _, _, e, _ in records], out_of_orderness_ms=5000)
    expected = latest_revisions([(traffic, watermark)])
    assert traffic.dropped > 0 and traffic.accepted_late > 0, "the input must hold late events of both kinds"

    processor = processors(tmp_path, "web-analytics.yaml", bootstrap,
                           {"WEB_TOPIC": topic, "WEB_GROUP": f"g-{topic}", "CLICKHOUSE_URL": clickhouse.url,
                            "CLICKHOUSE_DATABASE": "web", "CLICKHOUSE_BATCH_INTERVAL": "200ms"})
    wait_until(lambda: processor.assert_running() or processor.metric("records_total") == count, 60, "all records processed",
               processor.log_tail)
    wait_for_rows(clickhouse, processor, "web.web_traffic_1m", len(expected))
    wait_for_rows(clickhouse, processor, "web.web_status_1m", len(latest_revisions([(statuses, watermark)])))
    assert processor.stop() == 0, processor.log_tail()

    rows = clickhouse.rows("SELECT * FROM web.web_traffic_1m FINAL ORDER BY window_start")
    assert [row["window_start"] for row in rows] == [clickhouse_time(start) for (_, start) in sorted(expected)]
    for row, ((_, start), events) in zip(rows, sorted(expected.items())):
        where = f"window {row['window_start']}"
        assert row["page_views"] == len(events), where
        assert row["bytes_sent"] == sum(e["bytes"] for e in events), where
        users = len({e["user_id"] for e in events})
        assert approx(row["unique_visitors"], users, 0.02), f"{where}: {row['unique_visitors']} visitors, exactly {users}"
        latencies = [e["latency_ms"] for e in events]
        for column, q in (("latency_p50", 0.5), ("latency_p95", 0.95), ("latency_p99", 0.99)):
            exact = exact_quantile(latencies, q)
            assert approx(row[column], exact, 0.0101), f"{where}: {column} {row[column]}, exactly {exact}"
        ranking = [(entry["item"], entry["count"]) for entry in json.loads(row["top_pages"])]
        assert ranking == top((e["path"] for e in events), 10), where

    status_rows = clickhouse.rows("SELECT status, window_start, requests, latency_avg FROM web.web_status_1m FINAL")
    expected_status = {(key[0], clickhouse_time(start)): events for (key, start), events in latest_revisions([(statuses, watermark)]).items()}
    assert {(r["status"], r["window_start"]): r["requests"] for r in status_rows} == \
        {key: len(events) for key, events in expected_status.items()}
    for row in status_rows:
        events = expected_status[(row["status"], row["window_start"])]
        assert approx(row["latency_avg"], sum(e["latency_ms"] for e in events) / len(events), 1e-9)
    error_rows = clickhouse.rows("SELECT window_start, errors FROM web.web_errors_1m FINAL")
    assert {r["window_start"]: r["errors"] for r in error_rows} == \
        {clickhouse_time(start): len(events) for (_, start), events in latest_revisions([(errors, watermark)]).items()}

    # Late events: within the lateness they count in their window's final revision (1 in the table),
    # later ones were dropped, and the processor's metrics count both exactly.
    assert processor.metric("late_events_dropped_total", aggregation="traffic") == traffic.dropped
    assert processor.metric("late_events_accepted_total", aggregation="traffic") == traffic.accepted_late
    assert clickhouse.scalar("SELECT max(revision) FROM web.web_traffic_1m") >= 1


def test_server_monitoring_anomaly_alerts_once_and_resolves(bootstrap, clickhouse, processors, webhook, tmp_path):
    topic, alerts_topic = unique_topic("metrics"), unique_topic("alerts")
    create_topic(bootstrap, topic, partitions=2)
    create_topic(bootstrap, alerts_topic, partitions=1)
    hosts, minutes = 8, 40
    count = hosts * 6 * minutes
    generate("metrics", bootstrap, topic, "--count", str(count), "--seed", "5", "--start", START,
             "--anomaly-at", "+20m", "--anomaly-for", "5m", "--anomaly-host", "api-01")
    records = read_back(bootstrap, topic, 2, count)
    model = WindowModel(MINUTE, MINUTE, lateness_ms=MINUTE, group_by=("host", "role"))
    events = sorted(((iso_millis(e["ts"]), e) for _, _, e, _ in records), key=lambda pair: pair[0])
    watermark = feed([model], events, out_of_orderness_ms=15_000)
    expected = latest_revisions([(model, watermark)])

    processor = processors(tmp_path, "server-monitoring.yaml", bootstrap,
                           {"METRICS_TOPIC": topic, "METRICS_GROUP": f"g-{topic}", "ALERTS_TOPIC": alerts_topic,
                            "ALERT_WEBHOOK_URL": webhook.url, "CLICKHOUSE_URL": clickhouse.url,
                            "CLICKHOUSE_DATABASE": "monitoring", "CLICKHOUSE_BATCH_INTERVAL": "200ms"})
    wait_for_rows(clickhouse, processor, "monitoring.host_metrics_1m", len(expected))
    assert processor.stop() == 0, processor.log_tail()
    assert processor.metric("late_events_dropped_total") == 0

    rows = clickhouse.rows("SELECT * FROM monitoring.host_metrics_1m FINAL")
    by_key = {(r["host"], r["role"], r["window_start"]): r for r in rows}
    assert set(by_key) == {(k[0], k[1], clickhouse_time(start)) for (k, start) in expected}
    for (key, start), window in expected.items():
        row = by_key[(key[0], key[1], clickhouse_time(start))]
        assert row["samples"] == len(window)
        for column, field_name in (("cpu_avg", "cpu_pct"), ("latency_avg", "latency_ms"), ("error_rate", "error_rate")):
            exact = sum(float(e[field_name]) for e in window) / len(window)
            assert approx(row[column], exact, 1e-9), f"{key} {clickhouse_time(start)} {column}"
        assert row["requests"] == sum(int(e["requests"]) for e in window)

    # The latency incident on api-01 from 10:20 to 10:25 fires one alert when its first minute closes
    # and resolves with the first normal minute; no other host alerts on latency.
    latency_changes = [c for c in webhook.changes() if c[0] == "latency_anomaly"]
    anomaly_start = iso_millis("2026-11-25T10:20:00.000Z")
    assert latency_changes == [
        ("latency_anomaly", "host=api-01,role=api", "firing", anomaly_start + MINUTE),
        ("latency_anomaly", "host=api-01,role=api", "resolved", anomaly_start + 6 * MINUTE),
    ], webhook.changes()
    error_changes = [c[2] for c in webhook.changes() if c[0] == "error_rate_anomaly"]
    assert error_changes == ["firing", "resolved"], webhook.changes()
    assert all(c[1] == "host=api-01,role=api" for c in webhook.changes()), webhook.changes()

    # The same alert events went to the alerts topic, keyed by alert id.
    published = consume_all(bootstrap, alerts_topic, [0], len(webhook.alerts), timeout=30)
    assert sorted((json.loads(m.value)["id"], json.loads(m.value)["state"]) for m in published) == \
        sorted((a["id"], a["state"]) for a in webhook.alerts)


def test_security_audit_exactly_once_across_kill_9(bootstrap, clickhouse, processors, webhook, tmp_path):
    topic = unique_topic("auth")
    create_topic(bootstrap, topic, partitions=3)
    count = 9000
    processor = processors(tmp_path, "security-audit.yaml", bootstrap,
                           {"AUTH_TOPIC": topic, "AUTH_GROUP": f"g-{topic}", "ALERTS_TOPIC": unique_topic("security-alerts"),
                            "ALERT_WEBHOOK_URL": webhook.url, "CLICKHOUSE_URL": clickhouse.url, "CLICKHOUSE_DATABASE": "security",
                            "CLICKHOUSE_BATCH_ROWS": "100", "CLICKHOUSE_BATCH_INTERVAL": "200ms", "IDLE_TIMEOUT": "5s"})
    generator = subprocess.Popen(
        generate_command("auth", bootstrap, topic, "--count", str(count), "--rate", "1000", "--event-rate", "5",
                         "--seed", "3", "--start", START),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Kill the processor while records are still arriving, once ClickHouse holds events beyond its last
        # checkpoint: the restart restores the checkpoint and replays those events.
        covered = lambda: checkpointed(bootstrap, f"g-{topic}", topic, 3)
        wait_until(lambda: processor.assert_running() or clickhouse.count("security.auth_events") > max(1000, covered()),
                   60, "events in ClickHouse beyond the last checkpoint", processor.log_tail)
        processor.kill9()
        stored_at_kill, covered = clickhouse.count("security.auth_events"), covered()
        assert covered < stored_at_kill < count, (covered, stored_at_kill)
        processor.start()
        _, errors = generator.communicate(timeout=60)
        assert generator.returncode == 0, errors.decode(errors="replace")
    finally:
        if generator.poll() is None:
            generator.kill()

    records = read_back(bootstrap, topic, 3, count)
    events = sorted(((iso_millis(e["ts"]), e) for _, _, e, _ in records), key=lambda pair: pair[0])
    by_user = WindowModel(MINUTE, MINUTE, group_by=("user",), keep=lambda e: e["outcome"] == "failure")
    by_ip = WindowModel(MINUTE, MINUTE, group_by=("src_ip",), keep=lambda e: e["outcome"] == "failure")
    locations = WindowModel(10 * MINUTE, MINUTE, group_by=("user",), keep=lambda e: e["outcome"] == "success")
    watermark = feed([by_user, by_ip, locations], events, out_of_orderness_ms=10_000)

    wait_until(lambda: processor.assert_running() or clickhouse.count("security.auth_events") == count, 120,
               f"all {count} events in ClickHouse", lambda: f"{clickhouse.count('security.auth_events')}\n{processor.log_tail()}")
    wait_for_rows(clickhouse, processor, "security.login_locations_10m", len(latest_revisions([(locations, watermark)])))
    wait_for_rows(clickhouse, processor, "security.failed_logins_by_ip_1m", len(latest_revisions([(by_ip, watermark)])))
    assert processor.stop() == 0, processor.log_tail()
    # The restarted processor replayed from its last checkpoint and skipped exactly what ClickHouse held beyond it.
    assert processor.metric("sink_rows_already_stored_total", sink="clickhouse security.auth_events") == stored_at_kill - covered
    assert processor.metric("late_events_dropped_total") == 0

    # Every raw event exactly once, at its Kafka position, with its original text.
    stored = clickhouse.rows("SELECT partition, offset, fields FROM security.auth_events")
    assert len(stored) == count
    assert sorted((r["partition"], r["offset"]) for r in stored) == [(p, o) for p, o, _, _ in records]
    raw = {(p, o): value.decode() for p, o, _, value in records}
    assert all(json.loads(r["fields"])["message"] == raw[(r["partition"], r["offset"])] for r in stored)

    user_rows = clickhouse.rows("SELECT user, window_start, failures FROM security.failed_logins_by_user_1m FINAL")
    assert Counter({(r["user"], r["window_start"]): r["failures"] for r in user_rows}) == \
        Counter({(k[0], clickhouse_time(s)): len(v) for (k, s), v in latest_revisions([(by_user, watermark)]).items()})
    ip_rows = clickhouse.rows("SELECT src_ip, window_start, failures FROM security.failed_logins_by_ip_1m FINAL")
    assert {(r["src_ip"], r["window_start"]): r["failures"] for r in ip_rows} == \
        {(k[0], clickhouse_time(s)): len(v) for (k, s), v in latest_revisions([(by_ip, watermark)]).items()}
    location_rows = clickhouse.rows("SELECT user, window_start, countries, logins FROM security.login_locations_10m FINAL")
    expected_locations = {(k[0], clickhouse_time(s)): v for (k, s), v in latest_revisions([(locations, watermark)]).items()}
    assert {(r["user"], r["window_start"]): (r["countries"], r["logins"]) for r in location_rows} == \
        {key: (len({e["country"] for e in v}), len(v)) for key, v in expected_locations.items()}

    # Alerts: every user with ten failures in a minute, and every user seen in two countries within
    # ten minutes, raised one (de-duplicated) alert.
    changes = webhook.changes()
    brute_force = {(k[0]) for (k, _), v in latest_revisions([(by_user, watermark)]).items() if len(v) >= 10}
    travellers = {k[0] for (k, _), v in latest_revisions([(locations, watermark)]).items() if len({e["country"] for e in v}) >= 2}
    assert brute_force and travellers
    assert {c[1] for c in changes if c[0] == "brute_force_user" and c[2] == "firing"} == {f"user={u}" for u in brute_force}
    assert {c[1] for c in changes if c[0] == "impossible_travel" and c[2] == "firing"} == {f"user={u}" for u in travellers}


def test_two_members_in_one_group_write_every_event_once(bootstrap, clickhouse, processors, webhook, tmp_path):
    """Two processors share a 4-partition topic: the second joins mid-stream (a rebalance moves partitions
    from the first, whose revocation waits for its checkpoint), later the first is killed with -9 (its
    partitions go to the second after the session timeout). Every event lands in ClickHouse exactly once."""
    topic = unique_topic("auth-group")
    create_topic(bootstrap, topic, partitions=4)
    count = 4000
    env = {"AUTH_TOPIC": topic, "AUTH_GROUP": f"g-{topic}", "ALERTS_TOPIC": unique_topic("security-alerts"),
           "ALERT_WEBHOOK_URL": webhook.url, "CLICKHOUSE_URL": clickhouse.url, "CLICKHOUSE_DATABASE": "security_group",
           "CLICKHOUSE_BATCH_ROWS": "100", "CLICKHOUSE_BATCH_INTERVAL": "200ms", "IDLE_TIMEOUT": "5s"}
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = processors(tmp_path / "first", "security-audit.yaml", bootstrap, env)
    generator = subprocess.Popen(
        generate_command("auth", bootstrap, topic, "--count", str(count), "--rate", "200", "--event-rate", "5",
                         "--seed", "5", "--start", START, "-X", "message.timeout.ms=120000"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stored = lambda: clickhouse.count("security_group.auth_events")
    try:
        wait_until(lambda: first.assert_running() or stored() > 500, 60, "the first member writing events", first.log_tail)
        second = processors(tmp_path / "second", "security-audit.yaml", bootstrap, env)
        wait_until(lambda: first.assert_running() or second.assert_running() or second.metric("records_total") > 0, 60,
                   "the second member processing records", lambda: first.log_tail() + second.log_tail())
        held = "partitions being revoked; checkpointing before letting them go"
        assert held in first.log_path.read_text(), first.log_tail()
        wait_until(lambda: first.assert_running() or stored() > 2500, 60, "more events in ClickHouse", first.log_tail)
        first.kill9()
        _, errors = generator.communicate(timeout=60)
        assert generator.returncode == 0, errors.decode(errors="replace")
    finally:
        if generator.poll() is None:
            generator.kill()

    records = read_back(bootstrap, topic, 4, count)
    wait_until(lambda: second.assert_running() or stored() >= count, 60, f"all {count} events in ClickHouse",
               lambda: f"{stored()}\n{second.log_tail()}")
    assert second.stop() == 0, second.log_tail()
    rows = clickhouse.rows("SELECT partition, offset FROM security_group.auth_events")
    positions = sorted((r["partition"], r["offset"]) for r in rows)
    duplicates = [p for p, n in Counter(positions).items() if n > 1]
    assert not duplicates, f"{len(duplicates)} events stored twice, such as {duplicates[:5]}"
    assert positions == [(p, o) for p, o, _, _ in records]


def test_two_processors_merge_exact_windows_across_a_join_and_a_kill_9(bootstrap, clickhouse, processors, tmp_path):
    """Web analytics on a 4-partition topic by two processors of one group: the second joins mid-stream (the
    group moves partitions, and partials partitions, from the first), then the first is killed with -9 and
    restarted. Every window row in ClickHouse, read without FINAL, is there once per revision and holds
    exactly what this test computes from the records by the documented per-partition rule."""
    topic = unique_topic("web-scale")
    create_topic(bootstrap, topic, partitions=4)
    count = 9000
    env = {"WEB_TOPIC": topic, "WEB_GROUP": f"g-{topic}", "CLICKHOUSE_URL": clickhouse.url, "CLICKHOUSE_DATABASE": "web_scale",
           "CLICKHOUSE_BATCH_INTERVAL": "200ms"}
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = processors(tmp_path / "first", "web-analytics.yaml", bootstrap, env)
    generator = subprocess.Popen(
        generate_command("web", bootstrap, topic, "--count", str(count), "--rate", "150", "--event-rate", "20", "--seed", "17",
                         "--start", START, "--late-every", "700", "--late-by", "40s,15m", "-X", "message.timeout.ms=120000"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    logs = lambda: first.log_tail() + second.log_tail()
    tables = ("web_traffic_1m", "web_status_1m", "web_errors_1m")

    def created() -> bool:
        try:
            return all(clickhouse.scalar(f"EXISTS TABLE web_scale.{table}") == 1 for table in tables)
        except AssertionError:
            return False  # the database is not there yet
    try:
        wait_until(lambda: first.assert_running() or created(), 60, "the first processor creating its tables", first.log_tail)
        # Without background merges ReplacingMergeTree keeps every row inserted, so the test sees each
        # revision as often as it was written.
        for table in tables:
            clickhouse.query(f"SYSTEM STOP MERGES web_scale.{table}")
        wait_until(lambda: first.assert_running() or first.metric("records_total") > 1500, 60, "the first processor reading",
                   first.log_tail)
        second = processors(tmp_path / "second", "web-analytics.yaml", bootstrap, env)
        wait_until(lambda: first.assert_running() or second.assert_running() or second.metric("records_total") > 0, 60,
                   "the second processor reading partitions the first gave up", logs)
        assert "partitions being revoked; checkpointing before letting them go" in first.log_path.read_text(), first.log_tail()
        wait_until(lambda: second.assert_running() or first.metric("records_total") + second.metric("records_total") > 4500, 60,
                   "half of the records processed", logs)
        first.kill9()
        replayed = second.metric("records_replayed_total")
        # The killed member's partitions, and its partials partitions, go to the second after the session
        # timeout; it rebuilds their open windows from the first's last checkpoints.
        wait_until(lambda: second.assert_running() or second.metric("records_replayed_total") > replayed, 60,
                   "the second processor taking the killed one's partitions over", second.log_tail)
        first.metrics_path.unlink()
        first.start()
        wait_until(lambda: first.assert_running() or first.metric("records_replayed_total") > 0, 60,
                   "the restarted processor rebuilding partitions it got back", logs)
        _, errors = generator.communicate(timeout=120)
        assert generator.returncode == 0, errors.decode(errors="replace")
    finally:
        if generator.poll() is None:
            generator.kill()

    records = read_back(bootstrap, topic, 4, count)
    aggregations = {
        "web_traffic_1m": lambda: WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE),
        "web_status_1m": lambda: WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE, group_by=("status",)),
        "web_errors_1m": lambda: WindowModel(MINUTE, MINUTE, lateness_ms=2 * MINUTE, keep=lambda e: e["status"] >= 500),
    }
    per_partition = {table: [] for table in aggregations}
    for partition in range(4):
        models = {table: make() for table, make in aggregations.items()}
        events = [(iso_millis(e["ts"]), e) for p, _, e, _ in records if p == partition]
        watermark = feed(models.values(), events, out_of_orderness_ms=5000)
        for table, model in models.items():
            per_partition[table].append((model, watermark))
    expected = {table: merged_windows(models) for table, models in per_partition.items()}
    traffic_models = [model for model, _ in per_partition["web_traffic_1m"]]
    assert sum(m.dropped for m in traffic_models) > 0 and sum(m.accepted_late for m in traffic_models) > 0, \
        "the input must hold late events of both kinds"
    assert any(r.first is not None and r.final is not None and len(r.first) != len(r.final) for r in expected["web_traffic_1m"].values()), \
        "some window's late events must show in its final revision only"

    def rows(table: str, group: str = "") -> dict:
        """(group value, window start, revision) → rows, read without FINAL."""
        found = {}
        for row in clickhouse.rows(f"SELECT * FROM web_scale.{table} ORDER BY window_start, revision"):
            found.setdefault((row.get(group, ""), row["window_start"], row["revision"]), []).append(row)
        return found

    def wanted(table: str) -> set:
        return {(key[0] if key else "", clickhouse_time(start), revision)
                for (key, start), revisions in expected[table].items()
                for revision, events in ((0, revisions.first), (1, revisions.final)) if events is not None}

    groups = dict(zip(tables, ("", "status", "")))
    for table, group in groups.items():
        wait_until(lambda: first.assert_running() or second.assert_running() or set(rows(table, group)) >= wanted(table), 90,
                   f"every expected revision in {table}",
                   lambda: f"missing {sorted(wanted(table) - set(rows(table, group)))[:5]} of {sorted(wanted(table))}, "
                           f"stored {sorted(rows(table, group))}\n{logs()}")
    assert first.stop() == 0, first.log_tail()
    assert second.stop() == 0, second.log_tail()

    for table, group in groups.items():
        stored = rows(table, group)
        duplicates = {key: len(found) for key, found in stored.items() if len(found) > 1}
        assert not duplicates, f"{table}: rows written twice: {sorted(duplicates.items())[:5]}"
        assert set(stored) == wanted(table), f"{table}: unexpected rows {sorted(set(stored) - wanted(table))[:5]}"
        for (key, start), revisions in expected[table].items():
            for revision, events in ((0, revisions.first), (1, revisions.final)):
                if events is None:
                    continue
                row = stored[(key[0] if key else "", clickhouse_time(start), revision)][0]
                where = f"{table} {key} {row['window_start']} revision {revision}"
                assert row["is_final"] == revision, where
                if table == "web_traffic_1m":
                    assert row["page_views"] == len(events), where
                    assert row["bytes_sent"] == sum(e["bytes"] for e in events), where
                    users = len({e["user_id"] for e in events})
                    assert approx(row["unique_visitors"], users, 0.02), f"{where}: {row['unique_visitors']} visitors, exactly {users}"
                    latencies = [e["latency_ms"] for e in events]
                    for column, q in (("latency_p50", 0.5), ("latency_p95", 0.95), ("latency_p99", 0.99)):
                        assert approx(row[column], exact_quantile(latencies, q), 0.0101), f"{where}: {column}"
                    assert [(e["item"], e["count"]) for e in json.loads(row["top_pages"])] == top((e["path"] for e in events), 10), where
                elif table == "web_status_1m":
                    assert row["requests"] == len(events), where
                    assert approx(row["latency_avg"], sum(e["latency_ms"] for e in events) / len(events), 1e-9), where
                else:
                    assert row["errors"] == len(events), where
                    assert [(e["item"], e["count"]) for e in json.loads(row["top_paths"])] == top((e["path"] for e in events), 5), where
