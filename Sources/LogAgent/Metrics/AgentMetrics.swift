import NIOConcurrencyHelpers
import NIOPosix
import Prometheus

/// The agent's Prometheus metrics, in a registry of its own (never the process-wide metrics
/// system). Every name starts `logport_agent_`; docs/metrics.md lists them.
///
/// Counters are made once per component when the pipeline is wired (`source(_:)`, `sink(_:)`,
/// `transform(_:)`), so counting an event is a relaxed atomic add. File lag is not counted at
/// all: `exposition()` asks each registered file source where it stands and stats the files.
public final class AgentMetrics: Sendable {
    /// Counters of one source.
    public struct SourceCounters: Sendable {
        public let events: Counter
        public let bytes: Counter
    }

    /// Counters of one sink. `inFlight` goes up when the sink takes an event and down when its
    /// delivery succeeded or failed.
    public struct SinkCounters: Sendable {
        public let sent: Counter
        public let failed: Counter
        public let inFlight: Gauge
    }

    let registry = PrometheusCollectorRegistry()
    private let fileSources = NIOLockedValueBox([(name: String, source: FileSource)]())
    private let fileGauges = NIOLockedValueBox([FileGaugeKey: Gauge]())

    private struct FileGaugeKey: Hashable {
        let source: String
        let path: String
        let metric: String
    }

    public init() {}

    /// `logport_agent_<name>_<unit>`.
    private static func name(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "logport", subsystem: "agent", metricName: name, unitName: unit, helpText: help)
    }

    public func source(_ name: String) -> SourceCounters {
        let labels = [("source", name)]
        return SourceCounters(
            events: registry.makeCounter(
                descriptor: Self.name("source_events", unit: "total", "Events a source read (for files and stdin: lines; multiline events count once)."),
                labels: labels),
            bytes: registry.makeCounter(descriptor: Self.name("source", unit: "bytes_total", "Bytes of message text a source read."), labels: labels))
    }

    public func sink(_ name: String) -> SinkCounters {
        let labels = [("sink", name)]
        return SinkCounters(
            sent: registry.makeCounter(descriptor: Self.name("sink_events_sent", unit: "total", "Events a sink delivered (acknowledged)."), labels: labels),
            failed: registry.makeCounter(
                descriptor: Self.name("sink_events_failed", unit: "total", "Events whose delivery failed after the sink's own retries."), labels: labels),
            inFlight: registry.makeGauge(
                descriptor: Self.name("sink_events_in_flight", unit: "", "Events a sink took and has not finished delivering."), labels: labels))
    }

    public func parseErrors(transform name: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("parse_errors", unit: "total", "Events a parsing transform could not parse (kept, with parse_error set)."),
            labels: [("transform", name)])
    }

    /// Reports `source`'s files at scrape time: bytes not read yet, and read but not acknowledged.
    public func watch(fileSource source: FileSource, name: String) {
        fileSources.withLockedValue { $0.append((name, source)) }
    }

    /// The Prometheus text exposition, file gauges read now. Reading them stats files and waits
    /// for the file sources' locks, so it runs on NIO's blocking thread pool.
    public func exposition() async -> String {
        let sources = fileSources.withLockedValue { $0 }
        if let progress = try? await NIOThreadPool.singleton.runIfActive({ sources.map { ($0.name, $0.source.progress()) } }) {
            publishFiles(progress)
        }
        return registry.emitToString()
    }

    /// Sets the file gauges and drops those of files no longer followed.
    func publishFiles(_ sources: [(name: String, progress: FileSourceProgress)]) {
        var values: [FileGaugeKey: Double] = [:]
        for (name, progress) in sources {
            values[FileGaugeKey(source: name, path: "", metric: "pending")] = Double(progress.pendingBytes)
            for file in progress.files {
                values[FileGaugeKey(source: name, path: file.path, metric: "unread")] = Double(file.unreadBytes)
            }
        }
        fileGauges.withLockedValue { gauges in
            for (key, gauge) in gauges where values[key] == nil {
                registry.unregisterGauge(gauge)
                gauges[key] = nil
            }
            for (key, value) in values {
                let gauge = gauges[key] ?? makeFileGauge(key)
                gauge.set(value)
                gauges[key] = gauge
            }
        }
    }

    private func makeFileGauge(_ key: FileGaugeKey) -> Gauge {
        if key.metric == "pending" {
            return registry.makeGauge(
                descriptor: Self.name("file_pending", unit: "bytes", "Bytes a file source read and handed on that are not acknowledged yet."),
                labels: [("source", key.source)])
        }
        return registry.makeGauge(
            descriptor: Self.name("file_unread", unit: "bytes", "How far reading lags behind a tailed file: its size minus the bytes read."),
            labels: [("source", key.source), ("path", key.path)])
    }
}
