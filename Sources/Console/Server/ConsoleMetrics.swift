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
        rounds = registry.makeCounter(descriptor: Self.console("sample_rounds", unit: "total", "Sampling rounds that read the whole cluster."))
        failures = registry.makeCounter(descriptor: Self.console("sample_failures", unit: "total", "Sampling rounds that failed."))
        roundDuration = registry.makeDurationHistogram(
            descriptor: Self.console("sample_duration", unit: "seconds", "How long a sampling round took, failed ones included."),
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)])
        lastSuccess = registry.makeGauge(
            descriptor: Self.console("last_sample_timestamp", unit: "seconds", "When the last successful sampling round finished (Unix time)."))
        partitions = registry.makeGauge(descriptor: Self.console("tracked_partitions", unit: "", "Partitions whose end offsets are sampled."))
        groupPartitions = registry.makeGauge(
            descriptor: Self.console("tracked_group_partitions", unit: "", "Consumer group partitions whose committed offsets are sampled."))
    }

    /// `logport_console_<name>_<unit>`.
    private static func console(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "logport", subsystem: "console", metricName: name, unitName: unit, helpText: help)
    }

    /// `logport_consumer_group_<name>`, labelled by group.
    private static func group(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "logport", subsystem: "consumer_group", metricName: name, unitName: "", helpText: help)
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
                    registry.makeGauge(descriptor: Self.group("lag", "Total lag of a consumer group at the last sample."), labels: [("group", group)]),
                    registry.makeGauge(
                        descriptor: Self.group("status", "Lag verdict of a consumer group: 0 UNKNOWN, 1 OK, 2 WARN, 3 ERR."), labels: [("group", group)])
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
