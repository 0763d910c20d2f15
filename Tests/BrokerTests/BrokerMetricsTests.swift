import KafkaProtocol
import Testing

@testable import Broker

@Suite struct BrokerMetricsTests {
    /// The samples of one metric family, without HELP/TYPE lines, in a stable order.
    private func samples(_ text: String, _ prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix + "{") || $0.hasPrefix(prefix + " ") }.sorted()
    }

    @Test func countsRequestsErrorsAndProducePerTopic() {
        let metrics = BrokerMetrics(apiKeys: [ApiKey.produce.rawValue, ApiKey.fetch.rawValue])
        metrics.api(ApiKey.produce.rawValue)?.requests.increment()
        metrics.api(ApiKey.produce.rawValue)?.requests.increment()
        metrics.api(ApiKey.fetch.rawValue)?.requests.increment()
        metrics.recordError(apiKey: ApiKey.fetch.rawValue, code: .offsetOutOfRange)
        metrics.recordError(apiKey: ApiKey.fetch.rawValue, code: .offsetOutOfRange)
        metrics.topic("web").records.increment(by: Int64(5))
        metrics.topic("web").bytes.increment(by: Int64(300))
        metrics.bytesReceived.increment(by: Int64(1234))

        let text = metrics.exposition()
        #expect(samples(text, "logport_broker_requests_total") == [
            #"logport_broker_requests_total{api="Fetch"} 1"#, #"logport_broker_requests_total{api="Produce"} 2"#,
        ])
        #expect(samples(text, "logport_broker_request_errors_total") == [#"logport_broker_request_errors_total{api="Fetch",error_code="1"} 2"#])
        #expect(samples(text, "logport_broker_produce_records_total") == [#"logport_broker_produce_records_total{topic="web"} 5"#])
        #expect(samples(text, "logport_broker_produce_bytes_total") == [#"logport_broker_produce_bytes_total{topic="web"} 300"#])
        #expect(samples(text, "logport_broker_network_received_bytes_total") == ["logport_broker_network_received_bytes_total 1234"])
        #expect(text.contains("# TYPE logport_broker_requests_total counter"))
        #expect(metrics.api(ApiKey.metadata.rawValue) == nil)
        #expect(metrics.api(-1) == nil)
    }

    @Test func latencyHistogramsUseFixedBuckets() {
        let metrics = BrokerMetrics(apiKeys: [ApiKey.fetch.rawValue])
        let fetch = metrics.api(ApiKey.fetch.rawValue)!
        fetch.handlingDuration.record(.microseconds(300))
        fetch.duration.record(.milliseconds(400))
        let text = metrics.exposition()
        #expect(text.contains(#"logport_broker_request_handling_duration_seconds_bucket{api="Fetch",le="0.0001"} 0"#))
        #expect(text.contains(#"logport_broker_request_handling_duration_seconds_bucket{api="Fetch",le="0.0005"} 1"#))
        #expect(text.contains(#"logport_broker_request_duration_seconds_bucket{api="Fetch",le="0.25"} 0"#))
        #expect(text.contains(#"logport_broker_request_duration_seconds_bucket{api="Fetch",le="0.5"} 1"#))
        #expect(text.contains(#"logport_broker_request_duration_seconds_count{api="Fetch"} 1"#))
    }

    @Test func partitionGaugesFollowTheStorageAndDropDeletedPartitions() throws {
        let metrics = BrokerMetrics(apiKeys: [])
        metrics.publishPartitions([
            PartitionSnapshot(topic: "a", partition: 0, logStartOffset: 2, logEndOffset: 10, sizeBytes: 700),
            PartitionSnapshot(topic: "b", partition: 1, logStartOffset: 0, logEndOffset: 3, sizeBytes: 90),
        ])
        #expect(samples(metrics.exposition(), "logport_broker_partition_log_end_offset") == [
            #"logport_broker_partition_log_end_offset{topic="a",partition="0"} 10.0"#,
            #"logport_broker_partition_log_end_offset{topic="b",partition="1"} 3.0"#,
        ])
        metrics.publishPartitions([PartitionSnapshot(topic: "a", partition: 0, logStartOffset: 4, logEndOffset: 12, sizeBytes: 800)])
        let text = metrics.exposition()
        #expect(samples(text, "logport_broker_partition_log_end_offset") == [#"logport_broker_partition_log_end_offset{topic="a",partition="0"} 12.0"#])
        #expect(samples(text, "logport_broker_partition_log_start_offset") == [#"logport_broker_partition_log_start_offset{topic="a",partition="0"} 4.0"#])
        #expect(samples(text, "logport_broker_partition_size_bytes") == [#"logport_broker_partition_size_bytes{topic="a",partition="0"} 800.0"#])
    }

    @Test func snapshotsReadOffsetsAndSizesFromStorage() throws {
        let storage = InMemoryTopicStorage()
        _ = try storage.createTopic(name: "t", partitions: 2, config: [:])
        let snapshots = PartitionSnapshot.readAll(from: storage)
        #expect(snapshots == [
            PartitionSnapshot(topic: "t", partition: 0, logStartOffset: 0, logEndOffset: 0, sizeBytes: 0),
            PartitionSnapshot(topic: "t", partition: 1, logStartOffset: 0, logEndOffset: 0, sizeBytes: 0),
        ])
    }

    @Test func metricsListenIsReadFromYAMLAndOffByDefault() throws {
        #expect(BrokerConfig().metricsListen == nil)
        let config = try BrokerConfig.parse(yaml: "metrics:\n  listen: 0.0.0.0:9308\n")
        #expect(config.metricsListen == HostPort(host: "0.0.0.0", port: 9308))
        #expect(throws: BrokerConfigError.self) { try BrokerConfig.parse(yaml: "metrics.listen: nowhere\n") }
    }
}
