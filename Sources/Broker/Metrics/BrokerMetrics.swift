import KafkaProtocol
import NIOConcurrencyHelpers
import Prometheus

/// The broker's Prometheus metrics, in a registry of its own (never the process-wide metrics
/// system: `logport up` runs several roles in one process). Every name starts `logport_broker_`;
/// docs/metrics.md lists them.
///
/// Cost on the request path: counters and gauges are relaxed atomics, the metrics of each API are
/// made once at start and found by array index, so a request takes no lock except the one inside
/// each of its two latency histograms (one per API, so Produce and Fetch never contend with each
/// other). Error counters and per-topic counters are made on first use behind a lock; a Produce
/// takes that lock once per topic in the request. Partition gauges are read from storage at scrape
/// time (`publishPartitions`), never updated while serving.
public final class BrokerMetrics: Sendable {
    /// One API's request metrics.
    struct ApiMetrics: Sendable {
        let requests: Counter
        /// Requests that closed the connection instead of being answered (malformed body).
        let failed: Counter
        /// Arrival to response ready, including a long poll's or an fsync's wait.
        let duration: DurationHistogram
        /// Arrival to the end of the in-order part: the whole request unless it then waits.
        let handlingDuration: DurationHistogram
    }

    /// Produce counters of one topic.
    struct TopicCounters: Sendable {
        let records: Counter
        let bytes: Counter
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    let registry = PrometheusCollectorRegistry()
    let bytesReceived: Counter
    let bytesSent: Counter
    let connectionsOpen: Gauge
    let connectionsAccepted: Counter
    /// Indexed by raw api key; nil for keys this broker does not serve.
    private let apis: [ApiMetrics?]
    private let errorCounters = NIOLockedValueBox([ErrorKey: Counter]())
    private let topicCounters = NIOLockedValueBox([String: TopicCounters]())
    private let partitionGauges = NIOLockedValueBox([PartitionKey: PartitionGauges]())

    private struct ErrorKey: Hashable {
        let apiKey: Int16
        let code: Int16
    }

    private struct PartitionKey: Hashable {
        let topic: String
        let partition: Int32
    }

    private struct PartitionGauges {
        let logStartOffset: Gauge
        let logEndOffset: Gauge
        let sizeBytes: Gauge
    }

    /// Makes the request metrics of every api key in `apiKeys` up front.
    init(apiKeys: [Int16]) {
        bytesReceived = registry.makeCounter(descriptor: Self.name("network_received", unit: "bytes_total", "Bytes read from client connections."))
        bytesSent = registry.makeCounter(descriptor: Self.name("network_sent", unit: "bytes_total", "Bytes written to client connections."))
        connectionsOpen = registry.makeGauge(descriptor: Self.name("connections_open", unit: "", "Client connections open now."))
        connectionsAccepted = registry.makeCounter(descriptor: Self.name("connections_accepted", unit: "total", "Client connections accepted."))
        var apis = [ApiMetrics?](repeating: nil, count: Int(apiKeys.max() ?? 0) + 1)
        for key in apiKeys where key >= 0 {
            let labels = [("api", Self.apiName(key))]
            apis[Int(key)] = ApiMetrics(
                requests: registry.makeCounter(descriptor: Self.name("requests", unit: "total", "Requests received, per Kafka API."), labels: labels),
                failed: registry.makeCounter(
                    descriptor: Self.name("requests_failed", unit: "total", "Requests that closed the connection instead of being answered (malformed body, handler failure)."),
                    labels: labels),
                duration: registry.makeDurationHistogram(
                    descriptor: Self.name("request_duration", unit: "seconds", "Time from a request's arrival to its response being ready, long-poll and fsync waits included."),
                    labels: labels, buckets: Self.latencyBuckets),
                handlingDuration: registry.makeDurationHistogram(
                    descriptor: Self.name("request_handling_duration", unit: "seconds", "Time from a request's arrival until it was answered or began to wait (long poll, fsync)."),
                    labels: labels, buckets: Self.latencyBuckets))
        }
        self.apis = apis
    }

    /// `logport_broker_<name>_<unit>`.
    private static func name(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "logport", subsystem: "broker", metricName: name, unitName: unit, helpText: help)
    }

