import LagHealth
import NIOConcurrencyHelpers
import Prometheus

/// The console's Prometheus metrics, in its own registry (never the process-wide metrics system,
/// so several roles in one process do not collide): how sampling goes, and per consumer group its
/// total lag and verdict. Gauges of groups that disappear are unregistered.
final class ConsoleMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let rounds: Counter
    private let failures: Counter
    private let roundDuration: DurationHistogram
    private let lastSuccess: Gauge
    private let partitions: Gauge
    private let groupPartitions: Gauge
    /// Per group: its lag and status gauges, guarded by the box's lock.
    private let groupGauges = NIOLockedValueBox([String: (lag: Gauge, status: Gauge)]())

    init() {
        rounds = registry.makeCounter(name: "logport_console_sample_rounds_total", help: "Sampling rounds that read the whole cluster.")
        failures = registry.makeCounter(name: "logport_console_sample_failures_total", help: "Sampling rounds that failed.")
        roundDuration = registry.makeDurationHistogram(
            name: "logport_console_sample_duration_seconds",
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)],
            help: "How long a sampling round took, failed ones included.")
        lastSuccess = registry.makeGauge(
            name: "logport_console_last_sample_timestamp_seconds", help: "When the last successful sampling round finished (Unix time).")
        partitions = registry.makeGauge(name: "logport_console_tracked_partitions", help: "Partitions whose end offsets are sampled.")
        groupPartitions = registry.makeGauge(
            name: "logport_console_tracked_group_partitions", help: "Consumer group partitions whose committed offsets are sampled.")
    }

    func roundSucceeded(duration: Duration, partitions: Int, groupPartitions: Int) {
        rounds.increment()
        roundDuration.record(duration)
        lastSuccess.set(Double(nowMilliseconds()) / 1000)
        self.partitions.set(Double(partitions))
        self.groupPartitions.set(Double(groupPartitions))
    }

    func roundFailed(duration: Duration) {
        failures.increment()
        roundDuration.record(duration)
    }

    /// Sets each group's lag and status (0 unknown, 1 OK, 2 WARN, 3 ERR) and drops vanished groups.
    func publishGroups(_ groups: [String: (lag: Int64, status: GroupStatus)]) {
        groupGauges.withLockedValue { gauges in
            for (group, stale) in gauges where groups[group] == nil {
                registry.unregisterGauge(stale.lag)
                registry.unregisterGauge(stale.status)
                gauges[group] = nil
            }
            for (group, value) in groups {
                let pair = gauges[group] ?? (
                    registry.makeGauge(name: "logport_consumer_group_lag", labels: [("group", group)], help: "Total lag of a consumer group at the last sample."),
                    registry.makeGauge(
                        name: "logport_consumer_group_status", labels: [("group", group)],
                        help: "Lag verdict of a consumer group: 0 UNKNOWN, 1 OK, 2 WARN, 3 ERR.")
                )
                pair.lag.set(Double(value.lag))
                pair.status.set(Double(value.status.severity))
                gauges[group] = pair
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> String {
        registry.emitToString()
    }
}
