import Foundation
import KafkaClient
import Testing

@Suite("KafkaAdmin against a real broker")
struct AdminTests {
    @Test("create, describe, list and delete a topic")
    func topicLifecycle() async throws {
        let topic = TestCluster.uniqueTopic("admin")
        let admin = try await createTopic(topic, partitions: 3, config: ["retention.ms": "3600000"])

        let description = try await admin.describeTopic(topic)
        #expect(description.name == topic)
        #expect(description.partitions.map(\.partition) == [0, 1, 2])
        let brokers = try await admin.describeCluster().brokers.map(\.id)
        for partition in description.partitions {
            #expect(brokers.contains(partition.leader))
            #expect(partition.replicas == [partition.leader])
            #expect(partition.inSyncReplicas == [partition.leader])
            #expect(partition.error == nil)
        }
        #expect(description.replicationFactor == 1)
        #expect(try await admin.listTopics().map(\.name).contains(topic))

        let configs = try await admin.describeConfigs(.topic(topic))
        let retention = try #require(configs.first { $0.name == "retention.ms" })
        #expect(retention.value == "3600000")
        #expect(retention.isTopicOverride)

        try await admin.deleteTopics([topic])
        #expect(try await !admin.listTopics().map(\.name).contains(topic))
    }

    @Test("creating an existing topic fails with TOPIC_ALREADY_EXISTS naming the topic")
    func duplicateTopic() async throws {
        let topic = TestCluster.uniqueTopic("duplicate")
        let admin = try await createTopic(topic)
        let error = try await #require(throws: KafkaError.self) {
            try await admin.createTopic(NewTopic(name: topic, partitions: 1, replicationFactor: 1))
        }
        #expect(error.code == .topicAlreadyExists)
        #expect(error.description.contains(topic))
        try await admin.deleteTopics([topic])
    }

    @Test("a missing topic is a clear UNKNOWN_TOPIC_OR_PART error, and looking it up does not create it")
    func missingTopic() async throws {
        let topic = TestCluster.uniqueTopic("missing")
        let admin = try KafkaAdmin(config: try TestCluster.config())
        let error = try await #require(throws: KafkaError.self) { try await admin.describeTopic(topic) }
        #expect(error.code == .unknownTopicOrPartition)
        #expect(error.description.contains("'\(topic)' does not exist"))
        let deleteError = try await #require(throws: KafkaError.self) { try await admin.deleteTopics([topic]) }
        #expect(deleteError.code == .unknownTopicOrPartition)
        _ = try? await admin.watermarkOffsets(TopicPartition(topic: topic, partition: 0), timeout: .seconds(2))
        #expect(try await !admin.listTopics().map(\.name).contains(topic))
    }

    @Test("altering configs sets and removes entries and keeps the other overrides")
    func alterConfigs() async throws {
        let topic = TestCluster.uniqueTopic("configs")
        let admin = try await createTopic(topic, config: ["retention.ms": "3600000", "segment.bytes": "1048576"])
        try await admin.alterConfigs(.topic(topic), set: ["retention.bytes": "1000000"], delete: ["segment.bytes"])
        let overrides = try await admin.describeConfigs(.topic(topic)).filter(\.isTopicOverride)
        #expect(Dictionary(uniqueKeysWithValues: overrides.map { ($0.name, $0.value) }) == ["retention.ms": "3600000", "retention.bytes": "1000000"])
        try await admin.deleteTopics([topic])
    }

    @Test("watermarks follow produced records, and offsets for times find the first record at or after a time")
    func watermarksAndTimes() async throws {
        let topic = TestCluster.uniqueTopic("offsets")
        let admin = try await createTopic(topic)
        let partition = TopicPartition(topic: topic, partition: 0)
        #expect(try await admin.watermarkOffsets(partition) == WatermarkOffsets(low: 0, high: 0))

        let producer = try KafkaProducer(config: try TestCluster.config())
        for (index, time) in [1_000_000, 2_000_000, 3_000_000, 4_000_000].enumerated() {
            let report = try await producer.send(
                topic: topic, value: Array("record \(index)".utf8), timestamp: KafkaTimestamp(milliseconds: Int64(time)))
            #expect(report.offset == Int64(index))
        }
        await producer.close()

        #expect(try await admin.watermarkOffsets(partition) == WatermarkOffsets(low: 0, high: 4))
        #expect(try await admin.watermarkOffsets(topic: topic) == [partition: WatermarkOffsets(low: 0, high: 4)])
        let lookups: [(Int64, Int64?)] = [(0, 0), (1_000_000, 0), (2_000_000, 1), (2_500_000, 2), (4_000_000, 3), (4_000_001, nil)]
        for (time, expected) in lookups {
            let found = try await admin.offsets(forTimes: [partition: KafkaTimestamp(milliseconds: time)])
            #expect(found[partition] == .some(expected), "offset for time \(time)")
        }
        try await admin.deleteTopics([topic])
    }
}