    static func apiName(_ key: Int16) -> String {
        ApiKey(rawValue: key)?.name ?? "ApiKey\(key)"
    }

    func api(_ rawKey: Int16) -> ApiMetrics? {
        rawKey >= 0 && Int(rawKey) < apis.count ? apis[Int(rawKey)] : nil
    }

    /// Counts one error code in a response of `apiKey` (a partition's or the request's).
    func recordError(apiKey: Int16, code: ErrorCode) {
        let key = ErrorKey(apiKey: apiKey, code: code.rawValue)
        let counter = errorCounters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("request_errors", unit: "total", "Error codes in responses (per partition where the API answers per partition), per API and Kafka error code."),
                labels: [("api", Self.apiName(apiKey)), ("error_code", String(code.rawValue))])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// The Produce counters of `topic`, made on first use.
    func topic(_ topic: String) -> TopicCounters {
        topicCounters.withLockedValue { counters in
            if let existing = counters[topic] { return existing }
            let labels = [("topic", topic)]
            let made = TopicCounters(
                records: registry.makeCounter(descriptor: Self.name("produce_records", unit: "total", "Records appended by Produce requests, per topic."), labels: labels),
                bytes: registry.makeCounter(descriptor: Self.name("produce", unit: "bytes_total", "Record batch bytes appended by Produce requests, per topic."), labels: labels))
            counters[topic] = made
            return made
        }
    }

    /// Sets the partition gauges to `partitions` and drops those of partitions that are gone.
    func publishPartitions(_ partitions: [PartitionSnapshot]) {
        partitionGauges.withLockedValue { gauges in
            let current = Set(partitions.map { PartitionKey(topic: $0.topic, partition: $0.partition) })
            for (key, stale) in gauges where !current.contains(key) {
                registry.unregisterGauge(stale.logStartOffset)
                registry.unregisterGauge(stale.logEndOffset)
                registry.unregisterGauge(stale.sizeBytes)
                gauges[key] = nil
            }
            for snapshot in partitions {
                let key = PartitionKey(topic: snapshot.topic, partition: snapshot.partition)
                let labels = [("topic", snapshot.topic), ("partition", String(snapshot.partition))]
                let partition = gauges[key] ?? PartitionGauges(
                    logStartOffset: registry.makeGauge(
                        descriptor: Self.name("partition_log_start_offset", unit: "", "First offset still in the partition's log."), labels: labels),
                    logEndOffset: registry.makeGauge(
                        descriptor: Self.name("partition_log_end_offset", unit: "", "Offset the next appended record gets."), labels: labels),
                    sizeBytes: registry.makeGauge(
                        descriptor: Self.name("partition_size", unit: "bytes", "Bytes of the partition's log segments on disk."), labels: labels))
                partition.logStartOffset.set(Double(snapshot.logStartOffset))
                partition.logEndOffset.set(Double(snapshot.logEndOffset))
                partition.sizeBytes.set(Double(snapshot.sizeBytes))
                gauges[key] = partition
            }
        }
    }

    /// The Prometheus text exposition of every metric as it stands.
    func exposition() -> String {
        registry.emitToString()
    }
}

/// One partition's offsets and size, read from storage at scrape time.
struct PartitionSnapshot: Sendable, Equatable {
    let topic: String
    let partition: Int32
    let logStartOffset: Int64
    let logEndOffset: Int64
    let sizeBytes: Int

    /// Every partition of every topic; a partition whose log cannot be read is left out. Blocks on
    /// storage: call it on the storage threads.
    static func readAll(from storage: any TopicStorage) -> [PartitionSnapshot] {
        var snapshots: [PartitionSnapshot] = []
        for topic in storage.topics() {
            for index in 0..<topic.partitionCount {
                guard let log = storage.partitionStorage(topic: topic.name, index: PartitionIndex(index)),
                    let offsets = try? log.offsets, let size = try? log.sizeInBytes
                else { continue }
                snapshots.append(PartitionSnapshot(
                    topic: topic.name, partition: index, logStartOffset: offsets.logStartOffset.rawValue,
                    logEndOffset: offsets.logEndOffset.rawValue, sizeBytes: size))
            }
        }
        return snapshots
    }
}
