import Console
import Foundation
import KafkaClient
import Testing

@Suite("Console API: cluster and topics against a real broker")
struct TopicAPITests {
    @Test("a topic's offsets equal what the broker reports after producing, and its retention is the topic's")
    func topicEndOffsets() async throws {
        let topic = Broker.unique("offsets")
        let admin = try await Broker.createTopic(topic, partitions: 3, config: ["retention.ms": "3600000"])
        for (partition, count) in [(0, 5), (1, 7), (2, 11)] { try await produce(topic: topic, partition: Int32(partition), count: count) }
        let harness = try ConsoleHarness()

        let detail = try await harness.json("/api/topics/\(topic)", as: TopicDetail.self)
        let reported = try await admin.watermarkOffsets(topic: topic)
        #expect(detail.partitions.map(\.partition) == [0, 1, 2])
        #expect(detail.partitions.map(\.latestOffset) == [5, 7, 11])
        for partition in detail.partitions {
            let marks = try #require(reported[TopicPartition(topic: topic, partition: partition.partition)])
            #expect(partition.latestOffset == marks.high && partition.earliestOffset == marks.low)
            #expect(partition.records == marks.high - marks.low)
            #expect(partition.replicas == [partition.leader] && partition.inSyncReplicas == [partition.leader])
        }
        #expect(detail.summary.endOffset == 23 && detail.summary.records == 23)
        #expect(detail.summary.retentionMs == 3_600_000)
        let retention = try #require(detail.configOverrides.first { $0.name == "retention.ms" })
        #expect(retention.value == "3600000" && retention.source == "DYNAMIC_TOPIC_CONFIG")

        let topics = try await harness.json("/api/topics", as: [TopicSummary].self)
        let listed = try #require(topics.first { $0.name == topic })
        #expect(listed.endOffset == 23 && listed.partitions == 3 && listed.replicationFactor == 1)
        #expect(!topics.contains { $0.name.hasPrefix("__") })
        try await admin.deleteTopics([topic])
    }

    @Test("the produce rate comes from end-offset deltas between samples")
    func produceRate() async throws {
        let topic = Broker.unique("rate")
        let admin = try await Broker.createTopic(topic, partitions: 1)
        let harness = try ConsoleHarness()
        await harness.sample()
        try await Task.sleep(for: .milliseconds(500))
        try await produce(topic: topic, partition: 0, count: 40)
        await harness.sample()

        let detail = try await harness.json("/api/topics/\(topic)", as: TopicDetail.self)
        let history = detail.summary.rateHistory
        let sampling = try await harness.json("/api/cluster", as: ClusterOverview.self).sampling
        #expect(history.count == 1, "sampling: \(sampling)")
        let rate = try #require(detail.summary.produceRate)
        // 40 records between two samples at least 500 ms apart, at most a few seconds apart.
        #expect(rate > 4 && rate <= 80, "rate \(rate)")
        #expect(history.first?.recordsPerSecond == rate)
        #expect(detail.partitions.first?.produceRate == rate)
        try await admin.deleteTopics([topic])
    }

    @Test("the cluster overview lists the broker and sums the topics")
    func cluster() async throws {
        let topic = Broker.unique("overview")
        let admin = try await Broker.createTopic(topic, partitions: 2)
        try await produce(topic: topic, partition: 1, count: 3)
        let harness = try ConsoleHarness()
        await harness.sample()

        let overview = try await harness.json("/api/cluster", as: ClusterOverview.self)
        let brokers = try await admin.describeCluster().brokers
        #expect(overview.brokers.map(\.id) == brokers.map(\.id))
        #expect(overview.brokers.map(\.port) == brokers.map(\.port))
        #expect(overview.bootstrap == (try Broker.bootstrap))
        #expect(overview.partitionCount == overview.topics.reduce(0) { $0 + $1.partitions })
        #expect(overview.recordCount == overview.topics.reduce(0) { $0 + $1.records })
        #expect(overview.topics.first { $0.name == topic }?.endOffset == 3)
        #expect(overview.sampling.rounds == 1 && overview.sampling.lastError == nil)
        try await admin.deleteTopics([topic])
    }

    @Test("a missing topic is a 404 naming it; a bad parameter is a 400 naming the parameter")
    func errors() async throws {
        let harness = try ConsoleHarness()
        let missing = Broker.unique("missing")
        #expect(try await harness.get("/api/topics/\(missing)", status: .notFound).contains("'\(missing)' does not exist"))
        #expect(try await harness.get("/api/topics/\(missing)/messages", status: .notFound).contains(missing))
        #expect(try await harness.get("/topics/\(missing)", status: .notFound).contains("does not exist"))
        #expect(try await harness.get("/api/topics/\(missing)/messages?partition=x", status: .badRequest).contains("'partition' must be an integer"))
    }
}
